package access

import (
	"slices"
	"testing"
	"time"
)

var jobDays = []int{7, 1}

// newLimited is a grant made at made, ending at end, armed as CreateGrants arms it.
func newLimited(made, end time.Time) Grant {
	g := Grant{
		ID: "g1", APIID: "api1", TenantID: "t1", Subject: Subject{Type: SubjectApp, ID: "app1", TenantID: "t1"},
		Env: EnvProd, Permissions: []Permission{PermUsage}, EndTime: &end, Version: 1, Generation: 1,
		CreatedAt: made, ModifiedAt: made,
	}
	g.rearm(made, jobDays)
	return g
}

// run applies what RemindChange finds at t to g, as the job commits it, and returns
// the events it announced.
func run(t *testing.T, g *Grant, at time.Time) []AuditEntry {
	t.Helper()
	c, next, ok := RemindChange(*g, at, jobDays, 1)
	if !ok {
		return nil
	}
	if len(c.Writes) != 1 || c.Writes[0].Grant == nil || c.Writes[0].Cond != (Cond{Kind: CondVersion, Version: g.Version}) {
		t.Fatalf("writes: got %+v, want one grant write conditional on version %d", c.Writes, g.Version)
	}
	if next.Version != g.Version+1 {
		t.Fatalf("version: got %d, want %d", next.Version, g.Version+1)
	}
	*g = next
	return c.Audit
}

func announced(entries []AuditEntry) []string {
	var out []string
	for _, e := range entries {
		s := e.Action
		if e.ThresholdDays != 0 {
			s += " " + time.Duration(e.ThresholdDays*24*int(time.Hour)).String()
		}
		out = append(out, s)
	}
	return out
}

func TestReminders_R16_SevenDaysMinusOneSecond(t *testing.T) {
	end := now.Add(30 * dayLength)
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"7 days and 1 second left: not yet", end.Add(-7*dayLength - time.Second), nil},
		{"7 days minus 1 second left: the 7-day reminder", end.Add(-7*dayLength + time.Second), []string{"Grant Expiring 168h0m0s"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newLimited(now, end)
			if got := announced(run(t, &g, tc.at)); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReminders_R16_AtThreshold(t *testing.T) {
	end := now.Add(30 * dayLength)
	g := newLimited(now, end)
	got := run(t, &g, end.Add(-7*dayLength))
	if len(got) != 1 || got[0].Action != EventGrantExpiring || got[0].ThresholdDays != 7 {
		t.Fatalf("got %v, want one Grant Expiring with threshold_days 7", announced(got))
	}
	e := got[0]
	if e.GrantID != g.ID || e.APIID != "api1" || e.TenantID != "t1" || e.EndTime == nil || !e.EndTime.Equal(end) ||
		e.Actor != ActorReminders || e.Subject == nil || e.Subject.ID != "app1" || e.Env != EnvProd || e.ID == "" {
		t.Fatalf("entry: got %+v", e)
	}
	if !slices.Equal(g.Reminded, []int{7}) {
		t.Fatalf("reminded: got %v, want [7]", g.Reminded)
	}
	if want := end.Add(-1 * dayLength); g.Due == nil || !g.Due.Equal(want) {
		t.Fatalf("due: got %v, want %v (the 1-day threshold)", g.Due, want)
	}
	// The 1-day threshold, then the expiry, each once.
	if got := announced(run(t, &g, end.Add(-1*dayLength))); !slices.Equal(got, []string{"Grant Expiring 24h0m0s"}) {
		t.Fatalf("1 day: got %v", got)
	}
	if got := announced(run(t, &g, end)); !slices.Equal(got, []string{"Grant Expired"}) {
		t.Fatalf("end: got %v", got)
	}
	if g.Due != nil {
		t.Fatalf("due after expiry: got %v, want nil", g.Due)
	}
	if got := run(t, &g, end.Add(dayLength)); got != nil {
		t.Fatalf("after expiry: got %v, want nothing", announced(got))
	}
}

func TestReminders_R16_RenewalReArms(t *testing.T) {
	end := now.Add(10 * dayLength)
	g := newLimited(now, end)
	run(t, &g, end.Add(-7*dayLength)) // the 7-day reminder went out
	// A renewal at 5 days left for 30 more days re-arms both thresholds.
	renewedAt := end.Add(-5 * dayLength)
	newEnd := renewedAt.Add(30 * dayLength)
	g.EndTime = &newEnd
	g.rearm(renewedAt, jobDays)
	if got := run(t, &g, renewedAt.Add(dayLength)); got != nil {
		t.Fatalf("a day after renewal: got %v, want nothing", announced(got))
	}
	got := run(t, &g, newEnd.Add(-7*dayLength))
	if len(got) != 1 || got[0].ThresholdDays != 7 || !got[0].EndTime.Equal(newEnd) {
		t.Fatalf("got %v, want the 7-day reminder again for the new end time", announced(got))
	}
}

func TestReminders_R16_TwoRunsSameDay(t *testing.T) {
	end := now.Add(30 * dayLength)
	g := newLimited(now, end)
	at := end.Add(-7*dayLength + time.Hour)
	if got := run(t, &g, at); len(got) != 1 {
		t.Fatalf("first run: got %v, want one reminder", announced(got))
	}
	if _, _, ok := RemindChange(g, at.Add(6*time.Hour), jobDays, 1); ok {
		t.Fatal("second run the same day: got a change, want none")
	}
}

func TestReminders_R16_PastThresholdSkipped(t *testing.T) {
	end := now.Add(3 * dayLength) // made with 3 days left: the 7-day threshold is past
	g := newLimited(now, end)
	if got := run(t, &g, now.Add(time.Hour)); got != nil {
		t.Fatalf("right after the grant: got %v, want nothing", announced(got))
	}
	if got := announced(run(t, &g, end.Add(-dayLength))); !slices.Equal(got, []string{"Grant Expiring 24h0m0s"}) {
		t.Fatalf("1 day left: got %v, want only the 1-day reminder", got)
	}
}

func TestReminders_R16_LateRunCatchesUp(t *testing.T) {
	end := now.Add(30 * dayLength)
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"missed the 7-day run", end.Add(-5 * dayLength), []string{"Grant Expiring 168h0m0s"}},
		{"missed both", end.Add(-time.Hour), []string{"Grant Expiring 168h0m0s", "Grant Expiring 24h0m0s"}},
		{"missed everything: expired, no reminder", end.Add(time.Hour), []string{"Grant Expired"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newLimited(now, end)
			if got := announced(run(t, &g, tc.at)); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if !slices.Equal(g.Reminded, []int{7, 1}) && tc.at.After(end.Add(-dayLength)) {
				t.Fatalf("reminded: got %v, want [7 1]", g.Reminded)
			}
		})
	}
}

