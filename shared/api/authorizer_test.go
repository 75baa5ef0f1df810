package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// authzEvent is the payload-2.0 Lambda authorizer request API Gateway sends for a call
// to a data API at stage/path with the given Authorization header ("" for none).
func authzEvent(stage, path, authorization string) map[string]any {
	headers := map[string]any{"host": "data.example.com", "x-forwarded-proto": "https", "user-agent": "curl/8"}
	identity := []any{}
	if authorization != "" {
		headers["authorization"] = authorization
		identity = append(identity, authorization)
	}
	rawPath := "/" + stage + path
	return map[string]any{
		"version":               "2.0",
		"type":                  "REQUEST",
		"routeArn":              "arn:aws:execute-api:us-east-1:123456789012:dataapi/" + stage + "/GET" + path,
		"identitySource":        identity,
		"routeKey":              "ANY /{proxy+}",
		"rawPath":               rawPath,
		"rawQueryString":        "limit=10",
		"headers":               headers,
		"queryStringParameters": map[string]any{"limit": "10"},
		"pathParameters":        map[string]any{"proxy": strings.TrimPrefix(path, "/")},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "dataapi", "domainName": "data.example.com",
			"requestId": "authz-1", "routeKey": "ANY /{proxy+}", "stage": stage,
			"time": t0.Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": t0.UnixMilli(),
			"http": map[string]any{"method": "GET", "path": rawPath, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7", "userAgent": "curl/8"},
		},
	}
}

// authorize invokes the check function with an authorizer event and returns its answer.
func (e *env) authorize(t *testing.T, ev any) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	t.Helper()
	raw, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return e.authorizeRaw(t, raw)
}

func (e *env) authorizeRaw(t *testing.T, raw []byte) events.APIGatewayV2CustomAuthorizerSimpleResponse {
	t.Helper()
	out, err := e.checker.Invoke(as("CheckFunction"), raw)
	if err != nil {
		t.Fatalf("Invoke returned an error (a denial was due): %v", err)
	}
	res, ok := out.(events.APIGatewayV2CustomAuthorizerSimpleResponse)
	if !ok {
		t.Fatalf("Invoke answered %T, want a simple authorizer response", out)
	}
	// The answer must serialize as API Gateway reads it.
	b, _ := json.Marshal(res)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["isAuthorized"] == nil {
		t.Fatalf("answer %s lacks isAuthorized", b)
	}
	return res
}

func TestAuthorizer_GoodAppCodeAuthorized(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	g := e.grantApp(t, "api-orders", days(10), "fields", []string{"id", "email"})
	res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeB1))
	if !res.IsAuthorized {
		t.Fatalf("denied: %v", res.Context)
	}
	wantCtx := map[string]any{
		"app_id": "app-b1", "api_id": "api-orders", "grant_id": str(g, "grant_id"), "reason": "GRANTED",
		"fields": "id,email", "expires_at": t0.Add(10 * 24 * time.Hour).Format(time.RFC3339),
	}
	for k, v := range wantCtx {
		if res.Context[k] != v {
			t.Errorf("context[%s]: got %v, want %v", k, res.Context[k], v)
		}
	}
	for _, v := range res.Context {
		if s, _ := v.(string); strings.Contains(s, f.codeB1) {
			t.Fatal("the context carries the AppCode")
		}
	}
	// The scheme is case-insensitive; the stage too.
	if res := e.authorize(t, authzEvent("prod", "/orders", "appcode "+f.codeB1)); !res.IsAuthorized {
		t.Fatalf("lower-case scheme denied: %v", res.Context)
	}
	// DEV has no grant.
	if res := e.authorize(t, authzEvent("dev", "/orders", "APPCODE "+f.codeB1)); res.IsAuthorized || res.Context["reason"] != "NO_GRANT" {
		t.Fatalf("dev: %v %v", res.IsAuthorized, res.Context)
	}
	// Another app (of another tenant) with a code of its own but no grant: for this API
	// it does not exist.
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeX1)); res.IsAuthorized || res.Context["reason"] != "APP_NOT_FOUND" {
		t.Fatalf("app-x1: %v %v", res.IsAuthorized, res.Context)
	}
}

func TestAuthorizer_RotatedAppCodeFailsAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeB1)); !res.IsAuthorized {
		t.Fatalf("before rotation: %v", res.Context)
	}
	r := e.do(t, alice, "POST", "/v1/apps/app-b1/app-code", nil)
	want(t, r, 200)
	code := str(r.M(), "app_code")
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeB1)); res.IsAuthorized || res.Context["reason"] != "APP_NOT_FOUND" {
		t.Fatalf("old code after rotation: %v %v", res.IsAuthorized, res.Context)
	}
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+code)); !res.IsAuthorized {
		t.Fatalf("new code: %v", res.Context)
	}
}

