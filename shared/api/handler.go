package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"gatepass/shared/access"
	"gatepass/shared/canonjson"
	"gatepass/shared/localjwt"
	"gatepass/shared/metrics"
	"gatepass/shared/strictjson"
)

// Handler serves the routes of one function. Build it with Catalog, Grant, Revoke,
// Renew, List or Check; Handle is what lambda.Start and the development server call.
type Handler struct {
	svc     Service
	log     *slog.Logger
	routes  map[string]route   // by API Gateway route key, "POST /v1/apis/{api_id}/grants"
	local   *localjwt.Verifier // sam local start-api only (WithLocalTokens)
	metrics *metrics.Recorder  // nil: none
}

// route answers one route; mutating routes go through mutate for idempotency.
type route func(ctx context.Context, r *request) (int, any, error)

func newHandler(svc Service, routes map[string]route) *Handler {
	return &Handler{svc: svc, log: slog.New(slog.NewJSONHandler(os.Stdout, nil)), routes: routes}
}

// WithLogger replaces the handler's logger (the function's, at LOG_LEVEL).
func (h *Handler) WithLogger(l *slog.Logger) *Handler { h.log = l; return h }

// WithLocalTokens lets the handler verify a request's bearer token itself when it
// carries no authorizer claims: for sam local start-api, which runs no JWT authorizer.
// shared/functions sets it only when settings.LocalJWTSecret is (never in AWS).
func (h *Handler) WithLocalTokens(v *localjwt.Verifier) *Handler { h.local = v; return h }

// WithMetrics has the handler write its metrics (the check's decisions) to m.
func (h *Handler) WithMetrics(m *metrics.Recorder) *Handler { h.metrics = m; return h }

// Handle answers one API Gateway HTTP API (payload 2.0) event. It never returns an
// error: every failure is an HTTP answer with the contract's error body.
func (h *Handler) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	start := time.Now()
	reqID := ev.RequestContext.RequestID
	lambdaID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		lambdaID = lc.AwsRequestID
		if reqID == "" {
			reqID = lambdaID
		}
	}
	resp, code, err := h.serve(ctx, &ev, reqID)
	attrs := []slog.Attr{
		slog.String("request_id", reqID), slog.String("lambda_request_id", lambdaID),
		slog.String("route", ev.RouteKey), slog.Int("status", resp.StatusCode),
		slog.Duration("duration", time.Since(start)), slog.String("error_code", code),
	}
	if resp.StatusCode >= 500 { // the cause is logged, never answered
		h.log.LogAttrs(ctx, slog.LevelError, "request failed", append(attrs, slog.Any("error", err))...)
	} else {
		h.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	}
	return resp, nil
}

func (h *Handler) serve(ctx context.Context, ev *events.APIGatewayV2HTTPRequest, reqID string) (events.APIGatewayV2HTTPResponse, string, error) {
	rt, ok := h.routes[ev.RouteKey]
	if !ok {
		err := access.E("route", "NotFound.Route", "no route %s", ev.RouteKey)
		return errorResponse(err, reqID)
	}
	r, err := newRequest(ev, h.svc.Settings().RolesFormat, h.local)
	if err != nil {
		return errorResponse(err, reqID)
	}
	if err := checkQuery(ev); err != nil {
		return errorResponse(err, reqID)
	}
	st, body, err := rt(ctx, r)
	if err != nil {
		return errorResponse(err, reqID)
	}
	if raw, ok := body.(rawJSON); ok {
		return jsonResponse(st, []byte(raw)), "", nil
	}
	if text, ok := body.(csvText); ok { // R28's report export
		return events.APIGatewayV2HTTPResponse{StatusCode: st, Headers: map[string]string{"content-type": "text/csv; charset=utf-8"}, Body: string(text)}, "", nil
	}
	return respond(st, body), "", nil
}

// rawJSON is an answer already encoded (an idempotent replay).
type rawJSON []byte

