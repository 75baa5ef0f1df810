package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/infra/emulators/eventbus"
	"gatepass/shared/access"
)

var at = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// startBus serves the local event bus on a free port of 127.0.0.1 and returns it with
// a real EventBridge client pointed at it (one attempt per call: the publisher's own
// retries are under test).
func startBus(t *testing.T) (*eventbus.Bus, *eventbridge.Client) {
	t.Helper()
	b, err := eventbus.New(eventbus.Config{Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(func() { srv.Close(); b.Close() })
	c := eventbridge.New(eventbridge.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("local", "local", ""),
		RetryMaxAttempts: 1,
	})
	return b, c
}

func entries(n int) []types.PutEventsRequestEntry {
	out := make([]types.PutEventsRequestEntry, n)
	for i := range out {
		out[i] = Event(access.AuditEntry{
			ID: fmt.Sprintf("audit-%03d", i), Action: access.EventAPIChanged, At: at, TenantID: "t1", Actor: "alice", APIID: "api1",
		}, "gatepass")
	}
	return out
}

// arrived counts the events the bus accepted by event_id.
func arrived(t *testing.T, b *eventbus.Bus) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, e := range b.Events(Source, "") {
		var d struct {
			EventID string `json:"event_id"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			t.Fatal(err)
		}
		out[d.EventID]++
	}
	return out
}

func TestEvent_Detail(t *testing.T) {
	end := at.Add(30 * 24 * time.Hour)
	a := access.AuditEntry{
		ID: "01J", Action: access.EventGrantExpiring, At: at, TenantID: "t1", Actor: "system:reminders",
		APIID: "api1", GrantID: "g1", Subject: &access.Subject{Type: access.SubjectApp, ID: "app1", TenantID: "t2"},
		Env: access.EnvProd, EndTime: &end, Permissions: []access.Permission{access.PermUsage}, ThresholdDays: 7,
	}
	e := Event(a, "gatepass-bus")
	if aws.ToString(e.Source) != "gatepass" || aws.ToString(e.DetailType) != "Grant Expiring" ||
		aws.ToString(e.EventBusName) != "gatepass-bus" || e.Time == nil || !e.Time.Equal(at) {
		t.Fatalf("got %+v", e)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(e.Detail)), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"event_id": "01J", "occurred_at": "2026-11-25T12:00:00Z", "tenant_id": "t1", "api_id": "api1",
		"grant_id": "g1", "subject": map[string]any{"type": "APP", "id": "app1", "tenant_id": "t2"},
		"env": "PROD", "end_time": "2026-12-25T12:00:00Z", "permissions": []any{"USAGE"},
		"actor": "system:reminders", "threshold_days": float64(7),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// An unlimited grant's event says so with a null end_time; an app event has none.
	a.EndTime, a.ThresholdDays = nil, 0
	if d := aws.ToString(Event(a, "b").Detail); !strings.Contains(d, `"end_time":null`) {
		t.Fatalf("unlimited: got %s, want end_time null", d)
	}
	app := access.AuditEntry{ID: "02J", Action: access.EventAppCodeRotated, At: at, TenantID: "t1", Actor: "a", AppID: "app1"}
	want = map[string]any{"event_id": "02J", "occurred_at": "2026-11-25T12:00:00Z", "tenant_id": "t1", "app_id": "app1", "actor": "a"}
	got = nil
	if err := json.Unmarshal([]byte(aws.ToString(Event(app, "b").Detail)), &got); err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("app event: got %v, want %v", got, want)
	}
}

func TestPublish_Delivers(t *testing.T) {
	b, c := startBus(t)
	p := New(c, "gatepass", Options{Backoff: time.Millisecond})
	failed, err := p.Publish(context.Background(), entries(25)) // three calls: 10, 10, 5
	if err != nil || len(failed) != 0 {
		t.Fatalf("got failed %v err %v", failed, err)
	}
	got := arrived(t, b)
	if len(got) != 25 {
		t.Fatalf("got %d distinct events, want 25", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("event %s arrived %d times, want once", id, n)
		}
	}
}

func TestPublish_PartialFailureRetried(t *testing.T) {
	b, c := startBus(t)
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailEntries, N: 3}) // FailedEntryCount 3 on the first call
	p := New(c, "gatepass", Options{Backoff: time.Millisecond})
	failed, err := p.Publish(context.Background(), entries(8))
	if err != nil || len(failed) != 0 {
		t.Fatalf("got failed %v err %v, want all delivered after a retry", failed, err)
	}
	got := arrived(t, b)
	if len(got) != 8 {
		t.Fatalf("got %d distinct events, want 8", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Fatalf("event %s arrived %d times, want once (only failed entries are re-sent)", id, n)
		}
	}
}

func TestPublish_FailuresAreBounded(t *testing.T) {
	b, c := startBus(t)
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailEntries}) // every entry, until cleared
	p := New(c, "gatepass", Options{Attempts: 3, Backoff: time.Millisecond})
	failed, err := p.Publish(context.Background(), entries(12))
	var fe *FailedError
	if !errors.As(err, &fe) || fe.Code != "InternalFailure" {
		t.Fatalf("got %v, want a FailedError with the entries' code", err)
	}
	// The first chunk failed: it and the whole next chunk are reported, in order.
	if want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}; !slices.Equal(failed, want) {
		t.Fatalf("failed: got %v, want %v", failed, want)
	}
	if n := len(b.Events("", "")); n != 0 {
		t.Fatalf("got %d events, want none", n)
	}
}

func TestPublish_BusDown(t *testing.T) {
	b, c := startBus(t)
	p := New(c, "gatepass", Options{Attempts: 2, Backoff: time.Millisecond})
	if failed, err := p.Publish(context.Background(), entries(3)); err != nil || failed != nil {
		t.Fatalf("warm-up: got %v %v", failed, err)
	}
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailUnavailable})
	failed, err := p.Publish(context.Background(), entries(13))
	if err == nil || len(failed) != 13 {
		t.Fatalf("got failed %v err %v, want all 13 failed", failed, err)
	}
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailDrop})
	if failed, err := p.Publish(context.Background(), entries(2)); err == nil || len(failed) != 2 {
		t.Fatalf("dropped connections: got failed %v err %v", failed, err)
	}
}

func TestPublish_LaterChunkFails(t *testing.T) {
	b, c := startBus(t)
	p := New(c, "gatepass", Options{Attempts: 1, Backoff: time.Millisecond})
	ok := &failAfter{API: c, n: 1, bus: b}
	p.api = ok
	failed, err := p.Publish(context.Background(), entries(15))
	if err == nil || !slices.Equal(failed, []int{10, 11, 12, 13, 14}) {
		t.Fatalf("got failed %v err %v, want the second chunk", failed, err)
	}
	if got := arrived(t, b); len(got) != 10 {
		t.Fatalf("got %d events, want the first chunk's 10", len(got))
	}
}

// failAfter lets n calls through, then takes the bus down.
type failAfter struct {
	API
	n   int
	bus *eventbus.Bus
}

func (f *failAfter) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	if f.n == 0 {
		f.bus.SetFailure(eventbus.Failure{Mode: eventbus.FailUnavailable})
	}
	f.n--
	return f.API.PutEvents(ctx, in, opts...)
}
