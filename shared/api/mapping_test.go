package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
)

// These tests mount the handlers on a fake domain (fake_test.go): no table, so they
// run in `make test-unit`. They hold the HTTP layer to the contract on what it alone
// decides: an error's status, who the caller is, and which bodies are read at all.

// TestHTTP_Mapping_CodeDecidesStatus: an error's code decides its status (its kind),
// the body carries the code, the message and the request id; an internal error, coded
// or not, is a 500 that tells nothing of its cause.
func TestHTTP_Mapping_CodeDecidesStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
		code   string
		msg    string // error_msg
	}{
		{access.E("op", "InvalidParameter.Env", "env FOO"), http.StatusBadRequest, "InvalidParameter.Env", "env FOO"},
		{access.E("op", access.CodeUnauthorized, "no token"), http.StatusUnauthorized, access.CodeUnauthorized, "no token"},
		{access.E("op", "Forbidden.NotReviewer", "not a reviewer"), http.StatusForbidden, "Forbidden.NotReviewer", "not a reviewer"},
		{access.E("op", "NotFound.API", "no api"), http.StatusNotFound, "NotFound.API", "no api"},
		{access.E("op", "Conflict.GrantExists", "exists"), http.StatusConflict, "Conflict.GrantExists", "exists"},
		{access.E("op", "PreconditionFailed.Version", "version 3"), http.StatusPreconditionFailed, "PreconditionFailed.Version", "version 3"},
		{access.E("op", access.CodeIdempotencyReuse, "other body"), http.StatusUnprocessableEntity, access.CodeIdempotencyReuse, "other body"},
		{access.E("op", access.CodeBodyTooLarge, "too large"), http.StatusRequestEntityTooLarge, access.CodeBodyTooLarge, "too large"},
		{access.E("op", "Throttling.Table", "slow down"), http.StatusTooManyRequests, "Throttling.Table", "slow down"},
		{access.E("op", "ServiceUnavailable.Table", "try again"), http.StatusServiceUnavailable, "ServiceUnavailable.Table", "try again"},
		// An internal error says nothing of its cause, coded or not.
		{access.E("op", access.CodeInternal, "secret detail"), http.StatusInternalServerError, access.CodeInternal, "internal error"},
		{access.Wrap("op", access.CodeInternal, errors.New("secret detail")), http.StatusInternalServerError, access.CodeInternal, "internal error"},
		{errors.New("secret detail"), http.StatusInternalServerError, access.CodeInternal, "internal error"},
	} {
		t.Run(tc.code+"/"+tc.err.Error(), func(t *testing.T) {
			t.Parallel()
			f := newFake(tc.err)
			e := mount(t, f)
			ev := e.event(t, reviewerA, "GET", "/v1/apis/api-orders", nil)
			r := e.raw(t, ev)
			want(t, r, tc.status, tc.code)
			if got := r.M()["request_id"]; got != ev.RequestContext.RequestID {
				t.Errorf("request_id: got %v, want %s", got, ev.RequestContext.RequestID)
			}
			if got := r.M()["error_msg"]; got != tc.msg {
				t.Errorf("error_msg: got %v, want %q", got, tc.msg)
			}
			if got := f.Calls(); len(got) != 1 || got[0] != "GetAPI" {
				t.Errorf("calls: %v, want [GetAPI]", got)
			}
		})
	}
}

// TestHTTP_Identity_MalformedClaimsReachNothing: identity comes only from the
// authorizer's claims; without a subject or a tenant, or with a roles claim that does
// not parse, the answer is 401 or 400 and no operation of the domain is reached.
func TestHTTP_Identity_MalformedClaimsReachNothing(t *testing.T) {
	t.Parallel()
	good := reviewerA.claims()
	with := func(k, v string) map[string]string {
		c := map[string]string{}
		for key, val := range good {
			c[key] = val
		}
		if v == "<delete>" {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	for _, tc := range []struct {
		name string
		o    opt
	}{
		{"no authorizer", noClaims()},
		{"no sub", claimsOf(with("sub", "<delete>"))},
		{"blank sub", claimsOf(with("sub", "  "))},
		{"no tenant", claimsOf(with("tenant_id", "<delete>"))},
		{"roles not a list", claimsOf(with("roles", "[ws:ws-a:reviewer"))},
		{"roles with a comma", claimsOf(with("roles", "[ws:ws-a:reviewer,checker]"))},
		{"roles with an empty element", claimsOf(with("roles", "[ws:ws-a:reviewer  checker]"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(access.E("op", "NotFound.API", "reached"))
			e := mount(t, f)
			for _, key := range e.keys {
				method, path := concrete(key)
				ev := e.event(t, reviewerA, method, path, nil)
				tc.o(ev)
				r := e.raw(t, ev)
				if r.Status != http.StatusUnauthorized && r.Status != http.StatusBadRequest {
					t.Errorf("%s: got %s, want 401 (or 400 for a roles claim)", key, r)
				}
			}
			if got := f.Calls(); len(got) != 0 {
				t.Errorf("the domain was reached: %v", got)
			}
		})
	}
}

// TestHTTP_Decoding_BadBodiesReachNothing: a body that is not one JSON object of the
// route's keys, exactly spelt and each once, is 400 InvalidParameter.Json on every route
// that reads a body, before any operation of the domain.
func TestHTTP_Decoding_BadBodiesReachNothing(t *testing.T) {
	t.Parallel()
	bodies := map[string]string{
		"truncated":        `{"name":`,
		"not json":         `name=x`,
		"array":            `[]`,
		"two values":       `{}{}`,
		"trailing garbage": `{} x`,
		"unknown key":      `{"reason":"ok","is_admin":true}`,
		"key in capitals":  `{"REASON":"x"}`,
		"key twice":        `{"reason":"a","reason":"b"}`,
		"deep nesting":     strings.Repeat(`{"reason":`, 100) + `1` + strings.Repeat(`}`, 100),
		"bom":              "\xef\xbb\xbf{}",
		"invalid utf8":     "{\"reason\":\"\xff\"}",
	}
	f := newFake(nil)
	e := mount(t, f)
	for key := range bodyRoutes {
		method, path := concrete(key)
		for name, body := range bodies {
			t.Run(key+"/"+name, func(t *testing.T) {
				want(t, e.do(t, admin1, method, path, body), http.StatusBadRequest, access.CodeJSON)
			})
		}
	}
	if got := f.Calls(); len(got) != 0 {
		t.Errorf("the domain was reached: %v", got)
	}
}

// raw hands ev to its route's handler and returns the answer as it is, unchecked
// against the document (a fake's errors need not be ones the route documents).
func (e *env) raw(t *testing.T, ev *events.APIGatewayV2HTTPRequest) *resp {
	t.Helper()
	out, err := e.routes[ev.RouteKey].Handle(context.Background(), *ev)
	if err != nil {
		t.Fatalf("%s: Handle returned an error: %v", ev.RouteKey, err)
	}
	return &resp{Status: out.StatusCode, Headers: out.Headers, Body: []byte(out.Body)}
}
