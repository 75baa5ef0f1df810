// Package gateway emulates an API Gateway HTTP API with a JWT authorizer in front of
// Lambda handlers, for the development server and tests. It matches a request to a
// route of template.yaml, verifies the bearer token as the HTTP API's JWT authorizer
// would (here HS256 with a local secret), builds the payload-2.0 event the function
// would receive, and writes the function's response back as API Gateway does.
//
// Where API Gateway itself answers (unknown route, bad token, body too large, a failed
// function), the real service sends {"message": ...}; this emulation answers with the
// contract's error body {"error_code","error_msg","request_id"} instead (SPEC.md).
package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/localjwt"
)

// MaxBody is the largest request body accepted (SPEC.md: 413 beyond 64 KiB).
const MaxBody = 64 << 10

// MaxHeaderBytes is an HTTP API's quota on the request line and header values together;
// beyond it the gateway answers 431.
const MaxHeaderBytes = 10240

// Defaults of the time limits (Config).
const (
	DefaultHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout   = 10 * time.Second
)

// HTTPHandler is the signature of an HTTP function's handler.
type HTTPHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Route is one route of the HTTP API.
type Route struct {
	Method   string // GET, POST, ... or ANY
	Path     string // a path template: /v1/apis/{api_id}; {name+} is greedy
	Function string // the function's name, for logs and the 501 message
	Handler  HTTPHandler
	// Timeout is the function's Timeout in template.yaml: an invocation still running
	// then is answered 500, as API Gateway answers a failed invocation. 0: no limit.
	Timeout time.Duration
	// Public routes have no authorizer (Auth.Authorizer NONE in the template): no token
	// is verified and the event carries no claims.
	Public bool
}

// Config configures a Gateway.
type Config struct {
	Routes []Route
	// Secret signs and verifies the HS256 bearer tokens; it must not be empty.
	Secret string
	Logger *slog.Logger     // default: slog.Default()
	Now    func() time.Time // default: time.Now
	// AccountID, APIID and DomainName fill requestContext; defaults are local placeholders.
	AccountID, APIID, DomainName string
	// HeaderTimeout bounds the reading of the request line and headers (Server), and
	// BodyTimeout the reading of the body: a slow client is answered 400 and its
	// connection closed. Defaults DefaultHeaderTimeout and DefaultBodyTimeout.
	HeaderTimeout, BodyTimeout time.Duration
}

// Gateway is an http.Handler serving the configured routes.
type Gateway struct {
	cfg Config
	jwt *localjwt.Verifier
	mux *http.ServeMux // the routes, as net/http's patterns; "/" answers 404 NotFound.Route
}

type route struct {
	Route
	key    string   // the routeKey: "PUT /v1/apis/{api_id}"
	params []string // the path parameters' names
}

// New checks the routes and returns the Gateway. The routes are net/http.ServeMux
// patterns: "METHOD /path/{param}", {name+} as {name...}, ANY as no method. The mux
// gives HTTP APIs' precedence (a literal segment beats a parameter) and refuses two
// routes that would match the same requests.
func New(cfg Config) (g *Gateway, err error) {
	if cfg.Secret == "" {
		return nil, errors.New("gateway: a JWT secret is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.APIID == "" {
		cfg.APIID = "local"
	}
	if cfg.HeaderTimeout <= 0 {
		cfg.HeaderTimeout = DefaultHeaderTimeout
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	verifier, err := localjwt.New(cfg.Secret, cfg.Now)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g = &Gateway{cfg: cfg, jwt: verifier, mux: http.NewServeMux()}
	defer func() { // ServeMux panics on a pattern that conflicts with another
		if p := recover(); p != nil {
			g, err = nil, fmt.Errorf("gateway: %v", p)
		}
	}()
	seen := map[string]bool{}
	for _, r := range cfg.Routes {
		r.Method = strings.ToUpper(r.Method)
		rt, pattern, err := compile(r)
		if err != nil {
			return nil, err
		}
		if seen[rt.key] {
			return nil, fmt.Errorf("gateway: route %q declared twice", rt.key)
		}
		seen[rt.key] = true
		g.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { g.serve(w, r, &rt) })
	}
	g.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// A path that exists under another method is also 404 in an HTTP API.
		g.fail(w, g.logger(w, r), w.Header().Get("Apigw-Requestid"), http.StatusNotFound, "NotFound.Route", "no route for "+r.Method+" "+r.URL.EscapedPath())
	})
	return g, nil
}