func errorResponse(err error, reqID string) (events.APIGatewayV2HTTPResponse, string, error) {
	st, body := fromError(err, reqID)
	resp := respond(st, body)
	if st == http.StatusTooManyRequests || st == http.StatusServiceUnavailable {
		resp.Headers["retry-after"] = "1"
	}
	return resp, body.Code, err
}

func respond(status int, body any) events.APIGatewayV2HTTPResponse {
	if status == http.StatusNoContent || body == nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	}
	b, err := json.Marshal(body)
	if err != nil {
		b, status = []byte(`{"error_code":"InternalError.System","error_msg":"internal error","request_id":""}`), http.StatusInternalServerError
	}
	return jsonResponse(status, b)
}

func jsonResponse(status int, b []byte) events.APIGatewayV2HTTPResponse {
	if status == http.StatusNoContent || len(b) == 0 {
		return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: map[string]string{}}
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers:    map[string]string{"content-type": "application/json"},
		Body:       string(b),
	}
}

const maxIdemKey = 255

// mutate makes a mutating route: run calls the service; render turns its result into
// the answer, which is also what an Idempotency-Key replays (R17). It runs under the
// request's Idempotency-Key, scoped to (tenant, sub, key): the same key and request
// replays the first answer, a different request is 422, one still in flight is 409.
// The answer is rendered once: under a key, as the record the change commits with.
func mutate[T any](h *Handler, run func(context.Context, *request, access.Actor) (T, error), render func(T) (int, any)) route {
	return mutateSecret(h, run, render, nil)
}

// mutateSecret is mutate for a change whose answer shows a secret once (an AppCode, an
// AppSecret): the idempotency record keeps kept's answer, the same without the secret,
// so that no secret is ever at rest in plain text; a replay answers that.
func mutateSecret[T any](h *Handler, run func(context.Context, *request, access.Actor) (T, error), render, kept func(T) (int, any)) route {
	return func(ctx context.Context, r *request) (int, any, error) {
		a := access.Actor{Principal: r.who}
		var err error
		if a.IfMatch, err = r.ifMatch(); err != nil {
			return 0, nil, err
		}
		key := r.header("idempotency-key")
		var rendered *answer // the answer committed with the change, when there is a key
		if key != "" {
			if len(key) > maxIdemKey || !printable(key) {
				return 0, nil, access.E("idempotency", access.CodeInvalid+".IdempotencyKey", "Idempotency-Key must be 1-%d printable ASCII characters", maxIdemKey)
			}
			hash, err := requestHash(r)
			if err != nil {
				return 0, nil, err
			}
			if st, body, done, err := h.replay(ctx, r, key, hash); done || err != nil {
				return st, body, err
			}
			a.Idem = &access.Idem{Key: key, Hash: hash, Render: func(result any) ([]byte, error) {
				res, ok := result.(T) // access hands back what run returns (nil for none)
				if !ok && result != nil {
					return nil, fmt.Errorf("api: result %T is not %T", result, res)
				}
				ans, err := newAnswer(render(res))
				if err != nil {
					return nil, err
				}
				rendered = &ans
				if kept == nil {
					return json.Marshal(ans)
				}
				stored, err := newAnswer(kept(res))
				if err != nil {
					return nil, err
				}
				return json.Marshal(stored)
			}}
		}
		result, err := run(ctx, r, a)
		if err != nil {
			if key != "" {
				// A concurrent twin committed first: answer as it did, if it is done. Its
				// change makes ours fail with whatever it trips over first (the idempotency
				// record, an R3 slot, a version, a decided request, a renewal that no
				// longer extends...), so look for its record whatever the failure.
				if st, body, done, rerr := h.replay(ctx, r, key, a.Idem.Hash); done || rerr != nil {
					return st, body, rerr
				}
			}
			return 0, nil, err
		}
		if rendered != nil {
			return rendered.result()
		}
		st, body := render(result)
		return st, body, nil
	}
}

// answer is a rendered answer as an idempotency record keeps it: the status and the
// encoded body (none for a 204).
type answer struct {
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body,omitempty"`
}

