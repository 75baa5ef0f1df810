package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Fuzz targets for every decoder of outside input: arbitrary bodies go through the
// real handler (on DynamoDB Local, like the other tests). Whatever the body, the answer
// is never a 5xx nor a panic, every error carries an error_code and a request_id, and
// it matches infra/openapi.yaml (e.send checks all of that).
//
//	go test ./shared/api -run '^$' -fuzz '^FuzzDecodeGrantRequest$' -fuzztime 10s -fuzzminimizetime 1s
//
// (Inputs that reach the table are slow to minimize: without -fuzzminimizetime the
// progress line may show 0 execs/sec for a while; that is minimization, not a hang.)

// fuzzBody fuzzes the body of one route, called by w.
func fuzzBody(f *testing.F, w who, method, path string, seeds ...string) {
	e := newEnv(f)
	e.lenient = true
	e.seed(f)
	// A grant to aim grant routes at, and a pending request for decision routes.
	g := e.grantApp(f, "api-orders", days(30), "permissions", []string{"PROXY"})
	gid := str(g, "grant_id")
	r := e.do(f, alice, "POST", "/v1/apis/api-sales/applications", map[string]any{"app_id": "app-b1", "envs": prod, "validity": unlimited})
	want(f, r, 202)
	rid := str(r.M(), "request_id")
	path = replaceIDs(path, gid, rid)
	for _, s := range seeds {
		f.Add(s)
	}
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"reason":"x"}`, `{`, `{"a":1}`, "\xff", `{"reason":"` + string(make([]byte, 200)) + `"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > 70<<10 {
			return
		}
		r := e.do(t, w, method, path, body)
		if r.Status >= 500 {
			t.Fatalf("5xx for %q: %s", body, r)
		}
		if r.Status >= 400 && r.Code() == "" {
			t.Fatalf("error without error_code for %q: %s", body, r)
		}
		if !json.Valid(r.Body) && len(r.Body) > 0 {
			t.Fatalf("answer is not JSON: %q", r.Body)
		}
	})
}

func replaceIDs(path, grantID, requestID string) string {
	return strings.NewReplacer("{grant_id}", grantID, "{request_id}", requestID).Replace(path)
}

func FuzzDecodeGrantRequest(f *testing.F) {
	fuzzBody(f, admin1, "POST", "/v1/apis/api-orders/grants",
		`{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["DEV"],"validity":{"type":"LIMITED","days":30},"fields":["id"],"permissions":["USAGE","PROXY"],"reason":"r"}`,
		`{"subject":{"type":"WORKSPACE","id":"ws-z","tenant_id":"t1"},"envs":["PROD","DEV"],"validity":{"type":"LIMITED","end_time":1900000000}}`,
		`{"subject":{"type":"WORKSPACE","id":"ws-z","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"LIMITED","end_time":"2027-01-01T00:00:00Z"},"protected":true}`,
		`{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"UNLIMITED"}}`,
		`{"subject":{},"envs":[],"validity":{}}`,
		`{"validity":{"type":"LIMITED","days":1e309}}`,
		`{"validity":{"type":"LIMITED","end_time":-1e20}}`,
	)
}

func FuzzDecodeApply(f *testing.F) {
	fuzzBody(f, alice, "POST", "/v1/apis/api-write/applications",
		`{"app_id":"app-b1","envs":["PROD"],"validity":{"type":"UNLIMITED"},"reason":"need it"}`,
		`{"app_id":"app-b1","envs":["DEV"],"validity":{"type":"LIMITED","days":90},"permissions":["USAGE"]}`,
		`{"app_id":"app-x1","envs":["PROD"],"validity":{"type":"UNLIMITED"}}`,
		`{"app_id":"","envs":null,"validity":null}`,
	)
}

func FuzzDecodeAPIInput(f *testing.F) {
	fuzzBody(f, ownerA, "PUT", "/v1/apis/api-fuzz",
		`{"workspace_id":"ws-a","name":"Fuzz","path":"/fuzz","protocols":["HTTP"],"operation":"READ","fields":["a","b"],"row_level":true}`,
		`{"workspace_id":"ws-a","name":"Fuzz","path":"/fuzz","protocols":["HTTPS"],"operation":"DELETE","status":"UNPUBLISHED"}`,
		`{"workspace_id":"ws-a","name":"Fuzz","path":"/orders","protocols":["HTTP"],"operation":"READ"}`,
		`{"workspace_id":"ws-a","name":" ","path":"/a b","protocols":["HTTP","HTTP"],"operation":"read"}`,
	)
}

