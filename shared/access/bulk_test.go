package access_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"gatepass/shared/access"
)

// pairsOf returns the failing pairs an error carries.
func pairsOf(t *testing.T, err error) []access.Pair {
	t.Helper()
	var e *access.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *access.Error", err)
	}
	return e.Pairs
}

func bulkIn(v access.Validity, subs ...access.Subject) access.GrantInput {
	return access.GrantInput{Subjects: subs, Envs: []access.Env{access.EnvProd}, Validity: v, Reason: "bulk"}
}

func TestGrant_R18_AllOrNoneConflictInMiddle(t *testing.T) {
	f := newFixture(t)
	f.putApp("app2", "cons", "alice")
	f.putApp("app3", "cons", "alice")
	held := f.grant(reviewer, "api1", grantIn(appSubject("app2"), forDays(30)))

	_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), bulkIn(forDays(30), appSubject("app1"), appSubject("app2"), appSubject("app3")))
	wantErr(t, err, access.CodeGrantExists)
	pairs := pairsOf(t, err)
	if len(pairs) != 1 || pairs[0].Subject != appSubject("app2") || pairs[0].Env != access.EnvProd ||
		pairs[0].GrantID != held.ID || pairs[0].ErrorCode != access.CodeGrantExists {
		t.Fatalf("pairs: got %+v, want the one conflict on app2 (%s)", pairs, held.ID)
	}
	// none was created: the subjects around the conflict have no grant
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonNoGrant)
	f.wantCheck("api1", "app3", access.EnvProd, access.ReasonNoGrant)

	// without the conflicting subject, every pair is its own grant
	gs := must[[]access.Grant](t)(f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), access.GrantInput{
		Subjects: []access.Subject{appSubject("app1"), appSubject("app3")}, Envs: []access.Env{access.EnvProd, access.EnvDev},
		Validity: forDays(30), Reason: "bulk",
	}))
	if len(gs) != 4 {
		t.Fatalf("got %d grants, want 4 (2 subjects x 2 envs)", len(gs))
	}
	for _, app := range []string{"app1", "app3"} {
		for _, env := range []access.Env{access.EnvProd, access.EnvDev} {
			f.wantCheck("api1", app, env, access.ReasonGranted)
		}
	}
}

func TestGrant_R18_Limits(t *testing.T) {
	f := newFixture(t)
	ws := func(n int) []access.Subject {
		out := make([]access.Subject, n)
		for i := range out {
			out[i] = wsSubject(fmt.Sprintf("ws%02d", i))
		}
		return out
	}
	both := []access.Env{access.EnvProd, access.EnvDev}
	for _, tc := range []struct {
		name string
		in   access.GrantInput
		code string
	}{
		{"11 subjects", access.GrantInput{Subjects: ws(11), Envs: []access.Env{access.EnvProd}, Validity: forDays(30)}, access.CodeTooMany},
		{"duplicate subject", access.GrantInput{Subjects: append(ws(2), wsSubject("ws00")), Envs: both, Validity: forDays(30)}, access.CodeSubject},
		{"subject and subjects", access.GrantInput{Subject: wsSubject("a"), Subjects: ws(1), Envs: both, Validity: forDays(30)}, access.CodeSubject},
		{"neither", access.GrantInput{Envs: both, Validity: forDays(30)}, access.CodeSubject},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), tc.in)
			wantErr(t, err, tc.code)
		})
	}
	// If-Match names one grant's version: a bulk request takes none
	a := act(reviewer)
	a.IfMatch = 1
	_, err := f.svc.GrantOn(f.ctx, a, access.APIResource("api1"), access.GrantInput{Subjects: ws(1), Envs: both, Validity: forDays(30)})
	wantErr(t, err, access.CodeInvalid+".IfMatch")

	// the boundary: 10 subjects x 2 envs = 20 grants in one transaction
	gs := must[[]access.Grant](t)(f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), access.GrantInput{Subjects: ws(10), Envs: both, Validity: forDays(30), Reason: "max"}))
	if len(gs) != access.MaxBulkGrants {
		t.Fatalf("got %d grants, want %d", len(gs), access.MaxBulkGrants)
	}
}

