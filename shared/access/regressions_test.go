package access_test

// Regression tests for bugs found in shared/access by reading it against SPEC.md; each
// names the function that was at fault.

import (
	"testing"
	"time"

	"gatepass/shared/access"
)

// PatchGrant starts from the stored grant, not from Grant.Effective(now): after a
// PROXY-only cancellation has come due (by time) but before the cancellations job has
// finalized it, adding PROXY back succeeds (new version, a Grant Changed event with
// PROXY) yet changes nothing: the stale cancel_at/cancel_permissions still strip PROXY
// in every check, and the job strips it from the item later.
func TestRegression_PatchGrant_AddProxyAfterDueProxyCancellationIsIgnored(t *testing.T) {
	f := newFixture(t)
	in := grantIn(appSubject("app1"), forDays(30))
	in.Permissions = []access.Permission{access.PermProxy}
	g := f.grant(reviewer, "api1", in)
	must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Permissions: []access.Permission{access.PermProxy}}))
	f.advance(49 * time.Hour) // PROXY is gone by time; the job has not run
	proxy := access.CheckInput{APIID: "api1", AppID: "app1", Env: access.EnvProd, Proxy: true}
	if d := must[access.Decision](t)(f.svc.Check(f.ctx, checker, proxy)); d.Reason != access.ReasonProxyNotGranted {
		t.Fatalf("before patch: got %v, want PROXY_NOT_GRANTED", d.Reason)
	}
	p := must[access.Grant](t)(f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.PatchInput{AddPermissions: []access.Permission{access.PermProxy}, Reason: "back"}))
	if !p.HasPermission(access.PermProxy) {
		t.Fatalf("patched grant: got %v, want PROXY", p.Permissions)
	}
	if d := must[access.Decision](t)(f.svc.Check(f.ctx, checker, proxy)); !d.Allowed {
		t.Fatalf("after adding PROXY back: got %v, want GRANTED (the patch was acknowledged but has no effect)", d.Reason)
	}
}

// A RENEW request made by the owner of a grantee app of another tenant (data sharing:
// Renew accepts it, since g.Subject.TenantID == a.TenantID) is stored with the API's
// TenantID only. Service.request then hides it from its own requester (NotFound on
// GetRequest, Withdraw, and Requests{AppID} filters it out), contrary to "the owner of an
// app may ... request renewals, withdraw its requests".
func TestRegression_Renew_CrossTenantRequesterCannotSeeOrWithdraw(t *testing.T) {
	f := newFixture(t)
	ext := access.NewPrincipal("alice", "t2", "ws:partner:developer")
	partnerOwner := access.NewPrincipal("powner2", "t2", "ws:partner:owner")
	if _, err := f.svc.PutApp(f.ctx, act(partnerOwner), "extapp", access.AppInput{WorkspaceID: "partner", Name: "ext", Owner: "alice"}); err != nil {
		t.Fatal(err)
	}
	g := f.grant(reviewer, "api1", grantIn(access.Subject{Type: access.SubjectApp, ID: "extapp", TenantID: "t2"}, forDays(30)))
	res := must[access.RenewResult](t)(f.svc.RenewOn(f.ctx, act(ext), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(90)}))
	if res.Request == nil {
		t.Fatalf("got %+v, want a RENEW request", res)
	}
	if _, err := f.svc.GetRequest(f.ctx, ext, res.Request.ID); err != nil {
		t.Errorf("requester reads its request: got %v, want nil", err)
	}
	page, err := f.svc.Requests(f.ctx, ext, access.RequestFilter{AppID: "extapp"}, access.PageQuery{})
	if err != nil || page.Total != 1 {
		t.Errorf("requester lists its app's requests: got %d, %v, want 1", page.Total, err)
	}
	if _, err := f.svc.Withdraw(f.ctx, act(ext), res.Request.ID, ""); err != nil {
		t.Errorf("requester withdraws its request: got %v, want nil", err)
	}
}