func TestReminders_R16_NotInForceGetsNothing(t *testing.T) {
	end := now.Add(30 * dayLength)
	at := end.Add(-7*dayLength + time.Hour)
	tests := []struct {
		name string
		edit func(g *Grant)
		gen  int64
	}{
		{"revoked", func(g *Grant) { g.RevokedAt = ptr(now.Add(dayLength)); g.Due = g.NextDue(jobDays) }, 1},
		{"cancellation of usage passed", func(g *Grant) { g.CancelAt = ptr(at.Add(-time.Minute)) }, 1},
		{"API unpublished since (R4)", func(g *Grant) {}, 2},
		{"unlimited", func(g *Grant) { g.EndTime = nil }, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newLimited(now, end)
			tc.edit(&g)
			if c, _, ok := RemindChange(g, at, jobDays, tc.gen); ok {
				t.Fatalf("got %v, want nothing", announced(c.Audit))
			}
		})
	}
}

func TestCancellations_R7_Finalize(t *testing.T) {
	cancelAt := now.Add(48 * time.Hour)
	g := newLimited(now.Add(-dayLength), now.Add(60*dayLength))
	g.CancelAt, g.CancelPermissions = &cancelAt, []Permission{PermUsage}
	g.Due = g.NextDue(jobDays)
	if _, _, ok := FinalizeChange(g, cancelAt.Add(-time.Millisecond), jobDays, 1); ok {
		t.Fatal("before cancel_at: got a change, want none")
	}
	c, next, ok := FinalizeChange(g, cancelAt.Add(time.Minute), jobDays, 1)
	if !ok {
		t.Fatal("after cancel_at: got no change")
	}
	if next.RevokedAt == nil || !next.RevokedAt.Equal(cancelAt) || next.Due != nil || next.Version != 2 {
		t.Fatalf("grant: got revoked_at %v due %v version %d, want %v, nil, 2", next.RevokedAt, next.Due, next.Version, cancelAt)
	}
	if len(c.Audit) != 1 || c.Audit[0].Action != EventGrantRevoked || c.Audit[0].Actor != ActorCancellations {
		t.Fatalf("audit: got %+v", c.Audit)
	}
	if c.Writes[0].Cond != (Cond{Kind: CondVersion, Version: 1}) {
		t.Fatalf("cond: got %+v", c.Writes[0].Cond)
	}
	if _, _, ok := FinalizeChange(next, cancelAt.Add(time.Hour), jobDays, 1); ok {
		t.Fatal("finalized twice")
	}
	if _, _, ok := FinalizeChange(g, cancelAt.Add(time.Minute), jobDays, 2); ok {
		t.Fatal("a grant of an older generation (R4) was finalized")
	}
}

