package api

import (
	"errors"
	"net/http"
	"time"

	"gatepass/shared/access"
)

// codeBodyTooLarge is the answer to a body over MaxBody.
const codeBodyTooLarge = "InvalidParameter.BodyTooLarge"

// status maps an error to its HTTP status: the one place where that happens. Three
// codes have a status of their own; every other error is mapped by its kind.
func status(e *access.Error) int {
	switch e.Code {
	case access.CodePrecondition:
		return http.StatusPreconditionFailed
	case codeBodyTooLarge:
		return http.StatusRequestEntityTooLarge
	case access.CodeIdempotencyReuse:
		return http.StatusUnprocessableEntity
	}
	switch e.Kind {
	case access.Invalid:
		return http.StatusBadRequest
	case access.Unauthorized:
		return http.StatusUnauthorized
	case access.Forbidden:
		return http.StatusForbidden
	case access.NotFound:
		return http.StatusNotFound
	case access.Conflict:
		return http.StatusConflict
	case access.Throttled:
		return http.StatusTooManyRequests
	case access.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the contract's error answer.
type errorBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
	// Pairs lists every failing (subject, env) of a bulk request (R18, R19).
	Pairs []pairView `json:"pairs,omitempty"`
	// EarliestEndTime is the earliest end a shortening may set (R20).
	EarliestEndTime *time.Time `json:"earliest_end_time,omitempty"`
}

// pairView is a failing pair; grant_id is null when no grant is involved.
type pairView struct {
	Subject   access.Subject `json:"subject"`
	Env       access.Env     `json:"env"`
	GrantID   *string        `json:"grant_id"`
	ErrorCode string         `json:"error_code"`
}

func viewPairs(ps []access.Pair) []pairView {
	var out []pairView
	for _, p := range ps {
		v := pairView{Subject: p.Subject, Env: p.Env, ErrorCode: p.ErrorCode}
		if p.GrantID != "" {
			id := p.GrantID
			v.GrantID = &id
		}
		out = append(out, v)
	}
	return out
}

// fromError turns err into the status and body the caller sees. Internal errors are
// answered without their text (they are logged with the request id instead).
func fromError(err error, requestID string) (int, errorBody) {
	var e *access.Error
	if !errors.As(err, &e) || e.Kind == access.Internal {
		return http.StatusInternalServerError, errorBody{Code: access.CodeInternal, Msg: "internal error", RequestID: requestID}
	}
	msg := e.Msg
	if msg == "" {
		msg = e.Kind.String()
	}
	return status(e), errorBody{Code: e.Code, Msg: msg, RequestID: requestID,
		Pairs: viewPairs(e.Pairs), EarliestEndTime: e.EarliestEnd}
}
