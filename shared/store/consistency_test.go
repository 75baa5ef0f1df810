package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gatepass/shared/access"
)

// bounded makes w's service answer checks in the bounded-staleness mode.
func (w *checkWorld) bounded(bound time.Duration) {
	clock := func() time.Time { return w.now }
	w.svc = access.NewService(w.st, access.Config{Now: clock, MaxStaleness: bound})
}

// revoke ends g at the world's now, as an immediate revocation (R8) writes it.
func (w *checkWorld) revoke(g access.Grant) {
	w.t.Helper()
	at := w.now
	g.RevokedAt, g.Version = &at, g.Version+1
	w.commit(access.Write{Grant: &g})
}

// check is one check at the world's now, with the BatchGetItem calls it sent.
func (w *checkWorld) check(in access.CheckInput) (access.Decision, int64) {
	w.t.Helper()
	before := w.batches.Load()
	d, err := w.svc.Check(w.ctx, checker, in)
	if err != nil {
		w.t.Fatal(err)
	}
	return d, w.batches.Load() - before
}

// A revocation answered at t0+200ms, then a check at an exact instant: strict sees it at
// once; bounded (1 s) may answer from the container's read at t0 strictly inside the
// bound, never at or after it. as_of says which read the answer rests on.
func TestConsistency_RevocationInsideAndOutsideTheBound(t *testing.T) {
	const bound = time.Second
	revokedAt := t0.Add(200 * time.Millisecond)
	for _, tc := range []struct {
		name    string
		bound   time.Duration
		at      time.Time
		reason  access.Reason
		asOf    time.Time
		batches int64
	}{
		{"strict, at the revocation", 0, revokedAt, access.ReasonCancelled, revokedAt, 1},
		{"bounded, at the revocation", bound, revokedAt, access.ReasonGranted, t0, 0},
		{"bounded, 1 ms inside the bound", bound, t0.Add(bound - time.Millisecond), access.ReasonGranted, t0, 0},
		{"bounded, exactly at the bound", bound, t0.Add(bound), access.ReasonCancelled, t0.Add(bound), 1},
		{"bounded, after the bound", bound, t0.Add(bound + time.Millisecond), access.ReasonCancelled, t0.Add(bound + time.Millisecond), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCheckWorld(t)
			seedCheck(w)
			w.bounded(tc.bound)
			in := access.CheckInput{APIID: "api-g", AppID: "app1", Env: access.EnvProd}
			if d, _ := w.check(in); d.Reason != access.ReasonGranted || !d.AsOf.Equal(t0) {
				t.Fatalf("before: got %s as of %s, want GRANTED as of t0", d.Reason, d.AsOf)
			}
			g, err := w.st.GetGrantAt(w.ctx, access.SlotOf(access.APIResource("api-g"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app1"}))
			if err != nil {
				t.Fatal(err)
			}
			w.now = revokedAt
			w.revoke(g)
			w.now = tc.at
			d, batches := w.check(in)
			if d.Reason != tc.reason || !d.AsOf.Equal(tc.asOf) || batches != tc.batches {
				t.Fatalf("got %s as of %s with %d batches, want %s as of %s with %d", d.Reason, d.AsOf, batches, tc.reason, tc.asOf, tc.batches)
			}
			if d.Allowed && tc.at.Sub(revokedAt) >= tc.bound {
				t.Fatalf("allowed %s after the revocation: over the bound %s", tc.at.Sub(revokedAt), tc.bound)
			}
		})
	}
}

// In the bounded mode an absent item is a fact too: a grant made after a container
// read the empty slot reaches it within the bound, and at once in strict mode.
func TestConsistency_NewGrantWithinTheBound(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bound  time.Duration
		at     time.Duration
		reason access.Reason
	}{
		{"strict", 0, 0, access.ReasonGranted},
		{"bounded, inside", time.Second, time.Second - time.Millisecond, access.ReasonNoGrant},
		{"bounded, at the bound", time.Second, time.Second, access.ReasonGranted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCheckWorld(t)
			seedCheck(w)
			w.bounded(tc.bound)
			in := access.CheckInput{APIID: "api-d", AppID: "app1", Env: access.EnvProd}
			if d, _ := w.check(in); d.Reason != access.ReasonNoGrant {
				t.Fatalf("before: got %s", d.Reason)
			}
			w.grant(access.APIResource("api-d"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app1", TenantID: tenant}, 1, nil, access.PermUsage)
			w.now = t0.Add(tc.at)
			if d, _ := w.check(in); d.Reason != tc.reason {
				t.Fatalf("got %s, want %s", d.Reason, tc.reason)
			}
		})
	}
}

// authzWorld seeds an AppCode ("code-1" for app1) and api-g's path lookup.
func authzWorld(t *testing.T, bound time.Duration) (*checkWorld, access.App) {
	w := newCheckWorld(t)
	seedCheck(w)
	w.bounded(bound)
	app, err := w.st.GetApp(w.ctx, "app1")
	if err != nil {
		t.Fatal(err)
	}
	next := app
	next.CodeHash, next.Version = access.HashAppCode("code-1"), app.Version+1
	w.commit(access.Write{App: &next},
		access.Write{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: next.CodeHash, Target: "app1"}})
	w.commit(access.Write{Lookup: &access.Lookup{Kind: access.LookupPath, Value: "/p/api-g", Target: "api-g"}})
	return w, next
}

// authorize is one authorization at the world's now, with the BatchGetItem calls it sent.
func (w *checkWorld) authorize(code, path string) (access.Authorization, int64) {
	w.t.Helper()
	before := w.batches.Load()
	res, err := w.svc.Authorize(w.ctx, code, path, access.EnvProd, access.ProtoHTTPS)
	if err != nil {
		w.t.Fatal(err)
	}
	return res, w.batches.Load() - before
}

// The authorizer reads the AppCode and path lookups in the check's own batch: one round
// trip once the container has seen the code and the path, and a rotated AppCode or a
// moved path fails on the very next call, as the lookups in that batch decide.
func TestAuthorizer_OneRoundTripAndChangesAtOnce(t *testing.T) {
	w, app := authzWorld(t, 0)
	if res, n := w.authorize("code-1", "/p/api-g"); !res.Decision.Allowed || n > 3 {
		t.Fatalf("first call: %+v with %d batches", res.Decision, n)
	}
	for range 3 {
		if res, n := w.authorize("code-1", "/p/api-g"); !res.Decision.Allowed || res.AppID != "app1" || res.APIID != "api-g" || n != 1 {
			t.Fatalf("steady state: %+v (%s, %s) with %d batches, want allowed with 1", res.Decision, res.AppID, res.APIID, n)
		}
	}
	// Rotate the AppCode: the old one is unknown on the very next call.
	rotated := app
	rotated.CodeHash, rotated.Version = access.HashAppCode("code-2"), app.Version+1
	w.commit(access.Write{App: &rotated},
		access.Write{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: rotated.CodeHash, Target: "app1"}},
		access.Write{Action: access.ActionDelete, Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: app.CodeHash, Target: "app1"}})
	if res, _ := w.authorize("code-1", "/p/api-g"); res.Decision.Reason != access.ReasonAppNotFound || res.AppID != "" {
		t.Fatalf("old code after rotation: %+v (%q)", res.Decision, res.AppID)
	}
	if res, _ := w.authorize("code-2", "/p/api-g"); !res.Decision.Allowed {
		t.Fatalf("new code: %+v", res.Decision)
	}
	// Move api-g's path and give the old one to api-d, as PUT /v1/apis writes a move: the
	// API and its lookups together. The old path names api-d (no grant) on the very next
	// call, and the new one api-g.
	move := func(id, from, to string) {
		a, err := w.st.GetAPI(w.ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a.Path, a.Version = to, a.Version+1
		w.commit(access.Write{API: &a},
			access.Write{Action: access.ActionDelete, Lookup: &access.Lookup{Kind: access.LookupPath, Value: from, Target: id}},
			access.Write{Lookup: &access.Lookup{Kind: access.LookupPath, Value: to, Target: id}})
	}
	move("api-g", "/p/api-g", "/p/moved")
	move("api-d", "/p/api-d", "/p/api-g")
	if res, _ := w.authorize("code-2", "/p/api-g"); res.APIID != "api-d" || res.Decision.Reason != access.ReasonNoGrant {
		t.Fatalf("old path after the move: %+v (%s)", res.Decision, res.APIID)
	}
	if res, _ := w.authorize("code-2", "/p/moved"); res.APIID != "api-g" || !res.Decision.Allowed {
		t.Fatalf("new path: %+v (%s)", res.Decision, res.APIID)
	}
	if res, n := w.authorize("code-2", "/p/moved"); !res.Decision.Allowed || n != 1 {
		t.Fatalf("steady state after the move: %+v with %d batches", res.Decision, n)
	}
}

