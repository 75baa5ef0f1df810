package api_test

import (
	"bytes"
	"testing"
)

// TestHTTP_AppCodeRefusesAMalformedBody: POST /v1/apps/{app_id}/app-code takes no
// parameters; a body other than nothing or {} is 400 and rotates nothing (the defect:
// every malformed body rotated the AppCode).
func TestHTTP_AppCodeRefusesAMalformedBody(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", unlimited)
	for _, body := range []string{`{"x":1}`, `[]`, `null`, `"rotate"`, `1`, `{`, `{} {}`, `{"a":1,"a":1}`, "\x00"} {
		want(t, e.do(t, alice, "POST", "/v1/apps/app-b1/app-code", body), 400, "InvalidParameter.Json")
	}
	if res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+f.codeB1)); !res.IsAuthorized {
		t.Fatalf("the AppCode changed under malformed bodies: %v", res.Context)
	}
	for _, body := range []string{"", " \n", "{}", "{ }"} {
		r := e.do(t, alice, "POST", "/v1/apps/app-b1/app-code", body)
		want(t, r, 200)
		if str(r.M(), "app_code") == "" {
			t.Fatalf("body %q: no new AppCode in %s", body, r)
		}
	}
}

// TestHTTP_R17_ReplayBySameMeaning: the same JSON body re-indented, with its keys in
// another order and its numbers spelt otherwise, replays the first answer (the defect:
// 422 IdempotencyKeyReuse); a body that means something else is still 422.
func TestHTTP_R17_ReplayBySameMeaning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	first := `{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"LIMITED","days":30}}`
	r1 := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", first, idem("k-meaning"))
	want(t, r1, 201)
	before := len(e.audit(t, "api-orders"))
	same := "{\n  \"validity\": {\"days\": 30.0, \"type\": \"LIMITED\"},\n  \"envs\": [ \"PROD\" ],\n  \"subject\": {\"tenant_id\": \"t1\", \"id\": \"app\\u002db1\", \"type\": \"APP\"}\n}\n"
	r2 := e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", same, idem("k-meaning"))
	if r2.Status != r1.Status || !bytes.Equal(r1.Body, r2.Body) {
		t.Fatalf("replay by meaning:\n first %s\nsecond %s", r1, r2)
	}
	if after := len(e.audit(t, "api-orders")); after != before {
		t.Fatalf("the replay wrote %d audit entries", after-before)
	}
	other := `{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"LIMITED","days":31}}`
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", other, idem("k-meaning")), 422, "InvalidParameter.IdempotencyKeyReuse")
}

// TestHTTP_DuplicateKeysAre400: a body with a key twice has no single meaning; every
// route refuses it before reading it, with or without an Idempotency-Key.
func TestHTTP_DuplicateKeysAre400(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	dup := `{"subject":{"type":"APP","id":"app-b1","tenant_id":"t1"},"envs":["PROD"],"validity":{"type":"LIMITED","days":30},"envs":["DEV"]}`
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", dup), 400, "InvalidParameter.Json")
	want(t, e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", dup, idem("k-dup")), 400, "InvalidParameter.Json")
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", `{"name":"A","name":"B"}`), 400, "InvalidParameter.Json")
}
