package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
)

func TestDue_ReadsOnlyDueItems(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-due")
	mk := func(subject string, due *time.Time) access.Grant {
		g := newGrant(api, access.EnvProd, access.SubjectApp, subject, nil)
		g.Due = due
		return g
	}
	yesterday := t0.Add(-24 * time.Hour)
	putGrant(t, s,
		mk("before-window", ptr(yesterday.Add(-time.Second))),
		mk("at-from", ptr(yesterday)),
		mk("midnight", ptr(time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC))),
		mk("at-to", ptr(t0)),
		mk("just-after-to", ptr(t0.Add(time.Millisecond))),
		mk("tomorrow", ptr(t0.Add(24*time.Hour))),
		mk("nothing-due", nil),
	)
	mustCommit(t, s, access.Change{Op: "cleanup", Writes: []access.Write{
		{Cleanup: &access.CleanupTask{Resource: access.APIResource(api.ID), TenantID: tenant, Generation: 2, Due: t0.Add(-time.Hour)}},
		{Cleanup: &access.CleanupTask{Resource: access.APIResource(api.ID), TenantID: tenant, Generation: 3}}, // done: not indexed
	}})

	got, err := s.Due(ctx, yesterday, t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range got {
		switch {
		case d.Grant != nil:
			names = append(names, d.Grant.Subject.ID)
		case d.Cleanup != nil:
			names = append(names, "cleanup-"+string(rune('0'+d.Cleanup.Generation)))
		}
	}
	want := []string{"at-from", "midnight", "cleanup-2", "at-to"}
	if !slices.Equal(names, want) {
		t.Fatalf("got %v, want %v", names, want)
	}
	limited, err := s.Due(ctx, yesterday, t0, 2)
	if err != nil || len(limited) != 2 || limited[1].Grant == nil || limited[1].Grant.Subject.ID != "midnight" {
		t.Fatalf("limit 2: got %d items, %v", len(limited), err)
	}
	if none, err := s.Due(ctx, t0, yesterday, 0); err != nil || len(none) != 0 {
		t.Fatalf("empty window: got %d items, %v", len(none), err)
	}
}
