package access

import (
	"context"
	"slices"
	"time"
)

// CancelInput is the body of POST .../grants/{grant_id}/cancel.
type CancelInput struct {
	Reason      string       `json:"reason"`
	Permissions []Permission `json:"permissions"` // default USAGE (the whole grant); ["PROXY"] (API) or ["DEVELOPMENT"] (unit) alone (R11)
	Immediate   bool         `json:"immediate"`   // tenant_admin only: no notice
}

// CancelResult is the grant after an API-side cancellation; Deferred when it waits for
// the notice period (202) rather than taking effect now (200).
type CancelResult struct {
	Grant    Grant
	Deferred bool
}

// R7: CancelOn is the API side's cancellation of a grant on an API or a unit (and R11's
// PROXY-only one): deferred by the notice period, immediate when the notice is 0 or a
// tenant_admin asks for it.
func (s *Service) CancelOn(ctx context.Context, a Actor, r Resource, grantID string, in CancelInput) (CancelResult, error) {
	const op = "grant.cancel"
	if err := CheckReason(op, in.Reason); err != nil {
		return CancelResult{}, err
	}
	g, t, err := s.reviewerGrant(ctx, op, a, r, grantID)
	if err != nil {
		return CancelResult{}, err
	}
	perms, err := cancelPermissions(op, t, in.Permissions)
	if err != nil {
		return CancelResult{}, err
	}
	if in.Immediate && !a.IsAdmin(t.TenantID) {
		return CancelResult{}, E(op, CodeForbidden, "only a tenant_admin may revoke without notice")
	}
	res, audit, err := s.cancelOne(op, g, t, perms, in.Immediate, a.Sub, in.Reason, s.now())
	if err != nil {
		return CancelResult{}, err
	}
	c := Change{Op: op, Writes: []Write{{Grant: &res.Grant, Cond: Cond{Kind: CondVersion, Version: g.Version}}}, Audit: audit}
	if err := s.commit(ctx, a, c, res); err != nil {
		return CancelResult{}, err
	}
	return res, nil
}

// cancelPermissions reads what an API-side cancellation takes away: USAGE (the whole
// grant, the default) or the resource's partial permission alone (R11: PROXY on an API,
// DEVELOPMENT on a unit).
func cancelPermissions(op string, t target, in []Permission) ([]Permission, error) {
	part := t.partial()
	for _, p := range in {
		if p != PermUsage && (p != part || part == "") {
			return nil, invalid(op, CodePermissions, "permission %q: must be USAGE or %s", p, part)
		}
	}
	if len(in) > 0 && !slices.Contains(in, PermUsage) {
		return []Permission{part}, nil
	}
	return []Permission{PermUsage}, nil
}

// R7: cancelOne decides the API side's cancellation of g at now (R10, R11): deferred
// by the notice period, immediate when the notice is 0 or immediate is asked. It
// returns the grant to write (version g.Version+1) and its audit entries.
func (s *Service) cancelOne(op string, g Grant, t target, perms []Permission, immediate bool, actor, reason string, now time.Time) (CancelResult, []AuditEntry, error) {
	if err := refuseProtected(op, g); err != nil {
		return CancelResult{}, nil, err
	}
	if !g.InForce(now, t.Generation) && !g.scheduled(now) {
		return CancelResult{}, nil, E(op, CodeGrantNotInForce, "grant %s is %s", g.ID, g.Status(now, t.Generation))
	}
	immediate = immediate || g.scheduled(now) // R25: no notice is owed before the start
	g, settled := settle(g, actor, now)
	if g.CancelAt != nil {
		return CancelResult{}, nil, E(op, CodeCancelPending, "a cancellation of grant %s is pending until %s", g.ID, g.CancelAt.Format(time.RFC3339))
	}
	if perms[0] != PermUsage && !g.HasPermission(perms[0]) {
		return CancelResult{}, nil, invalid(op, CodePermissions, "grant %s has no %s permission", g.ID, perms[0])
	}
	next := g
	next.Version, next.ModifiedAt = g.Version+1, now
	res := CancelResult{Grant: next}
	if immediate || s.CancelNotice == 0 {
		res.Grant = revokeNow(next, perms, now, s.ReminderDays)
	} else {
		at := now.Add(s.CancelNotice)
		res.Grant.CancelAt, res.Grant.CancelPermissions, res.Deferred = &at, perms, true
		res.Grant.Due = res.Grant.NextDue(s.ReminderDays)
	}
	event := EventGrantRevoked
	if res.Deferred {
		event = EventCancellationScheduled
	}
	return res, append(settled, grantAudit(event, res.Grant, actor, reason, now)), nil
}

// settle applies a PROXY-only cancellation that came due but that the cancellations job
// has not finalized yet, with its own Grant Revoked entry, so that a change made on top
// of it neither undoes nor swallows it (R11, R17).
func settle(g Grant, actor string, now time.Time) (Grant, []AuditEntry) {
	if g.CancelAt == nil || g.CancelAt.After(now) || g.cancelsUsage() {
		return g, nil
	}
	e := g.Effective(now)
	entry := grantAudit(EventGrantRevoked, e, actor, "", now)
	entry.Permissions = slices.Clone(g.CancelPermissions)
	return e, []AuditEntry{entry}
}

