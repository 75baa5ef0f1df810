package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
)

// The HTTP side of the check without the table: decoding the payload-2.0 event,
// deciding, encoding the answer (`go test -run '^$' -bench . ./shared/api`). infra/perf/bench
// measures the same handler against DynamoDB Local.

func benchCheckEvent() events.APIGatewayV2HTTPRequest {
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "POST /v1/check", RawPath: "/v1/check",
		Headers: map[string]string{"content-type": "application/json", "x-forwarded-proto": "https"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: "POST /v1/check", Stage: "$default", RequestID: "bench",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/v1/check"},
			Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
				Claims: map[string]string{"sub": "svc-data-gateway", "tenant_id": "t-acme", "roles": "[checker]"},
			}},
		},
		Body: `{"api_id":"orders-api","app_id":"app-bi","env":"PROD","protocol":"HTTPS","proxy":false}`,
	}
}

func benchDecision() access.Decision {
	id := "01HZX3Q4N5P6R7S8T9V0W1X2Y3"
	end := time.Date(2026, 4, 11, 9, 0, 0, 0, time.UTC)
	return access.Decision{
		Allowed: true, Reason: access.ReasonGranted, GrantID: &id, Fields: []string{"id", "amount"},
		ExpiresAt: &end, Permissions: []access.Permission{access.PermUsage},
	}
}

// BenchmarkCheckCodec is the check's request decoding (claims → principal, strict JSON
// body) and answer encoding, without the store.
func BenchmarkCheckCodec(b *testing.B) {
	ev := benchCheckEvent()
	d := benchDecision()
	b.ReportAllocs()
	for b.Loop() {
		r, err := newRequest(&ev, access.RolesFlattened, nil)
		if err != nil {
			b.Fatal(err)
		}
		var in access.CheckInput
		if err := r.decode(&in); err != nil {
			b.Fatal(err)
		}
		if err := in.Validate(); err != nil {
			b.Fatal(err)
		}
		if resp := respond(200, d); resp.StatusCode != 200 {
			b.Fatalf("got %d, want 200", resp.StatusCode)
		}
	}
}

// benchStore answers the check's one read from memory; every other method is unused
// (the embedded nil interface would panic).
type benchStore struct {
	access.Store
	items access.CheckItems
}

func (s benchStore) ReadCheck(_ context.Context, k access.CheckKeys) (access.CheckFound, error) {
	f := access.CheckFound{API: s.items.API, App: s.items.App}
	for _, g := range []*access.Grant{s.items.AppGrant, s.items.WorkspaceGrant} {
		if g != nil && slices.Contains(k.Slots, g.Key()) {
			f.Grants = append(f.Grants, *g)
		}
	}
	return f, nil
}

// BenchmarkCheckHandle is the whole check handler (routing, decoding, the service,
// the decision, encoding, the JSON request log to a discarding writer) on an in-memory
// store: what the handler adds to the table's round trip.
func BenchmarkCheckHandle(b *testing.B) {
	end := time.Now().Add(30 * 24 * time.Hour)
	api := &access.API{ID: "orders-api", TenantID: "t-acme", WorkspaceID: "ws-sales", Status: access.APIPublished,
		Protocols: []access.Protocol{access.ProtoHTTPS}, Fields: []string{"id", "amount", "currency"}, Operation: access.OpRead, Generation: 1}
	app := &access.App{ID: "app-bi", TenantID: "t-acme", WorkspaceID: "ws-bi", Status: access.AppActive}
	g := &access.Grant{ID: "01HZX3Q4N5P6R7S8T9V0W1X2Y3", APIID: api.ID, TenantID: "t-acme",
		Subject: access.Subject{Type: access.SubjectApp, ID: app.ID, TenantID: "t-acme"}, Env: access.EnvProd,
		Permissions: []access.Permission{access.PermUsage}, EndTime: &end, Generation: 1}
	wg := &access.Grant{ID: "01HZX3Q4N5P6R7S8T9V0W1X2Y4", APIID: api.ID, TenantID: "t-acme",
		Subject: access.Subject{Type: access.SubjectWorkspace, ID: "ws-bi", TenantID: "t-acme"}, Env: access.EnvProd,
		Permissions: []access.Permission{access.PermUsage}, Generation: 1}
	svc := access.NewService(benchStore{items: access.CheckItems{API: api, App: app, AppGrant: g, WorkspaceGrant: wg}}, access.Config{})
	ch := Check(svc)
	ch.WithLogger(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	ev := benchCheckEvent()
	ctx := context.Background()
	resp, _ := ch.Handle(ctx, ev)
	var d access.Decision
	if err := json.Unmarshal([]byte(resp.Body), &d); err != nil || d.Reason != access.ReasonGranted {
		b.Fatalf("got %d %s, want a GRANTED decision", resp.StatusCode, resp.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if resp, _ := ch.Handle(ctx, ev); resp.StatusCode != 200 {
			b.Fatalf("got %d, want 200", resp.StatusCode)
		}
	}
}
