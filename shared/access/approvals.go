package access

import (
	"slices"
	"time"
)

// R27, multi-step approval and request expiry, in one place: how many approvals a
// request needs and from whom, what one approval changes, and when a PENDING request
// is EXPIRED. Expiry is decided by time (Request.StatusAt); the schedules' sweep
// (ExpireChange) only records it and publishes Request Expired.

// CodeAlreadyApproved: the reviewer has already approved this request (R27).
const CodeAlreadyApproved = "Conflict.AlreadyApproved"

// OpExpire is the operation of the schedules' Request Expired change.
const OpExpire = "jobs.expire"

// ActorExpiry is the actor of a request's expiry.
const ActorExpiry = "system:requests"

// expiry is when a PENDING request expires: its expires_at, or, for a request stored
// before R27, the default TTL from its creation.
func (r Request) expiry() time.Time {
	if r.ExpiresAt != nil {
		return *r.ExpiresAt
	}
	return r.CreatedAt.Add(DefaultRequestTTL * dayLength)
}

// StatusAt is r's status at now (R27): a PENDING request is EXPIRED from its
// expires_at on, whether or not the sweep has recorded it yet.
func (r Request) StatusAt(now time.Time) RequestStatus {
	if r.Status == RequestPending && !now.Before(r.expiry()) {
		return RequestExpired
	}
	return r.Status
}

// required is how many approvals r needs (1 for a request stored before R27).
func (r Request) required() int { return max(r.ApprovalsRequired, 1) }

// pendingFor stamps a new request with what l asks of it at now (R27).
func pendingFor(r Request, l Limits, now time.Time) Request {
	exp := now.Add(time.Duration(l.RequestTTLDays) * dayLength)
	r.ApprovalsRequired, r.ExpiresAt = l.ApprovalsRequired, &exp
	return r
}

// selfApproves reports whether a reviewer's own application is approved at once: R9's
// exception holds only where one approval is required.
func selfApproves(reviews bool, l Limits) bool { return reviews && l.ApprovalsRequired <= 1 }

// R27: Approved records a's approval of the PENDING request r at now. Where more than
// one approval is required the requester may not approve (403) and each reviewer
// approves once (409 Conflict.AlreadyApproved); final reports whether this approval is
// the last one needed, which decides the request.
func Approved(op string, r Request, a Actor, reason string, now time.Time) (next Request, final bool, err error) {
	if r.required() > 1 && r.IsRequester(a.Principal) {
		return Request{}, false, E(op, CodeForbidden, "the requester may not approve a request that needs %d approvals", r.required())
	}
	if slices.ContainsFunc(r.Approvals, func(ap Approval) bool { return ap.Reviewer == a.Sub }) {
		return Request{}, false, E(op, CodeAlreadyApproved, "%s has already approved request %s", a.Sub, r.ID)
	}
	next = r
	next.Approvals = append(slices.Clip(r.Approvals), Approval{Reviewer: a.Sub, ApprovedAt: now, Reason: reason})
	if len(next.Approvals) < r.required() {
		next.Version = r.Version + 1
		return next, false, nil
	}
	return decided(next, RequestApproved, a.Sub, reason, now), true, nil
}

// ExpireChange builds the change that records r's expiry at now (R27): the request
// EXPIRED at its expires_at, conditional on the version read (a decision that came
// first wins), with one Request Expired audit entry. ok is false while r is not due.
func ExpireChange(r Request, now time.Time) (c Change, next Request, ok bool) {
	if r.StatusAt(now) != RequestExpired || r.Status != RequestPending {
		return Change{}, r, false
	}
	at := r.expiry()
	next = r
	next.Status, next.DecidedAt, next.Version = RequestExpired, &at, r.Version+1
	c = Change{Op: OpExpire, Writes: []Write{{Request: &next, Cond: Cond{Kind: CondVersion, Version: r.Version},
		OnFail: E(OpExpire, CodeRequestDecided, "request %s was decided meanwhile", r.ID)}},
		Audit: []AuditEntry{requestAudit(EventRequestExpired, next, ActorExpiry, "", now)}}
	return c, next, true
}
