package api_test

import (
	"strings"
	"testing"
)

// TestSpec_ValidatorIsNotVacuous feeds the response check answers that break the
// document, so that a loose document (or a check that validates nothing) shows.
func TestSpec_ValidatorIsNotVacuous(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	gp := "/v1/apis/api-orders/grants/" + str(g, "grant_id")
	good := e.do(t, ownerA, "GET", gp, nil)
	want(t, good, 200)
	bad := func(name, method, path string, status int, body string) {
		t.Run(name, func(t *testing.T) {
			ev := e.event(t, ownerA, method, path, nil)
			r := &resp{Status: status, Headers: map[string]string{"content-type": "application/json"}, Body: []byte(body)}
			if err := specError(t, ev, r, true); err == nil {
				t.Fatalf("the document accepts %d %s", status, body)
			}
		})
	}
	grant := string(good.Body)
	bad("grant without status", "GET", gp, 200, strings.Replace(grant, `"status":"ACTIVE",`, "", 1))
	bad("grant with unknown status", "GET", gp, 200, strings.Replace(grant, `"status":"ACTIVE"`, `"status":"PAUSED"`, 1))
	bad("grant time not UTC", "GET", gp, 200, strings.Replace(grant, `Z"`, `+08:00"`, 1))
	bad("grant version 0", "GET", gp, 200, strings.Replace(grant, `"version":1`, `"version":0`, 1))
	bad("undocumented status", "POST", "/v1/apis/api-orders/grants", 200, `{"grants":[]}`)
	bad("created without grants", "POST", "/v1/apis/api-orders/grants", 201, `{"grants":[]}`)
	bad("error without code", "GET", gp, 404, `{"error_msg":"x","request_id":"r"}`)
	bad("error with extra field", "GET", gp, 404, `{"error_code":"NotFound.Grant","error_msg":"x","request_id":"r","stack":"..."}`)
	bad("error with foreign code", "GET", gp, 404, `{"error_code":"java.lang.NullPointerException","error_msg":"x","request_id":"r"}`)
	bad("app leaks its hash", "GET", "/v1/apps/app-b1", 200, `{"app_id":"app-b1","tenant_id":"t1","workspace_id":"ws-b","name":"B","owner":"alice","status":"ACTIVE","created_at":"2030-01-01T00:00:00Z","modified_at":"2030-01-01T00:00:00Z","version":1,"code_hash":"ab"}`)
	bad("app update shows a code", "PUT", "/v1/apps/app-b1", 200, `{"app_id":"app-b1","tenant_id":"t1","workspace_id":"ws-b","name":"B","owner":"alice","status":"ACTIVE","created_at":"2030-01-01T00:00:00Z","modified_at":"2030-01-01T00:00:00Z","version":2,"app_code":"0123456789abcdef0123456789abcdef"}`)
	bad("decision with unknown reason", "POST", "/v1/check", 200, `{"allowed":false,"reason":"NOPE","grant_id":null,"fields":[],"expires_at":null,"permissions":[]}`)
	bad("decision without expires_at", "POST", "/v1/check", 200, `{"allowed":false,"reason":"NO_GRANT","grant_id":null,"fields":[],"permissions":[]}`)
	bad("page without total", "GET", "/v1/apis", 200, `{"items":[],"page_number":1,"page_size":10}`)
	bad("page size 101", "GET", "/v1/apis", 200, `{"items":[],"total_count":0,"page_number":1,"page_size":101}`)
	bad("token page with items null", "GET", "/v1/apis/api-orders/grants", 200, `{"items":null}`)
	bad("429 without Retry-After", "GET", gp, 429, `{"error_code":"Throttling.System","error_msg":"x","request_id":"r"}`)
}
