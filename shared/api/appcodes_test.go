package api_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"gatepass/shared/access"
)

func (e *env) newAppCode(t *testing.T, w who, appID string, opts ...opt) (codeID, code string) {
	t.Helper()
	r := e.do(t, w, "POST", "/v1/apps/"+appID+"/app-codes", nil, opts...)
	want(t, r, 201)
	return str(r.M(), "code_id"), str(r.M(), "app_code")
}

// allowed reports whether an AppCode call of app-b1's to /orders in prod is allowed;
// denied ones must be APP_NOT_FOUND.
func (e *env) codeAllowed(t *testing.T, code string) bool {
	t.Helper()
	res := e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+code))
	if !res.IsAuthorized && res.Context["reason"] != "APP_NOT_FOUND" {
		t.Fatalf("code %.6s: denied with %v, want GRANTED or APP_NOT_FOUND", code, res.Context["reason"])
	}
	return res.IsAuthorized
}

// An app holds up to MaxAppCodes live AppCodes; the app's code from before several were
// kept (the seed writes it that way) is one of them and keeps working; every live code
// authorizes; a sixth is 409 Conflict.CredentialLimit; the list never shows a code or
// its hash.
func TestAppCodes_UpToFiveLive_SixthIsConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	l := e.do(t, alice, "GET", "/v1/apps/app-b1/app-codes", nil)
	want(t, l, 200)
	if it := items(t, l); len(it) != 1 || it[0]["code_id"] != access.LegacyCodeID || it[0]["prefix"] != "" || it[0]["created_at"] != nil {
		t.Fatalf("the legacy code: %s", l.Body)
	}
	codes := []string{f.codeB1}
	for range access.MaxAppCodes - 1 {
		_, code := e.newAppCode(t, alice, "app-b1")
		codes = append(codes, code)
	}
	want(t, e.do(t, alice, "POST", "/v1/apps/app-b1/app-codes", nil), 409, access.CodeCredentialLimit)
	for i, c := range codes {
		if !e.codeAllowed(t, c) {
			t.Errorf("live code %d is refused", i)
		}
	}
	l = e.do(t, alice, "GET", "/v1/apps/app-b1/app-codes", nil)
	want(t, l, 200)
	it := items(t, l)
	if len(it) != access.MaxAppCodes {
		t.Fatalf("listed %d codes, want %d", len(it), access.MaxAppCodes)
	}
	for i, c := range codes[1:] {
		if p := str(it[i+1], "prefix"); len(p) != 6 || !strings.HasPrefix(c, p) || str(it[i+1], "created_at") != e.clk.Now().Format(time.RFC3339Nano) {
			t.Errorf("item %d: %v", i+1, it[i+1])
		}
	}
	mustContainNone(t, l, codes...)
	for _, c := range codes {
		mustContainNone(t, l, access.HashAppCode(c))
	}
}

// Revoking one AppCode refuses it at once and leaves the app's other codes working
// (the legacy one included); an unknown code id is 404 NotFound.AppCode.
func TestAppCodes_RevokeOne_OthersKeepWorking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	id2, code2 := e.newAppCode(t, alice, "app-b1")
	id3, code3 := e.newAppCode(t, alice, "app-b1")
	want(t, e.do(t, alice, "DELETE", "/v1/apps/app-b1/app-codes/"+id2, nil), 204)
	if e.codeAllowed(t, code2) || !e.codeAllowed(t, f.codeB1) || !e.codeAllowed(t, code3) {
		t.Fatal("after revoking code 2: want it refused and codes 1 and 3 allowed")
	}
	want(t, e.do(t, alice, "DELETE", "/v1/apps/app-b1/app-codes/"+access.LegacyCodeID, nil), 204)
	if e.codeAllowed(t, f.codeB1) || !e.codeAllowed(t, code3) {
		t.Fatal("after revoking the legacy code: want it refused and code 3 allowed")
	}
	want(t, e.do(t, alice, "DELETE", "/v1/apps/app-b1/app-codes/"+id2, nil), 404, access.CodeNotFoundAppCode)
	l := e.do(t, alice, "GET", "/v1/apps/app-b1/app-codes", nil)
	if it := items(t, l); len(it) != 1 || it[0]["code_id"] != id3 {
		t.Fatalf("after two revocations: %s", l.Body)
	}
	if n := e.auditOfApp(t, "app-b1", access.EventAppCodeCreated, access.EventAppCodeRevoked); n != 4 {
		t.Errorf("audit entries: %d, want 4 (2 created, 2 revoked)", n)
	}
}

