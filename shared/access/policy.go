package access

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// R26, the policies of an API or a service unit, in one place: what a policy holds, who
// sets it, how a resource's policy and its tenant's default combine, and the one check
// every grant, renewal, approval and change goes through.

// ResourceTenant names a tenant's default policy (R26); it is never a grant's resource.
const ResourceTenant ResourceType = "TENANT"

// CodePolicy is the 400 of a grant, renewal, approval or change beyond a policy (R26).
const CodePolicy = "InvalidParameter.Policy"

// EventPolicyChanged is published when a policy is set (R26).
const EventPolicyChanged = "Policy Changed"

// Policy defaults and bounds (R26).
const (
	DefaultApprovals  = 1
	MaxApprovals      = 3
	DefaultRequestTTL = 14 // days
	maxRequestTTL     = 365
)

// Policy caps what may be granted on a resource (an API or a service unit), or is its
// tenant's default (Scope TENANT). A nil field is not set: the tenant default's, else
// no cap (approvals 1, request TTL 14 days).
type Policy struct {
	Scope             Resource  `json:"scope"`
	TenantID          string    `json:"tenant_id"`
	MaxValidityDays   *int      `json:"max_validity_days"`
	MaxRenewalDays    *int      `json:"max_renewal_days"`
	ApprovalsRequired *int      `json:"approvals_required"`
	RequestTTLDays    *int      `json:"request_ttl_days"`
	ModifiedBy        string    `json:"modified_by"`
	ModifiedAt        time.Time `json:"modified_at"`
	Version           int64     `json:"version"`
}

// PolicyInput is the body of PUT .../policy: every field, null for not set.
type PolicyInput struct {
	MaxValidityDays   *int   `json:"max_validity_days"`
	MaxRenewalDays    *int   `json:"max_renewal_days"`
	ApprovalsRequired *int   `json:"approvals_required"`
	RequestTTLDays    *int   `json:"request_ttl_days"`
	Reason            string `json:"reason"`
}

// Limits is the policy in effect on a resource: its own fields over its tenant's default.
type Limits struct {
	MaxValidityDays   *int
	MaxRenewalDays    *int
	ApprovalsRequired int
	RequestTTLDays    int
}

// limitsOf combines a resource's policy with its tenant's default, field by field.
func limitsOf(own, tenant *Policy) Limits {
	pick := func(f func(*Policy) *int) *int {
		for _, p := range []*Policy{own, tenant} {
			if p != nil && f(p) != nil {
				return f(p)
			}
		}
		return nil
	}
	l := Limits{
		MaxValidityDays: pick(func(p *Policy) *int { return p.MaxValidityDays }),
		MaxRenewalDays:  pick(func(p *Policy) *int { return p.MaxRenewalDays }),
	}
	l.ApprovalsRequired, l.RequestTTLDays = DefaultApprovals, DefaultRequestTTL
	if n := pick(func(p *Policy) *int { return p.ApprovalsRequired }); n != nil {
		l.ApprovalsRequired = *n
	}
	if n := pick(func(p *Policy) *int { return p.RequestTTLDays }); n != nil {
		l.RequestTTLDays = *n
	}
	return l
}