func FuzzDecodeAppInput(f *testing.F) {
	fuzzBody(f, ownerB, "PUT", "/v1/apps/app-fuzz",
		`{"workspace_id":"ws-b","name":"Fuzz","owner":"alice","status":"ACTIVE"}`,
		`{"workspace_id":"ws-b","name":"Fuzz","status":"DISABLED"}`,
		`{"workspace_id":"ws-a","name":"Fuzz"}`,
	)
}

func FuzzDecodeCheck(f *testing.F) {
	fuzzBody(f, checker1, "POST", "/v1/check",
		`{"api_id":"api-orders","app_id":"app-b1","env":"PROD"}`,
		`{"api_id":"api-orders","app_id":"app-b1","env":"PROD","protocol":"HTTPS","proxy":true}`,
		`{"api_id":"api-x","app_id":"app-x1","env":"DEV","protocol":"HTTP"}`,
		`{"api_id":"","app_id":"","env":""}`,
	)
}

func FuzzDecodeRenew(f *testing.F) {
	fuzzBody(f, ownerA, "POST", "/v1/apis/api-orders/grants/{grant_id}/renewal",
		`{"validity":{"type":"LIMITED","days":31},"reason":"more"}`,
		`{"validity":{"type":"UNLIMITED"}}`,
		`{"validity":{"type":"LIMITED","end_time":"2030-01-01T00:00:00+08:00"}}`,
	)
}

func FuzzDecodeCancel(f *testing.F) {
	fuzzBody(f, ownerA, "POST", "/v1/apis/api-orders/grants/{grant_id}/cancel",
		`{"reason":"sunset","permissions":["PROXY"]}`,
		`{"permissions":["USAGE","PROXY"],"immediate":false}`,
		`{"immediate":true}`,
	)
}

func FuzzDecodePatch(f *testing.F) {
	fuzzBody(f, ownerA, "PATCH", "/v1/apis/api-orders/grants/{grant_id}",
		`{"fields":["id","name"],"reason":"narrow"}`,
		`{"fields":null,"add_permissions":["PROXY"]}`,
		`{"fields":[],"add_permissions":[]}`,
	)
}

func FuzzDecodeReason(f *testing.F) {
	fuzzBody(f, ownerA, "POST", "/v1/requests/{request_id}/reject",
		`{"reason":"no"}`, `{"reason":""}`, `{"reason":null}`,
	)
}

// FuzzAuthorizerEvent feeds arbitrary bytes to the check function's entry point: never
// a function error nor a panic, and an authorizer event is never authorized by chance.
func FuzzAuthorizerEvent(f *testing.F) {
	e := newEnv(f)
	fx := e.seed(f)
	e.grantApp(f, "api-orders", unlimited)
	good, _ := json.Marshal(authzEvent("prod", "/orders", "APPCODE "+fx.codeB1))
	f.Add(string(good))
	bad, _ := json.Marshal(authzEvent("dev", "/orders", "APPCODE "+fx.codeB1))
	f.Add(string(bad))
	f.Add(`{"type":"REQUEST","routeArn":"arn:x","rawPath":"/prod/orders","headers":{"authorization":"APPCODE x"},"requestContext":{"stage":"prod"}}`)
	f.Add(`{}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		var out any
		var err error
		done := make(chan struct{})
		go func() {
			defer close(done)
			out, err = e.checker.Invoke(context.Background(), json.RawMessage(raw))
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("Invoke(%q) hangs", raw)
		}
		if err != nil {
			t.Fatalf("Invoke(%q): %v", raw, err)
		}
		if res, ok := out.(events.APIGatewayV2CustomAuthorizerSimpleResponse); ok && res.IsAuthorized {
			// Only the real AppCode of app-b1 on the prod stage of /orders may pass.
			var ev events.APIGatewayV2CustomAuthorizerV2Request
			_ = json.Unmarshal([]byte(raw), &ev)
			if !strings.EqualFold(ev.RequestContext.Stage, "prod") || res.Context["app_id"] != "app-b1" || res.Context["api_id"] != "api-orders" {
				t.Fatalf("authorized %q as %v", raw, res.Context)
			}
		}
	})
}
