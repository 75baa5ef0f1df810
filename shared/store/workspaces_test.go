package store_test

import (
	"context"
	"testing"
	"time"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// TestWorkspaces_R29_MigrationRegistersNamedWorkspaces: data written before the
// directory (an API, an app, a unit, a grant to a WORKSPACE) has every workspace it
// names registered by the migration, one registered already is left as it was, a second
// run registers nothing, and the rule's check then passes where it failed before.
func TestWorkspaces_R29_MigrationRegistersNamedWorkspaces(t *testing.T) {
	t.Parallel()
	tbl := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }})
	s, ctx := tbl.Store, context.Background()
	api := newAPI("a1") // ws1
	putAPI(t, s, api)
	app := newApp("p1", "ws-app")
	unit := access.ServiceUnit{ID: "u1", TenantID: tenant, WorkspaceID: "ws-unit", Name: "U", Generation: 1, CreatedAt: t0, ModifiedAt: t0, Version: 1}
	mustCommit(t, s, access.Change{Op: "seed", Writes: []access.Write{{App: &app}, {Unit: &unit}}})
	mustCommit(t, s, createGrants(api, t0, newGrant(api, access.EnvProd, access.SubjectWorkspace, "ws-x", nil)))
	storetest.RegisterWorkspaces(t, s, tenant, "ws1")
	renamed, err := s.GetWorkspace(ctx, tenant, "ws1")
	if err != nil {
		t.Fatal(err)
	}

	check := access.Change{Op: "grant.create", Writes: access.Registered("grant.create", access.WorkspaceRef{TenantID: tenant, ID: "ws-x"})}
	if err := s.Commit(ctx, check); access.ErrorCode(err) != access.CodeNotFoundWorkspace {
		t.Fatalf("before the migration: got %v, want %s", err, access.CodeNotFoundWorkspace)
	}
	rep, err := s.RegisterNamedWorkspaces(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Named != 4 || rep.Registered != 3 {
		t.Fatalf("report: %s; want 4 named, 3 registered", rep)
	}
	for _, id := range []string{"ws-app", "ws-unit", "ws-x"} {
		w, err := s.GetWorkspace(ctx, tenant, id)
		if err != nil || w.Name != id || w.CreatedBy != "system:migrate" || w.Version != 1 {
			t.Fatalf("%s: %+v, %v", id, w, err)
		}
	}
	if w, err := s.GetWorkspace(ctx, tenant, "ws1"); err != nil || w != renamed {
		t.Fatalf("ws1 changed: %+v, %v; was %+v", w, err, renamed)
	}
	if _, err := s.GetWorkspace(ctx, "t-other", "ws-x"); access.ErrorCode(err) != access.CodeNotFoundWorkspace {
		t.Fatalf("another tenant's ws-x: %v", err)
	}
	if err := s.Commit(ctx, check); err != nil {
		t.Fatalf("after the migration: %v", err)
	}
	if rep, err := s.RegisterNamedWorkspaces(ctx, t0); err != nil || rep.Registered != 0 {
		t.Fatalf("second run: %s, %v", rep, err)
	}
}
