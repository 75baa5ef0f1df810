package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/shared/signature"
	"gatepass/shared/store"
)

// signedEvent is an authorizer event for a GET of stage/path?query signed with key and
// secret at the instant at, with nonce; tweak adjusts the headers after signing.
func signedEvent(t *testing.T, stage, path, query, key, secret string, at time.Time, nonce string, tweak func(map[string]string)) map[string]any {
	t.Helper()
	r := signature.Request{Method: "GET", Path: path, Query: query, Headers: map[string]string{"Accept": "application/json"}}
	if _, err := signature.Sign(&r, key, secret, at, nonce); err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(r.Headers)
	}
	ev := authzEvent(stage, path, "")
	headers := ev["headers"].(map[string]any)
	for k, v := range r.Headers {
		headers[strings.ToLower(k)] = v // API Gateway lower-cases header names
	}
	ev["rawQueryString"] = query
	return ev
}

func (e *env) newAppKey(t *testing.T, w who, appID string) (key, secret string) {
	t.Helper()
	r := e.do(t, w, "POST", "/v1/apps/"+appID+"/app-keys", nil)
	want(t, r, 201)
	return str(r.M(), "app_key"), str(r.M(), "app_secret")
}

// The five refusals of a signed call are denials with their reason, never function
// errors; an allowed call names the app and the credential.
func TestSigned_AuthorizerReasons(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	key, secret := e.newAppKey(t, alice, "app-b1")
	now := t0
	n := 0
	nonce := func() string { n++; return fmt.Sprintf("nonce-%d", n) }

	res := e.authorize(t, signedEvent(t, "prod", "/orders", "limit=10&b=x%20y", key, secret, now, "n-ok", nil))
	if !res.IsAuthorized || res.Context["app_id"] != "app-b1" || res.Context["app_key"] != key || res.Context["reason"] != "GRANTED" {
		t.Fatalf("a good signature: %v %v", res.IsAuthorized, res.Context)
	}
	for _, tc := range []struct {
		name, reason string
		ev           map[string]any
	}{
		{"the nonce again", "NONCE_USED", signedEvent(t, "prod", "/orders", "limit=10&b=x%20y", key, secret, now, "n-ok", nil)},
		{"a wrong secret", "SIGNATURE_MISMATCH", signedEvent(t, "prod", "/orders", "", key, secret+"x", now, nonce(), nil)},
		{"another path than signed", "SIGNATURE_MISMATCH", func() map[string]any {
			ev := signedEvent(t, "prod", "/sales", "", key, secret, now, nonce(), nil)
			ev["rawPath"] = "/prod/orders"
			return ev
		}()},
		{"an unknown AppKey", "INVALID_APP_KEY", signedEvent(t, "prod", "/orders", "", "0123456789abcdef", secret, now, nonce(), nil)},
		{"a timestamp 15 min and 1 ms old", "TIMESTAMP_EXPIRED", signedEvent(t, "prod", "/orders", "", key, secret, now.Add(-15*time.Minute-time.Millisecond), nonce(), nil)},
		{"a timestamp 15 min and 1 ms ahead", "TIMESTAMP_EXPIRED", signedEvent(t, "prod", "/orders", "", key, secret, now.Add(15*time.Minute+time.Millisecond), nonce(), nil)},
		{"HmacSHA1 while not allowed", "SIGNATURE_METHOD_NOT_ALLOWED", signedEvent(t, "prod", "/orders", "", key, secret, now, nonce(), func(h map[string]string) {
			h[signature.HeaderMethod] = signature.HmacSHA1
		})},
		{"the nonce not signed", "SIGNATURE_MISMATCH", signedEvent(t, "prod", "/orders", "", key, secret, now, nonce(), func(h map[string]string) {
			h[signature.HeaderSignedHeaders] = "x-ca-key,x-ca-timestamp"
		})},
	} {
		res := e.authorize(t, tc.ev)
		if res.IsAuthorized || res.Context["reason"] != tc.reason {
			t.Errorf("%s: %v %v, want a denial %s", tc.name, res.IsAuthorized, res.Context, tc.reason)
		}
	}
	// The window's edge is inside it.
	if res := e.authorize(t, signedEvent(t, "prod", "/orders", "", key, secret, now.Add(-15*time.Minute), nonce(), nil)); !res.IsAuthorized {
		t.Errorf("a timestamp exactly 15 min old: %v", res.Context)
	}
	// DEV has no grant: the signature holds, R14 decides.
	if res := e.authorize(t, signedEvent(t, "dev", "/orders", "", key, secret, now, nonce(), nil)); res.IsAuthorized || res.Context["reason"] != "NO_GRANT" {
		t.Errorf("dev: %v", res.Context)
	}
}

