package store_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"gatepass/shared/access"
)

func TestGrant_CreateAndRead(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api1")
	putAPI(t, s, api)
	end := t0.Add(30 * 24 * time.Hour)
	g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", &end)
	g.Permissions = []access.Permission{access.PermUsage, access.PermProxy}
	g.Fields = []string{"a"}
	g.Due = ptr(end.Add(-7 * 24 * time.Hour))
	g.Reminded = []int{}
	mustCommit(t, s, createGrants(api, t0, g))

	got, err := s.GetGrant(ctx, access.APIResource(api.ID), g.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, g) {
		t.Fatalf("GetGrant got %+v, want %+v", got, g)
	}
	at, err := s.GetGrantAt(ctx, g.Key())
	if err != nil || !reflect.DeepEqual(at, g) {
		t.Fatalf("GetGrantAt got %+v, %v; want %+v", at, err, g)
	}
	other := access.SlotOf(access.APIResource(api.ID), access.EnvDev, access.Subject{Type: access.SubjectApp, ID: "app1"})
	many, err := s.GetGrantsAt(ctx, []access.GrantKey{other, g.Key(), g.Key()})
	if err != nil || len(many) != 1 || many[0].ID != g.ID {
		t.Fatalf("GetGrantsAt got %v, %v; want just %s", many, err, g.ID)
	}
	_, err = s.GetGrantAt(ctx, other)
	wantCode(t, err, access.CodeNotFoundGrant)
	_, err = s.GetGrant(ctx, access.APIResource("another-api"), g.ID)
	wantCode(t, err, access.CodeNotFoundGrant)
	_, err = s.GetGrant(ctx, access.APIResource(api.ID), "no-such-grant")
	wantCode(t, err, access.CodeNotFoundGrant)

	bySubject, err := s.GrantsBySubject(ctx, access.Subject{Type: access.SubjectApp, ID: "app1"})
	if err != nil || len(bySubject) != 1 || bySubject[0].ID != g.ID {
		t.Fatalf("GrantsBySubject got %v, %v", bySubject, err)
	}
	// "app1" must not match "app10" (trailing delimiter).
	putGrant(t, s, newGrant(api, access.EnvProd, access.SubjectApp, "app10", nil))
	if bySubject, _ = s.GrantsBySubject(ctx, access.Subject{Type: access.SubjectApp, ID: "app1"}); len(bySubject) != 1 {
		t.Fatalf("GrantsBySubject(app1) got %d grants, want 1", len(bySubject))
	}
	audit, err := s.Audit(ctx, "API", api.ID, 10, "")
	if err != nil || len(audit.Items) != 1 || audit.Items[0].GrantID != g.ID || audit.Items[0].Subject == nil {
		t.Fatalf("Audit got %+v, %v; want the create entry", audit, err)
	}
}

func TestGrant_R3_GrantExists(t *testing.T) {
	end := t0.Add(24 * time.Hour)
	later := t0.Add(48 * time.Hour)
	cases := []struct {
		name    string
		old     func(g *access.Grant)
		now     time.Time
		wantErr string // "" means the new grant replaces the old one
	}{
		{"in force", func(*access.Grant) {}, t0, access.CodeGrantExists},
		{"in force until the last instant", func(*access.Grant) {}, end.Add(-time.Nanosecond), access.CodeGrantExists},
		{"expired", func(*access.Grant) {}, end, ""},
		{"revoked", func(g *access.Grant) { g.RevokedAt = ptr(t0.Add(-time.Hour)) }, t0, ""},
		{"older generation", func(g *access.Grant) { g.Generation = 0 }, t0, ""},
		{"cancellation pending", func(g *access.Grant) { g.CancelAt = ptr(t0.Add(time.Hour)) }, t0, access.CodeGrantExists},
		{"cancellation of usage due", func(g *access.Grant) { g.CancelAt = ptr(t0.Add(-time.Hour)) }, t0, ""},
		{"cancellation of proxy due", func(g *access.Grant) {
			g.Permissions = []access.Permission{access.PermUsage, access.PermProxy}
			g.CancelAt, g.CancelPermissions = ptr(t0.Add(-time.Hour)), []access.Permission{access.PermProxy}
		}, t0, access.CodeGrantExists},
		{"sub-millisecond end not yet passed", func(g *access.Grant) { g.EndTime = ptr(t0.Add(500 * time.Microsecond)) }, t0.Add(100 * time.Microsecond), access.CodeGrantExists},
	}
	s := open(t)
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := newAPI("api-r3-" + string(rune('a'+i)))
			putAPI(t, s, api)
			old := newGrant(api, access.EnvProd, access.SubjectApp, "app1", &end)
			old.ID = "old"
			tc.old(&old)
			putGrant(t, s, old)
			// Sanity: the store's condition agrees with access.Grant.Status.
			if inForce := old.InForce(tc.now, api.Generation); inForce != (tc.wantErr != "") {
				t.Fatalf("fixture: InForce=%v but the case expects %q", inForce, tc.wantErr)
			}
			g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", &later)
			err := s.Commit(ctx, createGrants(api, tc.now, g))
			if tc.wantErr != "" {
				wantCode(t, err, tc.wantErr)
				if e, _ := err.(*access.Error); e == nil || e.Op != "grant.create" || e.Kind() != access.Conflict {
					t.Fatalf("got %#v, want a grant.create conflict", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("replace: %v", err)
			}
			got, err := s.GetGrantAt(ctx, g.Key())
			if err != nil || got.ID != g.ID {
				t.Fatalf("slot holds %v (%v), want %s", got.ID, err, g.ID)
			}
		})
	}
}

