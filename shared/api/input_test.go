package api_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// concrete turns a route key into a method and a path with valid placeholder ids.
func concrete(key string) (string, string) {
	method, path, _ := strings.Cut(key, " ")
	r := strings.NewReplacer("{api_id}", "api-orders", "{app_id}", "app-b1", "{grant_id}", "01JZZZZZZZZZZZZZZZZZZZZZZZ",
		"{request_id}", "01JYYYYYYYYYYYYYYYYYYYYYYY", "{workspace_id}", "ws-a",
		"{unit_id}", "u-1", "{user_id}", "carol", "{app_key}", "ak-1")
	return method, r.Replace(path)
}

// bodyRoutes are the routes that read a JSON body, with whether it is required.
var bodyRoutes = map[string]bool{
	"PUT /v1/apis/{api_id}":                             true,
	"PUT /v1/apps/{app_id}":                             true,
	"POST /v1/apis/{api_id}/grants":                     true,
	"POST /v1/apis/{api_id}/applications":               true,
	"PATCH /v1/apis/{api_id}/grants/{grant_id}":         true,
	"POST /v1/apis/{api_id}/grants/{grant_id}/renewal":  true,
	"POST /v1/check":                                    true,
	"POST /v1/requests/{request_id}/approve":            false,
	"POST /v1/requests/{request_id}/reject":             false,
	"POST /v1/requests/{request_id}/withdraw":           false,
	"POST /v1/apis/{api_id}/grants/{grant_id}/cancel":   false,
	"DELETE /v1/apis/{api_id}/grants/{grant_id}/cancel": false,
	"POST /v1/apis/{api_id}/grants/cancel":              true,
	"POST /v1/service-units/{unit_id}/grants":           true,
	"POST /v1/service-units/{unit_id}/grants/cancel":    true,
	"POST /v1/service-units/{unit_id}/applications":     true,
	"POST /v1/apps/{app_id}/grants":                     true,
}

// TestHTTP_BadInput_CodedNever500 sends malformed bodies to every route that reads one:
// each is a coded 4xx, never a 5xx.
func TestHTTP_BadInput_CodedNever500(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	bodies := map[string]struct {
		body string
		code string // "" when the route may legitimately take it further (any coded 4xx)
	}{
		"truncated":          {`{"name":`, "InvalidParameter.Json"},
		"not json":           {`name=x`, "InvalidParameter.Json"},
		"array":              {`[]`, "InvalidParameter.Json"},
		"string":             {`"x"`, "InvalidParameter.Json"},
		"number":             {`42`, "InvalidParameter.Json"},
		"two values":         {`{}{}`, "InvalidParameter.Json"},
		"trailing garbage":   {`{} x`, "InvalidParameter.Json"},
		"unknown field":      {`{"reason":"ok","is_admin":true}`, "InvalidParameter.Json"},
		"unknown field case": {`{"Reason ":"x"}`, "InvalidParameter.Json"},
		"deep nesting":       {strings.Repeat(`{"reason":`, 20000) + `1` + strings.Repeat(`}`, 20000), ""},
		"deep array":         {`{"reason":` + strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000) + `}`, ""},
		"reason number":      {`{"reason":5}`, ""},
		"reason object":      {`{"reason":{"a":1}}`, ""},
		"invalid utf8":       {"{\"reason\":\"\xff\xfe\"}", ""},
		"nul byte":           {"{\"reason\":\"a\\u0000b\"}", ""},
		"huge number":        {`{"reason":1e999}`, ""},
		"null":               {`null`, ""},
		"empty object":       {`{}`, ""},
		"whitespace only":    {" \n\t ", ""},
		"bom":                {"\xef\xbb\xbf{}", "InvalidParameter.Json"},
	}
	for key, required := range bodyRoutes {
		method, path := concrete(key)
		for name, b := range bodies {
			t.Run(key+"/"+name, func(t *testing.T) {
				r := e.do(t, admin1, method, path, b.body) // e.do fails any 5xx or uncoded error
				if b.code != "" {
					want(t, r, 400, b.code)
					return
				}
				if required && r.Status < 400 {
					t.Fatalf("got %s, want a coded 4xx", r)
				}
			})
		}
	}
}

