package api_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"gatepass/shared/api"
)

// TestHTTP_KeysMatchedExactly: a key that differs from the contract's only in case is
// an unknown key (the defect: encoding/json matched keys case-insensitively, so
// {"envs":["DEV"],"ENVS":["PROD"]} made a PROD grant, "ID" replaced "id" and "TYPE",
// "Protected" were accepted), and nothing is written.
func TestHTTP_KeysMatchedExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	for _, body := range []string{
		`{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["DEV"],"ENVS":["PROD"],"validity":{"type":"UNLIMITED"}}`,
		`{"subject":{"type":"APP","id":"app-b1","ID":"app-x1","tenant_id":"t1"},"envs":["DEV"],"validity":{"type":"UNLIMITED"}}`,
		`{"subject":{"TYPE":"APP","id":"app-b1","tenant_id":"t1"},"envs":["DEV"],"validity":{"type":"UNLIMITED"}}`,
		`{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["DEV"],"validity":{"type":"UNLIMITED"},"Protected":true}`,
		`{"Subjects":[{"type":"APP","id":"app-b1","tenant_id":"t1"}],"envs":["DEV"],"validity":{"type":"UNLIMITED"}}`,
	} {
		want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", body), 400, "InvalidParameter.Json")
	}
	if n := len(e.audit(t, "api-orders")); n != 1 { // the seed's entry only
		t.Fatalf("%d audit entries after refused bodies, want 1", n)
	}
	// The contract's spelling still works.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants",
		`{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["DEV"],"validity":{"type":"UNLIMITED"}}`), 201)
}

// TestHTTP_UnknownQueryParameterIs400: a query parameter the route does not take is
// refused, as an unknown body key is (the defect: ?app_id=x on a user's
// authorized-apis was ignored, as if the listing had been filtered).
func TestHTTP_UnknownQueryParameterIs400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	want(t, e.do(t, alice, "GET", "/v1/users/alice/authorized-apis?app_id=x", nil), 400, "InvalidParameter.Query")
	want(t, e.do(t, alice, "GET", "/v1/users/alice/authorized-apis?Env=PROD", nil), 400, "InvalidParameter.Query")
	want(t, e.do(t, alice, "GET", "/v1/users/alice/authorized-apis?env=PROD", nil), 200)
	want(t, e.do(t, ownerA, "GET", "/v1/apis/api-orders?verbose=1", nil), 400, "InvalidParameter.Query")
	want(t, e.do(t, ownerA, "GET", "/v1/apis?workspace_id=ws-a&page_size=5", nil), 200)
}

// TestHTTP_FreeTextRefusesControlCharactersAndInvalidUTF8: a reason (and a name, an
// owner) holding NUL, another control character, invalid UTF-8 or a lone surrogate is
// 400 (the defect: NUL was stored and invalid bytes became U+FFFD).
func TestHTTP_FreeTextRefusesControlCharactersAndInvalidUTF8(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	grant := func(reason string) string {
		return `{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["DEV"],"validity":{"type":"UNLIMITED"},"reason":"` + reason + `"}`
	}
	for _, reason := range []string{`a\u0000b`, `line\u0007bell`, `esc\u001b[31m`, `del\u007f`, `c1\u0085`, `lone\ud800surrogate`, "tab\\there"} {
		want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grant(reason)), 400, "InvalidParameter.Reason")
	}
	// Invalid UTF-8 in the raw body is refused before anything decodes it.
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grant("bad\xffbyte")), 400, "InvalidParameter.Json")
	want(t, e.do(t, ownerA, "DELETE", "/v1/apis/api-orders/grants/01ARZ3NDEKTSV4RRFFQ69G5FAV?reason=a%00b", nil), 400, "InvalidParameter.Reason")
	app := `{"workspace_id":"ws-b","name":"Bi\u0000lling","owner":"alice"}`
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-new", app), 400, "InvalidParameter.Name")
	app = `{"workspace_id":"ws-b","name":"Billing","owner":"al\u0001ice"}`
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-new", app), 400, "InvalidParameter.Owner")
	// Text in any script, emoji included, is fine.
	r := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grant(strings.Repeat("数", 100)+"🙂"))
	want(t, r, 201)
}

// TestQuery_ParametersMatchTheDocument: the query parameters the handlers take are the
// ones infra/openapi.yaml lists, route by route.
func TestQuery_ParametersMatchTheDocument(t *testing.T) {
	t.Parallel()
	doc, _ := spec(t)
	documented := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			var names []string
			for _, p := range append(item.Parameters, op.Parameters...) {
				if p.Value != nil && p.Value.In == "query" {
					names = append(names, p.Value.Name)
				}
			}
			if len(names) > 0 {
				slices.Sort(names)
				documented[method+" "+path] = names
			}
		}
	}
	served := map[string][]string{}
	for k, v := range api.QueryParams {
		v = slices.Clone(v)
		slices.Sort(v)
		served[k] = v
	}
	if !maps.EqualFunc(documented, served, slices.Equal) {
		t.Fatalf("query parameters:\ndocument %v\nhandlers %v", documented, served)
	}
}
