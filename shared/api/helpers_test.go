package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/oklog/ulid/v2"

	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/sealer"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// t0 is the instant every test starts at; the clock moves only when a test moves it.
// It lies a year ahead of the real time: DynamoDB Local (1.25.1) does delete items
// whose TTL attribute is in the real past, within about a second, so a clock in the
// past would have grants, requests and idempotency records vanish mid-test.
var t0 = time.Now().UTC().Truncate(24*time.Hour).AddDate(1, 0, 0).Add(9 * time.Hour)

// clock is the injected clock, safe for the concurrency tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// ---- callers ---------------------------------------------------------------------

// who is a caller, as the JWT authorizer's claims describe it.
type who struct {
	sub, tenant string
	roles       []string
}

// claims renders the caller the way API Gateway's JWT authorizer hands claims to the
// function: every value a string, the roles list flattened to "[a b]".
func (w who) claims() map[string]string {
	c := map[string]string{
		"sub": w.sub, "tenant_id": w.tenant, "iss": "https://issuer.test/", "aud": "gatepass",
		"exp": strconv.FormatInt(t0.Add(time.Hour).Unix(), 10), "iat": strconv.FormatInt(t0.Unix(), 10),
	}
	if len(w.roles) > 0 {
		c["roles"] = "[" + strings.Join(w.roles, " ") + "]"
	}
	return c
}

func (w who) String() string { return w.sub + "@" + w.tenant }

// Tenant t1: ws-a publishes the APIs, ws-b consumes them (alice owns app-b1).
// Tenant t2: ws-x (bob owns app-x1).
var (
	admin1    = who{"admin-1", "t1", []string{"tenant_admin"}}
	ownerA    = who{"owner-a", "t1", []string{"ws:ws-a:owner"}}
	reviewerA = who{"rev-a", "t1", []string{"ws:ws-a:reviewer"}}
	devA      = who{"dev-a", "t1", []string{"ws:ws-a:developer"}}
	ownerB    = who{"owner-b", "t1", []string{"ws:ws-b:owner"}}
	devB      = who{"dev-b", "t1", []string{"ws:ws-b:developer"}}
	alice     = who{"alice", "t1", []string{"ws:ws-b:developer"}}
	checker1  = who{"gateway-1", "t1", []string{"checker"}}
	nobody1   = who{"nobody", "t1", nil}
	admin2    = who{"admin-2", "t2", []string{"tenant_admin"}}
	ownerX    = who{"owner-x", "t2", []string{"ws:ws-x:owner"}}
	reviewerX = who{"rev-x", "t2", []string{"ws:ws-x:reviewer", "ws:ws-a:owner"}} // claims a t1 workspace: must not count
	bob       = who{"bob", "t2", []string{"ws:ws-x:developer"}}
	checker2  = who{"gateway-2", "t2", []string{"checker"}}
)

// ---- the OpenAPI document --------------------------------------------------------

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

const specServer = "http://127.0.0.1:3000"

// spec loads infra/openapi.yaml once per package run.
func spec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile("../../infra/openapi.yaml")
		if err != nil {
			specErr = fmt.Errorf("load: %w", err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			specErr = fmt.Errorf("validate: %w", err)
			return
		}
		r, err := legacy.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("router: %w", err)
			return
		}
		specDoc, specRouter = doc, r
	})
	if specErr != nil {
		t.Fatalf("infra/openapi.yaml: %v", specErr)
	}
	return specDoc, specRouter
}

// checkSpec validates a response against the document: status documented, headers and
// body as declared. A 2xx means the handler accepted the request, so the request must
// be valid under the document too (the document may not be stricter than the code).
// lenient skips the request check (fuzzing: Go's JSON decoder matches field names
// case-insensitively, which a JSON Schema does not). Requests that API Gateway could not route (an empty path id) are checked against
// the Error schema alone.
func checkSpec(t testing.TB, ev *events.APIGatewayV2HTTPRequest, r *resp, lenient bool) {
	t.Helper()
	if err := specError(t, ev, r, lenient); err != nil {
		t.Fatalf("spec: %v", err)
	}
}