func TestAuthorizer_R4R5R14Denials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	// R5 over the authorizer: the protocol comes from x-forwarded-proto.
	b := apiBody("ws-a", "Orders API", "/orders", "READ", true, "id", "name", "email")
	b["protocols"] = []string{"HTTP"}
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeB1)); res.IsAuthorized || res.Context["reason"] != "PROTOCOL_NOT_ALLOWED" {
		t.Fatalf("https on an HTTP-only API: %v %v", res.IsAuthorized, res.Context)
	}
	// R4: unpublish.
	b["status"], b["protocols"] = "UNPUBLISHED", []string{"HTTP", "HTTPS"}
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", b), 200)
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeB1)); res.IsAuthorized || res.Context["reason"] != "API_UNPUBLISHED" {
		t.Fatalf("unpublished: %v %v", res.IsAuthorized, res.Context)
	}
	// A disabled app.
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-b1", map[string]any{"workspace_id": "ws-b", "name": "Billing", "status": "DISABLED"}), 200)
	if res := e.authorize(t, authzEvent("prod", "/sales", "APPCODE "+f.codeB1)); res.IsAuthorized || res.Context["reason"] != "APP_DISABLED" {
		t.Fatalf("disabled: %v %v", res.IsAuthorized, res.Context)
	}
}

// TestAuthorizer_MalformedInputIsDenialNeverError sends broken headers, unknown paths,
// other stages and broken events: each is isAuthorized false, never a function error.
func TestAuthorizer_MalformedInputIsDenialNeverError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	good := "APPCODE " + f.codeB1
	cases := map[string]any{
		"no header":        authzEvent("prod", "/orders", ""),
		"bearer scheme":    authzEvent("prod", "/orders", "Bearer "+f.codeB1),
		"scheme only":      authzEvent("prod", "/orders", "APPCODE"),
		"scheme and space": authzEvent("prod", "/orders", "APPCODE   "),
		"bare code":        authzEvent("prod", "/orders", f.codeB1),
		"wrong code":       authzEvent("prod", "/orders", "APPCODE "+strings.Repeat("0", 64)),
		"huge code":        authzEvent("prod", "/orders", "APPCODE "+strings.Repeat("x", 100000)),
		"control chars":    authzEvent("prod", "/orders", "APPCODE \x00\x01"),
		"unknown path":     authzEvent("prod", "/nothing", good),
		"path prefix":      authzEvent("prod", "/orders/extra", good),
		"stage test":       authzEvent("test", "/orders", good),
		"stage $default":   authzEvent("$default", "/orders", good),
		"stage empty":      authzEvent("", "/orders", good),
		"stage production": authzEvent("production", "/orders", good),
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			if res := e.authorize(t, ev); res.IsAuthorized {
				t.Fatalf("authorized: %v", res.Context)
			}
		})
	}
	broken := map[string]func(m map[string]any){
		"no rawPath":        func(m map[string]any) { delete(m, "rawPath") },
		"rawPath a number":  func(m map[string]any) { m["rawPath"] = 7 },
		"headers a list":    func(m map[string]any) { m["headers"] = []any{"authorization", good} },
		"header a number":   func(m map[string]any) { m["headers"] = map[string]any{"authorization": 5} },
		"no requestContext": func(m map[string]any) { delete(m, "requestContext") },
		"stage a list":      func(m map[string]any) { m["requestContext"].(map[string]any)["stage"] = []any{"prod"} },
		"path traversal":    func(m map[string]any) { m["rawPath"] = "/prod/../orders" },
		"path with space":   func(m map[string]any) { m["rawPath"] = "/prod/or ders" },
		"path empty":        func(m map[string]any) { m["rawPath"] = "" },
		"path no slash":     func(m map[string]any) { m["rawPath"] = "prod/orders" },
		"stage only":        func(m map[string]any) { m["rawPath"] = "/prod" },
	}
	for name, mutate := range broken {
		t.Run(name, func(t *testing.T) {
			ev := authzEvent("prod", "/orders", good)
			mutate(ev)
			if res := e.authorize(t, ev); res.IsAuthorized {
				t.Fatalf("authorized: %v", res.Context)
			}
		})
	}
	// Garbage that is not an authorizer event at all is still no function error.
	for _, raw := range []string{`{}`, `null`, `[]`, `"x"`, `{"type":"REQUEST"}`, `{"type":"REQUEST","routeArn":5}`} {
		if _, err := e.checker.Invoke(context.Background(), json.RawMessage(raw)); err != nil {
			t.Errorf("Invoke(%s): %v", raw, err)
		}
	}
}

// TestAuthorizer_InvokeServesHTTPEventsToo hands the check route's HTTP event to Invoke.
func TestAuthorizer_InvokeServesHTTPEventsToo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	ev := e.event(t, checker1, "POST", "/v1/check", map[string]any{"api_id": "api-orders", "app_id": "app-b1", "env": "PROD"})
	raw, _ := json.Marshal(ev)
	out, err := e.checker.Invoke(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	res, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok || res.StatusCode != 200 || !strings.Contains(res.Body, `"reason":"NO_GRANT"`) {
		t.Fatalf("Invoke: %T %+v", out, out)
	}
}