func TestGrant_R18_PrecedenceAndEveryPair(t *testing.T) {
	f := newFixture(t)
	held := f.grant(reviewer, "api1", grantIn(wsSubject("cons"), forDays(30)))
	in := access.GrantInput{
		Subjects: []access.Subject{
			wsSubject("cons"),                       // 409: a grant in force
			appSubject("ghost"),                     // 404: no such app
			{Type: "TEAM", ID: "x", TenantID: "t1"}, // 400: no such subject type
			wsSubject("fine"),
		},
		Envs: []access.Env{access.EnvProd}, Validity: forDays(30),
	}
	_, err := f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), in)
	wantErr(t, err, access.CodeSubject) // 400 > 404 > 409
	got := map[string]string{}
	for _, p := range pairsOf(t, err) {
		got[p.Subject.ID] = p.ErrorCode
	}
	want := map[string]string{"cons": access.CodeGrantExists, "ghost": access.CodeNotFoundApp, "x": access.CodeSubject}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("pairs: got %v, want %v", got, want)
	}
	// without the invalid subject: 404 wins over 409
	in.Subjects = in.Subjects[:2]
	_, err = f.svc.GrantOn(f.ctx, act(reviewer), access.APIResource("api1"), in)
	wantErr(t, err, access.CodeNotFoundApp)
	if ps := pairsOf(t, err); len(ps) != 2 || ps[0].GrantID != held.ID && ps[1].GrantID != held.ID {
		t.Fatalf("pairs: got %+v, want both, the conflict naming %s", ps, held.ID)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted) // the workspace grant, untouched
}

func TestCancel_R19_BulkWithOneProtected(t *testing.T) {
	f := newFixture(t)
	subs := []access.Subject{wsSubject("w1"), wsSubject("w2"), wsSubject("w3")}
	for i, s := range subs {
		in := grantIn(s, access.Validity{Type: access.Unlimited}, access.EnvProd, access.EnvDev)
		in.Protected = i == 1
		f.grant(admin, "api1", in)
	}
	envs := []access.Env{access.EnvProd, access.EnvDev}
	_, err := f.svc.CancelManyOn(f.ctx, act(reviewer), access.APIResource("api1"), access.BulkCancelInput{Subjects: subs, Envs: envs, Reason: "off"})
	wantErr(t, err, access.CodeGrantProtected)
	ps := pairsOf(t, err)
	if len(ps) != 2 || ps[0].Subject.ID != "w2" || ps[1].Subject.ID != "w2" || ps[0].GrantID == "" {
		t.Fatalf("pairs: got %+v, want w2 in both envs", ps)
	}
	// all or none: nothing was scheduled
	for _, s := range []string{"w1", "w3"} {
		gs := must[[]access.Grant](t)(f.svc.Store.GetGrantsAt(f.ctx, []access.GrantKey{access.SlotOf(access.APIResource("api1"), access.EnvProd, wsSubject(s))}))
		if len(gs) != 1 || gs[0].CancelAt != nil || gs[0].Version != 1 {
			t.Fatalf("%s: got %+v, want untouched", s, gs)
		}
	}
	// without the protected one: each pair as the single cancel (R7 notice)
	res := must[access.BulkCancelResult](t)(f.svc.CancelManyOn(f.ctx, act(reviewer), access.APIResource("api1"),
		access.BulkCancelInput{Subjects: []access.Subject{subs[0], subs[2]}, Envs: envs, Reason: "off"}))
	wantAt := f.at().Add(48 * time.Hour)
	if !res.Deferred || len(res.Grants) != 4 {
		t.Fatalf("got %+v, want 4 deferred cancellations", res)
	}
	for _, g := range res.Grants {
		if g.CancelAt == nil || !g.CancelAt.Equal(wantAt) || f.status("api1", g.ID) != access.StatusCancellationPending {
			t.Fatalf("grant %s: cancel_at %v, want %v", g.ID, g.CancelAt, wantAt)
		}
	}
	// again while pending: every pair is 409
	_, err = f.svc.CancelManyOn(f.ctx, act(reviewer), access.APIResource("api1"), access.BulkCancelInput{Subjects: []access.Subject{subs[0]}, Envs: envs})
	wantErr(t, err, access.CodeCancelPending)
	if len(pairsOf(t, err)) != 2 {
		t.Fatalf("pairs: got %+v, want 2", pairsOf(t, err))
	}
}