// specError is checkSpec's verdict as an error.
func specError(t testing.TB, ev *events.APIGatewayV2HTTPRequest, r *resp, lenient bool) error {
	t.Helper()
	doc, router := spec(t)
	target := specServer + ev.RawPath
	if ev.RawQueryString != "" {
		target += "?" + ev.RawQueryString
	}
	var body io.Reader
	if ev.Body != "" {
		raw := []byte(ev.Body)
		if ev.IsBase64Encoded {
			if raw, err := base64.StdEncoding.DecodeString(ev.Body); err == nil {
				body = bytes.NewReader(raw)
			}
		}
		if body == nil {
			body = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(ev.RequestContext.HTTP.Method, target, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if r.Status < 400 {
			return fmt.Errorf("%s %s answered %d but the document has no such route: %w", ev.RequestContext.HTTP.Method, ev.RawPath, r.Status, err)
		}
		if err := doc.Components.Schemas["Error"].Value.VisitJSON(r.JSON()); err != nil {
			return fmt.Errorf("error body of %s %s: %w\n%s", ev.RequestContext.HTTP.Method, ev.RawPath, err, r.Body)
		}
		return nil
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if r.Status >= 200 && r.Status < 300 && !lenient {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("the handler accepted %s %s (%d) but the document rejects the request: %w\nbody: %s", ev.RequestContext.HTTP.Method, ev.RawPath, r.Status, err, ev.Body)
		}
	}
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: h, Options: opts}
	out.SetBodyBytes(r.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response of %s %s (%d) does not match infra/openapi.yaml: %w\nbody: %s", ev.RequestContext.HTTP.Method, ev.RawPath, r.Status, err, r.Body)
	}
	return nil
}

// ---- the environment ---------------------------------------------------------------

// env is one test's world: a fresh table in DynamoDB Local, a service on an injected
// clock, and every HTTP handler of gatepass mounted by route key.
type env struct {
	tbl     *storetest.Table
	st      *store.Store
	svc     *access.Service
	clk     *clock
	routes  map[string]*api.Handler
	keys    []string
	checker *api.Checker
	fn      map[*api.Handler]string // the function each handler is
	seq     atomic.Int64
	lenient bool // see checkSpec
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t testing.TB) *env { return newEnvNotice(t, 48*time.Hour) }

func newEnvNotice(t testing.TB, notice time.Duration) *env {
	t.Helper()
	clk := &clock{now: t0}
	tbl := storetest.Open(t, store.Options{Now: clk.Now}, leastPriv.DynamoDB)
	svc := access.NewService(tbl.Store, access.Config{Now: clk.Now, CancelNotice: notice, ReminderDays: []int{7, 1}, Sealer: sealer.DevSealer("api-tests")})
	registerFixtureWorkspaces(t, tbl.Store)
	e := mount(t, svc)
	e.tbl, e.st, e.svc, e.clk = tbl, tbl.Store, svc, clk
	return e
}

// mount builds every HTTP handler of gatepass on svc (the real service, or a fake) and
// indexes them by route key.
func mount(t testing.TB, svc api.Service) *env {
	t.Helper()
	spec(t)
	e := &env{routes: map[string]*api.Handler{}}
	e.checker = api.Check(svc)
	e.checker.WithLogger(quiet)
	e.fn = functionOf(map[string]*api.Handler{
		"CatalogFunction": api.Catalog(svc), "GrantFunction": api.Grant(svc), "RevokeFunction": api.Revoke(svc),
		"RenewFunction": api.Renew(svc), "ListFunction": api.List(svc), "CheckFunction": e.checker.Handler,
	})
	for h := range e.fn {
		h.WithLogger(quiet)
		for _, k := range api.RouteKeys(h) {
			if _, dup := e.routes[k]; dup {
				t.Fatalf("route %s is served by two handlers", k)
			}
			e.routes[k] = h
			e.keys = append(e.keys, k)
		}
	}
	sort.Strings(e.keys)
	return e
}

// registerFixtureWorkspaces registers the workspaces the fixtures name (R29): ws-a …
// ws-z, ws-bi and ws-sales, in t1 and in t2. A test that makes up workspaces registers
// them with env.workspace.
func registerFixtureWorkspaces(t testing.TB, st *store.Store) {
	t.Helper()
	var ids []string
	for c := 'a'; c <= 'z'; c++ {
		ids = append(ids, "ws-"+string(c))
	}
	ids = append(ids, "ws-bi", "ws-sales")
	storetest.RegisterWorkspaces(t, st, "t2", ids...)
	storetest.RegisterWorkspaces(t, st, "t1", ids...)
}

// workspace registers id in t1's directory and returns it.
func (e *env) workspace(t testing.TB, id string) string {
	t.Helper()
	storetest.RegisterWorkspaces(t, e.st, "t1", id)
	return id
}

// resp is what a handler answered.
type resp struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// JSON decodes the body as generic JSON (nil for an empty body).
func (r *resp) JSON() any {
	if len(r.Body) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		return string(r.Body)
	}
	return v
}

