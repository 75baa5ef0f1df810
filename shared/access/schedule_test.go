package access

import (
	"testing"
	"time"
)

var r25Now = time.Date(2099, 3, 1, 9, 0, 0, 0, time.UTC)

func at(t time.Time) *time.Time { return &t }

func TestSchedule_R25_CheckStart(t *testing.T) {
	tests := []struct {
		name  string
		start *time.Time
		want  *time.Time
		code  string
	}{
		{"none: at once", nil, nil, ""},
		{"now is not ahead", at(r25Now), nil, CodeStartTime},
		{"one second ahead", at(r25Now.Add(time.Second)), at(r25Now.Add(time.Second)), ""},
		{"kept to the second", at(r25Now.Add(1500 * time.Millisecond)), at(r25Now.Add(time.Second)), ""},
		{"in the past", at(r25Now.Add(-time.Hour)), nil, CodeStartTime},
		{"exactly 365 days", at(r25Now.Add(365 * dayLength)), at(r25Now.Add(365 * dayLength)), ""},
		{"365 days and a second", at(r25Now.Add(365*dayLength + time.Second)), nil, CodeStartTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckStart("grant.create", tc.start, r25Now)
			if tc.code != "" {
				if !IsCode(err, tc.code) {
					t.Fatalf("got %v %v, want %s", got, err, tc.code)
				}
				return
			}
			if err != nil || (got == nil) != (tc.want == nil) || (got != nil && !got.Equal(*tc.want)) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestSchedule_R25_DaysCountFromStart(t *testing.T) {
	start := r25Now.Add(7 * dayLength)
	days := 30
	spec, err := withStart("grant.create", grantSpec{}, &start, Validity{Type: Limited, Days: &days}, r25Now)
	if err != nil || !spec.start.Equal(start) || !spec.end.Equal(start.Add(30*dayLength)) {
		t.Fatalf("days: got start %v end %v (%v), want the end 30 days after the start", spec.start, spec.end, err)
	}
	// An end_time must lie after the start, not only after now.
	early := start.Add(-time.Second)
	if _, err := withStart("grant.create", grantSpec{}, &start, Validity{Type: Limited, EndTime: &early}, r25Now); !IsCode(err, CodeValidity) {
		t.Fatalf("end before start: got %v, want %s", err, CodeValidity)
	}
	if _, err := withStart("grant.create", grantSpec{}, &start, Validity{Type: Limited, EndTime: &start}, r25Now); !IsCode(err, CodeValidity) {
		t.Fatalf("end at start: got %v, want %s", err, CodeValidity)
	}
}

func TestSchedule_R25_StatusAtTheStart(t *testing.T) {
	start := r25Now.Add(time.Hour)
	g := Grant{ID: "g", Generation: 1, StartTime: &start, EndTime: at(start.Add(dayLength)), Permissions: []Permission{PermUsage}}
	tests := []struct {
		name     string
		now      time.Time
		want     GrantStatus
		occupies bool
	}{
		{"a millisecond before the start", start.Add(-time.Millisecond), StatusScheduled, true},
		{"at the start", start, StatusActive, true},
		{"at the end", start.Add(dayLength), StatusExpired, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := g.Status(tc.now, 1); got != tc.want || g.Occupies(tc.now, 1) != tc.occupies || g.InForce(tc.now, 1) != (tc.want == StatusActive) {
				t.Fatalf("got %s occupies %v, want %s occupies %v", got, g.Occupies(tc.now, 1), tc.want, tc.occupies)
			}
		})
	}
	revoked := g
	revoked.RevokedAt = at(r25Now)
	if got := revoked.Status(start.Add(-time.Millisecond), 1); got != StatusRevoked || revoked.Occupies(r25Now, 1) {
		t.Fatalf("revoked before the start: got %s, want REVOKED and a free slot", got)
	}
}

func TestCheck_R25_NotYetValidUntilStart(t *testing.T) {
	start := r25Now.Add(time.Hour)
	end := start.Add(30 * dayLength)
	tests := []struct {
		name   string
		now    time.Time
		items  func(*CheckItems)
		want   Reason
		starts *time.Time
	}{
		{"app grant a millisecond before the start", start.Add(-time.Millisecond),
			func(it *CheckItems) {
				it.AppGrant = appGrant("g1", func(g *Grant) { g.StartTime, g.EndTime = &start, &end })
			},
			ReasonNotYetValid, &start},
		{"app grant at the start", start,
			func(it *CheckItems) {
				it.AppGrant = appGrant("g1", func(g *Grant) { g.StartTime, g.EndTime = &start, &end })
			},
			ReasonGranted, nil},
		{"scheduled workspace grant beside an expired app grant", start.Add(-time.Second),
			func(it *CheckItems) {
				it.AppGrant = appGrant("g0", func(g *Grant) { g.EndTime = at(r25Now.Add(-time.Hour)) })
				it.WorkspaceGrant = wsGrant("g1", func(g *Grant) { g.StartTime = &start })
			},
			ReasonNotYetValid, &start},
		{"an app grant in force wins over a scheduled workspace grant", start.Add(-time.Second),
			func(it *CheckItems) {
				it.AppGrant = appGrant("g0")
				it.WorkspaceGrant = wsGrant("g1", func(g *Grant) { g.StartTime = &start })
			},
			ReasonGranted, nil},
		{"cancelled before its start", start.Add(-time.Second),
			func(it *CheckItems) {
				it.AppGrant = appGrant("g1", func(g *Grant) { g.StartTime, g.RevokedAt = &start, at(r25Now) })
			},
			ReasonCancelled, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, it := checkFixture()
			tc.items(&it)
			d := Decide("t1", in, it, tc.now)
			wantReason(t, d, tc.want, tc.want == ReasonGranted)
			if (d.StartsAt == nil) != (tc.starts == nil) || (d.StartsAt != nil && !d.StartsAt.Equal(*tc.starts)) {
				t.Fatalf("starts_at: got %v, want %v", d.StartsAt, tc.starts)
			}
			if tc.want == ReasonGranted && tc.name == "app grant at the start" && !d.ExpiresAt.Equal(end) {
				t.Fatalf("expires_at: got %v, want %v", d.ExpiresAt, end)
			}
		})
	}
}

func TestSchedule_R25_GrantStartedOnce(t *testing.T) {
	start := r25Now.Add(time.Hour)
	end := start.Add(30 * dayLength)
	g := Grant{ID: "g", Generation: 1, StartTime: &start, EndTime: &end, Version: 1, Permissions: []Permission{PermUsage}}
	g.rearm(r25Now, []int{7, 1})
	if g.Due == nil || !g.Due.Equal(start) {
		t.Fatalf("due: got %v, want the start %v", g.Due, start)
	}
	if _, _, ok := ScheduleChange(g, start.Add(-time.Millisecond), []int{7, 1}, 1); ok {
		t.Fatal("before the start: got a change, want none")
	}
	c, next, ok := ScheduleChange(g, start, []int{7, 1}, 1)
	if !ok || len(c.Audit) != 1 || c.Audit[0].Action != EventGrantStarted || !next.StartAnnounced || next.Version != 2 {
		t.Fatalf("at the start: got %+v %+v, want one Grant Started", c.Audit, next)
	}
	if want := end.Add(-7 * dayLength); next.Due == nil || !next.Due.Equal(want) {
		t.Fatalf("next due: got %v, want the 7-day reminder %v", next.Due, want)
	}
	if _, _, ok := ScheduleChange(next, start.Add(time.Minute), []int{7, 1}, 1); ok {
		t.Fatal("second run: got a change, want none")
	}
	if _, _, ok := ScheduleChange(g, start, []int{7, 1}, 2); ok {
		t.Fatal("another generation: got a change, want none (the cleanup removes it)")
	}
	revoked := g
	revoked.RevokedAt = at(r25Now)
	if revoked.NextDue([]int{7, 1}) != nil {
		t.Fatal("revoked before the start: got a due time, want none")
	}
	if _, _, ok := ScheduleChange(revoked, start, []int{7, 1}, 1); ok {
		t.Fatal("revoked before the start: got Grant Started, want none")
	}
}

func TestSchedule_R25_RemindersCountFromTheStart(t *testing.T) {
	// A grant starting in 10 days for 5 days: its 7-day threshold falls before the start
	// and is skipped; the 1-day one is armed.
	start := r25Now.Add(10 * dayLength)
	end := start.Add(5 * dayLength)
	g := Grant{StartTime: &start, EndTime: &end, Generation: 1}
	g.rearm(r25Now, []int{7, 1})
	if len(g.Reminded) != 1 || g.Reminded[0] != 7 {
		t.Fatalf("reminded: got %v, want [7]", g.Reminded)
	}
}

func TestChange_R25_Reschedule(t *testing.T) {
	start := r25Now.Add(dayLength)
	end := start.Add(10 * dayLength)
	g := Grant{ID: "g", Generation: 1, StartTime: &start, EndTime: &end, Version: 3}
	days := 30
	later := start.Add(dayLength)
	tests := []struct {
		name      string
		g         Grant
		start     *time.Time
		v         *Validity
		now       time.Time
		wantStart time.Time
		wantEnd   *time.Time
		code      string
	}{
		{"move the start, keep the end", g, &later, nil, r25Now, later, &end, ""},
		{"days count from the new start", g, &later, &Validity{Type: Limited, Days: &days}, r25Now, later, at(later.Add(30 * dayLength)), ""},
		{"shorten before the start: no notice owed", g, nil, &Validity{Type: Limited, EndTime: at(start.Add(time.Hour))}, r25Now, start, at(start.Add(time.Hour)), ""},
		{"a kept end must lie after the start", g, at(end), nil, r25Now, time.Time{}, nil, CodeValidity},
		{"a start in the past", g, at(r25Now.Add(-time.Second)), nil, r25Now, time.Time{}, nil, CodeStartTime},
		{"started: the start cannot move", g, &later, nil, start, time.Time{}, nil, CodeGrantStarted},
		{"protected: never brought forward", func() Grant { p := g; p.Protected = true; return p }(), nil, &Validity{Type: Limited, EndTime: at(start.Add(time.Hour))}, r25Now, time.Time{}, nil, CodeGrantProtected},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next, err := rescheduled("grant.patch", tc.g, tc.start, tc.v, tc.now, []int{7, 1})
			if tc.code != "" {
				if !IsCode(err, tc.code) {
					t.Fatalf("got %v, want %s", err, tc.code)
				}
				return
			}
			if err != nil || !next.StartTime.Equal(tc.wantStart) || !next.EndTime.Equal(*tc.wantEnd) {
				t.Fatalf("got start %v end %v (%v), want %v %v", next.StartTime, next.EndTime, err, tc.wantStart, *tc.wantEnd)
			}
		})
	}
}
