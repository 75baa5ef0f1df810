package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
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

func TestDuePage_EveryShardOnceAndOnlyDueItems(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-due-page")
	day := time.Date(2030, 1, 15, 0, 0, 0, 0, time.UTC)
	var want []string
	buckets := map[string]bool{}
	for i := range 40 {
		g := newGrant(api, access.EnvProd, access.SubjectApp, fmt.Sprintf("app-%02d", i), nil)
		due := day.Add(time.Duration(i) * time.Minute) // all on one day, all due by t0
		g.Due = &due
		putGrant(t, s, g)
		want = append(want, g.Subject.ID)
		items, err := s.Footprint(access.Change{Op: "probe", Writes: []access.Write{{Grant: &g}}})
		if err != nil {
			t.Fatal(err)
		}
		buckets[items[0].Indexes[store.IndexGSI2][0]] = true
	}
	late := newGrant(api, access.EnvProd, access.SubjectApp, "app-late", nil)
	late.Due = ptr(t0.Add(time.Millisecond))
	putGrant(t, s, late)
	if len(buckets) < store.DueShards/2 {
		t.Fatalf("40 grants due on one day landed in %d index partitions, want them spread over the %d shards", len(buckets), store.DueShards)
	}
	var got []string
	cursor, pages := "", 0
	for {
		items, next, err := s.DuePage(ctx, day.Add(-time.Hour), t0, 7, cursor)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) > 7 {
			t.Fatalf("page of %d items, limit 7", len(items))
		}
		for _, it := range items {
			got = append(got, it.Grant.Subject.ID)
		}
		pages++
		if next == "" {
			break
		}
		cursor = next
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("pages (%d) gave %v, want each due grant once: %v", pages, got, want)
	}
}

func TestDuePage_ForgedCursorIsInvalid(t *testing.T) {
	s := open(t)
	for _, c := range []string{"not base64!", "eyJkIjoieCJ9", "eyJkIjoiMjAzMC0wMS0xNSIsImIiOjk5fQ"} { // {"d":"x"} and {"d":"2030-01-15","b":99}
		_, _, err := s.DuePage(context.Background(), t0.Add(-time.Hour), t0, 10, c)
		wantCode(t, err, access.CodeNextToken)
	}
}