// M decodes the body as an object.
func (r *resp) M() map[string]any {
	m, _ := r.JSON().(map[string]any)
	return m
}

// Code is the error_code of an error answer.
func (r *resp) Code() string {
	c, _ := r.M()["error_code"].(string)
	return c
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// opt adjusts an event before it is sent.
type opt func(*events.APIGatewayV2HTTPRequest)

func withHeader(k, v string) opt {
	return func(ev *events.APIGatewayV2HTTPRequest) { ev.Headers[strings.ToLower(k)] = v }
}
func idem(key string) opt { return withHeader("idempotency-key", key) }
func ifMatch(v any) opt   { return withHeader("if-match", fmt.Sprintf("%q", fmt.Sprint(v))) }

// noClaims drops the JWT authorizer's description altogether.
func noClaims() opt {
	return func(ev *events.APIGatewayV2HTTPRequest) { ev.RequestContext.Authorizer = nil }
}

// claimsOf replaces the claims.
func claimsOf(c map[string]string) opt {
	return func(ev *events.APIGatewayV2HTTPRequest) {
		ev.RequestContext.Authorizer.JWT.Claims = c
	}
}

// routeKey finds the route key of a concrete path: literal segments must match, a
// {param} takes one segment.
func (e *env) routeKey(method, path string) (string, map[string]string, bool) {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, k := range e.keys {
		m, tmpl, _ := strings.Cut(k, " ")
		if m != method {
			continue
		}
		ts := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
		if len(ts) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, s := range ts {
			if strings.HasPrefix(s, "{") {
				v, err := url.PathUnescape(segs[i])
				if err != nil {
					ok = false
					break
				}
				params[strings.Trim(s, "{}")] = v
			} else if s != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return k, params, true
		}
	}
	return "", nil, false
}

// event builds the payload-2.0 event API Gateway would send for method and target
// (a path with an optional query), from caller w with body.
func (e *env) event(t testing.TB, w who, method, target string, body any) *events.APIGatewayV2HTTPRequest {
	t.Helper()
	path, rawQuery, _ := strings.Cut(target, "?")
	key, params, ok := e.routeKey(method, path)
	if !ok {
		t.Fatalf("no route for %s %s", method, path)
	}
	var q map[string]string
	if rawQuery != "" {
		vals, err := url.ParseQuery(rawQuery)
		if err != nil {
			t.Fatalf("query %q: %v", rawQuery, err)
		}
		q = map[string]string{}
		for k, v := range vals {
			q[k] = strings.Join(v, ",") // API Gateway joins repeated parameters with commas
		}
	}
	var b string
	switch v := body.(type) {
	case nil:
	case string:
		b = v
	case []byte:
		b = string(v)
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal body: %v", err)
		}
		b = string(raw)
	}
	n := e.seq.Add(1)
	ev := &events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              key,
		RawPath:               path,
		RawQueryString:        rawQuery,
		Headers:               map[string]string{"authorization": "Bearer test.jwt.token", "host": "api.test", "user-agent": "api-test", "x-forwarded-proto": "https"},
		QueryStringParameters: q,
		PathParameters:        params,
		Body:                  b,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: key, AccountID: "123456789012", Stage: "$default", APIID: "abcdef", DomainName: "api.test",
			RequestID: fmt.Sprintf("req-%06d", n), TimeEpoch: t0.UnixMilli(),
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: w.claims()},
			},
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1", UserAgent: "api-test",
			},
		},
	}
	if b != "" {
		ev.Headers["content-type"] = "application/json"
	}
	return ev
}