// POST /v1/check answers a signed call's decision without using its nonce, and the
// server's string to sign on a mismatch.
func TestSigned_CheckNeverUsesTheNonce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	key, secret := e.newAppKey(t, ownerB, "app-b1")
	r := signature.Request{Method: "GET", Path: "/orders", Query: "limit=10"}
	if _, err := signature.Sign(&r, key, secret, t0, "n-1"); err != nil {
		t.Fatal(err)
	}
	ask := func(w who, headers map[string]string) map[string]any {
		resp := e.do(t, w, "POST", "/v1/check", map[string]any{"env": "PROD", "signed": map[string]any{
			"method": r.Method, "path": r.Path, "query": r.Query, "headers": headers}})
		want(t, resp, 200)
		return resp.M()
	}
	for range 2 {
		if d := ask(checker1, r.Headers); d["allowed"] != true || d["reason"] != "GRANTED" {
			t.Fatalf("check: %v", d)
		}
	}
	// Another tenant's checker learns nothing of the key.
	if d := ask(checker2, r.Headers); d["reason"] != "INVALID_APP_KEY" {
		t.Errorf("checker of t2: %v", d)
	}
	bad := map[string]string{}
	for k, v := range r.Headers {
		bad[k] = v
	}
	bad[signature.HeaderSignature] = "AAAA"
	d := ask(checker1, bad)
	sts, _ := signature.StringToSign(r)
	if d["reason"] != "SIGNATURE_MISMATCH" || d["string_to_sign"] != sts {
		t.Errorf("mismatch: %v, want the string %q", d, sts)
	}
	// The authorizer may still use the nonce the check was asked about.
	ev := authzEvent("prod", "/orders", "")
	for k, v := range r.Headers {
		ev["headers"].(map[string]any)[strings.ToLower(k)] = v
	}
	if res := e.authorize(t, ev); !res.IsAuthorized {
		t.Fatalf("the authorizer after the check: %v", res.Context)
	}
}

// Rotation: a second key works beside the first, which keeps working until it is
// revoked and fails at once after, under a running load of checks. Secrets never reach
// the table in plain text, a log line or an event (the audit entries are the events).
func TestSigned_RotationUnderLoadAndNoSecretAnywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	for h := range e.fn {
		h.WithLogger(logger)
	}
	e.checker.WithLogger(logger)
	e.seed(t)
	e.grantApp(t, "api-orders", days(10))
	oldKey, oldSecret := e.newAppKey(t, alice, "app-b1")
	list := e.do(t, alice, "GET", "/v1/apps/app-b1/app-keys", nil)
	want(t, list, 200)

	var revoked atomic.Bool
	var before, after, deniedBefore, allowedAfter atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			wasRevoked := revoked.Load()
			res := e.authorize(t, signedEvent(t, "prod", "/orders", "", oldKey, oldSecret, t0, fmt.Sprintf("load-%d", i), nil))
			switch {
			case !wasRevoked:
				before.Add(1)
				if !res.IsAuthorized && !revoked.Load() {
					deniedBefore.Add(1)
				}
			default:
				after.Add(1)
				if res.IsAuthorized {
					allowedAfter.Add(1)
				}
			}
		}
	}()
	newKey, newSecret := e.newAppKey(t, alice, "app-b1")
	if res := e.authorize(t, signedEvent(t, "prod", "/orders", "", newKey, newSecret, t0, "new-1", nil)); !res.IsAuthorized {
		t.Fatalf("the new key: %v", res.Context)
	}
	for before.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	want(t, e.do(t, alice, "DELETE", "/v1/apps/app-b1/app-keys/"+oldKey, nil), 204)
	revoked.Store(true)
	for after.Load() < 5 {
		time.Sleep(time.Millisecond)
	}
	close(stop)
	<-done
	if deniedBefore.Load() != 0 || allowedAfter.Load() != 0 {
		t.Fatalf("old key: %d of %d denied before its revocation, %d of %d allowed after", deniedBefore.Load(), before.Load(), allowedAfter.Load(), after.Load())
	}
	if res := e.authorize(t, signedEvent(t, "prod", "/orders", "", oldKey, oldSecret, t0, "late", nil)); res.IsAuthorized || res.Context["reason"] != "INVALID_APP_KEY" {
		t.Fatalf("the revoked key: %v", res.Context)
	}
	if n := e.auditOfApp(t, "app-b1", "AppKey Created", "AppKey Revoked"); n != 3 {
		t.Errorf("audit entries of the keys: %d, want 3", n)
	}

	// No secret in the table (every item, the audit entries that become events included).
	var dump bytes.Buffer
	p := dynamodb.NewScanPaginator(e.tbl.DB, &dynamodb.ScanInput{TableName: aws.String(e.tbl.Name)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(page.Items)
		dump.Write(b)
	}
	for _, s := range []string{oldSecret, newSecret} {
		if strings.Contains(dump.String(), s) || strings.Contains(logs.String(), s) {
			t.Fatalf("an AppSecret is in the table (%v) or the logs (%v)", strings.Contains(dump.String(), s), strings.Contains(logs.String(), s))
		}
	}
	if !strings.Contains(dump.String(), oldKey) || !strings.Contains(logs.String(), newKey) {
		t.Fatal("the scan cannot fail: the keys themselves should be in the table and the logs")
	}
}

// auditOfApp counts an app's audit entries with one of the actions.
func (e *env) auditOfApp(t testing.TB, appID string, actions ...string) int {
	t.Helper()
	n, next := 0, ""
	for {
		p, err := e.st.Audit(context.Background(), store.ScopeApp, appID, 100, next)
		if err != nil {
			t.Fatalf("audit: %v", err)
		}
		for _, a := range p.Items {
			if slices.Contains(actions, a.Action) {
				n++
			}
		}
		if next = p.Next; next == "" {
			return n
		}
	}
}
