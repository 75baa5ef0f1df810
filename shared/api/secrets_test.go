package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/shared/access"
	"gatepass/shared/bus"
	"gatepass/shared/store"
)

// Secrets are never at rest in plain text, in a log line or in an event: AppCodes and
// AppSecrets made by every route that makes one (an app's creation, another code, a
// rotation, an AppKey), with and without an Idempotency-Key (whose record keeps the
// answer) and replayed, then used; every raw item of the table (Scan), every log line
// of every handler and every event the publisher would send (bus.Event of each audit
// entry) is searched for each secret.
func TestSecrets_NeverAtRestInLogsOrEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for h := range e.fn {
		h.WithLogger(logger)
	}
	e.checker.WithLogger(logger)
	e.seed(t)
	e.grantApp(t, "api-orders", days(10))

	var secrets, ids []string
	keep := func(r *resp, secret, id string) {
		t.Helper()
		if s := str(r.M(), secret); s == "" {
			t.Fatalf("no %s in %s", secret, r)
		} else {
			secrets = append(secrets, s)
		}
		ids = append(ids, str(r.M(), id))
	}
	twice := func(method, path string, body any, status int, secret, id string) {
		t.Helper()
		key := "idem-" + path
		r := e.do(t, ownerB, method, path, body, idem(key))
		want(t, r, status)
		keep(r, secret, id)
		again := e.do(t, ownerB, method, path, body, idem(key))
		want(t, again, status)
		mustContainNone(t, again, secrets...)
	}
	twice("PUT", "/v1/apps/app-s1", map[string]any{"workspace_id": "ws-b", "name": "S1"}, 201, "app_code", "code_id")
	r := e.do(t, ownerB, "PUT", "/v1/apps/app-s2", map[string]any{"workspace_id": "ws-b", "name": "S2"})
	want(t, r, 201)
	keep(r, "app_code", "code_id")
	twice("POST", "/v1/apps/app-b1/app-codes", nil, 201, "app_code", "code_id")
	r = e.do(t, alice, "POST", "/v1/apps/app-b1/app-codes", nil)
	want(t, r, 201)
	keep(r, "app_code", "code_id")
	twice("POST", "/v1/apps/app-s2/app-code", nil, 200, "app_code", "code_id")
	twice("POST", "/v1/apps/app-b1/app-keys", nil, 201, "app_secret", "app_key")
	key, sec := e.newAppKey(t, alice, "app-b1")
	secrets, ids = append(secrets, sec), append(ids, key)
	for _, c := range secrets[:5] { // the AppCodes, used: the authorizer logs the call
		e.authorize(t, authzEvent("prod", "/orders", "APPCODE "+c))
	}
	e.authorize(t, signedEvent(t, "prod", "/orders", "", key, sec, t0, "n-1", nil))
	if len(secrets) != 7 {
		t.Fatalf("%d secrets made, want 7", len(secrets))
	}

	var table, events bytes.Buffer
	p := dynamodb.NewScanPaginator(e.tbl.DB, &dynamodb.ScanInput{TableName: aws.String(e.tbl.Name)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			b, err := json.Marshal(it)
			if err != nil {
				t.Fatal(err)
			}
			table.Write(b)
			if a, err := store.DecodeAudit(it); err == nil {
				b, err := json.Marshal(bus.Event(a, "gatepass"))
				if err != nil {
					t.Fatal(err)
				}
				events.Write(b)
			}
		}
	}
	for i, s := range secrets {
		for where, text := range map[string]string{"the table": table.String(), "the logs": logs.String(), "the events": events.String()} {
			if strings.Contains(text, s) {
				t.Errorf("secret %d (%.6s…) is in %s", i, s, where)
			}
		}
	}
	// The scan cannot pass for want of looking: what is kept of each credential (its id,
	// an AppCode's hash) is in the table, and the events name them.
	for i, id := range ids {
		if !strings.Contains(table.String(), id) || !strings.Contains(events.String(), id) {
			t.Errorf("credential %d (%s) is not in the table or the events: the scan saw the wrong things", i, id)
		}
	}
	if !strings.Contains(table.String(), access.HashAppCode(secrets[0])) || !strings.Contains(logs.String(), "app-b1") {
		t.Error("the table lacks the first code's hash lookup, or the logs lack the authorizer's lines")
	}
}
