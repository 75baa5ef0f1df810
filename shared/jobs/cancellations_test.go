package jobs

import (
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
)

func (e *env) runCancellations(at time.Time, c *Cancellations) RunResult {
	e.t.Helper()
	e.clock.Set(at)
	if c == nil {
		c = e.cancellations()
	}
	res, err := c.Run(as("CancellationsFunction"))
	if err != nil {
		e.t.Fatalf("cancellations at %s: %v", at, err)
	}
	return res
}

func TestCancellationsJob_R7_FinalizedOnce(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), access.Validity{Type: access.Unlimited})
	res, err := e.svc.CancelOn(e.ctx, e.admin, access.APIResource("api1"), g.ID, access.CancelInput{Reason: "contract ended"})
	if err != nil || !res.Deferred {
		t.Fatalf("cancel: got %+v %v, want deferred", res, err)
	}
	cancelAt := *res.Grant.CancelAt

	if r := e.runCancellations(cancelAt.Add(-time.Second), nil); r.Changed != 0 {
		t.Fatalf("before cancel_at: got %+v, want nothing finalized", r)
	}
	if d := e.check("api1", "app1", false); !d.Allowed {
		t.Fatalf("before cancel_at: got %s, want GRANTED", d.Reason)
	}
	if r := e.runCancellations(cancelAt.Add(time.Minute), nil); r.Changed != 1 || r.Events != 1 {
		t.Fatalf("after cancel_at: got %+v, want one grant revoked", r)
	}
	if r := e.runCancellations(cancelAt.Add(2*time.Minute), nil); r.Changed != 0 {
		t.Fatalf("second run: got %+v, want nothing", r)
	}
	got := e.grantAt(g)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(cancelAt) || got.Due != nil || got.CancelAt != nil {
		t.Fatalf("grant: got revoked_at %v due %v cancel_at %v", got.RevokedAt, got.Due, got.CancelAt)
	}
	revoked := e.audit("api1", access.EventGrantRevoked)
	if len(revoked) != 1 || revoked[0].GrantID != g.ID || revoked[0].Actor != access.ActorCancellations {
		t.Fatalf("audit: got %+v, want one Grant Revoked", revoked)
	}
	if d := e.check("api1", "app1", false); d.Allowed || d.Reason != access.ReasonCancelled {
		t.Fatalf("check: got %v %s, want CANCELLED", d.Allowed, d.Reason)
	}
}

func TestCancellationsJob_R11_ProxyOnly(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), forDays(90), access.PermUsage, access.PermProxy)
	res, err := e.svc.CancelOn(e.ctx, e.admin, access.APIResource("api1"), g.ID, access.CancelInput{Reason: "no proxy", Permissions: []access.Permission{access.PermProxy}})
	if err != nil || !res.Deferred {
		t.Fatalf("cancel: got %+v %v", res, err)
	}
	if r := e.runCancellations(res.Grant.CancelAt.Add(time.Second), nil); r.Changed != 1 {
		t.Fatalf("got %+v, want the PROXY cancellation finalized", r)
	}
	got := e.grantAt(g)
	if got.RevokedAt != nil || !slices.Equal(got.Permissions, []access.Permission{access.PermUsage}) || got.CancelAt != nil {
		t.Fatalf("grant: got revoked_at %v permissions %v cancel_at %v, want usage kept", got.RevokedAt, got.Permissions, got.CancelAt)
	}
	if want := g.EndTime.Add(-7 * 24 * time.Hour); got.Due == nil || !got.Due.Equal(want) {
		t.Fatalf("due: got %v, want the 7-day reminder %v", got.Due, want)
	}
	if d := e.check("api1", "app1", false); !d.Allowed {
		t.Fatalf("usage: got %s, want GRANTED", d.Reason)
	}
	if d := e.check("api1", "app1", true); d.Allowed || d.Reason != access.ReasonProxyNotGranted {
		t.Fatalf("proxy: got %v %s, want PROXY_NOT_GRANTED", d.Allowed, d.Reason)
	}
	if r := e.runCancellations(res.Grant.CancelAt.Add(time.Hour), nil); r.Changed != 0 {
		t.Fatalf("second run: got %+v, want nothing", r)
	}
}

func TestCancellationsJob_ReadsOnlyDueItems(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	for i := range 200 {
		e.grant("api1", wsSubject(i), forDays(90))
	}
	for i := range 3 {
		g := e.grant("api1", wsSubject(1000+i), access.Validity{Type: access.Unlimited})
		if _, err := e.svc.CancelOn(e.ctx, e.admin, access.APIResource("api1"), g.ID, access.CancelInput{Reason: "r"}); err != nil {
			t.Fatal(err)
		}
	}
	e.store.Reset()
	if r := e.runCancellations(t0.Add(49*time.Hour), nil); r.Changed != 3 {
		t.Fatalf("got %+v, want 3 finalized", r)
	}
	if reads := e.store.Reads(); reads > 3+2 {
		t.Fatalf("reads: got %d items, want at most 5 (the due items and the API)", reads)
	}
}

