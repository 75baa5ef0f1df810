package jobs

import (
	"fmt"
	"testing"
	"time"

	"gatepass/shared/access"
)

// R23: deleting a unit revokes its grants at once (a new generation); the cleanup then
// removes them with one Grant Revoked each, filed under the unit, and a unit re-created
// with the id restores none.
func TestCancellationsJob_R23_UnitDeleteCleanup(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.PutServiceUnit(e.ctx, e.admin, "unit1", access.ServiceUnitInput{WorkspaceID: "ws1", Name: "Unit"})
	if err != nil {
		t.Fatal(err)
	}
	u := res.Unit
	const n = 35 // more than one cleanup step (access.MaxCleanupBatch)
	for i := range n {
		sub := access.Subject{Type: access.SubjectUser, ID: fmt.Sprintf("user-%02d", i), TenantID: "t1"}
		g := access.Grant{
			ID: fmt.Sprintf("g%02d", i), Resource: access.UnitResource("unit1"), TenantID: "t1", WorkspaceID: "ws1",
			Subject: sub, Env: access.EnvProd, Permissions: []access.Permission{access.PermUsage}, Fields: []string{},
			CreatedAt: t0, ModifiedAt: t0, Version: 1, Generation: u.Generation,
		}
		if err := e.store.Commit(e.ctx, access.Change{Op: "test", Writes: []access.Write{
			{Grant: &g, Cond: access.Cond{Kind: access.CondAbsent}},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.DeleteServiceUnit(e.ctx, e.admin, "unit1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.PutServiceUnit(e.ctx, e.admin, "unit1", access.ServiceUnitInput{WorkspaceID: "ws1", Name: "Again"}); err != nil {
		t.Fatal(err)
	}
	at := t0.Add(time.Minute)
	for runs := 0; ; runs++ {
		if runs > 5 {
			t.Fatal("cleanup did not finish in 5 runs")
		}
		if r := e.runCancellations(at, nil); r.Changed == 0 {
			break
		}
	}
	page, err := e.store.GrantsByResource(e.ctx, access.UnitResource("unit1"), 100, "")
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("grant items left: got %d (%v), want none", len(page.Items), err)
	}
	seen := map[string]int{}
	next := ""
	for {
		p, err := e.store.Audit(e.ctx, "UNIT", "unit1", 100, next)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Items {
			if a.Action == access.EventGrantRevoked {
				if a.Resource == nil || *a.Resource != access.UnitResource("unit1") {
					t.Fatalf("Grant Revoked names %v, want the unit", a.Resource)
				}
				seen[a.GrantID]++
			}
		}
		if next = p.Next; next == "" {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("got Grant Revoked for %d grants, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Fatalf("grant %s: %d Grant Revoked entries, want 1", id, c)
		}
	}
}
