package access

import (
	"slices"
	"time"
)

// The scheduled jobs (shared/jobs) read what is due from the Store and commit the
// changes these functions build: the decisions stay here, pure and tested at any
// instant; the jobs only read, loop and commit.

// Actors of the changes the scheduled jobs make on their own.
const (
	ActorReminders     = "system:reminders"
	ActorCancellations = "system:cancellations"
)

// Operations of the jobs' changes (Change.Op).
const (
	OpRemind   = "jobs.reminders"
	OpFinalize = "jobs.cancellations"
	OpCleanup  = "jobs.cleanup"
)

const dayLength = 24 * time.Hour

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

// DueReminders decides the R16 work on g at now, with reminder thresholds days and the
// API's current generation: a limited grant in force gets a Grant Expiring event per
// threshold it has reached (end − days ≤ now) that is not yet in Reminded, so a late run
// catches up on a missed day and a second run finds nothing; once the end has passed, a
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

// FinalizeChange builds the change that applies g's due cancellation at now (R7, R11):
// a pending cancellation of USAGE revokes the grant, one of PROXY alone takes PROXY
// away; conditional on the version read, with a Grant Revoked audit entry. ok is false
// when nothing is due, or when the grant belongs to another generation of its API (R4:
// the cleanup removes it, with its own Grant Revoked).
//
// A grant that expired at or before its cancel_at had nothing left to cancel: the
// cancellation is dropped (so that the grant leaves the due index) without an audit
// entry, and the grant stays EXPIRED, with the Grant Expired event of the reminders job
// as its only announcement.
func FinalizeChange(g Grant, now time.Time, days []int, apiGeneration int64) (c Change, next Grant, ok bool) {
	if g.Generation != apiGeneration {
		return Change{}, g, false
	}
	if g.CancelAt != nil && !g.CancelAt.After(now) && g.RevokedAt == nil && g.Timing().Cancel == nil {
		next = g
		next.CancelAt, next.CancelPermissions = nil, nil
		next.Version, next.ModifiedAt = g.Version+1, now
		next.Due = next.NextDue(days)
		return Change{Op: OpFinalize, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}}}, next, true
	}
	next, ok = FinalizeCancellation(g, now, days)
	if !ok {
		return Change{}, g, false
	}
	c = Change{
		Op:     OpFinalize,
		Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}},
		Audit:  []AuditEntry{grantAudit(EventGrantRevoked, next, ActorCancellations, "", now)},
	}
	return c, next, true
}

// MaxCleanupBatch is the most stale grants one cleanup change removes: each costs
// three transaction items (the grant, its GrantRef, the audit entry), the task one,
// and a transaction holds at most 100.
const MaxCleanupBatch = 30

// CleanupChange builds one bounded step of an R4 cleanup task: it deletes the stale
// grants read for it (their GrantRefs with them), each conditional on being unchanged
// since it was read, with a Grant Revoked audit entry for each grant that had not been
// revoked already; and it moves the task's cursor on to next, re-indexing it at now so
// that it stays due, or deletes the task when next is "" (the API's partition is done).
// The whole step is one transaction: a step that fails or runs twice removes nothing
// twice and announces nothing twice.
func CleanupChange(task CleanupTask, stale []Grant, next string, now time.Time) Change {
	actor := task.Actor
	if actor == "" {
		actor = ActorCancellations
	}
	c := Change{Op: OpCleanup}
	for i := range stale {
		g := &stale[i]
		c.Writes = append(c.Writes, Write{Action: ActionDelete, Grant: g, Cond: Cond{Kind: CondVersion, Version: g.Version}})
		if g.RevokedAt == nil {
			c.Audit = append(c.Audit, grantAudit(EventGrantRevoked, *g, actor, task.Reason, now))
		}
	}
	t := task
	if next == "" {
		c.Writes = append(c.Writes, Write{Action: ActionDelete, Cleanup: &t, Cond: Cond{Kind: CondExists}})
	} else {
		t.Cursor, t.Due = next, now
		c.Writes = append(c.Writes, Write{Cleanup: &t, Cond: Cond{Kind: CondExists}})
	}
	return c
}

// GenerationCheck is the condition a job's change on g holds under: the API still has
// g's generation (R4). It stands in for reading the API, so a sweep reads only what is
// due; a grant of an older generation fails it with Conflict.ApiNotPublished and is
// left to the R4 cleanup.
func GenerationCheck(op string, g Grant) Write {
	return Write{
		Action: ActionCheck, API: &API{ID: g.APIID}, Cond: Cond{Kind: CondPublished, Generation: g.Generation},
		OnFail: E(op, Conflict, CodeAPINotPublished, "api %s has moved on from generation %d", g.APIID, g.Generation),
	}
}
