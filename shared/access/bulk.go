package access

import (
	"context"
	"slices"
)

// R18's limits, which R19 shares: they keep one request in one TransactWriteItems
// (docs/design.md counts the items).
const (
	MaxSubjects   = 10
	MaxBulkGrants = 20
)

// CodeTooMany is R18's answer to a request over its limits.
const CodeTooMany = "InvalidParameter.TooMany"

// codeIfMatch answers If-Match on a bulk request, which names no one grant's version.
const codeIfMatch = CodeInvalid + ".IfMatch"

// Pair is one (subject, env) of a bulk request that failed, and why (R18, R19).
type Pair struct {
	Subject   Subject `json:"subject"`
	Env       Env     `json:"env"`
	GrantID   string  `json:"grant_id"` // empty when no grant is involved
	ErrorCode string  `json:"error_code"`
}

// pairFailure is a failing pair with its error, before the request's one answer is chosen.
type pairFailure struct {
	pair Pair
	err  *Error
}

func failPair(sub Subject, env Env, grantID string, err *Error) pairFailure {
	return pairFailure{pair: Pair{Subject: sub, Env: env, GrantID: grantID, ErrorCode: err.Code}, err: err}
}

// R18: bulkSubjects returns the subjects a grant request names: exactly one of subject
// and subjects (1–10, no duplicates), at most 20 grants with envs; bulk reports
// whether the request used subjects, whose failures are answered with pairs.
func bulkSubjects(op string, one Subject, many []Subject, envs int) (subjects []Subject, bulk bool, err error) {
	switch {
	case len(many) == 0:
		return []Subject{one}, false, nil
	case one != (Subject{}):
		return nil, true, invalid(op, CodeSubject, "name subject or subjects, not both")
	}
	if err := checkBulkSize(op, many, envs); err != nil {
		return nil, true, err
	}
	return many, true, nil
}

// R18: checkBulkSize enforces the limits of a bulk request: 1–10 distinct subjects, at
// most 20 (subject, env) pairs.
func checkBulkSize(op string, subjects []Subject, envs int) error {
	if len(subjects) == 0 {
		return invalid(op, CodeSubject, "subjects must name 1 to %d subjects", MaxSubjects)
	}
	if len(subjects) > MaxSubjects {
		return invalid(op, CodeTooMany, "%d subjects; at most %d per request", len(subjects), MaxSubjects)
	}
	if n := len(subjects) * envs; n > MaxBulkGrants {
		return invalid(op, CodeTooMany, "%d grants (subjects × envs); at most %d per request", n, MaxBulkGrants)
	}
	// Named twice means one grantee twice, as a slot tells it: an app id is global, a
	// workspace or a user is one only inside its tenant.
	same := func(a, b Subject) bool { return SlotOf(Resource{}, "", a) == SlotOf(Resource{}, "", b) }
	for i, s := range subjects {
		if slices.ContainsFunc(subjects[:i], func(o Subject) bool { return same(o, s) }) {
			return invalid(op, CodeSubject, "subject %s %s of tenant %s is named twice", s.Type, s.ID, s.TenantID)
		}
	}
	return nil
}

// pairRank orders the kinds of a bulk failure: 400 > 404 > 403 > 409; other kinds
// (throttling, outages) are not a pair's fault and are answered as they are.
func pairRank(k Kind) int {
	switch k {
	case Invalid:
		return 0
	case NotFound:
		return 1
	case Forbidden:
		return 2
	case Conflict:
		return 3
	}
	return -1
}

// R18, R19: bulkError is the one answer of a request with failing pairs: the first
// error of the highest-precedence kind, listing every failing pair when bulk. A single
// request answers its first failure as it always has.
func bulkError(fails []pairFailure, bulk bool) error {
	if len(fails) == 0 {
		return nil
	}
	best := 0
	for i, f := range fails {
		if pairRank(f.err.Kind()) < pairRank(fails[best].err.Kind()) {
			best = i
		}
	}
	if !bulk {
		return fails[best].err
	}
	e := *fails[best].err
	e.Pairs = make([]Pair, len(fails))
	for i, f := range fails {
		e.Pairs[i] = f.pair
	}
	return &e
}

// asPairError reports err as an *Error that a pair may carry (a client-side failure);
// other errors (the table throttling, an outage) end the request as they are.
func asPairError(err error) (*Error, bool) {
	e, ok := err.(*Error)
	if !ok || pairRank(e.Kind()) < 0 {
		return nil, false
	}
	return e, true
}