// Bounded: the lookups are cached like every other item, so a container answers a hot
// call without a round trip inside the bound, and a rotated AppCode stops working by
// the bound at the latest.
func TestConsistency_AuthorizerLookupsWithinTheBound(t *testing.T) {
	const bound = 2 * time.Second
	w, app := authzWorld(t, bound)
	if res, _ := w.authorize("code-1", "/p/api-g"); !res.Decision.Allowed || !res.Decision.AsOf.Equal(t0) {
		t.Fatalf("first call: %+v", res.Decision)
	}
	rotated := app
	rotated.CodeHash, rotated.Version = access.HashAppCode("code-2"), app.Version+1
	w.now = t0.Add(time.Second)
	w.commit(access.Write{App: &rotated},
		access.Write{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: rotated.CodeHash, Target: "app1"}},
		access.Write{Action: access.ActionDelete, Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: app.CodeHash, Target: "app1"}})
	w.now = t0.Add(bound - time.Millisecond)
	if res, n := w.authorize("code-1", "/p/api-g"); !res.Decision.Allowed || n != 0 || !res.Decision.AsOf.Equal(t0) {
		t.Fatalf("inside the bound: %+v with %d batches, want allowed from the cache as of t0", res.Decision, n)
	}
	w.now = t0.Add(bound)
	if res, n := w.authorize("code-1", "/p/api-g"); res.Decision.Reason != access.ReasonAppNotFound || n != 2 {
		t.Fatalf("at the bound: %+v with %d batches, want APP_NOT_FOUND after two reads (the app refutes the code, the lookup is gone)", res.Decision, n)
	}
}

