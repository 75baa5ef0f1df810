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
