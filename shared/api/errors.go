package api

import (
	"errors"
	"net/http"
	"time"

	"gatepass/shared/access"
)

// status maps an error to its HTTP status by the kind its code carries: the one place
// where that happens.
func status(e *access.Error) int {
	if st, ok := kindStatus[e.Kind()]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// kindStatus is the status of each kind of error; any other kind is a 500.
var kindStatus = map[access.Kind]int{
	access.Invalid:       http.StatusBadRequest,
	access.Unauthorized:  http.StatusUnauthorized,
	access.Forbidden:     http.StatusForbidden,
	access.NotFound:      http.StatusNotFound,
	access.Conflict:      http.StatusConflict,
	access.Precondition:  http.StatusPreconditionFailed,
	access.Unprocessable: http.StatusUnprocessableEntity,
	access.TooLarge:      http.StatusRequestEntityTooLarge,
	access.Throttled:     http.StatusTooManyRequests,
	access.Unavailable:   http.StatusServiceUnavailable,
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
	if !errors.As(err, &e) || e.Kind() == access.Internal {
		return http.StatusInternalServerError, errorBody{Code: access.CodeInternal, Msg: "internal error", RequestID: requestID}
	}
	msg := e.Msg
	if msg == "" {
		msg = e.Kind().String()
	}
	return status(e), errorBody{Code: e.Code, Msg: msg, RequestID: requestID,
		Pairs: viewPairs(e.Pairs), EarliestEndTime: e.EarliestEnd}
}
