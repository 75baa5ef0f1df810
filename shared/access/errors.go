package access

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by its domain meaning, for the HTTP mapping (shared/api)
// and for retries. Protocol-only failures (a stale If-Match, a body too large, a reused
// Idempotency-Key) are told apart by their Code, in shared/api.
type Kind uint8

const ( // append only
	Internal Kind = iota
	Invalid
	Unauthorized
	Forbidden
	NotFound
	Conflict
	Unavailable
	Throttled
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case Unauthorized:
		return "unauthorized"
	case Forbidden:
		return "forbidden"
	case NotFound:
		return "not found"
	case Conflict:
		return "conflict"
	case Unavailable:
		return "unavailable"
	case Throttled:
		return "throttled"
	}
	return "internal"
}

// Error is the one error type of gatepass: an operation, a stable kind, the contract's
// error_code, a message safe to show to the caller, and the cause (logged, never shown).
type Error struct {
	Op   string // "grant.create"
	Kind Kind
	Code string // contract code, e.g. "InvalidParameter.Validity"
	Msg  string // safe to show
	Err  error  // cause
	// Pairs names every failing (subject, env) of a bulk request (R18, R19).
	Pairs []Pair
	// EarliestEnd is the earliest end a shortening may set (R20).
	EarliestEnd *time.Time
}

func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Contract codes used in more than one place.
const (
	CodeInvalid         = "InvalidParameter"
	CodeValidity        = "InvalidParameter.Validity"
	CodeReason          = "InvalidParameter.Reason"
	CodeFields          = "InvalidParameter.Fields"
	CodePermissions     = "InvalidParameter.Permissions"
	CodeSubject         = "InvalidParameter.Subject"
	CodeEnv             = "InvalidParameter.Env"
	CodePageSize        = "InvalidParameter.PageSize"
	CodePageNumber      = "InvalidParameter.PageNumber"
	CodeNextToken       = "InvalidParameter.NextToken"
	CodeJSON            = "InvalidParameter.Json"
	CodeQuery           = "InvalidParameter.Query" // a query parameter the route does not take
	CodeID              = "InvalidParameter.Id"
	CodeUnauthorized    = "Unauthorized"
	CodeForbidden       = "Forbidden.Access"
	CodeGrantProtected  = "Forbidden.GrantProtected"
	CodeNotFoundAPI     = "NotFound.Api"
	CodeNotFoundApp     = "NotFound.App"
	CodeNotFoundGrant   = "NotFound.Grant"
	CodeNotFoundRequest = "NotFound.Request"
	// R23 and R21 (SPEC "Errors added").
	CodeNotFoundServiceUnit = "NotFound.ServiceUnit"
	CodeServiceUnit         = "InvalidParameter.ServiceUnit"
	CodeDefaultAppExists    = "Conflict.DefaultAppExists"
	CodeIDTaken             = "Conflict.IdTaken"
	CodePathTaken           = "Conflict.PathTaken"
	CodeAPINotPublished     = "Conflict.ApiNotPublished"
	CodeGrantExists         = "Conflict.GrantExists"
	CodeGrantNotInForce     = "Conflict.GrantNotInForce"
	CodeCancelPending       = "Conflict.CancellationPending"
	CodeNoCancelPending     = "Conflict.NoCancellationPending"
	CodeRequestDecided      = "Conflict.RequestDecided"
	CodeConcurrent          = "Conflict.Concurrent"
	CodeRequestInProgress   = "Conflict.RequestInProgress"
	CodeIdempotencyReuse    = "InvalidParameter.IdempotencyKeyReuse"
	CodePrecondition        = "PreconditionFailed"
	CodeThrottling          = "Throttling.System"
	CodeUnavailable         = "ServiceUnavailable"
	CodeInternal            = "InternalError.System"
)

// E builds an *Error.
func E(op string, kind Kind, code, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches a cause to an internal error; the caller sees only "internal error".
func Wrap(op string, kind Kind, code string, err error) *Error {
	return &Error{Op: op, Kind: kind, Code: code, Err: err}
}

// ErrorKind returns the kind of err (Internal for an error that is not an *Error).
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ErrorCode returns the contract code of err (InternalError.System for foreign errors).
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return CodeInternal
}

// IsCode reports whether err carries the contract code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

func invalid(op, code, format string, args ...any) *Error {
	return E(op, Invalid, code, format, args...)
}