func TestCancellations_R7_ExpiredBeforeCancelAtIsNotRevoked(t *testing.T) {
	end := now.Add(24 * time.Hour)
	cancelAt := now.Add(48 * time.Hour)
	g := newLimited(now.Add(-dayLength), end)
	g.Reminded = []int{7, 1} // both reminders went out
	g.CancelAt, g.CancelPermissions = &cancelAt, []Permission{PermUsage}
	c, next, ok := FinalizeChange(g, cancelAt.Add(time.Minute), jobDays, 1)
	if !ok || len(c.Audit) != 0 {
		t.Fatalf("got ok %v and %d audit entries, want the moot cancellation dropped silently", ok, len(c.Audit))
	}
	if next.RevokedAt != nil || next.CancelAt != nil || next.Version != 2 {
		t.Fatalf("got revoked_at %v cancel_at %v version %d", next.RevokedAt, next.CancelAt, next.Version)
	}
	if want := end; next.Due == nil || !next.Due.Equal(want) {
		t.Fatalf("due: got %v, want the expiry announcement at %v", next.Due, want)
	}
	if s := next.Status(cancelAt.Add(time.Minute), 1); s != StatusExpired {
		t.Fatalf("status: got %s, want EXPIRED", s)
	}
}

func TestCancellations_R11_ProxyOnly(t *testing.T) {
	cancelAt := now.Add(48 * time.Hour)
	g := newLimited(now.Add(-dayLength), now.Add(60*dayLength))
	g.Permissions = []Permission{PermUsage, PermProxy}
	g.CancelAt, g.CancelPermissions = &cancelAt, []Permission{PermProxy}
	g.Due = g.NextDue(jobDays)
	_, next, ok := FinalizeChange(g, cancelAt, jobDays, 1)
	if !ok {
		t.Fatal("got no change")
	}
	if next.RevokedAt != nil || !slices.Equal(next.Permissions, []Permission{PermUsage}) || next.CancelAt != nil {
		t.Fatalf("got revoked_at %v permissions %v cancel_at %v, want usage kept", next.RevokedAt, next.Permissions, next.CancelAt)
	}
	if want := next.EndTime.Add(-7 * dayLength); next.Due == nil || !next.Due.Equal(want) {
		t.Fatalf("due: got %v, want the next reminder %v", next.Due, want)
	}
	if !next.InForce(cancelAt, 1) {
		t.Fatal("got not in force, want in force")
	}
}

func TestCleanup_R4_Change(t *testing.T) {
	task := CleanupTask{Resource: APIResource("api1"), TenantID: "t1", Generation: 2, Actor: "alice", Reason: "unpublished", Due: now}
	g1 := newLimited(now, now.Add(30*dayLength))
	g2 := g1
	g2.ID, g2.Subject.ID, g2.RevokedAt = "g2", "app2", ptr(now.Add(-dayLength)) // a tombstone: revoked before
	c := CleanupChange(task, []Grant{g1, g2}, "cursor-1", now.Add(time.Minute))
	if len(c.Writes) != 3 || len(c.Audit) != 1 {
		t.Fatalf("got %d writes and %d audit entries, want 3 and 1", len(c.Writes), len(c.Audit))
	}
	for _, w := range c.Writes[:2] {
		if w.Action != ActionDelete || w.Grant == nil || w.Cond.Kind != CondVersion {
			t.Fatalf("grant write: got %+v", w)
		}
	}
	if w := c.Writes[2]; w.Action != ActionPut || w.Cleanup.Cursor != "cursor-1" || !w.Cleanup.Due.Equal(now.Add(time.Minute)) {
		t.Fatalf("task write: got %+v", w)
	}
	if e := c.Audit[0]; e.Action != EventGrantRevoked || e.GrantID != "g1" || e.Actor != "alice" || e.Reason != "unpublished" {
		t.Fatalf("audit: got %+v", e)
	}
	last := CleanupChange(task, nil, "", now)
	if len(last.Writes) != 1 || last.Writes[0].Action != ActionDelete || last.Writes[0].Cleanup == nil {
		t.Fatalf("last step: got %+v, want the task deleted", last.Writes)
	}
}