func TestCancel_R19_ImmediateAndMissing(t *testing.T) {
	f := newFixture(t)
	f.grant(reviewer, "api1", grantIn(wsSubject("w1"), access.Validity{Type: access.Unlimited}))
	in := access.BulkCancelInput{Subjects: []access.Subject{wsSubject("w1")}, Envs: []access.Env{access.EnvProd}, Immediate: true}
	_, err := f.svc.CancelManyOn(f.ctx, act(reviewer), access.APIResource("api1"), in)
	wantErr(t, err, access.CodeForbidden) // immediate is tenant_admin's
	_, err = f.svc.CancelManyOn(f.ctx, act(dev), access.APIResource("api1"), in)
	wantErr(t, err, access.CodeForbidden)
	_, err = f.svc.CancelManyOn(f.ctx, act(stranger), access.APIResource("api1"), in)
	wantErr(t, err, access.CodeNotFoundAPI)
	// a pair without a grant is 404 and names the pair
	in.Envs = []access.Env{access.EnvProd, access.EnvDev}
	_, err = f.svc.CancelManyOn(f.ctx, act(admin), access.APIResource("api1"), in)
	wantErr(t, err, access.CodeNotFoundGrant)
	if ps := pairsOf(t, err); len(ps) != 1 || ps[0].Env != access.EnvDev || ps[0].GrantID != "" {
		t.Fatalf("pairs: got %+v, want DEV without a grant", ps)
	}
	in.Envs = []access.Env{access.EnvProd}
	res := must[access.BulkCancelResult](t)(f.svc.CancelManyOn(f.ctx, act(admin), access.APIResource("api1"), in))
	if res.Deferred || res.Grants[0].RevokedAt == nil || f.status("api1", res.Grants[0].ID) != access.StatusRevoked {
		t.Fatalf("got %+v, want revoked at once", res)
	}
}

func TestChange_R20_ShortenToExactlyTheNotice(t *testing.T) {
	f := newFixture(t)
	patch := func(id string, v access.Validity) (access.Grant, error) {
		return f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("api1"), id, access.PatchInput{Validity: &v, Reason: "change"})
	}
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), forDays(30)))
	earliest := f.at().Add(48 * time.Hour)

	_, err := patch(g.ID, until(earliest.Add(-time.Second)))
	wantErr(t, err, access.CodeValidity)
	var e *access.Error
	if !errors.As(err, &e) || e.EarliestEnd == nil || !e.EarliestEnd.Equal(earliest) {
		t.Fatalf("earliest_end_time: got %+v, want %v", e, earliest)
	}
	next := must[access.Grant](t)(patch(g.ID, until(earliest)))
	if !next.EndTime.Equal(earliest) || next.Version != 2 {
		t.Fatalf("got end %v v%d, want %v v2", next.EndTime, next.Version, earliest)
	}
	// R16 re-armed: the 7-day threshold is past, the 1-day one is next
	if next.Due == nil || !next.Due.Equal(earliest.Add(-24*time.Hour)) {
		t.Fatalf("due: got %v, want %v", next.Due, earliest.Add(-24*time.Hour))
	}
	// extending acts at once, days counted from now
	next = must[access.Grant](t)(patch(g.ID, forDays(90)))
	if !next.EndTime.Equal(f.at().Add(90 * 24 * time.Hour)) {
		t.Fatalf("got end %v, want now + 90 days", next.EndTime)
	}
	f.wantCheck("api1", "app1", access.EnvProd, access.ReasonGranted)
}

func TestChange_R20_ZeroNoticeProtectedNotInForce(t *testing.T) {
	f := newFixture(t)
	f.setNotice(0)
	g := f.grant(reviewer, "api1", grantIn(appSubject("app1"), access.Validity{Type: access.Unlimited}))
	v := until(f.at())
	_, err := f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.PatchInput{Validity: &v})
	wantErr(t, err, access.CodeValidity) // R2: still in the future
	v = until(f.at().Add(time.Second))
	must[access.Grant](t)(f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.PatchInput{Validity: &v}))
	f.advance(time.Second)
	u := access.Validity{Type: access.Unlimited}
	_, err = f.svc.PatchGrantOn(f.ctx, act(reviewer), access.APIResource("api1"), g.ID, access.PatchInput{Validity: &u})
	wantErr(t, err, access.CodeGrantNotInForce)

	in := grantIn(wsSubject("cons"), forDays(30))
	in.Protected = true
	p := f.grant(admin, "api1", in)
	short, long := forDays(10), forDays(60)
	_, err = f.svc.PatchGrantOn(f.ctx, act(admin), access.APIResource("api1"), p.ID, access.PatchInput{Validity: &short})
	wantErr(t, err, access.CodeGrantProtected)
	must[access.Grant](t)(f.svc.PatchGrantOn(f.ctx, act(admin), access.APIResource("api1"), p.ID, access.PatchInput{Validity: &long}))
	_, err = f.svc.PatchGrantOn(f.ctx, act(dev), access.APIResource("api1"), p.ID, access.PatchInput{Validity: &long})
	wantErr(t, err, access.CodeForbidden)
}
