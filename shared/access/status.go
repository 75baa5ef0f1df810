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

// cancelledFirst reports whether a pending cancellation of USAGE came due at or before
// now, and before the grant's end: a grant that expired first stays EXPIRED.
func (g Grant) cancelledFirst(now time.Time) bool {
	return g.CancelAt != nil && !g.CancelAt.After(now) && g.cancelsUsage() &&
		(g.EndTime == nil || g.CancelAt.Before(*g.EndTime))
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
	t := g.EndTime
	if g.CancelAt != nil && g.cancelsUsage() && (t == nil || g.CancelAt.Before(*t)) {
		t = g.CancelAt
	}
	return t
}
