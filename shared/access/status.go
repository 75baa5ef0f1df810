package access

import (
	"slices"
	"time"
)

// Status works out the grant's status at now against the API's current generation
// (SPEC.md "Concepts"). It is decided by time, never by whether DynamoDB's TTL has
// deleted the item yet.
func (g Grant) Status(now time.Time, apiGeneration int64) GrantStatus {
	switch {
	case g.RevokedAt != nil && !g.RevokedAt.After(now):
		return StatusRevoked
	case g.Generation != apiGeneration: // R4: unpublished or deleted since
		return StatusRevoked
	case g.cancelledFirst(now):
		return StatusRevoked
	case g.EndTime != nil && !g.EndTime.After(now):
		return StatusExpired
	case g.CancelAt != nil && g.CancelAt.After(now):
		return StatusCancellationPending
	}
	return StatusActive
}

// InForce reports whether the grant is ACTIVE or CANCELLATION_PENDING at now.
func (g Grant) InForce(now time.Time, apiGeneration int64) bool {
	s := g.Status(now, apiGeneration)
	return s == StatusActive || s == StatusCancellationPending
}

// Timing is when a grant's own fields take it out of force (R7, R11, the expiry).
type Timing struct {
	End *time.Time // end_time; nil for an unlimited grant
	// Cancel is a pending cancellation's due time when it falls before End; nil when
	// none is pending, or when it falls at or after the end: expiry wins, and there is
	// nothing left to cancel.
	Cancel *time.Time
	// CancelsUsage: the pending cancellation takes USAGE (the whole grant), not PROXY
	// alone (R11). It is false when no cancellation is pending.
	CancelsUsage bool
	// Revoke is when the pending cancellation revokes the grant: Cancel when it takes
	// USAGE, otherwise nil.
	Revoke *time.Time
}

// Timing decides the grant's timing, the one place where "a USAGE cancellation due
// before the end revokes the grant, otherwise expiry wins" is written. Status,
// reminders, the cancellations job, the due index and the store's TTL all use it.
func (g Grant) Timing() Timing {
	t := Timing{End: g.EndTime, CancelsUsage: g.CancelAt != nil && g.cancelsUsage()}
	if g.CancelAt != nil && (g.EndTime == nil || g.CancelAt.Before(*g.EndTime)) {
		t.Cancel = g.CancelAt
		if t.CancelsUsage {
			t.Revoke = g.CancelAt
		}
	}
	return t
}

// Until is the earliest of the end and the revoking cancellation: when the grant
// stops being in force unless something else changes; nil for never.
func (t Timing) Until() *time.Time {
	if t.Revoke != nil {
		return t.Revoke
	}
	return t.End
}

// RevokedBy reports whether the revoking cancellation came due at or before now.
func (t Timing) RevokedBy(now time.Time) bool {
	return t.Revoke != nil && !t.Revoke.After(now)
}

// cancelledFirst reports whether a pending cancellation of USAGE came due at or before
// now, and before the grant's end: a grant that expired first stays EXPIRED.
func (g Grant) cancelledFirst(now time.Time) bool {
	return g.Timing().RevokedBy(now)
}

// cancelsUsage reports whether the pending cancellation takes USAGE (the whole grant)
// rather than PROXY alone (R11).
func (g Grant) cancelsUsage() bool {
	return len(g.CancelPermissions) == 0 || slices.Contains(g.CancelPermissions, PermUsage)
}

// Effective returns the grant as it stands at now: a due PROXY-only cancellation has
// taken PROXY away even before the job finalizes it (R11, decided by time).
func (g Grant) Effective(now time.Time) Grant {
	if g.CancelAt != nil && !g.CancelAt.After(now) && !g.cancelsUsage() {
		g.Permissions = slices.DeleteFunc(slices.Clone(g.Permissions), func(p Permission) bool {
			return slices.Contains(g.CancelPermissions, p)
		})
		g.CancelAt, g.CancelPermissions = nil, nil
	}
	return g
}

// ExpiresAt is the earliest of end_time and a pending cancel_at of USAGE, nil when
// neither is set (the check answer's expires_at).
func (g Grant) ExpiresAt() *time.Time {
	return g.Timing().Until()
}