// Rotation is "create one + revoke the others" in one step: of several live codes only
// the new one works after it, and the list holds only it.
func TestAppCodes_RotateRevokesEveryOther(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	_, code2 := e.newAppCode(t, alice, "app-b1")
	r := e.do(t, alice, "POST", "/v1/apps/app-b1/app-code", nil)
	want(t, r, 200)
	code, id := str(r.M(), "app_code"), str(r.M(), "code_id")
	if e.codeAllowed(t, f.codeB1) || e.codeAllowed(t, code2) || !e.codeAllowed(t, code) {
		t.Fatal("after rotation: want the old codes refused and the new one allowed")
	}
	l := e.do(t, alice, "GET", "/v1/apps/app-b1/app-codes", nil)
	if it := items(t, l); len(it) != 1 || it[0]["code_id"] != id || !strings.HasPrefix(code, str(it[0], "prefix")) {
		t.Fatalf("after rotation: %s", l.Body)
	}
}

// Who may manage an app's AppCodes: its owner, an owner of its workspace, tenant_admin;
// a member of the workspace is 403; another tenant sees no such app (404).
func TestAppCodes_WhoMayManage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	for _, c := range []struct {
		w      who
		status int
	}{{alice, 201}, {ownerB, 201}, {admin1, 201}, {devB, 403}, {ownerA, 403}, {admin2, 404}} {
		if r := e.do(t, c.w, "POST", "/v1/apps/app-b1/app-codes", nil); r.Status != c.status {
			t.Errorf("%v creates: %s, want %d", c.w, r, c.status)
		}
		list, revoke := c.status, c.status // may: 200, and 404 for an unknown code
		if c.status == 201 {
			list, revoke = 200, 404
		}
		if r := e.do(t, c.w, "GET", "/v1/apps/app-b1/app-codes", nil); r.Status != list {
			t.Errorf("%v lists: %s, want %d", c.w, r, list)
		}
		if r := e.do(t, c.w, "DELETE", "/v1/apps/app-b1/app-codes/nope", nil); r.Status != revoke {
			t.Errorf("%v revokes an unknown code: %s, want %d", c.w, r, revoke)
		}
	}
}

// The same Idempotency-Key makes one AppCode: the replay answers the same code id
// without the code (never kept), and there is one audit entry.
func TestAppCodes_IdempotentCreate_ReplayWithoutTheCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	first := e.do(t, alice, "POST", "/v1/apps/app-b1/app-codes", nil, idem("k-1"))
	want(t, first, 201)
	again := e.do(t, alice, "POST", "/v1/apps/app-b1/app-codes", nil, idem("k-1"))
	want(t, again, 201)
	if str(again.M(), "code_id") != str(first.M(), "code_id") || str(first.M(), "app_code") == "" {
		t.Fatalf("replay: %s after %s", again.Body, first.Body)
	}
	if _, has := again.M()["app_code"]; has {
		t.Fatalf("the replay shows the code: %s", again.Body)
	}
	l := e.do(t, alice, "GET", "/v1/apps/app-b1/app-codes", nil)
	if it := items(t, l); len(it) != 2 {
		t.Fatalf("codes after a replay: %s", l.Body)
	}
	if n := e.auditOfApp(t, "app-b1", access.EventAppCodeCreated); n != 1 {
		t.Errorf("audit entries: %d, want 1", n)
	}
}

// An update of an app (PUT) keeps its credentials: its AppCodes and AppKeys stay live
// and listed (a PUT used to rewrite the app item without its AppKeys).
func TestAppCodes_PutAppKeepsCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	_, code2 := e.newAppCode(t, alice, "app-b1")
	key, _ := e.newAppKey(t, alice, "app-b1")
	want(t, e.do(t, ownerB, "PUT", "/v1/apps/app-b1", map[string]any{"workspace_id": "ws-b", "name": "Billing 2", "owner": "alice"}), 200)
	if !e.codeAllowed(t, f.codeB1) || !e.codeAllowed(t, code2) {
		t.Fatal("a code stopped working after a PUT")
	}
	if it := items(t, e.do(t, alice, "GET", "/v1/apps/app-b1/app-codes", nil)); len(it) != 2 {
		t.Fatalf("codes after a PUT: %v", it)
	}
	keys := items(t, e.do(t, alice, "GET", "/v1/apps/app-b1/app-keys", nil))
	if !slices.ContainsFunc(keys, func(k map[string]any) bool { return k["app_key"] == key }) {
		t.Fatalf("keys after a PUT: %v", keys)
	}
}