// The same bug seen from the other side: Withdraw compares only r.Requester == a.Sub
// within r.TenantID (the API's tenant), so a user of the API's tenant whose sub equals
// the foreign requester's sub withdraws a request that is not theirs.
func TestRegression_Withdraw_SameSubOfAnotherTenantWithdrawsForeignRequest(t *testing.T) {
	f := newFixture(t)
	partnerOwner := access.NewPrincipal("powner2", "t2", "ws:partner:owner")
	if _, err := f.svc.PutApp(f.ctx, act(partnerOwner), "extapp", access.AppInput{WorkspaceID: "partner", Name: "ext", Owner: "alice"}); err != nil {
		t.Fatal(err)
	}
	g := f.grant(reviewer, "api1", grantIn(access.Subject{Type: access.SubjectApp, ID: "extapp", TenantID: "t2"}, forDays(30)))
	extAlice := access.NewPrincipal("alice", "t2")
	res := must[access.RenewResult](t)(f.svc.RenewOn(f.ctx, act(extAlice), access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(90)}))
	localAlice := access.NewPrincipal("alice", "t1") // a different person: same sub, other tenant
	_, err := f.svc.Withdraw(f.ctx, act(localAlice), res.Request.ID, "")
	if err == nil {
		t.Fatalf("got nil, want Forbidden.Access or NotFound.Request: alice@t1 withdrew alice@t2's request")
	}
}

// Grant.Status checks a due USAGE cancellation before the end time, so a grant whose
// end_time passed before its pending cancel_at flips from EXPIRED to REVOKED (and the
// check from EXPIRED to CANCELLED) when cancel_at passes, with nothing done to it.
// DueReminders treats the same grant as expired (it announces Grant Expired, and only
// skips grants "cancelled before it could expire"), so the two disagree.
func TestRegression_Status_ExpiredBeforeDueCancellationStaysExpired(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	end, cancelAt := now.Add(-2*time.Hour), now.Add(-time.Hour)
	g := access.Grant{ID: "g1", EndTime: &end, CancelAt: &cancelAt, Generation: 1, Permissions: []access.Permission{access.PermUsage}}
	if w := access.DueReminders(g, now, []int{7, 1}, 1); !w.Expired {
		t.Fatalf("DueReminders: got %+v, want the expiry announced", w)
	}
	if s := g.Status(now, 1); s != access.StatusExpired {
		t.Fatalf("got %v, want %v (it expired an hour before the cancellation was due)", s, access.StatusExpired)
	}
}

// Cancel applies Grant.Effective(now) and writes the result: when a PROXY-only
// cancellation has come due but the cancellations job has not finalized it, the PROXY
// removal is persisted by this Cancel with only a Grant Cancellation Scheduled entry, and
// the job (which would have written the Grant Revoked entry) no longer finds it due. The
// removal of PROXY never gets its audit entry / event (R17).
func TestRegression_Cancel_DueProxyRemovalLosesItsEvent(t *testing.T) {
	f := newFixture(t)
	in := grantIn(appSubject("app1"), forDays(30))
	in.Permissions = []access.Permission{access.PermProxy}
	g := f.grant(reviewer, "api1", in)
	must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Permissions: []access.Permission{access.PermProxy}}))
	f.advance(49 * time.Hour)
	res := must[access.CancelResult](t)(f.svc.CancelOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.CancelInput{Reason: "all of it"}))
	if res.Grant.HasPermission(access.PermProxy) {
		t.Fatalf("got %v, want PROXY gone", res.Grant.Permissions)
	}
	revoked := 0
	page := must[access.AuditPage](t)(f.svc.AuditOf(f.ctx, reviewer, access.APIResource("api1"), 100, ""))
	for _, e := range page.Items {
		if e.GrantID == g.ID && e.Action == access.EventGrantRevoked {
			revoked++
		}
	}
	if revoked != 1 {
		t.Fatalf("Grant Revoked entries for the PROXY removal: got %d, want 1", revoked)
	}
}
