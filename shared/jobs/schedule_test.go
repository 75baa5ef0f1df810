package jobs

import (
	"testing"
	"time"

	"gatepass/shared/access"
)

// TestScheduleJob_R25_GrantStartedOnce: the minutely schedule publishes one Grant
// Started per scheduled grant, at or after its start, reading only what is due; the
// check has let the call through from the start instant whatever the job did.
func TestScheduleJob_R25_GrantStartedOnce(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	start := t0.Add(2 * time.Hour)
	gs, err := e.svc.GrantOn(e.ctx, e.admin, access.APIResource("api1"), access.GrantInput{
		Subject: appSubject("app1"), Envs: []access.Env{access.EnvProd}, Validity: access.Validity{Type: access.Unlimited}, StartTime: &start,
	})
	if err != nil {
		t.Fatalf("scheduled grant: %v", err)
	}
	g := gs[0]
	e.clock.Set(start)
	if d := e.check("api1", "app1", false); !d.Allowed {
		t.Fatalf("at the start, before any run: got %s, want GRANTED", d.Reason)
	}
	e.store.Reset()
	if r := e.runCancellations(start.Add(-time.Millisecond), nil); r.Changed != 0 || e.store.Reads() != 0 {
		t.Fatalf("before the start: got %+v and %d reads, want nothing", r, e.store.Reads())
	}
	if r := e.runCancellations(start.Add(time.Minute), nil); r.Changed != 1 || r.Events != 1 || e.store.Reads() != 1 {
		t.Fatalf("after the start: got %+v and %d reads, want one Grant Started from one read", r, e.store.Reads())
	}
	if r := e.runCancellations(start.Add(2*time.Minute), nil); r.Changed != 0 {
		t.Fatalf("second run: got %+v, want nothing", r)
	}
	started := e.audit("api1", access.EventGrantStarted)
	if len(started) != 1 || started[0].GrantID != g.ID || started[0].StartTime == nil || !started[0].StartTime.Equal(start) {
		t.Fatalf("audit: got %+v, want one Grant Started", started)
	}
	if got := e.grantAt(g); !got.StartAnnounced || got.Due != nil {
		t.Fatalf("grant after the start: announced %v due %v", got.StartAnnounced, got.Due)
	}
}

// TestCancellationsJob_R27_RequestExpiredOnce: the minutely schedule records a PENDING
// request's expiry once, at or after its TTL, reading only what is due; the request was
// EXPIRED from the TTL instant whatever the job did.
func TestCancellationsJob_R27_RequestExpiredOnce(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	two, ttl := 2, 1
	if _, err := e.svc.PutPolicy(e.ctx, e.admin, access.APIResource("api1"), access.PolicyInput{ApprovalsRequired: &two, RequestTTLDays: &ttl}); err != nil {
		t.Fatalf("policy: %v", err)
	}
	res, err := e.svc.ApplyOn(e.ctx, e.admin, access.APIResource("api1"), access.ApplyInput{
		AppID: "app1", Envs: []access.Env{access.EnvProd}, Validity: access.Validity{Type: access.Unlimited},
	})
	if err != nil || res.Request.Status != access.RequestPending {
		t.Fatalf("apply: got %v, %+v", err, res.Request)
	}
	exp := t0.Add(24 * time.Hour)
	e.clock.Set(exp)
	if r, err := e.svc.GetRequest(e.ctx, e.admin.Principal, res.Request.ID); err != nil || r.Status != access.RequestExpired {
		t.Fatalf("at the TTL, before any run: got %v, %+v", err, r.Status)
	}
	e.store.Reset()
	if r := e.runCancellations(exp.Add(-time.Millisecond), nil); r.Changed != 0 || e.store.Reads() != 0 {
		t.Fatalf("before the TTL: got %+v and %d reads, want nothing", r, e.store.Reads())
	}
	if r := e.runCancellations(exp.Add(time.Minute), nil); r.Changed != 1 || r.Events != 1 || e.store.Reads() != 1 {
		t.Fatalf("after the TTL: got %+v and %d reads, want one Request Expired from one read", r, e.store.Reads())
	}
	if r := e.runCancellations(exp.Add(2*time.Minute), nil); r.Changed != 0 {
		t.Fatalf("second run: got %+v, want nothing", r)
	}
	expired := e.audit("api1", access.EventRequestExpired)
	if len(expired) != 1 || expired[0].RequestID != res.Request.ID || expired[0].Actor != access.ActorExpiry {
		t.Fatalf("audit: got %+v, want one Request Expired", expired)
	}
}
