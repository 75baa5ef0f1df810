package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/access"
	"gatepass/shared/sealer"
	"gatepass/shared/settings"
	"gatepass/shared/store"
)

// TestInvoke_SignedSampleAllowed: events/check/authorizer-signed.json, signed anew with
// -appkey and -appsecret (make invoke APPKEY= APPSECRET=), is allowed by the real check
// function under the Lambda RIE against a local table holding the sample's API, an app
// granted PROD and that AppKey; the sample as stored (its signature long expired) is
// refused with TIMESTAMP_EXPIRED, a denial and never a function error.
func TestInvoke_SignedSampleAllowed(t *testing.T) {
	if ddb.Skip != "" {
		t.Skip(ddb.Skip)
	}
	endpoint := ddb.Endpoint
	t.Setenv("GATEPASS_CACHE", "")
	ctx := context.Background()
	db := ddblocal.Client(ctx, endpoint)
	table := "invoke-signed-" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	if err := store.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	// Written through the domain, with the development key the function opens with.
	svc := access.NewService(store.New(db, table, store.Options{}), access.Config{Now: time.Now, Sealer: sealer.DevSealer(settings.DevAppSecretsKey)})
	admin := access.Actor{Principal: access.NewPrincipal("u-admin", "t-sample", "tenant_admin")}
	if _, err := svc.PutAPI(ctx, admin, "orders-api", access.APIInput{WorkspaceID: "ws-sales", Name: "Orders", Path: "/orders/v1",
		GroupID: "grp", Protocols: []access.Protocol{access.ProtoHTTPS}, Operation: access.OpRead}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RegisterWorkspace(ctx, admin, access.WorkspaceInput{ID: "ws-bi", Name: "BI"}); err != nil { // R29
		t.Fatal(err)
	}
	if _, err := svc.PutApp(ctx, admin, "app-bi", access.AppInput{WorkspaceID: "ws-bi", Name: "BI"}); err != nil {
		t.Fatal(err)
	}
	days := 30
	if _, err := svc.GrantOn(ctx, admin, access.APIResource("orders-api"), access.GrantInput{
		Subject: access.Subject{Type: access.SubjectApp, ID: "app-bi", TenantID: "t-sample"}, Envs: []access.Env{access.EnvProd},
		Validity: access.Validity{Type: access.Limited, Days: &days}, Reason: "the signed sample"}); err != nil {
		t.Fatal(err)
	}
	key, err := svc.CreateAppKey(ctx, admin, "app-bi")
	if err != nil {
		t.Fatal(err)
	}

	c, cache := setup(t)
	c.Fn, c.Template, c.Pkg, c.AllowRemote = "check", filepath.Join(c.Root, "template.yaml"), "", false
	c.Event = filepath.Join(c.Root, "events", "check", "authorizer-signed.json")
	s, _ := json.Marshal(map[string]string{"dynamodb_endpoint": endpoint, "table_name": table})
	if err := os.MkdirAll(filepath.Join(cache, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, "run", "stack.json"), s, 0o644); err != nil {
		t.Fatal(err)
	}
	authorize := func(c config) (bool, string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // the first call builds the function
		defer cancel()
		var stdout, stderr bytes.Buffer
		if err := run(ctx, c, &stdout, &stderr); err != nil {
			t.Fatalf("run: %v\n%s%s", err, stdout.String(), stderr.String())
		}
		var res struct {
			IsAuthorized bool           `json:"isAuthorized"`
			Context      map[string]any `json:"context"`
		}
		if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
			t.Fatalf("stdout is not an authorizer answer: %v\n%s", err, stdout.String())
		}
		reason, _ := res.Context["reason"].(string)
		if res.IsAuthorized && (res.Context["app_id"] != "app-bi" || res.Context["app_key"] != key.Key.Key) {
			t.Errorf("allowed without naming the app and its key: %v", res.Context)
		}
		return res.IsAuthorized, reason
	}
	if ok, reason := authorize(c); ok || reason != string(access.ReasonTimestampExpired) {
		t.Errorf("the sample as stored: allowed %v, %s; want TIMESTAMP_EXPIRED", ok, reason)
	}
	c.AppKey, c.AppSecret = key.Key.Key, key.Secret
	if ok, reason := authorize(c); !ok || reason != string(access.ReasonGranted) {
		t.Errorf("the sample signed with the AppKey: allowed %v, %s; want GRANTED", ok, reason)
	}
	c.AppSecret = key.Secret + "x"
	if ok, reason := authorize(c); ok || reason != string(access.ReasonSignatureMismatch) {
		t.Errorf("signed with another secret: allowed %v, %s; want SIGNATURE_MISMATCH", ok, reason)
	}
}