// send hands an event to the handler of its route key and checks the answer against the
// document and the contract's invariants.
func (e *env) send(t testing.TB, ev *events.APIGatewayV2HTTPRequest) *resp {
	t.Helper()
	h, ok := e.routes[ev.RouteKey]
	if !ok {
		t.Fatalf("no handler for %s", ev.RouteKey)
	}
	out, err := h.Handle(as(e.fn[h]), *ev)
	if err != nil {
		t.Fatalf("%s: Handle returned an error: %v", ev.RouteKey, err)
	}
	r := &resp{Status: out.StatusCode, Headers: out.Headers, Body: []byte(out.Body)}
	if out.IsBase64Encoded {
		t.Fatalf("%s: base64 answer", ev.RouteKey)
	}
	if r.Status >= 500 {
		t.Errorf("%s %s: server error %s", ev.RequestContext.HTTP.Method, ev.RawPath, r)
	}
	if r.Status >= 400 {
		m := r.M()
		if m == nil || r.Code() == "" || m["request_id"] != ev.RequestContext.RequestID {
			t.Errorf("%s %s: error body without error_code or request_id: %s", ev.RequestContext.HTTP.Method, ev.RawPath, r)
		}
	}
	checkSpec(t, ev, r, e.lenient)
	return r
}

// do sends one call from w.
func (e *env) do(t testing.TB, w who, method, target string, body any, opts ...opt) *resp {
	t.Helper()
	ev := e.event(t, w, method, target, body)
	for _, o := range opts {
		o(ev)
	}
	return e.send(t, ev)
}

// want fails unless r has the status (and, for an error, the code).
func want(t testing.TB, r *resp, status int, code ...string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status: got %s, want %d %v", r, status, code)
	}
	if len(code) > 0 && r.Code() != code[0] {
		t.Fatalf("error_code: got %q (%s), want %q", r.Code(), r.Body, code[0])
	}
}

// ---- fixtures ----------------------------------------------------------------------

func apiBody(ws, name, path string, op access.Operation, rowLevel bool, fields ...string) map[string]any {
	if fields == nil {
		fields = []string{}
	}
	return map[string]any{
		"workspace_id": ws, "name": name, "path": path, "group_id": "grp-1",
		"protocols": []string{"HTTP", "HTTPS"}, "fields": fields, "operation": op, "row_level": rowLevel,
	}
}

// fixture is what seed registers.
type fixture struct {
	codeB1, codeX1 string // the AppCodes of app-b1 and app-x1
}