func newAnswer(status int, body any) (answer, error) {
	if body == nil {
		return answer{Status: status}, nil
	}
	b, err := json.Marshal(body)
	return answer{Status: status, Body: b}, err
}

// result is the answer as a route returns it.
func (a answer) result() (int, any, error) {
	if len(a.Body) == 0 {
		return a.Status, nil, nil
	}
	return a.Status, rawJSON(a.Body), nil
}

// replay answers from a stored idempotency record; done is false when there is none.
func (h *Handler) replay(ctx context.Context, r *request, key, hash string) (int, any, bool, error) {
	rec, found, err := h.svc.Replay(ctx, r.who, key, hash)
	if err != nil || !found {
		return 0, nil, false, err
	}
	var ans answer
	if err := json.Unmarshal(rec, &ans); err != nil || ans.Status == 0 {
		return 0, nil, false, access.Wrap("idempotency", access.CodeInternal, fmt.Errorf("api: the recorded answer is not one: %v", err))
	}
	st, body, _ := ans.result()
	return st, body, true, nil
}

// requestHash identifies a request for idempotency: method, path, query and body. A
// JSON body counts by its meaning (its canonical form: whitespace, key order and the
// spelling of numbers and strings do not matter); any other body by its bytes. Only a
// request with an Idempotency-Key pays for the canonical form.
func requestHash(r *request) (string, error) {
	body, form := r.body, "raw"
	switch c, err := canonjson.Canonical(r.body); {
	case errors.Is(err, canonjson.ErrDuplicateKey): // no single meaning to compare
		return "", access.E("decode", access.CodeJSON, "the body has a key twice")
	case err == nil:
		body, form = c, "json"
	}
	h := sha256.New()
	for _, part := range []string{r.ev.RequestContext.HTTP.Method, r.ev.RawPath, r.ev.RawQueryString, form, strconv.Itoa(len(body))} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

func printable(s string) bool {
	for _, c := range s {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return false
		}
	}
	return true
}

// A request: its authentication and its body.

// MaxBody is the largest request body accepted (413 beyond).
const MaxBody = 64 << 10

// request is one decoded HTTP call.
type request struct {
	ev   *events.APIGatewayV2HTTPRequest
	who  access.Principal
	body []byte
}

// newRequest authenticates and reads the body. Identity comes only from the claims that
// the HTTP API's JWT authorizer verified, or, when it passed none and the function runs
// under sam local start-api (local is set only there: see settings.LocalJWTSecret), from
// the bearer token local verifies as the development server does. The roles are read in
// the deployment's format.
func newRequest(ev *events.APIGatewayV2HTTPRequest, roles access.RolesFormat, local *localjwt.Verifier) (*request, error) {
	r := &request{ev: ev}
	var claims map[string]string
	if a := ev.RequestContext.Authorizer; a != nil && a.JWT != nil {
		claims = a.JWT.Claims
	}
	if len(claims) == 0 && local != nil {
		v, err := local.Verify(header(ev.Headers, "authorization"))
		if err != nil {
			return nil, access.E("auth", access.CodeUnauthorized, "the bearer token is not valid: %v", err)
		}
		claims = v.Claims
	}
	p, err := access.PrincipalFromClaims(claims, roles)
	if err != nil {
		return nil, err
	}
	r.who = p
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, access.E("decode", access.CodeJSON, "the body is not valid base64")
		}
	}
	if len(body) > MaxBody {
		return nil, access.E("decode", access.CodeBodyTooLarge, "the body is over %d bytes", MaxBody)
	}
	if !utf8.Valid(body) { // encoding/json would turn the bad bytes into U+FFFD
		return nil, access.E("decode", access.CodeJSON, "the body is not valid UTF-8")
	}
	r.body = body // a key given twice is refused where the body is decoded (strictjson)
	return r, nil
}

