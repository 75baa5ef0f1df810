package api

import (
	"errors"
	"net/http"

	"gatepass/shared/access"
)

// status maps an error kind to its HTTP status: the one place where that happens.
func status(k access.Kind) int {
	switch k {
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
	case access.Precondition:
		return http.StatusPreconditionFailed
	case access.TooLarge:
		return http.StatusRequestEntityTooLarge
	case access.IdempotencyReuse:
		return http.StatusUnprocessableEntity
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
	return status(e.Kind), errorBody{Code: e.Code, Msg: msg, RequestID: requestID}
}