// seed registers, in t1: api-orders (READ, row-level, fields id/name/email, /orders),
// api-sales ("Sales Report", READ, /sales), api-write (CREATE, /write) in ws-a, and
// app-b1 (owner alice) in ws-b; in t2: api-x (/x) and app-x1 (owner bob) in ws-x.
// They are written as PUT /v1/apis and /v1/apps write them (items, lookups, one audit
// entry each), one transaction per object (each item comes with its copies):
// DynamoDB Local is the slow part of these tests, and the routes themselves are tested
// elsewhere.
func (e *env) seed(t testing.TB) fixture {
	t.Helper()
	now := e.clk.Now()
	f := fixture{codeB1: secret(t), codeX1: secret(t)}
	commit := func(c access.Change) {
		if err := e.st.Commit(context.Background(), c); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	api := func(id, tenant, ws, name, path string, op access.Operation, rowLevel bool, fields ...string) {
		c := access.Change{Op: "test.seed"}
		if fields == nil {
			fields = []string{}
		}
		a := &access.API{
			ID: id, TenantID: tenant, WorkspaceID: ws, Name: name, Path: path, GroupID: "grp-1",
			Protocols: []access.Protocol{access.ProtoHTTP, access.ProtoHTTPS}, Fields: fields, Operation: op,
			RowLevel: rowLevel, Status: access.APIPublished, Generation: 1, CreatedAt: now, ModifiedAt: now, Version: 1,
		}
		c.Writes = append(c.Writes,
			access.Write{API: a, Cond: access.Cond{Kind: access.CondAbsent}},
			access.Write{Lookup: &access.Lookup{Kind: access.LookupPath, Value: path, Target: id}, Cond: access.Cond{Kind: access.CondAbsent}})
		c.Audit = append(c.Audit, access.AuditEntry{ID: ulid.Make().String(), Action: access.EventAPIChanged, At: now, TenantID: tenant, Actor: "seed", APIID: id})
		commit(c)
	}
	app := func(id, tenant, ws, name, owner, code string) {
		c := access.Change{Op: "test.seed"}
		a := &access.App{
			ID: id, TenantID: tenant, WorkspaceID: ws, Name: name, Owner: owner, Status: access.AppActive,
			CodeHash: access.HashAppCode(code), CreatedAt: now, ModifiedAt: now, Version: 1,
		}
		c.Writes = append(c.Writes,
			access.Write{App: a, Cond: access.Cond{Kind: access.CondAbsent}},
			access.Write{Lookup: &access.Lookup{Kind: access.LookupAppCode, Value: a.CodeHash, Target: id}, Cond: access.Cond{Kind: access.CondAbsent}})
		c.Audit = append(c.Audit, access.AuditEntry{ID: ulid.Make().String(), Action: access.EventAppChanged, At: now, TenantID: tenant, Actor: "seed", AppID: id})
		commit(c)
	}
	api("api-orders", "t1", "ws-a", "Orders API", "/orders", access.OpRead, true, "id", "name", "email")
	api("api-sales", "t1", "ws-a", "Sales Report", "/sales", access.OpRead, false, "region", "amount")
	api("api-write", "t1", "ws-a", "Write Orders", "/write", access.OpCreate, false)
	api("api-x", "t2", "ws-x", "X Feed", "/x", access.OpRead, false, "a")
	app("app-b1", "t1", "ws-b", "Billing", "alice", f.codeB1)
	app("app-x1", "t2", "ws-x", "Xapp", "bob", f.codeX1)
	return f
}

// secret returns a fresh AppCode-like secret.
func secret(t testing.TB) string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func grantBody(subType, id, tenant string, envs []string, validity map[string]any, extra ...any) map[string]any {
	b := map[string]any{
		"subject":  map[string]any{"type": subType, "id": id, "tenant_id": tenant},
		"envs":     envs,
		"validity": validity,
		"reason":   "test grant",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	return b
}

var (
	unlimited = map[string]any{"type": "UNLIMITED"}
	prod      = []string{"PROD"}
	both      = []string{"PROD", "DEV"}
)

func days(n int) map[string]any { return map[string]any{"type": "LIMITED", "days": n} }

// grantApp grants api to app-b1 (t1) in PROD by ownerA and returns the grant.
func (e *env) grantApp(t testing.TB, apiID string, validity map[string]any, extra ...any) map[string]any {
	t.Helper()
	r := e.do(t, ownerA, "POST", "/v1/apis/"+apiID+"/grants", grantBody("APP", "app-b1", "t1", prod, validity, extra...))
	want(t, r, 201)
	return first(t, r)
}

// first is the first grant of a creation answer.
func first(t testing.TB, r *resp) map[string]any {
	t.Helper()
	gs, _ := r.M()["grants"].([]any)
	if len(gs) == 0 {
		t.Fatalf("no grants in %s", r)
	}
	return gs[0].(map[string]any)
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

func num(m map[string]any, k string) int64 { f, _ := m[k].(float64); return int64(f) }

func items(t testing.TB, r *resp) []map[string]any {
	t.Helper()
	raw, ok := r.M()["items"].([]any)
	if !ok {
		t.Fatalf("no items in %s", r)
	}
	out := make([]map[string]any, len(raw))
	for i, it := range raw {
		out[i] = it.(map[string]any)
	}
	return out
}

// audit lists every audit entry of an API (newest first), read through the store.
func (e *env) audit(t testing.TB, apiID string) []access.AuditEntry {
	t.Helper()
	var out []access.AuditEntry
	next := ""
	for {
		p, err := e.st.Audit(context.Background(), "API", apiID, 100, next)
		if err != nil {
			t.Fatalf("audit: %v", err)
		}
		out = append(out, p.Items...)
		if next = p.Next; next == "" {
			return out
		}
	}
}

// auditOf counts the audit entries of an API for a grant (any action, or those named).
func (e *env) auditOf(t testing.TB, apiID, grantID string, actions ...string) int {
	t.Helper()
	n := 0
	for _, a := range e.audit(t, apiID) {
		if a.GrantID != grantID {
			continue
		}
		if len(actions) == 0 {
			n++
			continue
		}
		for _, act := range actions {
			if a.Action == act {
				n++
			}
		}
	}
	return n
}

// check asks POST /v1/check as checker1.
func (e *env) check(t testing.TB, apiID, appID, env string, extra ...any) map[string]any {
	t.Helper()
	b := map[string]any{"api_id": apiID, "app_id": appID, "env": env}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i].(string)] = extra[i+1]
	}
	r := e.do(t, checker1, "POST", "/v1/check", b)
	want(t, r, 200)
	return r.M()
}

func mustContainNone(t testing.TB, r *resp, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && bytes.Contains(r.Body, []byte(s)) {
			t.Errorf("answer leaks %q: %s", s, r.Body)
		}
	}
}