// header is a request header's value whatever the case of its name: API Gateway
// lower-cases names, sam local start-api passes them as the client sent them.
func header(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// param returns a path parameter, validated as an id.
func (r *request) param(name string) (string, error) {
	v := r.ev.PathParameters[name]
	if err := access.CheckID("path", name, v); err != nil {
		return "", err
	}
	return v, nil
}

func (r *request) query(name string) string { return r.ev.QueryStringParameters[name] }

// queryInt reads an optional positive integer query parameter; 0 means absent. A zero
// given ("0", "00", "+0") is out of range, not absent: only a missing parameter takes
// the default.
func (r *request) queryInt(name, code string) (int, error) {
	v := r.query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1<<30 {
		return 0, access.E("query", code, "%s must be a positive integer", name)
	}
	return n, nil
}

// page reads page_number, page_size and api_name_keyword (R15).
func (r *request) page() (access.PageQuery, error) {
	var q access.PageQuery
	var err error
	if q.Number, err = r.queryInt("page_number", access.CodePageNumber); err != nil {
		return q, err
	}
	if q.Size, err = r.queryInt("page_size", access.CodePageSize); err != nil {
		return q, err
	}
	q.Keyword = r.query("api_name_keyword")
	return q, q.Validate()
}

func (r *request) header(name string) string {
	if v, ok := r.ev.Headers[name]; ok {
		return v
	}
	for k, v := range r.ev.Headers { // API Gateway lower-cases them; tolerate others
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// ifMatch reads If-Match: "<version>" (0 when absent).
func (r *request) ifMatch() (int64, error) {
	v := strings.TrimSpace(r.header("if-match"))
	if v == "" || v == "*" {
		return 0, nil
	}
	v = strings.Trim(strings.TrimPrefix(v, "W/"), `"`)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		return 0, access.E("if-match", access.CodeInvalid+".IfMatch", `If-Match must be a version such as "3"`)
	}
	return n, nil
}

// decode reads the JSON body strictly into v: one value, keys matched exactly (case
// included), none unknown and none twice. Coded
// errors raised by the types themselves (a validity, say) keep their code.
func (r *request) decode(v any) error {
	const op = "decode"
	if len(bytes.TrimSpace(r.body)) == 0 {
		return access.E(op, access.CodeJSON, "a JSON object body is required")
	}
	if err := strictjson.Decode(r.body, v); err != nil {
		return decodeError(err)
	}
	return nil
}

// noBody accepts an empty body or an empty JSON object, and refuses anything else: a
// route that takes no parameters must not act on a body it does not understand.
func (r *request) noBody() error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	if !bytes.HasPrefix(bytes.TrimSpace(r.body), []byte("{")) {
		return access.E("decode", access.CodeJSON, "the body must be empty or a JSON object")
	}
	return r.decode(&struct{}{})
}

// decodeOptional decodes a body that may be empty.
func (r *request) decodeOptional(v any) error {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return nil
	}
	return r.decode(v)
}

func decodeError(err error) error {
	const op = "decode"
	var coded *access.Error
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var key *strictjson.Error
	switch {
	case errors.As(err, &coded):
		return coded
	case errors.As(err, &key):
		return access.E(op, access.CodeJSON, "%s", key.Error())
	case errors.As(err, &syntax):
		return access.E(op, access.CodeJSON, "malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return access.E(op, access.CodeJSON, "the body must be a JSON object")
		}
		return access.E(op, fieldCode(field), "%s: want %s, got JSON %s", field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return access.E(op, access.CodeJSON, "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return access.E(op, access.CodeJSON, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return access.E(op, access.CodeJSON, "malformed JSON body")
}

// fieldCode picks the contract detail for a mistyped field.
func fieldCode(field string) string {
	top, _, _ := strings.Cut(field, ".")
	switch top {
	case "validity":
		return access.CodeValidity
	case "reason":
		return access.CodeReason
	case "fields":
		return access.CodeFields
	case "permissions", "add_permissions":
		return access.CodePermissions
	case "subject":
		return access.CodeSubject
	case "envs", "env":
		return access.CodeEnv
	}
	return access.CodeInvalid
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int64", "float64":
		return "a number"
	}
	return fmt.Sprintf("a %s", goKind)
}