// compile checks a route's path template and returns the route and its ServeMux pattern.
func compile(r Route) (route, string, error) {
	if r.Method == "" || !strings.HasPrefix(r.Path, "/") {
		return route{}, "", fmt.Errorf("gateway: bad route %q %q", r.Method, r.Path)
	}
	rt := route{Route: r, key: r.Method + " " + r.Path}
	parts := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return route{}, "", fmt.Errorf("gateway: route %q: a greedy parameter must be last", rt.key)
			}
			rt.params = append(rt.params, p[1:len(p)-2])
			parts[i] = "{" + p[1:len(p)-2] + "...}"
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			rt.params = append(rt.params, p[1:len(p)-1])
		case strings.ContainsAny(p, "{}"):
			return route{}, "", fmt.Errorf("gateway: route %q: a parameter must be a whole segment", rt.key)
		}
	}
	pattern := "/" + strings.Join(parts, "/")
	if r.Method != "ANY" {
		pattern = r.Method + " " + pattern
	}
	return rt, pattern, nil
}

// Server is an http.Server for the gateway with the limits of an HTTP API: the time
// to send the request line and headers, and room for headers beyond MaxHeaderBytes so
// that ServeHTTP, not net/http, answers an oversized request as API Gateway does.
func (g *Gateway) Server() *http.Server {
	return &http.Server{
		Handler:           g,
		ReadHeaderTimeout: g.cfg.HeaderTimeout,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    4 * MaxHeaderBytes,
	}
}

// Listener wraps ln so that the one answer net/http writes itself, before any handler
// runs, is in the contract's body too: headers beyond the server's MaxHeaderBytes get
// net/http's plain-text 431, which each connection rewrites into the contract's 431
// (InvalidParameter.HeadersTooLarge) as it is written. Serve Server() on it.
func (g *Gateway) Listener(ln net.Listener) net.Listener { return contractListener{ln} }

type contractListener struct{ net.Listener }

func (l contractListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return contractConn{c}, nil
}

type contractConn struct{ net.Conn }

// plain431 is how net/http's own answer to oversized headers begins and ends; it
// writes it in one call, with nothing after it on the connection.
var (
	plain431Start = []byte("HTTP/1.1 431 ")
	plain431End   = []byte("\r\n\r\n431 Request Header Fields Too Large")
)

func (c contractConn) Write(b []byte) (int, error) {
	if !bytes.HasPrefix(b, plain431Start) || !bytes.HasSuffix(b, plain431End) {
		return c.Conn.Write(b)
	}
	reqID := newRequestID()
	body, _ := json.Marshal(ErrorBody{Code: "InvalidParameter.HeadersTooLarge",
		Msg: fmt.Sprintf("the request line and headers exceed %d bytes", MaxHeaderBytes), RequestID: reqID})
	resp := fmt.Sprintf("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\nApigw-Requestid: %s\r\nConnection: close\r\n\r\n%s", len(body), reqID, body)
	if _, err := io.WriteString(c.Conn, resp); err != nil {
		return 0, err
	}
	return len(b), nil
}

// headerBytes is the size that API Gateway's quota counts: the request line and every
// header value (the names are counted too, which only makes the check a little stricter).
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto)
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	return n + len(r.Host)
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := newRequestID()
	w.Header().Set("Apigw-Requestid", reqID)
	// The body must arrive within BodyTimeout of the headers; a connection that trickles
	// it is answered and closed instead of being held open.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(g.cfg.BodyTimeout))

	if headerBytes(r) > MaxHeaderBytes {
		g.fail(w, g.logger(w, r), reqID, http.StatusRequestHeaderFieldsTooLarge, "InvalidParameter.HeadersTooLarge",
			fmt.Sprintf("the request line and headers exceed %d bytes", MaxHeaderBytes))
		return
	}
	g.mux.ServeHTTP(w, r)
}

