package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
	"gatepass/shared/metrics"
	"gatepass/shared/signature"
	"gatepass/shared/strictjson"
)

// Checker serves the check function: POST /v1/check for checkers, and the API Gateway
// Lambda authorizer (HTTP API, payload 2.0, simple responses) for the data APIs.
type Checker struct {
	*Handler
}

// Check builds the check function's handler.
func Check(svc Service) *Checker {
	h := newHandler(svc, nil)
	h.routes = map[string]route{"POST /v1/check": h.check}
	return &Checker{Handler: h}
}

func (h *Handler) check(ctx context.Context, r *request) (int, any, error) {
	var in access.CheckInput
	if err := r.decode(&in); err != nil {
		return 0, nil, err
	}
	start := time.Now()
	d, err := h.svc.Check(ctx, r.who, in)
	if err == nil {
		h.decided(ctx, "check", d.Reason, time.Since(start))
	}
	return http.StatusOK, d, err
}

// decided writes the metrics of one decision: counted by source (the check route or
// the authorizer) and reason, with its latency.
func (h *Handler) decided(ctx context.Context, source string, reason access.Reason, took time.Duration) {
	h.metrics.Put(ctx, []metrics.Dim{{Name: "Source", Value: source}, {Name: "Reason", Value: string(reason)}},
		[][]string{{"Source", "Reason"}, {"Source"}},
		metrics.Value{Name: metrics.Decisions, Unit: metrics.Count, Value: 1},
		metrics.Value{Name: metrics.DecisionLatency, Unit: metrics.Milliseconds, Value: metrics.Ms(took)})
}

// checkEvent is either event the check function receives, decoded once: an HTTP API
// request, or an authorizer request, which has the same fields plus these three.
type checkEvent struct {
	events.APIGatewayV2HTTPRequest
	Type           string   `json:"type"`
	RouteArn       string   `json:"routeArn"`
	IdentitySource []string `json:"identitySource"`
}

// authorizerRequest is ev as the authorizer request it is.
func (ev *checkEvent) authorizerRequest() events.APIGatewayV2CustomAuthorizerV2Request {
	return events.APIGatewayV2CustomAuthorizerV2Request{
		Version: ev.Version, Type: ev.Type, RouteArn: ev.RouteArn, IdentitySource: ev.IdentitySource,
		RouteKey: ev.RouteKey, RawPath: ev.RawPath, RawQueryString: ev.RawQueryString,
		Cookies: ev.Cookies, Headers: ev.Headers, QueryStringParameters: ev.QueryStringParameters,
		RequestContext: ev.RequestContext, PathParameters: ev.PathParameters, StageVariables: ev.StageVariables,
	}
}

// Invoke takes either event the check function receives: an authorizer request
// (`"type": "REQUEST"` with a routeArn) or an HTTP API request. The event is decoded
// once; only one that does not decode is looked at again, to answer in its own kind.
func (c *Checker) Invoke(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev checkEvent
	// AWS defines the envelope and may add keys; none may stand in for one by case.
	if err := strictjson.DecodeEnvelope(raw, &ev); err != nil {
		var probe struct {
			Type     string `json:"type"`
			RouteArn string `json:"routeArn"`
		}
		_ = json.Unmarshal(raw, &probe)
		if probe.Type == "REQUEST" && probe.RouteArn != "" {
			return deniedAuthorization(""), nil
		}
		return respond(http.StatusBadRequest, errorBody{Code: access.CodeJSON, Msg: "not an HTTP API event"}), nil
	}
	if ev.Type == "REQUEST" && ev.RouteArn != "" {
		return c.Authorize(ctx, ev.authorizerRequest())
	}
	return c.Handle(ctx, ev.APIGatewayV2HTTPRequest)
}

func deniedAuthorization(reason access.Reason) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: false,
		Context:      map[string]any{"reason": string(reason)},
	}
}

// Authorize answers a Lambda authorizer request for a data-API call: the AppCode in
// `Authorization: APPCODE <code>`, the API by the request's path (without the stage
// prefix), the env by the stage. Any malformed or missing input is a denial.
func (c *Checker) Authorize(ctx context.Context, ev events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error) {
	start := time.Now()
	env, ok := access.StageEnv(ev.RequestContext.Stage)
	if !ok {
		return deniedAuthorization(access.ReasonAPINotFound), nil
	}
	path := ev.RawPath
	if p, ok := strings.CutPrefix(path, "/"+ev.RequestContext.Stage+"/"); ok {
		path = "/" + p
	}
	proto := access.Protocol("")
	switch strings.ToLower(ev.Headers["x-forwarded-proto"]) {
	case "https":
		proto = access.ProtoHTTPS
	case "http":
		proto = access.ProtoHTTP
	}
	var res access.Authorization
	var err error
	if header(ev.Headers, signature.HeaderKey) != "" || header(ev.Headers, signature.HeaderSignature) != "" {
		// A signed call: the signature covers the decoded path (docs/security.md).
		decoded, perr := url.PathUnescape(path)
		if perr != nil {
			return deniedAuthorization(access.ReasonSignatureMismatch), nil
		}
		res, err = c.svc.AuthorizeSigned(ctx, signature.Request{
			Method: ev.RequestContext.HTTP.Method, Path: decoded, Query: ev.RawQueryString, Headers: ev.Headers,
		}, env, proto)
	} else {
		code := appCode(ev.Headers) // missing or malformed: no app, decided in R14's order
		res, err = c.svc.Authorize(ctx, code, path, env, proto)
	}
	if err != nil {
		// An outage is not a denial: the gateway answers 500 and the caller retries.
		c.log.ErrorContext(ctx, "authorize failed", "request_id", ev.RequestContext.RequestID, "error", err)
		return events.APIGatewayV2CustomAuthorizerSimpleResponse{}, err
	}
	d := res.Decision
	grantID, expires := "", ""
	if d.GrantID != nil {
		grantID = *d.GrantID
	}
	if d.ExpiresAt != nil {
		expires = d.ExpiresAt.UTC().Format(time.RFC3339)
	}
	took := time.Since(start)
	c.decided(ctx, "authorizer", d.Reason, took)
	c.log.InfoContext(ctx, "authorize", "request_id", ev.RequestContext.RequestID, "app_id", res.AppID,
		"app_key", res.AppKey, "api_id", res.APIID, "reason", d.Reason, "duration", took)
	return events.APIGatewayV2CustomAuthorizerSimpleResponse{
		IsAuthorized: d.Allowed,
		Context: map[string]any{
			"app_id": res.AppID, "app_key": res.AppKey, "api_id": res.APIID, "grant_id": grantID, "reason": string(d.Reason),
			"fields": strings.Join(d.Fields, ","), "expires_at": expires,
			"as_of": d.AsOf.UTC().Format(time.RFC3339Nano),
		},
	}, nil
}

// appCode reads `Authorization: APPCODE <code>`, "" when missing or malformed; the code
// itself is never logged.
func appCode(headers map[string]string) string {
	v := header(headers, "authorization")
	scheme, code, ok := strings.Cut(strings.TrimSpace(v), " ")
	code = strings.TrimSpace(code)
	if !ok || !strings.EqualFold(scheme, "APPCODE") || len(code) > 512 {
		return ""
	}
	return code
}
