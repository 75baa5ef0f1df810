package access

import (
	"slices"
	"time"
)

// R16, reminders, in one place: the state a grant carries (Reminded, ExpiryAnnounced,
// Due), how a create or renewal re-arms it, when a job next has work on it, and what
// the reminders job announces.

// rearm sets the grant's reminder state after a create or renewal at now (R16):
// thresholds already past are skipped, and so are those before a scheduled start
// (R25); the next due time is indexed for the jobs.
func (g *Grant) rearm(now time.Time, days []int) {
	g.Reminded, g.ExpiryAnnounced = nil, false
	ref := from(g.StartTime, now)
	if g.EndTime != nil {
		for _, d := range days {
			if !g.EndTime.Add(-time.Duration(d) * 24 * time.Hour).After(ref) {
				g.Reminded = append(g.Reminded, d)
			}
		}
	}
	g.Due = g.NextDue(days)
}

// NextDue is when a job next has work on the grant: a pending cancellation, an
// unannounced reminder threshold, or the expiry event; nil when nothing is due.
func (g Grant) NextDue(days []int) *time.Time {
	if g.RevokedAt != nil {
		return nil
	}
	var due *time.Time
	consider := func(t time.Time) {
		if due == nil || t.Before(*due) {
			due = &t
		}
	}
	if c := g.Timing().Cancel; c != nil {
		consider(*c) // a cancellation due after the end has nothing to revoke
	}
	if g.startDue() {
		consider(*g.StartTime) // R25: the Grant Started event
	}
	if g.EndTime != nil {
		for _, d := range days {
			if !slices.Contains(g.Reminded, d) {
				consider(g.EndTime.Add(-time.Duration(d) * 24 * time.Hour))
			}
		}
		if !g.ExpiryAnnounced {
			consider(*g.EndTime)
		}
	}
	return due
}

// ReminderWork is what R16 has due on a grant at an instant.
type ReminderWork struct {
	// Expiring are the thresholds (days, largest first) whose Grant Expiring event is due
	// now and was not announced for the current end time: each gets one.
	Expiring []int
	// Skipped are thresholds that came due but are recorded without an event because
	// the grant expired before anyone announced them (an expired grant gets no reminder).
	Skipped []int
	// Expired: the Grant Expired event is due (the end has passed, not yet announced).
	Expired bool
}

// Empty reports whether nothing is due.
func (w ReminderWork) Empty() bool {
	return len(w.Expiring) == 0 && len(w.Skipped) == 0 && !w.Expired
}

// R16: DueReminders decides the reminder work on g at now, with reminder thresholds
// days and the API's current generation: a limited grant in force gets a Grant
// Expiring event per threshold it has reached (end − days ≤ now) that is not yet in
// Reminded, so a late run catches up on a missed day and a second run finds nothing; once the end has passed, a
// Grant Expired event, once (ExpiryAnnounced). A revoked grant, one of another
// generation (R4) and one whose cancellation of USAGE took effect before its end get
// nothing. Thresholds past when the grant was made or renewed are already in Reminded
// (Grant.rearm), so they are skipped; a renewal clears Reminded, re-arming them.
func DueReminders(g Grant, now time.Time, days []int, apiGeneration int64) ReminderWork {
	var w ReminderWork
	if g.EndTime == nil || g.RevokedAt != nil || g.Generation != apiGeneration {
		return w
	}
	end := *g.EndTime
	if g.Timing().RevokedBy(now) {
		return w // cancelled before it could expire: the cancellations job revokes it
	}
	expired := !end.After(now)
	for _, d := range days {
		if slices.Contains(g.Reminded, d) || end.Add(-time.Duration(d)*dayLength).After(now) {
			continue
		}
		if expired {
			w.Skipped = append(w.Skipped, d)
		} else {
			w.Expiring = append(w.Expiring, d)
		}
	}
	w.Expired = expired && !g.ExpiryAnnounced
	return w
}

// RemindChange builds the change that announces the R16 work due on g at now: the grant
// with the thresholds recorded in Reminded (and ExpiryAnnounced), its next due time, its
// version incremented and conditional on the version read, plus one audit entry (so one
// event) per announcement. ok is false when nothing is due.
//
// ModifiedAt stays as it was: announcing an expiry is bookkeeping, not a change a
// reviewer made to the grant.
func RemindChange(g Grant, now time.Time, days []int, apiGeneration int64) (c Change, next Grant, ok bool) {
	w := DueReminders(g, now, days, apiGeneration)
	if w.Empty() {
		return Change{}, g, false
	}
	next = g
	next.Reminded = append(append(slices.Clone(g.Reminded), w.Expiring...), w.Skipped...)
	slices.SortFunc(next.Reminded, func(a, b int) int { return b - a })
	next.ExpiryAnnounced = g.ExpiryAnnounced || w.Expired
	next.Version = g.Version + 1
	next.Due = next.NextDue(days)
	c = Change{Op: OpRemind, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}}}
	for _, d := range w.Expiring {
		e := grantAudit(EventGrantExpiring, next, ActorReminders, "", now)
		e.ThresholdDays = d
		c.Audit = append(c.Audit, e)
	}
	if w.Expired {
		c.Audit = append(c.Audit, grantAudit(EventGrantExpired, next, ActorReminders, "", now))
	}
	return c, next, true
}
