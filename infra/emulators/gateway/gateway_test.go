package gateway

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/golang-jwt/jwt/v5"

	"gatepass/shared/localjwt"
)

const secret = "test-secret"

// recorder is a fake function that keeps the events it received.
type recorder struct {
	mu     sync.Mutex
	events []events.APIGatewayV2HTTPRequest
	resp   events.APIGatewayV2HTTPResponse
	err    error
}

func (f *recorder) handle(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	if f.resp.StatusCode == 0 && f.err == nil {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
	}
	return f.resp, f.err
}

func (f *recorder) last(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	return f.events[len(f.events)-1]
}

func newGateway(t *testing.T, routes ...Route) *httptest.Server {
	t.Helper()
	g, err := New(Config{Routes: routes, Secret: secret, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv
}

func token(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok, err := localjwt.Mint(secret, claims, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func do(t *testing.T, method, url, tok string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func errorCode(t *testing.T, b []byte) ErrorBody {
	t.Helper()
	var e ErrorBody
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	if e.Code == "" || e.Msg == "" || e.RequestID == "" {
		t.Fatalf("got error body %s, want error_code, error_msg and request_id", b)
	}
	return e
}

func TestRouting(t *testing.T) {
	api, grants, mine, greedy := &recorder{}, &recorder{}, &recorder{}, &recorder{}
	srv := newGateway(t,
		Route{Method: "PUT", Path: "/v1/apis/{api_id}", Function: "catalog", Handler: api.handle},
		Route{Method: "GET", Path: "/v1/apis/{api_id}/grants/{grant_id}", Function: "list", Handler: grants.handle},
		Route{Method: "GET", Path: "/v1/apis/mine/grants/{grant_id}", Function: "list", Handler: mine.handle},
		Route{Method: "ANY", Path: "/files/{path+}", Function: "files", Handler: greedy.handle},
	)
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1"})

	tests := []struct {
		name, method, path string
		fn                 *recorder
		routeKey           string
		params             map[string]string
	}{
		{"param", "PUT", "/v1/apis/a1", api, "PUT /v1/apis/{api_id}", map[string]string{"api_id": "a1"}},
		{"escaped param", "PUT", "/v1/apis/a%2Fb%20c", api, "PUT /v1/apis/{api_id}", map[string]string{"api_id": "a/b c"}},
		{"two params", "GET", "/v1/apis/a1/grants/g1", grants, "GET /v1/apis/{api_id}/grants/{grant_id}", map[string]string{"api_id": "a1", "grant_id": "g1"}},
		{"literal beats param", "GET", "/v1/apis/mine/grants/g1", mine, "GET /v1/apis/mine/grants/{grant_id}", map[string]string{"grant_id": "g1"}},
		{"greedy", "DELETE", "/files/a/b/c", greedy, "ANY /files/{path+}", map[string]string{"path": "a/b/c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := do(t, tc.method, srv.URL+tc.path, tok, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("got %d %s, want 200", resp.StatusCode, b)
			}
			ev := tc.fn.last(t)
			if ev.RouteKey != tc.routeKey || ev.RequestContext.RouteKey != tc.routeKey {
				t.Fatalf("got routeKey %q, want %q", ev.RouteKey, tc.routeKey)
			}
			if ev.RawPath != tc.path {
				t.Fatalf("got rawPath %q, want %q", ev.RawPath, tc.path)
			}
			if len(ev.PathParameters) != len(tc.params) {
				t.Fatalf("got pathParameters %v, want %v", ev.PathParameters, tc.params)
			}
			for k, v := range tc.params {
				if ev.PathParameters[k] != v {
					t.Fatalf("got pathParameters %v, want %v", ev.PathParameters, tc.params)
				}
			}
		})
	}
}

func TestEventShape(t *testing.T) {
	fn := &recorder{}
	srv := newGateway(t, Route{Method: "POST", Path: "/v1/apis/{api_id}/grants", Function: "grant", Handler: fn.handle})
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1", "roles": []string{"tenant_admin", "checker"}, "n": 12345678901, "flag": true})

	resp, b := do(t, "POST", srv.URL+"/v1/apis/a1/grants?b=2&a=1&a=3&e=", tok, strings.NewReader(`{"x":"é"}`),
		"X-Custom", "one", "X-Custom", "two", "Cookie", "c1=v1; c2=v2", "User-Agent", "test-agent", "Idempotency-Key", "k1")
	if resp.StatusCode != 200 {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if resp.Header.Get("Apigw-Requestid") == "" {
		t.Fatal("no apigw-requestid header")
	}
	ev := fn.last(t)
	checks := []struct{ name, got, want string }{
		{"version", ev.Version, "2.0"},
		{"rawQueryString", ev.RawQueryString, "b=2&a=1&a=3&e="},
		{"query a", ev.QueryStringParameters["a"], "1,3"},
		{"query b", ev.QueryStringParameters["b"], "2"},
		{"header lower-cased and joined", ev.Headers["x-custom"], "one,two"},
		{"idempotency header", ev.Headers["idempotency-key"], "k1"},
		{"authorization header kept", ev.Headers["authorization"], "Bearer " + tok},
		{"body", ev.Body, `{"x":"é"}`},
		{"method", ev.RequestContext.HTTP.Method, "POST"},
		{"path", ev.RequestContext.HTTP.Path, "/v1/apis/a1/grants"},
		{"protocol", ev.RequestContext.HTTP.Protocol, "HTTP/1.1"},
		{"sourceIp", ev.RequestContext.HTTP.SourceIP, "127.0.0.1"},
		{"userAgent", ev.RequestContext.HTTP.UserAgent, "test-agent"},
		{"stage", ev.RequestContext.Stage, "$default"},
		{"requestId matches header", ev.RequestContext.RequestID, resp.Header.Get("Apigw-Requestid")},
		{"claim sub", ev.RequestContext.Authorizer.JWT.Claims["sub"], "u1"},
		{"claim list flattened", ev.RequestContext.Authorizer.JWT.Claims["roles"], "[tenant_admin checker]"},
		{"claim number", ev.RequestContext.Authorizer.JWT.Claims["n"], "12345678901"},
		{"claim bool", ev.RequestContext.Authorizer.JWT.Claims["flag"], "true"},
		{"cookies", strings.Join(ev.Cookies, "|"), "c1=v1|c2=v2"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("cookie header should move to cookies")
	}
	if ev.IsBase64Encoded {
		t.Error("a UTF-8 body should not be base64-encoded")
	}
	if ev.RequestContext.TimeEpoch == 0 || ev.RequestContext.Time == "" || ev.RequestContext.AccountID == "" || ev.RequestContext.APIID == "" {
		t.Errorf("requestContext incomplete: %+v", ev.RequestContext)
	}
	if _, err := time.Parse("02/Jan/2006:15:04:05 -0700", ev.RequestContext.Time); err != nil {
		t.Errorf("time %q: %v", ev.RequestContext.Time, err)
	}

	// Binary bodies are base64-encoded; request ids are unique.
	first := ev.RequestContext.RequestID
	do(t, "POST", srv.URL+"/v1/apis/a1/grants", tok, bytes.NewReader([]byte{0xff, 0xfe, 0}))
	ev = fn.last(t)
	if !ev.IsBase64Encoded || ev.Body != "//4A" {
		t.Errorf("binary body: got %q base64=%v, want //4A base64=true", ev.Body, ev.IsBase64Encoded)
	}
	if ev.QueryStringParameters != nil {
		t.Errorf("got queryStringParameters %v, want none", ev.QueryStringParameters)
	}
	if ev.RequestContext.RequestID == first {
		t.Error("request ids repeat")
	}
}

func TestJWT(t *testing.T) {
	fn := &recorder{}
	srv := newGateway(t, Route{Method: "GET", Path: "/v1/x", Function: "list", Handler: fn.handle})
	now := time.Now()
	sign := func(m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(m, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := jwt.MapClaims{"sub": "u1", "tenant_id": "t1", "exp": now.Add(time.Hour).Unix()}
	tests := []struct {
		name  string
		auth  string
		want  int
		check func(t *testing.T, ev events.APIGatewayV2HTTPRequest)
	}{
		{"good", "Bearer " + sign(jwt.SigningMethodHS256, []byte(secret), valid), 200, nil},
		{"lower-case bearer", "bearer " + sign(jwt.SigningMethodHS256, []byte(secret), valid), 200, nil},
		{"missing header", "", 401, nil},
		{"garbage", "Bearer not.a.jwt", 401, nil},
		{"bad signature", "Bearer " + sign(jwt.SigningMethodHS256, []byte("other"), valid), 401, nil},
		{"expired", "Bearer " + sign(jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "u1", "exp": now.Add(-time.Minute).Unix()}), 401, nil},
		{"no exp", "Bearer " + sign(jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "u1"}), 401, nil},
		{"not yet valid", "Bearer " + sign(jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"sub": "u1", "exp": now.Add(time.Hour).Unix(), "nbf": now.Add(time.Minute).Unix()}), 401, nil},
		{"alg none", "Bearer " + sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid), 401, nil},
		{"alg HS512", "Bearer " + sign(jwt.SigningMethodHS512, []byte(secret), valid), 401, nil},
		{"missing sub passes through", "Bearer " + sign(jwt.SigningMethodHS256, []byte(secret), jwt.MapClaims{"tenant_id": "t1", "exp": now.Add(time.Hour).Unix(), "scope": "a b"}), 200,
			func(t *testing.T, ev events.APIGatewayV2HTTPRequest) {
				jw := ev.RequestContext.Authorizer.JWT
				if _, ok := jw.Claims["sub"]; ok {
					t.Errorf("got sub %q, want none", jw.Claims["sub"])
				}
				if jw.Claims["tenant_id"] != "t1" || strings.Join(jw.Scopes, ",") != "a,b" {
					t.Errorf("got claims %v scopes %v", jw.Claims, jw.Scopes)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/v1/x", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.want)
			}
			if tc.want == 401 {
				if e := errorCode(t, b); e.Code != "Unauthorized" {
					t.Fatalf("got %s, want Unauthorized", e.Code)
				}
			}
			if tc.check != nil {
				tc.check(t, fn.last(t))
			}
		})
	}
}

func TestGatewayErrors(t *testing.T) {
	fn := &recorder{}
	failing := &recorder{err: errors.New("boom")}
	srv := newGateway(t,
		Route{Method: "PUT", Path: "/v1/apis/{api_id}", Function: "catalog", Handler: fn.handle},
		Route{Method: "POST", Path: "/v1/check", Function: "check"}, // not mounted
		Route{Method: "POST", Path: "/v1/fail", Function: "grant", Handler: failing.handle},
		Route{Method: "POST", Path: "/v1/panic", Function: "grant", Handler: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			panic("oops")
		}},
		Route{Method: "POST", Path: "/v1/nostatus", Function: "grant", Handler: func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			return events.APIGatewayV2HTTPResponse{}, nil
		}},
	)
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1"})
	tests := []struct {
		name, method, path, tok string
		body                    string
		status                  int
		code                    string
	}{
		{"unknown route", "GET", "/v1/nothing", tok, "", 404, "NotFound.Route"},
		{"unknown route without token", "GET", "/v1/nothing", "", "", 404, "NotFound.Route"},
		{"wrong method", "DELETE", "/v1/apis/a1", tok, "", 404, "NotFound.Route"},
		{"trailing slash", "PUT", "/v1/apis/a1/", tok, "", 404, "NotFound.Route"},
		{"empty param", "PUT", "/v1/apis/", tok, "", 404, "NotFound.Route"},
		{"body too large", "PUT", "/v1/apis/a1", tok, strings.Repeat("x", MaxBody+1), 413, "InvalidParameter.BodyTooLarge"},
		{"not mounted", "POST", "/v1/check", tok, "{}", 501, "NotImplemented"},
		{"function error", "POST", "/v1/fail", tok, "", 500, "InternalError.System"},
		{"function panic", "POST", "/v1/panic", tok, "", 500, "InternalError.System"},
		{"no status code", "POST", "/v1/nostatus", tok, "", 500, "InternalError.System"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, b := do(t, tc.method, srv.URL+tc.path, tc.tok, strings.NewReader(tc.body))
			if resp.StatusCode != tc.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, b, tc.status)
			}
			if e := errorCode(t, b); e.Code != tc.code {
				t.Fatalf("got %s, want %s", e.Code, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("got content-type %q, want application/json", ct)
			}
		})
	}
	t.Run("body at the limit", func(t *testing.T) {
		resp, b := do(t, "PUT", srv.URL+"/v1/apis/a1", tok, strings.NewReader(strings.Repeat("x", MaxBody)))
		if resp.StatusCode != 200 {
			t.Fatalf("got %d %s, want 200", resp.StatusCode, b)
		}
	})
}