// R11: revokeNow takes perms away from g at now: USAGE revokes the grant (a tombstone until
// its retention passes), PROXY (or a unit's DEVELOPMENT) alone keeps usage (R11).
func revokeNow(g Grant, perms []Permission, now time.Time, days []int) Grant {
	g.CancelAt, g.CancelPermissions = nil, nil
	if slices.Contains(perms, PermUsage) {
		g.RevokedAt = &now
	} else {
		g.Permissions = slices.DeleteFunc(slices.Clone(g.Permissions), func(p Permission) bool { return slices.Contains(perms, p) })
	}
	g.Due = g.NextDue(days)
	return g
}

// FinalizeCancellation applies a due cancellation (R7, R11) as the cancellations job
// does; it reports false when nothing is due at now.
func FinalizeCancellation(g Grant, now time.Time, days []int) (Grant, bool) {
	if g.CancelAt == nil || g.CancelAt.After(now) || g.RevokedAt != nil {
		return g, false
	}
	if g.Timing().Cancel == nil {
		// It expired before the cancellation came due: there is nothing to revoke, and
		// the expiry has its own event (R16).
		return g, false
	}
	perms := g.CancelPermissions
	if len(perms) == 0 {
		perms = []Permission{PermUsage}
	}
	next := revokeNow(g, perms, *g.CancelAt, days)
	next.Version, next.ModifiedAt = g.Version+1, now
	return next, true
}

// WithdrawCancellationOn withdraws a pending API-side cancellation (R7).
func (s *Service) WithdrawCancellationOn(ctx context.Context, a Actor, r Resource, grantID, reason string) (Grant, error) {
	const op = "grant.withdraw_cancel"
	if err := CheckReason(op, reason); err != nil {
		return Grant{}, err
	}
	g, t, err := s.reviewerGrant(ctx, op, a, r, grantID)
	if err != nil {
		return Grant{}, err
	}
	now := s.now()
	if g.CancelAt == nil || !g.CancelAt.After(now) || !g.InForce(now, t.Generation) {
		return Grant{}, E(op, CodeNoCancelPending, "no cancellation of grant %s is pending", g.ID)
	}
	next := g
	next.CancelAt, next.CancelPermissions = nil, nil
	next.Version, next.ModifiedAt = g.Version+1, now
	next.Due = next.NextDue(s.ReminderDays)
	c := Change{Op: op, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}}}
	c.Audit = []AuditEntry{grantAudit(EventCancellationWithdrawn, next, a.Sub, reason, now)}
	if err := s.commit(ctx, a, c, next); err != nil {
		return Grant{}, err
	}
	return next, nil
}

// R8: RevokeOn is the grantee side's cancellation: immediate, by the app's owner, an
// owner of the grantee workspace, or the user themself (R22). On an app (R24) the
// app's managers may also revoke at once. Protected grants refuse it (R10).
func (s *Service) RevokeOn(ctx context.Context, a Actor, r Resource, grantID, reason string) (Grant, error) {
	const op = "grant.revoke"
	if err := CheckReason(op, reason); err != nil {
		return Grant{}, err
	}
	g, t, err := s.grantOn(ctx, op, a.Principal, r, grantID)
	if err != nil {
		return Grant{}, err
	}
	ok, err := s.isGrantee(ctx, a.Principal, g)
	if err != nil {
		return Grant{}, err
	}
	if !ok && !(r.Type == ResourceApp && t.reviews(a.Principal)) {
		return Grant{}, E(op, CodeForbidden, "only the grantee (the app's owner or the workspace's owner) may cancel at once")
	}
	if err := checkIfMatch(op, a, g.Version); err != nil {
		return Grant{}, err
	}
	if err := refuseProtected(op, g); err != nil {
		return Grant{}, err
	}
	now := s.now()
	if !g.InForce(now, t.Generation) && !g.scheduled(now) {
		return Grant{}, E(op, CodeGrantNotInForce, "grant %s is %s", g.ID, g.Status(now, t.Generation))
	}
	next := revokeNow(g, []Permission{PermUsage}, now, s.ReminderDays)
	next.Version, next.ModifiedAt = g.Version+1, now
	c := Change{Op: op, Writes: []Write{{Grant: &next, Cond: Cond{Kind: CondVersion, Version: g.Version}}}}
	c.Audit = []AuditEntry{grantAudit(EventGrantRevoked, next, a.Sub, reason, now)}
	if err := s.commit(ctx, a, c, next); err != nil {
		return Grant{}, err
	}
	return next, nil
}

// R10: refuseProtected refuses to revoke or cancel a protected grant through the API;
// only R4 removes it.
func refuseProtected(op string, g Grant) error {
	if g.Protected {
		return E(op, CodeGrantProtected, "grant %s is protected", g.ID)
	}
	return nil
}
