package access

import (
	"time"
)

// R25, a scheduled start, in one place: what start_time a grant, an application or a
// bulk grant may name, how a scheduled grant is cancelled and changed, and the Grant
// Started event the schedules publish. Whether a grant is SCHEDULED is decided by time
// (Grant.Status), so a late job never lets a call through early or holds one back.

// CodeStartTime is the error code of a start_time out of range (R25).
const CodeStartTime = "InvalidParameter.StartTime"

// MaxStartAhead is how far ahead a start_time may lie (R25).
const MaxStartAhead = 365 * dayLength

// OpStart is the operation of the schedules' Grant Started change.
const OpStart = "jobs.start"

// R25: CheckStart resolves a scheduled start asked for at now: nil (at once) stays nil;
// otherwise it must lie in the future and at most MaxStartAhead ahead, kept to the second
// like end times (InvalidParameter.StartTime otherwise).
func CheckStart(op string, start *time.Time, now time.Time) (*time.Time, error) {
	if start == nil {
		return nil, nil
	}
	at := start.UTC().Truncate(time.Second)
	switch {
	case !at.After(now):
		return nil, invalid(op, CodeStartTime, "start_time must lie in the future")
	case at.After(now.Add(MaxStartAhead)):
		return nil, invalid(op, CodeStartTime, "start_time may lie at most 365 days ahead")
	}
	return &at, nil
}

// from is the instant a validity counts from: the grant's start, else now (R2, R25).
func from(start *time.Time, now time.Time) time.Time {
	if start != nil && start.After(now) {
		return *start
	}
	return now
}

// scheduled reports whether g has not started at now (R25).
func (g Grant) scheduled(now time.Time) bool {
	return g.StartTime != nil && g.StartTime.After(now)
}

// startDue reports whether the Grant Started event of g is owed: it was scheduled, its
// start has not been announced, and it has not been revoked before starting.
func (g Grant) startDue() bool {
	return g.StartTime != nil && !g.StartAnnounced && (g.RevokedAt == nil || g.RevokedAt.After(*g.StartTime))
}

// StartChange builds the change that announces a scheduled grant's start at now (R25):
// the grant marked StartAnnounced, its next due time, conditional on the version read,
// with one Grant Started audit entry (so one event). ok is false when no start is due,
// or when the grant belongs to another generation of its resource (R4: the cleanup
// removes it). ModifiedAt stays: announcing is bookkeeping, not a change.
func StartChange(g Grant, now time.Time, days []int, apiGeneration int64) (c Change, next Grant, ok bool) {
	if g.Generation != apiGeneration || !g.startDue() || g.StartTime.After(now) {
		return Change{}, g, false
	}
	next = g
	next.StartAnnounced = true
	next.Version = g.Version + 1
	next.Due = next.NextDue(days)
	c = Change{Op: OpStart, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}},
		Audit: []AuditEntry{grantAudit(EventGrantStarted, next, ActorCancellations, "", now)}}
	return c, next, true
}

// ScheduleChange is the change the minutely schedule makes on a due grant: its start
// first (R25), then a due cancellation (R7, R11). One change per grant and run: the
// other, if also due, follows on the next run under the new version.
func ScheduleChange(g Grant, now time.Time, days []int, apiGeneration int64) (Change, Grant, bool) {
	if c, next, ok := StartChange(g, now, days, apiGeneration); ok {
		return c, next, true
	}
	return FinalizeChange(g, now, days, apiGeneration)
}

// notYetValid is the check's denial when the call's first scheduled candidate has not
// started (R25): NOT_YET_VALID with starts_at, decided by time from the items the check
// already read.
func notYetValid(cands []candidate, now time.Time) (Decision, bool) {
	for _, c := range cands {
		if c.g.Status(now, c.g.Generation) == StatusScheduled {
			d := deny(ReasonNotYetValid)
			at := *c.g.StartTime
			d.StartsAt = &at
			return d, true
		}
	}
	return Decision{}, false
}

// withStart schedules spec to start at start (R25), checked at now: the validity then
// counts from the start (days after it; an end_time must lie after it).
func withStart(op string, spec grantSpec, start *time.Time, v Validity, now time.Time) (grantSpec, error) {
	at, err := CheckStart(op, start, now)
	if err != nil || at == nil {
		return spec, err
	}
	end, err := v.End(*at)
	if err != nil {
		return grantSpec{}, withOp(op, err)
	}
	spec.start, spec.end = at, end
	return spec, nil
}

// CodeGrantStarted: a start_time names a grant that has started (R25).
const CodeGrantStarted = "Conflict.GrantStarted"

// rescheduled changes a scheduled grant's start and validity at now (R25): the start
// must still lie ahead (CheckStart), a new validity counts from the start, a kept end
// must lie after it. No notice is owed before the start, so the end may move earlier
// freely, except on a protected grant (R10, as R20). Reminders re-arm from the start.
func rescheduled(op string, g Grant, start *time.Time, v *Validity, now time.Time, days []int) (Grant, error) {
	if !g.scheduled(now) {
		return Grant{}, E(op, CodeGrantStarted, "grant %s has started: its start_time cannot change", g.ID)
	}
	if start == nil {
		start = g.StartTime
	}
	at, err := CheckStart(op, start, now)
	if err != nil {
		return Grant{}, err
	}
	next := g
	next.StartTime = at
	if v != nil {
		if next.EndTime, err = v.End(*at); err != nil {
			return Grant{}, withOp(op, err)
		}
	} else if g.EndTime != nil && !g.EndTime.After(*at) {
		return Grant{}, invalid(op, CodeValidity, "end_time %s must lie after the new start_time", g.EndTime.Format(time.RFC3339))
	}
	if g.Protected && Extends(next.EndTime, g.EndTime) {
		return Grant{}, E(op, CodeGrantProtected, "grant %s is protected: its end is never brought forward", g.ID)
	}
	next.rearm(now, days)
	return next, nil
}

// startAtApproval is the start an approval at now schedules (R25): the one asked for
// while it still lies ahead; a start that passed while the request waited is at once.
func startAtApproval(start *time.Time, now time.Time) *time.Time {
	if start == nil || !start.After(now) {
		return nil
	}
	return start
}