func (in PolicyInput) validate(op string) error {
	bounded := func(name string, v *int, lo, hi int) error {
		if v != nil && (*v < lo || *v > hi) {
			return invalid(op, CodeInvalid, "%s must be from %d to %d", name, lo, hi)
		}
		return nil
	}
	for _, err := range []error{
		bounded("max_validity_days", in.MaxValidityDays, minDays, maxDays),
		bounded("max_renewal_days", in.MaxRenewalDays, minDays, maxDays),
		bounded("approvals_required", in.ApprovalsRequired, 1, MaxApprovals),
		bounded("request_ttl_days", in.RequestTTLDays, 1, maxRequestTTL),
		CheckReason(op, in.Reason),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// policyExemption is what the audit of a protected grant beyond policy says (R26).
const policyExemption = "protected grant by a tenant_admin: exempt from %s"

// R26: WithinPolicy decides whether a grant that would end at end, made (or changed,
// or approved) at from, and extending a current end cur by a renewal (renewal true),
// stays within l; beyond it is 400 InvalidParameter.Policy naming the policy and its
// value. The caller exempts a tenant_admin's protected grant.
func (l Limits) WithinPolicy(op string, from time.Time, cur, end *time.Time, renewal bool) error {
	if what := l.exceeded(from, cur, end, renewal); what != "" {
		return invalid(op, CodePolicy, "beyond the policy: %s", what)
	}
	return nil
}

// exceeded names the policy and value an end would exceed, "" for none:
// max_validity_days (an UNLIMITED end is beyond any cap, as is one more than that many
// days after from) and max_renewal_days (how far one renewal may extend the current end).
func (l Limits) exceeded(from time.Time, cur, end *time.Time, renewal bool) string {
	if n := l.MaxValidityDays; n != nil {
		if end == nil || end.After(from.Add(time.Duration(*n)*dayLength)) {
			return fmt.Sprintf("max_validity_days=%d", *n)
		}
	}
	if n := l.MaxRenewalDays; n != nil && renewal && cur != nil {
		if end == nil || end.After(cur.Add(time.Duration(*n)*dayLength)) {
			return fmt.Sprintf("max_renewal_days=%d", *n)
		}
	}
	return ""
}

// beyond lists the policies a grant exceeds (R26): its end lies more than
// max_validity_days after its start or its last change (a renewal counts from when it
// was made). A grant made before the policy keeps its end, and the listing flags it.
func (l Limits) beyond(g Grant, now time.Time) []string {
	var out []string
	if n := l.MaxValidityDays; n != nil && !g.Protected {
		if g.EndTime == nil || g.EndTime.After(from(g.StartTime, g.ModifiedAt).Add(time.Duration(*n)*dayLength)) {
			out = append(out, fmt.Sprintf("max_validity_days=%d", *n))
		}
	}
	return out
}

// policyScopes are the policy items that bear on grants of r: its own and its tenant's.
func policyScopes(r Resource, tenant string) []Resource {
	return []Resource{r, {Type: ResourceTenant, ID: tenant}}
}

// limits reads the policy in effect on t (R26): one batch of its own and its tenant's.
func (s *Service) limits(ctx context.Context, t target) (Limits, error) {
	if !t.Resource.HasEnv() { // app grants (R24) have no policy
		return limitsOf(nil, nil), nil
	}
	ps, err := s.Store.GetPolicies(ctx, policyScopes(t.Resource, t.TenantID))
	if err != nil {
		return Limits{}, err
	}
	var own, tenant *Policy
	for i := range ps {
		if ps[i].Scope.Type == ResourceTenant {
			tenant = &ps[i]
		} else {
			own = &ps[i]
		}
	}
	return limitsOf(own, tenant), nil
}

// policyCheck applies l to spec at now, exempting a tenant_admin's protected grant; it
// returns the exemption to record in the audit, if any.
func policyCheck(op string, l Limits, spec grantSpec, now time.Time) (exempt string, err error) {
	what := l.exceeded(from(spec.start, now), nil, spec.end, false)
	if what != "" && spec.protected {
		return fmt.Sprintf(policyExemption, what), nil
	}
	return "", l.WithinPolicy(op, from(spec.start, now), nil, spec.end, false)
}

// GetPolicy reads the policy of an API or a unit (any member of its tenant may), or the
// caller's tenant default (scope TENANT). An unset policy is an empty one (version 0).
func (s *Service) GetPolicy(ctx context.Context, p Principal, r Resource) (Policy, error) {
	const op = "policy.get"
	scope, _, err := s.policyTarget(ctx, op, p, r)
	if err != nil {
		return Policy{}, err
	}
	ps, err := s.Store.GetPolicies(ctx, []Resource{scope})
	if err != nil || len(ps) == 0 {
		return Policy{Scope: scope, TenantID: p.TenantID}, err
	}
	return ps[0], nil
}

// policyTarget resolves the scope a policy route names and whether p may set it: a
// reviewer of the resource's workspace, or for the tenant default a tenant_admin.
func (s *Service) policyTarget(ctx context.Context, op string, p Principal, r Resource) (Resource, bool, error) {
	if r.Type == ResourceTenant {
		return Resource{Type: ResourceTenant, ID: p.TenantID}, p.IsAdmin(p.TenantID), nil
	}
	if r.Type != ResourceAPI && r.Type != ResourceServiceUnit {
		return Resource{}, false, invalid(op, CodeInvalid, "policies are set on APIs, service units and tenants")
	}
	t, err := s.visibleTarget(ctx, op, p, r)
	if err != nil {
		return Resource{}, false, err
	}
	return r, t.reviews(p), nil
}

// PutPolicy sets the policy of an API or a unit (a reviewer of its workspace) or the
// tenant default (a tenant_admin), under If-Match on its version (R26). Existing grants
// are not changed: listings flag those beyond it.
func (s *Service) PutPolicy(ctx context.Context, a Actor, r Resource, in PolicyInput) (Policy, error) {
	const op = "policy.put"
	if err := in.validate(op); err != nil {
		return Policy{}, err
	}
	scope, may, err := s.policyTarget(ctx, op, a.Principal, r)
	if err != nil {
		return Policy{}, err
	}
	if !may {
		return Policy{}, E(op, CodeForbidden, "only a reviewer of its workspace (a tenant_admin for the tenant default) may set this policy")
	}
	cur, err := s.Store.GetPolicies(ctx, []Resource{scope})
	if err != nil {
		return Policy{}, err
	}
	var version int64
	cond := Cond{Kind: CondAbsent}
	if len(cur) > 0 {
		version, cond = cur[0].Version, Cond{Kind: CondVersion, Version: cur[0].Version}
	}
	if err := checkIfMatch(op, a, version); err != nil {
		return Policy{}, err
	}
	now := s.now()
	next := Policy{
		Scope: scope, TenantID: a.TenantID, MaxValidityDays: in.MaxValidityDays, MaxRenewalDays: in.MaxRenewalDays,
		ApprovalsRequired: in.ApprovalsRequired, RequestTTLDays: in.RequestTTLDays,
		ModifiedBy: a.Sub, ModifiedAt: now, Version: version + 1,
	}
	e := AuditEntry{ID: newID(now), Action: EventPolicyChanged, At: now, TenantID: a.TenantID, Actor: a.Sub, Reason: in.Reason, Resource: &scope}
	if scope.Type == ResourceAPI {
		e.APIID, e.Resource = scope.ID, nil
	}
	c := Change{Op: op, Writes: []Write{{Policy: &next, Cond: cond}}, Audit: []AuditEntry{e}}
	if err := s.commit(ctx, a, c, next); err != nil {
		return Policy{}, err
	}
	return next, nil
}

// flagBeyond marks the grants of t that exceed its policy (R26's listing flag).
func (s *Service) flagBeyond(ctx context.Context, t target, gs []Grant, now time.Time) error {
	if len(gs) == 0 {
		return nil
	}
	l, err := s.limits(ctx, t)
	if err != nil {
		return err
	}
	for i := range gs {
		gs[i].BeyondPolicy = slices.Clip(l.beyond(gs[i], now))
	}
	return nil
}

// withinPolicy is R26 for a new grant (or an approval) of spec on t at now: beyond the
// policy is 400, except for a tenant_admin's protected grant, whose exemption it
// returns for the audit.
func (s *Service) withinPolicy(ctx context.Context, op string, t target, spec grantSpec, now time.Time) (string, error) {
	l, err := s.limits(ctx, t)
	if err != nil {
		return "", err
	}
	return policyCheck(op, l, spec, now)
}

// policyAllows is R26 for a change of g's end to next's: a renewal (renewal true, from
// the current end cur) or a change of validity. A protected grant is exempt.
func (s *Service) policyAllows(ctx context.Context, op string, t target, now time.Time, cur *time.Time, next Grant, renewal bool) error {
	if next.Protected {
		return nil
	}
	l, err := s.limits(ctx, t)
	if err != nil {
		return err
	}
	return l.WithinPolicy(op, from(next.StartTime, now), cur, next.EndTime, renewal)
}