// TestHTTP_BadInput_WrongTypesAndMissingFields sends well-formed JSON of the wrong shape.
func TestHTTP_BadInput_WrongTypesAndMissingFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(30))
	gp := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	cases := []struct {
		name, method, path, body, code string
	}{
		{"api: protocols a string", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","name":"Z","path":"/z","protocols":"HTTP","operation":"READ"}`, "InvalidParameter"},
		{"api: row_level a string", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","name":"Z","path":"/z","protocols":["HTTP"],"operation":"READ","row_level":"yes"}`, "InvalidParameter"},
		{"api: missing name", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","path":"/z","protocols":["HTTP"],"operation":"READ"}`, "InvalidParameter.Name"},
		{"api: missing workspace", "PUT", "/v1/apis/api-z", `{"name":"Z","path":"/z","protocols":["HTTP"],"operation":"READ"}`, "InvalidParameter.Id"},
		{"api: path without slash", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","name":"Z","path":"z","protocols":["HTTP"],"operation":"READ"}`, "InvalidParameter.Path"},
		{"api: unknown protocol", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","name":"Z","path":"/z","protocols":["FTP"],"operation":"READ"}`, "InvalidParameter.Protocols"},
		{"api: unknown operation", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","name":"Z","path":"/z","protocols":["HTTP"],"operation":"MERGE"}`, "InvalidParameter.Operation"},
		{"api: unknown status", "PUT", "/v1/apis/api-z", `{"workspace_id":"ws-a","name":"Z","path":"/z","protocols":["HTTP"],"operation":"READ","status":"LIVE"}`, "InvalidParameter.Status"},
		{"app: name a number", "PUT", "/v1/apps/app-z", `{"workspace_id":"ws-b","name":7}`, "InvalidParameter"},
		{"app: unknown status", "PUT", "/v1/apps/app-z", `{"workspace_id":"ws-b","name":"Z","status":"PAUSED"}`, "InvalidParameter.Status"},
		{"grant: envs a string", "POST", "/v1/apis/api-orders/grants", `{"subject":{"type":"WORKSPACE","id":"ws-q","tenant_id":"t1"},"envs":"PROD","validity":{"type":"UNLIMITED"}}`, "InvalidParameter.Env"},
		{"grant: subject a string", "POST", "/v1/apis/api-orders/grants", `{"subject":"ws-q","envs":["PROD"],"validity":{"type":"UNLIMITED"}}`, "InvalidParameter.Subject"},
		{"grant: subject unknown field", "POST", "/v1/apis/api-orders/grants", `{"subject":{"type":"WORKSPACE","id":"ws-q","tenant_id":"t1","admin":true},"envs":["PROD"],"validity":{"type":"UNLIMITED"}}`, "InvalidParameter.Json"},
		{"grant: protected a string", "POST", "/v1/apis/api-orders/grants", `{"subject":{"type":"WORKSPACE","id":"ws-q","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"UNLIMITED"},"protected":"true"}`, "InvalidParameter"},
		{"grant: missing validity", "POST", "/v1/apis/api-orders/grants", `{"subject":{"type":"WORKSPACE","id":"ws-q","tenant_id":"t1"},"envs":["PROD"]}`, "InvalidParameter.Validity"},
		{"grant: missing subject", "POST", "/v1/apis/api-orders/grants", `{"envs":["PROD"],"validity":{"type":"UNLIMITED"}}`, "InvalidParameter.Subject"},
		{"grant: fields a string", "POST", "/v1/apis/api-orders/grants", `{"subject":{"type":"WORKSPACE","id":"ws-q","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"UNLIMITED"},"fields":"id"}`, "InvalidParameter.Fields"},
		{"apply: app_id a number", "POST", "/v1/apis/api-orders/applications", `{"app_id":1,"envs":["PROD"],"validity":{"type":"UNLIMITED"}}`, "InvalidParameter"},
		{"apply: missing app_id", "POST", "/v1/apis/api-orders/applications", `{"envs":["PROD"],"validity":{"type":"UNLIMITED"}}`, "InvalidParameter.Id"},
		{"patch: add_permissions a string", "PATCH", gp, `{"add_permissions":"PROXY"}`, "InvalidParameter.Permissions"},
		{"patch: unknown permission", "PATCH", gp, `{"add_permissions":["ROOT"]}`, "InvalidParameter.Permissions"},
		{"cancel: immediate a string", "POST", gp + "/cancel", `{"immediate":"yes"}`, "InvalidParameter"},
		{"cancel: unknown permission", "POST", gp + "/cancel", `{"permissions":["ALL"]}`, "InvalidParameter.Permissions"},
		{"renew: missing validity", "POST", gp + "/renewal", `{"reason":"x"}`, "InvalidParameter.Validity"},
		{"renew: validity null", "POST", gp + "/renewal", `{"validity":null}`, "InvalidParameter.Validity"},
		{"check: env unknown", "POST", "/v1/check", `{"api_id":"api-orders","app_id":"app-b1","env":"QA"}`, "InvalidParameter.Env"},
		{"check: env lower case", "POST", "/v1/check", `{"api_id":"api-orders","app_id":"app-b1","env":"prod"}`, "InvalidParameter.Env"},
		{"check: protocol unknown", "POST", "/v1/check", `{"api_id":"api-orders","app_id":"app-b1","env":"PROD","protocol":"FTP"}`, "InvalidParameter.Protocol"},
		{"check: proxy a string", "POST", "/v1/check", `{"api_id":"api-orders","app_id":"app-b1","env":"PROD","proxy":"true"}`, "InvalidParameter"},
		{"check: missing app_id", "POST", "/v1/check", `{"api_id":"api-orders","env":"PROD"}`, "InvalidParameter.Id"},
		{"check: bad api_id", "POST", "/v1/check", `{"api_id":"../etc","app_id":"app-b1","env":"PROD"}`, "InvalidParameter.Id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want(t, e.do(t, admin1, c.method, c.path, c.body), 400, c.code)
		})
	}
}

// TestHTTP_BodyOver64KiB413 sends a body one byte over the limit to every route.
func TestHTTP_BodyOver64KiB413(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	big := `{"reason":"` + strings.Repeat("a", 64<<10) + `"}`
	for _, k := range e.keys {
		method, path := concrete(k)
		t.Run(k, func(t *testing.T) {
			want(t, e.do(t, admin1, method, path, big), 413, "InvalidParameter.BodyTooLarge")
		})
	}
	// The limit holds on the decoded body of a base64 event too.
	ev := e.event(t, admin1, "POST", "/v1/check", nil)
	ev.IsBase64Encoded = true
	ev.Body = base64.StdEncoding.EncodeToString([]byte(big))
	want(t, e.send(t, ev), 413, "InvalidParameter.BodyTooLarge")
}

// TestHTTP_Base64Body reads a base64-encoded body as API Gateway may send one.
func TestHTTP_Base64Body(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	ev := e.event(t, checker1, "POST", "/v1/check", nil)
	ev.IsBase64Encoded = true
	ev.Body = base64.StdEncoding.EncodeToString([]byte(`{"api_id":"api-orders","app_id":"app-b1","env":"PROD"}`))
	ev.Headers["content-type"] = "application/json"
	r := e.send(t, ev)
	want(t, r, 200)
	if str(r.M(), "reason") != "NO_GRANT" {
		t.Fatalf("check: %s", r)
	}
	ev = e.event(t, checker1, "POST", "/v1/check", nil)
	ev.IsBase64Encoded = true
	ev.Body = "%%% not base64 %%%"
	ev.Headers["content-type"] = "application/json"
	want(t, e.send(t, ev), 400, "InvalidParameter.Json")
}

// TestHTTP_BadPathIDs400 sends every route with empty, too long and malformed path ids.
func TestHTTP_BadPathIDs400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	bad := map[string]string{
		"empty":    "",
		"too long": strings.Repeat("a", 129),
		"space":    "a b",
		"slash":    "a/b",
		"unicode":  "ü",
		"hash":     "a#b",
		"percent":  "a%b",
		"newline":  "a\nb",
		"nul":      "a\x00b",
	}
	for _, k := range e.keys {
		method, tmpl, _ := strings.Cut(k, " ")
		if !strings.Contains(tmpl, "{") {
			continue
		}
		_, good := concrete(k)
		for name, id := range bad {
			t.Run(k+"/"+name, func(t *testing.T) {
				ev := e.event(t, admin1, method, good, `{}`)
				for p := range ev.PathParameters {
					ev.PathParameters[p] = id
				}
				path := tmpl
				for p := range ev.PathParameters {
					path = strings.ReplaceAll(path, "{"+p+"}", url.PathEscape(id))
				}
				ev.RawPath, ev.RequestContext.HTTP.Path = path, path
				want(t, e.send(t, ev), 400, "InvalidParameter.Id")
			})
		}
		// 128 characters is the longest id, and fine.
		t.Run(k+"/128", func(t *testing.T) {
			ev := e.event(t, admin1, method, good, `{}`)
			for p := range ev.PathParameters {
				ev.PathParameters[p] = strings.Repeat("b", 128)
			}
			r := e.send(t, ev)
			for p := range ev.PathParameters {
				if msg, _ := r.M()["error_msg"].(string); r.Code() == "InvalidParameter.Id" && strings.HasPrefix(msg, p) {
					t.Fatalf("a 128-character %s was refused: %s", p, r)
				}
			}
		})
	}
}

// TestHTTP_BadQuery400 sends malformed filters.
func TestHTTP_BadQuery400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct{ path, code string }{
		{"/v1/apis?status=LIVE", "InvalidParameter.Status"},
		{"/v1/apis?workspace_id=a%20b", "InvalidParameter.Id"},
		{"/v1/apis?api_name_keyword=" + strings.Repeat("k", 2000), "InvalidParameter.ApiNameKeyword"},
		{"/v1/workspaces/ws-b/authorized-apis?env=QA", "InvalidParameter.Env"},
		{"/v1/workspaces/ws-b/authorized-apis?status=GONE", "InvalidParameter.Status"},
		{"/v1/workspaces/ws-b/authorized-apis?app_id=%00", "InvalidParameter.Id"},
		{"/v1/requests", "InvalidParameter"},
		{"/v1/requests?workspace_id=ws-a&status=OPEN", "InvalidParameter.Status"},
		{"/v1/requests?app_id=a%2Fb", "InvalidParameter.Id"},
	} {
		t.Run(c.path[:min(len(c.path), 70)], func(t *testing.T) {
			want(t, e.do(t, admin1, "GET", c.path, nil), 400, c.code)
		})
	}
}

// TestHTTP_BadInput_ValidityUnknownField400 sends a validity with a field the contract
// does not have: like every other unknown field, it is refused.
func TestHTTP_BadInput_ValidityUnknownField400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	for _, v := range []string{`{"type":"UNLIMITED","forever":true}`, `{"type":"LIMITED","days":30,"end":"2027-01-01T00:00:00Z"}`, `{"type":"LIMITED","Days":30}`} {
		body := `{"subject":{"type":"WORKSPACE","id":"ws-q","tenant_id":"t1"},"envs":["PROD"],"validity":` + v + `}`
		want(t, e.do(t, admin1, "POST", "/v1/apis/api-orders/grants", body), 400, "InvalidParameter.Validity")
	}
}