func TestResponseWrittenBack(t *testing.T) {
	fn := &recorder{resp: events.APIGatewayV2HTTPResponse{
		StatusCode:        201,
		Headers:           map[string]string{"Content-Type": "application/json", "ETag": `"3"`},
		MultiValueHeaders: map[string][]string{"X-Multi": {"a", "b"}},
		Cookies:           []string{"s=1; HttpOnly", "t=2"},
		Body:              "AAEC",
		IsBase64Encoded:   true,
	}}
	srv := newGateway(t, Route{Method: "PUT", Path: "/v1/apis/{api_id}", Function: "catalog", Handler: fn.handle})
	resp, b := do(t, "PUT", srv.URL+"/v1/apis/a1", token(t, map[string]any{"sub": "u"}), nil)
	if resp.StatusCode != 201 {
		t.Fatalf("got %d, want 201", resp.StatusCode)
	}
	if !bytes.Equal(b, []byte{0, 1, 2}) {
		t.Errorf("got body %v, want [0 1 2]", b)
	}
	if resp.Header.Get("ETag") != `"3"` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("got headers %v", resp.Header)
	}
	if got := strings.Join(resp.Header.Values("X-Multi"), ","); got != "a,b" {
		t.Errorf("got X-Multi %q, want a,b", got)
	}
	if got := strings.Join(resp.Header.Values("Set-Cookie"), "|"); got != "s=1; HttpOnly|t=2" {
		t.Errorf("got cookies %q", got)
	}

	// Without a content type from the function, none is invented.
	fn.resp = events.APIGatewayV2HTTPResponse{StatusCode: 204}
	resp, _ = do(t, "PUT", srv.URL+"/v1/apis/a1", token(t, map[string]any{"sub": "u"}), nil)
	if resp.StatusCode != 204 || resp.Header.Get("Content-Type") != "" {
		t.Errorf("got %d content-type %q, want 204 and none", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestNewRejectsBadRoutes(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		routes []Route
	}{
		{"no secret", "", nil},
		{"duplicate", "s", []Route{{Method: "GET", Path: "/a"}, {Method: "get", Path: "/a"}}},
		{"relative path", "s", []Route{{Method: "GET", Path: "a"}}},
		{"partial param", "s", []Route{{Method: "GET", Path: "/a{b}"}}},
		{"greedy not last", "s", []Route{{Method: "GET", Path: "/{a+}/b"}}},
		{"two routes for the same requests", "s", []Route{{Method: "GET", Path: "/a/{x}/b"}, {Method: "GET", Path: "/a/b/{y}"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(Config{Secret: tc.secret, Routes: tc.routes}); err == nil {
				t.Fatal("got nil error, want one")
			}
		})
	}
}

// TestGateway_HeadersOverTheQuotaAre431: API Gateway refuses a request line and headers
// over 10240 bytes; one byte less still reaches the function.
func TestGateway_HeadersOverTheQuotaAre431(t *testing.T) {
	fn := &recorder{}
	srv := newGateway(t, Route{Method: "GET", Path: "/v1/x", Function: "list", Handler: fn.handle})
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1"})
	probe, _ := http.NewRequest("GET", srv.URL+"/v1/x", nil)
	probe.Header.Set("Authorization", "Bearer "+tok)
	probe.Header.Set("X-Pad", "")
	probe.Header.Set("User-Agent", "t")
	probe.Header.Set("Accept-Encoding", "gzip")
	probe.RequestURI, probe.Proto, probe.Host = "/v1/x", "HTTP/1.1", strings.TrimPrefix(srv.URL, "http://")
	room := MaxHeaderBytes - headerBytes(probe)

	resp, b := do(t, "GET", srv.URL+"/v1/x", tok, nil, "X-Pad", strings.Repeat("p", room), "User-Agent", "t")
	if resp.StatusCode != 200 {
		t.Fatalf("at the quota: got %d %s, want 200", resp.StatusCode, b)
	}
	resp, b = do(t, "GET", srv.URL+"/v1/x", tok, nil, "X-Pad", strings.Repeat("p", room+1), "User-Agent", "t")
	if resp.StatusCode != 431 || errorCode(t, b).Code != "InvalidParameter.HeadersTooLarge" {
		t.Fatalf("over the quota: got %d %s, want 431 InvalidParameter.HeadersTooLarge", resp.StatusCode, b)
	}
}

// TestGateway_HeadersBeyondNetHTTPLimitAre431InTheContract: headers so large that
// net/http refuses them before the gateway sees the request (beyond the server's
// MaxHeaderBytes) are still 431 with the contract's body (the defect: plain text).
func TestGateway_HeadersBeyondNetHTTPLimitAre431InTheContract(t *testing.T) {
	fn := &recorder{}
	g, err := New(Config{Routes: []Route{{Method: "GET", Path: "/v1/x", Function: "list", Handler: fn.handle}}, Secret: secret,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(g)
	srv.Config = g.Server()
	srv.Listener = g.Listener(srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1"})
	for _, size := range []int{srv.Config.MaxHeaderBytes + 5000, 1 << 20} {
		resp, b := do(t, "GET", srv.URL+"/v1/x", tok, nil, "X-Pad", strings.Repeat("p", size))
		if resp.StatusCode != 431 || resp.Header.Get("Content-Type") != "application/json" || errorCode(t, b).Code != "InvalidParameter.HeadersTooLarge" {
			t.Fatalf("%d bytes of header: got %d %s %s", size, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	resp, b := do(t, "GET", srv.URL+"/v1/x", tok, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("a normal request after them: %d %s", resp.StatusCode, b)
	}
}

// TestGateway_SlowBodyIsCutOff: a client that declares a body and trickles it is
// answered 400 and its connection closed once BodyTimeout has passed, and a client that
// never finishes its headers is dropped after HeaderTimeout.
func TestGateway_SlowBodyIsCutOff(t *testing.T) {
	fn := &recorder{}
	g, err := New(Config{Routes: []Route{{Method: "POST", Path: "/v1/x", Function: "grant", Handler: fn.handle}}, Secret: secret,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), BodyTimeout: 200 * time.Millisecond, HeaderTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(g)
	srv.Config = g.Server()
	srv.Start()
	t.Cleanup(srv.Close)
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1"})
	addr := strings.TrimPrefix(srv.URL, "http://")

	t.Run("body", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /v1/x HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: 1000\r\n\r\n{", addr, tok)
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || errorCode(t, b).Code != "InvalidParameter" {
			t.Fatalf("got %d %s, want 400 InvalidParameter", resp.StatusCode, b)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("answered after %s, want about the 200ms body timeout", took)
		}
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("the connection stayed open")
		}
	})
	t.Run("headers", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /v1/x HTTP/1.1\r\nHost: %s\r\n", addr)
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		start := time.Now()
		_, _ = io.Copy(io.Discard, c) // until the server closes
		if took := time.Since(start); took > 2*time.Second {
			t.Fatalf("closed after %s, want about the 200ms header timeout", took)
		}
	})
	if n := len(fn.events); n != 0 {
		t.Fatalf("the function was invoked %d times", n)
	}
}

// TestGateway_FunctionTimeoutIs500: a function still running at its template Timeout
// is a failed invocation, answered 500 in the contract's shape, and its context ends.
func TestGateway_FunctionTimeoutIs500(t *testing.T) {
	ended := make(chan error, 1)
	slow := func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		<-ctx.Done()
		ended <- ctx.Err()
		time.Sleep(50 * time.Millisecond) // a handler that ignores its context a little longer
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}
	fast := &recorder{}
	srv := newGateway(t,
		Route{Method: "GET", Path: "/v1/slow", Function: "list", Handler: slow, Timeout: 150 * time.Millisecond},
		Route{Method: "GET", Path: "/v1/fast", Function: "list", Handler: fast.handle, Timeout: 150 * time.Millisecond},
	)
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1"})
	start := time.Now()
	resp, b := do(t, "GET", srv.URL+"/v1/slow", tok, nil)
	if resp.StatusCode != 500 || errorCode(t, b).Code != "InternalError.System" {
		t.Fatalf("got %d %s, want 500 InternalError.System", resp.StatusCode, b)
	}
	if took := time.Since(start); took < 150*time.Millisecond || took > 2*time.Second {
		t.Fatalf("answered after %s, want just after the 150ms timeout", took)
	}
	if err := <-ended; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("handler context: got %v, want deadline exceeded", err)
	}
	if resp, b := do(t, "GET", srv.URL+"/v1/fast", tok, nil); resp.StatusCode != 200 {
		t.Fatalf("fast: got %d %s, want 200", resp.StatusCode, b)
	}
}

// TestGateway_MalformedRolesAre401: the dev server refuses an ambiguous roles list and
// says why.
func TestGateway_MalformedRolesAre401(t *testing.T) {
	fn := &recorder{}
	srv := newGateway(t, Route{Method: "GET", Path: "/v1/x", Function: "list", Handler: fn.handle})
	tok := token(t, map[string]any{"sub": "u1", "tenant_id": "t1", "roles": []string{"ws:x:developer tenant_admin"}})
	resp, b := do(t, "GET", srv.URL+"/v1/x", tok, nil)
	if e := errorCode(t, b); resp.StatusCode != 401 || e.Code != "Unauthorized" || e.Msg != "malformed roles claim" {
		t.Fatalf("got %d %s, want 401 Unauthorized malformed roles claim", resp.StatusCode, b)
	}
}

// TestGateway_ClientHangUpDoesNotCancelTheFunction: as in AWS, the invocation runs to
// its end when the client goes away (a cancelled context would fail the function's
// table calls half-way and log a 500 nobody receives).
func TestGateway_ClientHangUpDoesNotCancelTheFunction(t *testing.T) {
	finished := make(chan error, 1)
	slow := func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		select {
		case <-ctx.Done():
			finished <- ctx.Err()
		case <-time.After(300 * time.Millisecond):
			finished <- nil
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200}, nil
	}
	srv := newGateway(t, Route{Method: "GET", Path: "/v1/slow", Function: "list", Handler: slow, Timeout: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/v1/slow", nil)
	req.Header.Set("Authorization", "Bearer "+token(t, map[string]any{"sub": "u1", "tenant_id": "t1"}))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the client did not give up")
	}
	if err := <-finished; err != nil {
		t.Fatalf("the function's context ended with %v when the client left, want it to run on", err)
	}
}