func TestGrant_R3_MultiEnvAllOrNothing(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-multi")
	putAPI(t, s, api)
	dev := newGrant(api, access.EnvDev, access.SubjectApp, "app1", nil)
	dev.ID = "existing-dev"
	putGrant(t, s, dev)

	prod := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	dev2 := newGrant(api, access.EnvDev, access.SubjectApp, "app1", nil)
	err := s.Commit(ctx, createGrants(api, t0, prod, dev2))
	wantCode(t, err, access.CodeGrantExists)

	_, err = s.GetGrantAt(ctx, prod.Key())
	wantCode(t, err, access.CodeNotFoundGrant)
	_, err = s.GetGrant(ctx, access.APIResource(api.ID), prod.ID)
	wantCode(t, err, access.CodeNotFoundGrant)
	audit, err := s.Audit(ctx, "API", api.ID, 10, "")
	if err != nil || len(audit.Items) != 0 {
		t.Fatalf("audit after a failed change: %+v, %v; want none", audit.Items, err)
	}
	got, _ := s.GetGrantAt(ctx, dev.Key())
	if got.ID != dev.ID {
		t.Fatalf("DEV slot holds %s, want %s", got.ID, dev.ID)
	}
}

func TestGrant_R1_CondPublished(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	unpublished := newAPI("api-unpub")
	unpublished.Status = access.APIUnpublished
	moved := newAPI("api-moved")
	moved.Generation = 2
	deleted := newAPI("api-deleted")
	deleted.Deleted = true
	putAPI(t, s, unpublished, moved, deleted)

	for _, tc := range []struct {
		name string
		api  access.API
	}{
		{"unpublished", unpublished},
		{"generation changed", newAPI("api-moved")}, // the caller read generation 1
		{"deleted", deleted},
		{"absent", newAPI("api-absent")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := newGrant(tc.api, access.EnvProd, access.SubjectApp, "app1", nil)
			wantCode(t, s.Commit(ctx, createGrants(tc.api, t0, g)), access.CodeAPINotPublished)
			_, err := s.GetGrantAt(ctx, g.Key())
			wantCode(t, err, access.CodeNotFoundGrant)
		})
	}
	// At the current generation, the same grant succeeds.
	mustCommit(t, s, createGrants(moved, t0, newGrant(moved, access.EnvProd, access.SubjectApp, "app1", nil)))
}

func TestCommit_ConcurrentVersion(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	api := newAPI("api-race")
	putAPI(t, s, api)
	g := newGrant(api, access.EnvProd, access.SubjectApp, "app1", nil)
	mustCommit(t, s, createGrants(api, t0, g))

	const writers = 10
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			next := g
			next.Version = g.Version + 1
			next.Reason = "writer"
			next.ModifiedAt = t0.Add(time.Duration(i+1) * time.Second)
			c := access.Change{Op: "grant.patch", Writes: []access.Write{{
				Grant: &next, Cond: access.Cond{Kind: access.CondVersion, Version: g.Version},
			}}, Audit: []access.AuditEntry{auditFor(next, access.EventGrantChanged, next.ModifiedAt)}}
			errs[i] = s.Commit(ctx, c)
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case access.IsCode(err, access.CodeConcurrent):
		default:
			t.Errorf("got %v, want success or %s", err, access.CodeConcurrent)
		}
	}
	if wins != 1 {
		t.Fatalf("got %d winners, want exactly 1", wins)
	}
	audit, err := s.Audit(ctx, "API", api.ID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(audit.Items) != 2 {
		t.Fatalf("got %d audit entries, want 2 (create + the one winner)", len(audit.Items))
	}
	if audit.Items[0].Action != access.EventGrantChanged || audit.Items[1].Action != access.EventGrantCreated {
		t.Fatalf("audit not newest first: %s, %s", audit.Items[0].Action, audit.Items[1].Action)
	}
	got, _ := s.GetGrantAt(ctx, g.Key())
	if got.Version != 2 {
		t.Fatalf("got version %d, want 2", got.Version)
	}
}