// Strict mode with a cache (CHECK_COMMIT_WAIT): check containers keep what they read
// for the wait, and a change to what a check reads is answered only once the wait is
// over. A check that started before the answer may still be answered from the cache; a
// check that starts at the answer or later sees the change. The wait runs on the test's
// clock; a replay of the answer (R17) waits too while the change may still be in a
// container's cache.
func TestConsistency_CommitWait_RevocationHoldsFromItsAnswer(t *testing.T) {
	const wait = time.Second
	w := newCheckWorld(t)
	seedCheck(w)
	clock := func() time.Time { return w.now }
	w.svc = access.NewService(w.st, access.Config{Now: clock, MaxStaleness: wait})
	in := access.CheckInput{APIID: "api-g", AppID: "app1", Env: access.EnvProd}
	var during access.Decision
	var duringBatches int64
	var duringRead access.Grant
	waits := 0
	writer := access.NewService(w.st, access.Config{Now: clock, CommitWait: wait, Wait: func(_ context.Context, d time.Duration) error {
		waits++
		w.now = w.now.Add(time.Millisecond)
		during, duringBatches = w.check(in) // started after the commit, before the answer
		// The promise is about checks from the writer's answer on: a read of the item
		// (a GET) already shows the change during the wait (docs/rules.md).
		duringRead, _ = w.st.GetGrantAt(w.ctx, access.SlotOf(access.APIResource("api-g"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app1"}))
		w.now = w.now.Add(d - time.Millisecond)
		return nil
	}})
	if d, _ := w.check(in); d.Reason != access.ReasonGranted {
		t.Fatalf("before: %s", d.Reason)
	}
	g, err := w.st.GetGrantAt(w.ctx, access.SlotOf(access.APIResource("api-g"), access.EnvProd, access.Subject{Type: access.SubjectApp, ID: "app1"}))
	if err != nil {
		t.Fatal(err)
	}
	revokedAt := t0.Add(200 * time.Millisecond)
	w.now = revokedAt
	owner := access.Actor{Principal: access.NewPrincipal("u1", tenant), Idem: &access.Idem{Key: "k-revoke", Hash: "h",
		Render: func(any) ([]byte, error) { return []byte("{}"), nil }}}
	if _, err := writer.RevokeOn(w.ctx, owner, access.APIResource("api-g"), g.ID, "no longer needed"); err != nil {
		t.Fatal(err)
	}
	answered := w.now
	if waits != 1 || !answered.Equal(revokedAt.Add(wait)) {
		t.Fatalf("answered at %s after %d waits, want at the revocation + %s", answered, waits, wait)
	}
	if during.Reason != access.ReasonGranted || duringBatches != 0 {
		t.Fatalf("a check during the wait: %s with %d batches, want GRANTED from the cache", during.Reason, duringBatches)
	}
	if duringRead.RevokedAt == nil {
		t.Fatalf("a read of the grant during the wait: %+v, want it revoked (the item is committed before the wait)", duringRead)
	}
	if d, n := w.check(in); d.Reason != access.ReasonCancelled || n != 1 {
		t.Fatalf("at the answer: %s with %d batches, want CANCELLED after a read", d.Reason, n)
	}
	// A replay waits while the change may be cached somewhere, and not after.
	for _, tc := range []struct {
		at    time.Duration // after the record
		waits int
	}{{0, 1}, {wait + 5*time.Second - time.Millisecond, 1}, {wait + 5*time.Second, 0}} {
		waits, w.now = 0, revokedAt.Add(tc.at)
		if _, found, err := writer.Replay(w.ctx, owner.Principal, "k-revoke", "h"); err != nil || !found || waits != tc.waits {
			t.Fatalf("replay at record + %s: found %v, %v, %d waits; want %d", tc.at, found, err, waits, tc.waits)
		}
	}
}

// A container's cache is shared by the calls it serves at once (the development server
// serves many): concurrent checks and authorizations stay correct and race-free (run
// under -race), whether they hit, miss or refresh the cache.
func TestConsistency_ConcurrentCallsShareTheCache(t *testing.T) {
	w, _ := authzWorld(t, 0)
	svc := access.NewService(w.st, access.Config{MaxStaleness: 20 * time.Millisecond})
	ins := []struct {
		in   access.CheckInput
		want access.Reason
	}{
		{access.CheckInput{APIID: "api-g", AppID: "app1", Env: access.EnvProd}, access.ReasonGranted},
		{access.CheckInput{APIID: "api-u", AppID: "app1", Env: access.EnvProd}, access.ReasonGranted},
		{access.CheckInput{APIID: "api-d", AppID: "app1", Env: access.EnvProd}, access.ReasonNoGrant},
		{access.CheckInput{APIID: "api-g", UserID: "alice", Env: access.EnvProd}, access.ReasonGranted},
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 60 {
				if i%3 == 0 {
					res, err := svc.Authorize(w.ctx, "code-1", "/p/api-g", access.EnvProd, access.ProtoHTTPS)
					if err == nil && !res.Decision.Allowed {
						err = fmt.Errorf("authorize: %+v", res.Decision)
					}
					if err != nil {
						errs <- err
						return
					}
					continue
				}
				c := ins[(g+i)%len(ins)]
				d, err := svc.Check(w.ctx, checker, c.in)
				if err == nil && d.Reason != c.want {
					err = fmt.Errorf("%+v: got %s, want %s", c.in, d.Reason, c.want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