// BulkCancelInput is the body of POST .../grants/cancel (R19).
type BulkCancelInput struct {
	Subjects    []Subject    `json:"subjects"`
	Envs        []Env        `json:"envs"`
	Permissions []Permission `json:"permissions"`
	Reason      string       `json:"reason"`
	Immediate   bool         `json:"immediate"`
}

// BulkCancelResult is the grants after a bulk cancellation; Deferred when they wait for
// the notice period (202) rather than taking effect now (200).
type BulkCancelResult struct {
	Grants   []Grant
	Deferred bool
}

// R19: CancelManyOn cancels the grants of every (subject, env) pair of one API or unit
// as CancelOn would cancel each (R7 notice, R10, R11), all or none, in one transaction.
func (s *Service) CancelManyOn(ctx context.Context, a Actor, r Resource, in BulkCancelInput) (BulkCancelResult, error) {
	const op = "grant.cancel_many"
	if err := checkCancelMany(op, a, r, in); err != nil {
		return BulkCancelResult{}, err
	}
	t, err := s.visibleTarget(ctx, op, a.Principal, r)
	if err != nil {
		return BulkCancelResult{}, err
	}
	if !t.reviews(a.Principal) {
		return BulkCancelResult{}, E(op, CodeForbidden, "only a reviewer of workspace %s may cancel its grants", t.WorkspaceID)
	}
	perms, err := cancelPermissions(op, t, in.Permissions)
	if err != nil {
		return BulkCancelResult{}, err
	}
	if in.Immediate && !a.IsAdmin(t.TenantID) {
		return BulkCancelResult{}, E(op, CodeForbidden, "only a tenant_admin may revoke without notice")
	}
	keys := make([]GrantKey, 0, len(in.Subjects)*len(in.Envs))
	for _, sub := range in.Subjects {
		for _, env := range in.Envs {
			keys = append(keys, t.slot(env, sub))
		}
	}
	found, err := s.Store.GetGrantsAt(ctx, keys)
	if err != nil {
		return BulkCancelResult{}, err
	}
	now := s.now()
	c := Change{Op: op}
	res := BulkCancelResult{Grants: make([]Grant, 0, len(keys))}
	var fails []pairFailure
	for _, sub := range in.Subjects {
		for _, env := range in.Envs {
			g, ok := grantAt(found, sub, env)
			if !ok || g.Generation != t.Generation {
				fails = append(fails, failPair(sub, env, "", E(op, CodeNotFoundGrant, "no grant of %s %s in %s", sub.Type, sub.ID, env)))
				continue
			}
			t.name(&g)
			one, audit, err := s.cancelOne(op, g, t, perms, in.Immediate, a.Sub, in.Reason, now)
			if err != nil {
				e, ok := asPairError(err)
				if !ok {
					return BulkCancelResult{}, err
				}
				fails = append(fails, failPair(sub, env, g.ID, e))
				continue
			}
			res.Grants = append(res.Grants, one.Grant)
			res.Deferred = one.Deferred
			c.Audit = append(c.Audit, audit...)
		}
	}
	if err := bulkError(fails, true); err != nil {
		return BulkCancelResult{}, err
	}
	for i := range res.Grants {
		g := &res.Grants[i]
		c.Writes = append(c.Writes, Write{Grant: g, Cond: Cond{Kind: CondVersion, Version: g.Version - 1}})
	}
	if err := s.commit(ctx, a, c, res); err != nil {
		return BulkCancelResult{}, err
	}
	return res, nil
}

// checkCancelMany checks a bulk cancellation's request before anything is read.
func checkCancelMany(op string, a Actor, r Resource, in BulkCancelInput) error {
	if !r.HasEnv() {
		return invalid(op, CodeInvalid, "grants on an app are revoked one by one")
	}
	if a.IfMatch != 0 {
		return invalid(op, codeIfMatch, "If-Match names one grant's version; a bulk request takes none")
	}
	if err := CheckReason(op, in.Reason); err != nil {
		return err
	}
	if err := CheckEnvs(op, in.Envs); err != nil {
		return err
	}
	if err := checkBulkSize(op, in.Subjects, len(in.Envs)); err != nil {
		return err
	}
	for _, sub := range in.Subjects {
		if err := CheckSubject(op, sub); err != nil {
			return err
		}
	}
	return nil
}

// grantAt finds the grant of (sub, env) among grants read by slot.
func grantAt(gs []Grant, sub Subject, env Env) (Grant, bool) {
	for _, g := range gs {
		if g.Env == env && g.Subject == sub {
			return g, true
		}
	}
	return Grant{}, false
}
