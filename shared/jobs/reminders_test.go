package jobs

import (
	"slices"
	"testing"
	"time"

	"gatepass/shared/access"
)

// runReminders runs the job at t and returns the Grant Expiring thresholds and Grant
// Expired entries it wrote for apiID.
func (e *env) runReminders(t time.Time, apiID string) []string {
	e.t.Helper()
	before := len(e.audit(apiID, ""))
	e.clock.Set(t)
	if _, err := e.reminders().Run(as("RemindersFunction")); err != nil {
		e.t.Fatalf("reminders at %s: %v", t, err)
	}
	var out []string
	for _, a := range e.audit(apiID, "")[before:] {
		s := a.Action
		if a.ThresholdDays != 0 {
			s += " " + time.Duration(a.ThresholdDays*24*int(time.Hour)).String()
		}
		out = append(out, s+" "+a.GrantID)
	}
	return out
}

func TestRemindersJob_R16_Instants(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), forDays(30))
	end := *g.EndTime
	steps := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"7 days and a second left", end.Add(-7*24*time.Hour - time.Second), nil},
		{"7 days minus a second left", end.Add(-7*24*time.Hour + time.Second), []string{"Grant Expiring 168h0m0s " + g.ID}},
		{"run again the same day", end.Add(-7*24*time.Hour + 6*time.Hour), nil},
		{"exactly 1 day left", end.Add(-24 * time.Hour), []string{"Grant Expiring 24h0m0s " + g.ID}},
		{"1 day left, again", end.Add(-time.Hour), nil},
		{"at the end", end, []string{"Grant Expired " + g.ID}},
		{"after the end", end.Add(3 * 24 * time.Hour), nil},
	}
	for _, s := range steps {
		if got := e.runReminders(s.at, "api1"); !slices.Equal(got, s.want) {
			t.Fatalf("%s: got %v, want %v", s.name, got, s.want)
		}
	}
	if got := e.grantAt(g); got.Due != nil || !got.ExpiryAnnounced || !slices.Equal(got.Reminded, []int{7, 1}) {
		t.Fatalf("grant: got due %v announced %v reminded %v", got.Due, got.ExpiryAnnounced, got.Reminded)
	}
}

func TestRemindersJob_R16_LateRunCatchesUp(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), forDays(30))
	end := *g.EndTime
	// The job did not run for days: its first run, with 3 days left, sends the 7-day
	// reminder it missed, once.
	if got := e.runReminders(end.Add(-3*24*time.Hour), "api1"); !slices.Equal(got, []string{"Grant Expiring 168h0m0s " + g.ID}) {
		t.Fatalf("got %v", got)
	}
	if got := e.runReminders(end.Add(-3*24*time.Hour+time.Minute), "api1"); got != nil {
		t.Fatalf("second run: got %v, want nothing", got)
	}
}

func TestRemindersJob_R16_RenewalReArms(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), forDays(10))
	end := *g.EndTime
	if got := e.runReminders(end.Add(-7*24*time.Hour), "api1"); len(got) != 1 {
		t.Fatalf("got %v, want the 7-day reminder", got)
	}
	e.clock.Set(end.Add(-5 * 24 * time.Hour))
	res, err := e.svc.RenewOn(e.ctx, e.admin, access.APIResource("api1"), g.ID, access.RenewInput{Validity: forDays(30)})
	if err != nil {
		t.Fatalf("renew: %v", err)
	}
	newEnd := *res.Grant.EndTime
	if got := e.runReminders(end.Add(-4*24*time.Hour), "api1"); got != nil {
		t.Fatalf("after renewal: got %v, want nothing", got)
	}
	if got := e.runReminders(newEnd.Add(-7*24*time.Hour), "api1"); !slices.Equal(got, []string{"Grant Expiring 168h0m0s " + g.ID}) {
		t.Fatalf("new end: got %v, want the 7-day reminder again", got)
	}
	if got := e.audit("api1", access.EventGrantExpiring); !got[1].EndTime.Equal(newEnd) {
		t.Fatalf("end_time: got %v, want %v", got[1].EndTime, newEnd)
	}
}

