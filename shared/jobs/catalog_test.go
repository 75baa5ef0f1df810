package jobs

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/shared/access"
	"gatepass/shared/store"
)

func catalogEvent(id, detailType string, detail any) events.EventBridgeEvent {
	b, _ := json.Marshal(detail)
	return events.EventBridgeEvent{
		Version: "0", ID: id, Source: CatalogSource, DetailType: detailType, AccountID: "000000000000",
		Time: t0, Region: "us-east-1", Detail: b,
	}
}

var published = map[string]any{
	"api_id": "api-cat", "tenant_id": "t1", "workspace_id": "ws1", "name": "Orders", "path": "/orders",
	"protocols": []string{"HTTPS"}, "fields": []string{"id", "total"}, "operation": "READ",
}

func TestCatalogJob_PublishedTwiceChangesOnce(t *testing.T) {
	e := newEnv(t)
	h := &Catalog{Service: e.svc, Log: quiet()}
	ev := catalogEvent("ev-1", CatalogPublished, published)
	for i := range 2 {
		if err := h.Handle(as("CatalogEventsFunction"), ev); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	if got := e.audit("api-cat", access.EventAPIChanged); len(got) != 1 || got[0].Actor != CatalogSub {
		t.Fatalf("got %d API Changed entries (%+v), want one by %s", len(got), got, CatalogSub)
	}
	api, err := e.store.GetAPI(e.ctx, "api-cat")
	if err != nil || api.Version != 1 || api.Status != access.APIPublished || api.TenantID != "t1" || api.Name != "Orders" {
		t.Fatalf("api: got %+v %v", api, err)
	}
	// The same event id with another detail is not applied.
	other := map[string]any{}
	for k, v := range published {
		other[k] = v
	}
	other["name"] = "Changed"
	if err := h.Handle(as("CatalogEventsFunction"), catalogEvent("ev-1", CatalogPublished, other)); err != nil {
		t.Fatalf("reused id: got %v, want dropped", err)
	}
	if api, _ := e.store.GetAPI(e.ctx, "api-cat"); api.Name != "Orders" {
		t.Fatalf("reused id: got name %q, want Orders", api.Name)
	}
}

func TestCatalogJob_UnpublishedAndDeleted(t *testing.T) {
	e := newEnv(t)
	h := &Catalog{Service: e.svc, Log: quiet()}
	if err := h.Handle(as("CatalogEventsFunction"), catalogEvent("ev-1", CatalogPublished, published)); err != nil {
		t.Fatal(err)
	}
	e.app("app1")
	e.grant("api-cat", appSubject("app1"), forDays(30))
	if d := e.check("api-cat", "app1", false); !d.Allowed {
		t.Fatalf("before: got %s, want GRANTED", d.Reason)
	}
	e.clock.Set(t0.Add(time.Minute))
	unpub := catalogEvent("ev-2", CatalogUnpublished, map[string]any{"api_id": "api-cat", "tenant_id": "t1"})
	for range 2 {
		if err := h.Handle(as("CatalogEventsFunction"), unpub); err != nil {
			t.Fatal(err)
		}
	}
	if d := e.check("api-cat", "app1", false); d.Allowed || d.Reason != access.ReasonAPIUnpublished {
		t.Fatalf("after: got %v %s, want API_UNPUBLISHED", d.Allowed, d.Reason)
	}
	api, _ := e.store.GetAPI(e.ctx, "api-cat")
	if api.Path != "/orders" || len(api.Fields) != 2 || api.Version != 2 {
		t.Fatalf("unpublish kept the rest: got %+v", api)
	}
	// R4: the cleanup task the unpublish wrote removes the grant.
	if r := e.runCancellations(t0.Add(time.Hour), nil); r.Events != 1 {
		t.Fatalf("cleanup: got %+v, want one Grant Revoked", r)
	}
	if err := h.Handle(as("CatalogEventsFunction"), catalogEvent("ev-3", CatalogDeleted, map[string]any{"api_id": "api-cat", "tenant_id": "t1"})); err != nil {
		t.Fatal(err)
	}
	if d := e.check("api-cat", "app1", false); d.Reason != access.ReasonAPINotFound {
		t.Fatalf("deleted: got %s, want API_NOT_FOUND", d.Reason)
	}
	// Deleting again (another event) finds nothing: dropped, not retried.
	if err := h.Handle(as("CatalogEventsFunction"), catalogEvent("ev-4", CatalogDeleted, map[string]any{"api_id": "api-cat", "tenant_id": "t1"})); err != nil {
		t.Fatalf("second delete: got %v, want dropped", err)
	}
	if n := len(e.audit("api-cat", access.EventAPIChanged)); n != 3 {
		t.Fatalf("API Changed entries: got %d, want 3 (publish, unpublish, delete)", n)
	}
}

func TestCatalogJob_DroppedEvents(t *testing.T) {
	e := newEnv(t)
	h := &Catalog{Service: e.svc, Log: quiet()}
	if err := h.Handle(as("CatalogEventsFunction"), catalogEvent("ev-0", CatalogPublished, published)); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name string
		ev   events.EventBridgeEvent
	}{
		{"malformed JSON", events.EventBridgeEvent{ID: "ev-1", Source: CatalogSource, DetailType: CatalogPublished, Detail: json.RawMessage(`{"api_id":`)}},
		{"detail not an object", catalogEvent("ev-2", CatalogPublished, []int{1})},
		{"no api_id", catalogEvent("ev-3", CatalogPublished, map[string]any{"tenant_id": "t1", "name": "x"})},
		{"bad api_id", catalogEvent("ev-4", CatalogDeleted, map[string]any{"api_id": "a b", "tenant_id": "t1"})},
		{"no tenant", catalogEvent("ev-5", CatalogUnpublished, map[string]any{"api_id": "api-cat"})},
		{"invalid API", catalogEvent("ev-6", CatalogPublished, map[string]any{"api_id": "api-new", "tenant_id": "t1", "workspace_id": "ws1", "name": "N", "path": "no-slash", "protocols": []string{"HTTPS"}, "operation": "READ"})},
		{"another tenant's API", catalogEvent("ev-7", CatalogUnpublished, map[string]any{"api_id": "api-cat", "tenant_id": "t2"})},
		{"another tenant takes the id", catalogEvent("ev-8", CatalogPublished, map[string]any{"api_id": "api-cat", "tenant_id": "t2", "workspace_id": "ws9", "name": "N", "path": "/n", "protocols": []string{"HTTPS"}, "operation": "READ"})},
		{"unknown API", catalogEvent("ev-9", CatalogDeleted, map[string]any{"api_id": "api-none", "tenant_id": "t1"})},
		{"unknown detail type", catalogEvent("ev-10", "API Renamed", map[string]any{"api_id": "api-cat", "tenant_id": "t1"})},
		{"another source", events.EventBridgeEvent{ID: "ev-11", Source: "someone.else", DetailType: CatalogDeleted, Detail: json.RawMessage(`{"api_id":"api-cat","tenant_id":"t1"}`)}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if err := h.Handle(as("CatalogEventsFunction"), tc.ev); err != nil {
				t.Fatalf("got %v, want nil (logged and dropped)", err)
			}
		})
	}
	if n := len(e.audit("api-cat", "")); n != 1 {
		t.Fatalf("api-cat audit: got %d entries, want only the first publish", n)
	}
	for _, id := range []string{"api-new", "api-none"} {
		if _, err := e.store.GetAPI(e.ctx, id); access.ErrorKind(err) != access.NotFound {
			t.Fatalf("%s: got %v, want nothing written", id, err)
		}
	}
}

func TestCatalogJob_StoreUnavailableIsRetried(t *testing.T) {
	db := dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
	svc := access.NewService(store.New(db, "absent", store.Options{}), access.Config{})
	h := &Catalog{Service: svc, Log: quiet()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := h.Handle(ctx, catalogEvent("ev-1", CatalogPublished, published))
	if err == nil || access.ErrorKind(err) != access.Unavailable {
		t.Fatalf("got %v, want a ServiceUnavailable error (the event is retried)", err)
	}
}
