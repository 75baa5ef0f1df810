package access

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error by its meaning, for the HTTP mapping (shared/api, one status
// per kind) and for retries. An error's kind is never given beside its code: the code
// carries it (KindOf), so the two cannot disagree.
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
	Precondition  // a stale If-Match
	Unprocessable // a reused Idempotency-Key
	TooLarge      // a body over the limit
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
	case Precondition:
		return "precondition failed"
	case Unprocessable:
		return "unprocessable"
	case TooLarge:
		return "too large"
	}
	return "internal"
}

// Error is the one error type of gatepass: an operation, the contract's error_code (which
// carries the kind), a message safe to show to the caller, and the cause (logged, never
// shown).
type Error struct {
	Op   string // "grant.create"
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

// Kind is the kind e's code carries.
func (e *Error) Kind() Kind { return KindOf(e.Code) }

// KindOf returns the kind a contract code carries: that of its family, the part before
// the first dot ("NotFound.Grant" is NotFound), unless the code is one of the few whose
// answer differs from its family's (codeKinds). An unknown family is Internal.
func KindOf(code string) Kind {
	if k, ok := codeKinds[code]; ok {
		return k
	}
	family, _, _ := strings.Cut(code, ".")
	if k, ok := familyKinds[family]; ok {
		return k
	}
	return Internal
}

// familyKinds is the kind of each family of contract codes.
var familyKinds = map[string]Kind{
	"InvalidParameter":   Invalid,
	"Unauthorized":       Unauthorized,
	"Forbidden":          Forbidden,
	"NotFound":           NotFound,
	"Conflict":           Conflict,
	"PreconditionFailed": Precondition,
	"Throttling":         Throttled,
	"ServiceUnavailable": Unavailable,
	"InternalError":      Internal,
}

// codeKinds are the codes whose kind is not their family's (SPEC's HTTP contract).
var codeKinds = map[string]Kind{
	CodeIdempotencyReuse: Unprocessable, // 422
	CodeBodyTooLarge:     TooLarge,      // 413
}

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
	CodeBodyTooLarge        = "InvalidParameter.BodyTooLarge"
	CodePrecondition        = "PreconditionFailed"
	CodeThrottling          = "Throttling.System"
	CodeUnavailable         = "ServiceUnavailable"
	CodeInternal            = "InternalError.System"
)

// E builds an *Error; its code says its kind.
func E(op, code, format string, args ...any) *Error {
	return &Error{Op: op, Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Wrap attaches a cause to an error; for an internal one the caller sees only
// "internal error".
func Wrap(op, code string, err error) *Error {
	return &Error{Op: op, Code: code, Err: err}
}

// ErrorKind returns the kind of err (Internal for an error that is not an *Error).
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind()
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
	return E(op, code, format, args...)
}