// logger is the log of one request (its id is the Apigw-Requestid ServeHTTP set).
func (g *Gateway) logger(w http.ResponseWriter, r *http.Request) *slog.Logger {
	return g.cfg.Logger.With("request_id", w.Header().Get("Apigw-Requestid"), "method", r.Method, "path", r.URL.EscapedPath())
}

// serve answers a request the mux matched to rt: the JWT authorizer, the body, the
// function.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, rt *route) {
	now := g.cfg.Now()
	reqID := w.Header().Get("Apigw-Requestid")
	log := g.logger(w, r).With("route", rt.key, "function", rt.Function)
	var params map[string]string
	for _, name := range rt.params {
		if v := r.PathValue(name); v != "" {
			if params == nil {
				params = map[string]string{}
			}
			params[name] = v
		}
	}

	var tok localjwt.Verified
	var err error
	if !rt.Public {
		tok, err = g.jwt.Verify(r.Header.Get("Authorization"))
	}
	if err != nil {
		log.Info("token rejected", "reason", err.Error())
		msg := "missing or invalid bearer token"
		if errors.Is(err, localjwt.ErrMalformedRole) {
			msg = localjwt.ErrMalformedRole.Error()
		}
		g.fail(w, log, reqID, http.StatusUnauthorized, "Unauthorized", msg)
		return
	}

	body, ok := g.readBody(w, r, http.NewResponseController(w), log, reqID)
	if !ok {
		return
	}

	if rt.Handler == nil {
		g.fail(w, log, reqID, http.StatusNotImplemented, "NotImplemented", "function "+rt.Function+" is not mounted in the development server yet")
		return
	}

	ev := g.event(r, rt, params, body, tok.Claims, tok.Scopes, reqID, now)
	start := time.Now()
	resp, err := g.invoke(r.Context(), rt, ev)
	if err != nil {
		log.Error("function failed", "error", err.Error(), "duration_ms", time.Since(start).Milliseconds())
		g.fail(w, log, reqID, http.StatusInternalServerError, "InternalError.System", "internal error")
		return
	}
	if err := writeResponse(w, resp); err != nil {
		log.Error("bad function response", "error", err.Error())
		g.fail(w, log, reqID, http.StatusInternalServerError, "InternalError.System", "internal error")
		return
	}
	log.Info("request", "status", resp.StatusCode, "duration_ms", time.Since(start).Milliseconds())
}

// readBody reads the request's body, at most MaxBody bytes, within the read deadline
// ServeHTTP set; when it cannot, it answers the request and reports false.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request, rc *http.ResponseController, log *slog.Logger, reqID string) ([]byte, bool) {
	if r.ContentLength > MaxBody {
		g.fail(w, log, reqID, http.StatusRequestEntityTooLarge, "InvalidParameter.BodyTooLarge", "the request body exceeds 64 KiB")
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		log.Info("body not read", "error", err.Error())
		w.Header().Set("Connection", "close")
		g.fail(w, log, reqID, http.StatusBadRequest, "InvalidParameter", "the request body could not be read in time")
		return nil, false
	}
	// Lift the deadline: net/http's background read would otherwise hit it and cancel the
	// request's context while the function runs.
	_ = rc.SetReadDeadline(time.Time{})
	if len(body) > MaxBody {
		g.fail(w, log, reqID, http.StatusRequestEntityTooLarge, "InvalidParameter.BodyTooLarge", "the request body exceeds 64 KiB")
		return nil, false
	}
	return body, true
}

// errTimeout is the failed invocation of a function that overran its Timeout.
var errTimeout = errors.New("the function timed out")