func TestRemindersJob_R16_PastThresholdSkipped(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), forDays(3))
	if got := e.runReminders(t0.Add(time.Hour), "api1"); got != nil {
		t.Fatalf("got %v, want nothing: the 7-day threshold was past when the grant was made", got)
	}
	if got := e.runReminders(g.EndTime.Add(-24*time.Hour), "api1"); !slices.Equal(got, []string{"Grant Expiring 24h0m0s " + g.ID}) {
		t.Fatalf("got %v, want only the 1-day reminder", got)
	}
}

func TestRemindersJob_R16_CancelledOrRevokedGetsNothing(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	e.app("app2")
	revoked := e.grant("api1", appSubject("app1"), forDays(30))
	cancelled := e.grant("api1", appSubject("app2"), forDays(30))
	owner := access.Actor{Principal: access.NewPrincipal("alice", "t1", access.RoleTenantAdmin)}
	if _, err := e.svc.RevokeOn(e.ctx, owner, access.APIResource("api1"), revoked.ID, "done"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	// Cancelled an hour before the 7-day threshold: it takes effect 47 hours after it,
	// and the cancellations job has not run yet. The grant is still indexed at the
	// threshold, so the sweep reads it, and finds it not in force.
	e.clock.Set(cancelled.EndTime.Add(-7*24*time.Hour - time.Hour))
	if _, err := e.svc.CancelOn(e.ctx, e.admin, access.APIResource("api1"), cancelled.ID, access.CancelInput{Reason: "bye"}); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	e.store.Reset()
	if got := e.runReminders(cancelled.EndTime.Add(-7*24*time.Hour+48*time.Hour), "api1"); got != nil {
		t.Fatalf("got %v, want no reminder for a revoked or cancelled grant", got)
	}
	if e.store.Reads() == 0 {
		t.Fatal("the cancelled grant was not read: the test proves nothing")
	}
	if got := e.runReminders(revoked.EndTime.Add(time.Hour), "api1"); got != nil {
		t.Fatalf("got %v, want no expiry event for a revoked or cancelled grant", got)
	}
}

// The sweep reads only what is due (GSI2 day buckets), not the table.
func TestRemindersJob_ReadsOnlyDueItems(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	for i := range 200 {
		e.grant("api1", wsSubject(i), forDays(90))
	}
	due := make([]access.Grant, 3)
	for i := range due {
		due[i] = e.grant("api1", wsSubject(1000+i), forDays(5))
	}
	e.store.Reset()
	got := e.runReminders(due[0].EndTime.Add(-24*time.Hour+time.Minute), "api1")
	if len(got) != 3 {
		t.Fatalf("got %v, want three 1-day reminders", got)
	}
	// The counting store saw: the due items, the API (once), and the audit reads of
	// runReminders itself are not counted (Audit is not wrapped).
	if reads := e.store.Reads(); reads > len(due)+2 {
		t.Fatalf("reads: got %d items, want at most %d (the due items and the API)", reads, len(due)+2)
	}
}

// Two runs at once (a retried schedule overlapping the next) announce each reminder
// once: the loser of each race finds the grant changed and leaves it.
func TestRemindersJob_R16_ConcurrentRunsAnnounceOnce(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	const n = 8
	var end time.Time
	for i := range n {
		end = *e.grant("api1", wsSubject(i), forDays(30)).EndTime
	}
	e.clock.Set(end.Add(-7*24*time.Hour + time.Minute))
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := e.reminders().Run(as("RemindersFunction")); errs <- err }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]int{}
	for _, a := range e.audit("api1", access.EventGrantExpiring) {
		seen[a.GrantID]++
	}
	if len(seen) != n {
		t.Fatalf("got reminders for %d grants, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Fatalf("grant %s: got %d reminders, want 1", id, k)
		}
	}
}

func TestLookback(t *testing.T) {
	if got := lookback([]int{14, 3}); got != 16*24*time.Hour {
		t.Fatalf("lookback: got %v, want 16 days", got)
	}
	if got := lookback(nil); got != 3*24*time.Hour {
		t.Fatalf("lookback: got %v, want 3 days", got)
	}
}

// forDays is a LIMITED validity of n days.
func forDays(n int) access.Validity { return access.Validity{Type: access.Limited, Days: &n} }
