package access

import (
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

// GenerationCheck is the condition a job's change on g holds under: the grant's
// resource still has g's generation (R4 for an API, R23 for a unit; an app grant needs
// its app). It stands in for reading the resource, so a sweep reads only what is due;
// a grant of an older generation fails it and is left to the cleanup.
func GenerationCheck(op string, g Grant) Write {
	r := g.On()
	switch r.Type {
	case ResourceServiceUnit:
		return Write{
			Action: ActionCheck, Unit: &ServiceUnit{ID: r.ID}, Cond: Cond{Kind: CondPublished, Generation: g.Generation},
			OnFail: E(op, CodeNotFoundServiceUnit, "service unit %s has moved on from generation %d", r.ID, g.Generation),
		}
	case ResourceApp:
		return Write{
			Action: ActionCheck, App: &App{ID: r.ID}, Cond: Cond{Kind: CondExists},
			OnFail: E(op, CodeNotFoundApp, "app %s no longer exists", r.ID),
		}
	}
	return Write{
		Action: ActionCheck, API: &API{ID: r.ID}, Cond: Cond{Kind: CondPublished, Generation: g.Generation},
		OnFail: E(op, CodeAPINotPublished, "api %s has moved on from generation %d", r.ID, g.Generation),
	}
}