// invoke calls the route's handler under its Timeout, as Lambda does: the handler's
// context expires then, and an answer that comes later is dropped (Lambda would have
// stopped the function). A client that hangs up does not cancel the invocation, as in
// AWS. A panic becomes an error, as in the Lambda runtime.
func (g *Gateway) invoke(ctx context.Context, rt *route, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	ctx = context.WithoutCancel(ctx)
	if rt.Timeout <= 0 {
		return call(ctx, rt.Handler, ev)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, rt.Timeout, errTimeout)
	defer cancel()
	type result struct {
		resp events.APIGatewayV2HTTPResponse
		err  error
	}
	done := make(chan result, 1) // buffered: a late handler does not block forever
	go func() {
		resp, err := call(ctx, rt.Handler, ev)
		done <- result{resp, err}
	}()
	select {
	case res := <-done:
		return res.resp, res.err
	case <-ctx.Done():
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("%w after %s", context.Cause(ctx), rt.Timeout)
	}
}

func call(ctx context.Context, h HTTPHandler, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, ev)
}

// event builds the payload-2.0 request event of an HTTP API.
func (g *Gateway) event(r *http.Request, rt *route, params map[string]string, body []byte,
	claims map[string]string, scopes []string, reqID string, now time.Time) events.APIGatewayV2HTTPRequest {
	ip := sourceIP(r.RemoteAddr)
	headers, cookies := eventHeaders(r, len(body), ip)
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              rt.key,
		RawPath:               r.URL.EscapedPath(),
		RawQueryString:        r.URL.RawQuery,
		Cookies:               cookies,
		Headers:               headers,
		QueryStringParameters: eventQuery(r.URL.RawQuery),
		PathParameters:        params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     rt.key,
			AccountID:    g.cfg.AccountID,
			Stage:        "$default",
			RequestID:    reqID,
			APIID:        g.cfg.APIID,
			DomainName:   domainName(g.cfg.DomainName, r.Host),
			DomainPrefix: g.cfg.APIID,
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.EscapedPath(),
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if !rt.Public {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: scopes},
		}
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// eventHeaders are the request's headers as an HTTP API passes them: lower-cased,
// repeated ones comma-joined, cookies moved out into their own list, and the
// forwarding headers added for a client at ip.
func eventHeaders(r *http.Request, bodyLen int, ip string) (map[string]string, []string) {
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			// HTTP APIs move cookies out of the headers into their own list.
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	if _, ok := headers["content-length"]; !ok && bodyLen > 0 {
		headers["content-length"] = strconv.Itoa(bodyLen)
	}
	if xff := headers["x-forwarded-for"]; xff != "" {
		headers["x-forwarded-for"] = xff + ", " + ip
	} else {
		headers["x-forwarded-for"] = ip
	}
	headers["x-forwarded-proto"] = "http"
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		headers["x-forwarded-port"] = port
	}
	return headers, cookies
}

// eventQuery is the query string's parameters; nil when there is none.
func eventQuery(raw string) map[string]string {
	if raw == "" {
		return nil
	}
	values, _ := url.ParseQuery(raw)
	query := make(map[string]string, len(values))
	for k, vs := range values {
		query[k] = strings.Join(vs, ",") // repeated keys, comma-joined as HTTP APIs do
	}
	return query
}

// writeResponse writes a payload-2.0 response as API Gateway would.
func writeResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) error {
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return fmt.Errorf("status code %d", resp.StatusCode)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return fmt.Errorf("body marked base64 does not decode: %w", err)
		}
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil // no sniffing: send what the function set, nothing more
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// ErrorBody is the contract's error body.
type ErrorBody struct {
	Code      string `json:"error_code"`
	Msg       string `json:"error_msg"`
	RequestID string `json:"request_id"`
}

func (g *Gateway) fail(w http.ResponseWriter, log *slog.Logger, reqID string, status int, code, msg string) {
	if status >= 500 || status == http.StatusNotFound {
		log.Info("request", "status", status, "error_code", code)
	}
	WriteError(w, status, code, msg, reqID)
}

// WriteError writes the contract's error body with the status.
func WriteError(w http.ResponseWriter, status int, code, msg, reqID string) {
	b, _ := json.Marshal(ErrorBody{Code: code, Msg: msg, RequestID: reqID})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// newRequestID makes an id shaped like API Gateway's (base64 of random bytes).
func newRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

func sourceIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

func domainName(configured, host string) string {
	if configured != "" {
		return configured
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