func TestCancellationsJob_R4_CleanupInBoundedRuns(t *testing.T) {
	e := newEnv(t)
	api := e.api("api1")
	const n = 47
	grants := make([]access.Grant, n)
	for i := range grants {
		grants[i] = e.grant("api1", wsSubject(i), forDays(90))
	}
	// One grant was revoked before: removed too, but not announced twice.
	owner := access.Actor{Principal: access.NewPrincipal("alice", "t1", access.RoleTenantAdmin)}
	if _, err := e.svc.CancelOn(e.ctx, owner, access.APIResource("api1"), grants[0].ID, access.CancelInput{Reason: "r", Immediate: true}); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	e.clock.Set(t0.Add(time.Hour))
	in := access.APIInput{WorkspaceID: api.WorkspaceID, Name: api.Name, Path: api.Path, Protocols: api.Protocols,
		Fields: api.Fields, Operation: api.Operation, RowLevel: api.RowLevel, Status: access.APIUnpublished}
	if _, err := e.svc.PutAPI(e.ctx, e.admin, "api1", in); err != nil {
		t.Fatalf("unpublish: %v", err)
	}
	// A grant revoked at once by R4 is never finalized by the cancellations path, and
	// the sweep removes the stale items in bounded runs: 20 a run, 8 a transaction.
	job := &Cancellations{Store: e.store, Now: e.clock.Now, Days: days, CleanupBatch: 8, CleanupPerRun: 20, Log: quiet()}
	runs := 0
	for at := t0.Add(2 * time.Hour); ; at = at.Add(10 * time.Minute) {
		runs++
		e.store.Reset()
		r := e.runCancellations(at, job)
		if reads := e.store.Reads(); reads > 20+2 {
			t.Fatalf("run %d: read %d items, want at most 22", runs, reads)
		}
		if r.Changed == 0 {
			break
		}
		if runs > 10 {
			t.Fatal("cleanup did not finish in 10 runs")
		}
	}
	if runs != 4 { // 20 + 20 + 7 (and the task deleted), then a run with nothing to do
		t.Fatalf("runs: got %d, want 4", runs)
	}
	page, err := e.store.GrantsByResource(e.ctx, access.APIResource("api1"), 100, "")
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("grant items left: got %d (%v), want none", len(page.Items), err)
	}
	if _, err := e.store.GetGrant(e.ctx, access.APIResource("api1"), grants[5].ID); access.ErrorKind(err) != access.NotFound {
		t.Fatalf("grant ref: got %v, want NotFound", err)
	}
	revoked := e.audit("api1", access.EventGrantRevoked)
	seen := map[string]int{}
	for _, a := range revoked {
		seen[a.GrantID]++
	}
	if len(revoked) != n || len(seen) != n {
		t.Fatalf("Grant Revoked entries: got %d for %d grants, want %d, one per grant", len(revoked), len(seen), n)
	}
	if items, err := e.store.Due(e.ctx, t0, t0.Add(24*time.Hour), 0); err != nil || len(items) != 0 {
		t.Fatalf("due items left: got %d (%v), want none (the task is deleted)", len(items), err)
	}
	// Republishing restores none (R4): the API answers NO_GRANT.
	in.Status = access.APIPublished
	if _, err := e.svc.PutAPI(e.ctx, e.admin, "api1", in); err != nil {
		t.Fatalf("republish: %v", err)
	}
	if r := e.runCancellations(t0.Add(24*time.Hour), job); r.Changed != 0 {
		t.Fatalf("after republish: got %+v, want nothing", r)
	}
}

// Two cleanup runs at once remove each stale grant once, with one audit entry each.
func TestCancellationsJob_R4_ConcurrentRunsRemoveOnce(t *testing.T) {
	e := newEnv(t)
	api := e.api("api1")
	const n = 25
	for i := range n {
		e.grant("api1", wsSubject(i), access.Validity{Type: access.Unlimited})
	}
	if err := e.svc.DeleteAPI(e.ctx, e.admin, api.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	e.clock.Set(t0.Add(time.Minute))
	for round := 0; round < 5; round++ {
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				job := &Cancellations{Store: e.store, Now: e.clock.Now, Days: days, CleanupBatch: 5, CleanupPerRun: 10, Log: quiet()}
				_, err := job.Run(as("CancellationsFunction"))
				errs <- err
			}()
		}
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
	page, err := e.store.GrantsByResource(e.ctx, access.APIResource("api1"), 100, "")
	if err != nil || len(page.Items) != 0 {
		t.Fatalf("grant items left: got %d (%v), want none", len(page.Items), err)
	}
	seen := map[string]int{}
	for _, a := range e.audit("api1", access.EventGrantRevoked) {
		seen[a.GrantID]++
	}
	if len(seen) != n {
		t.Fatalf("got Grant Revoked for %d grants, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("grant %s: got %d Grant Revoked entries, want 1", id, k)
		}
	}
}
