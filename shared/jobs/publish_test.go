package jobs

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"gatepass/infra/emulators/eventbus"
	"gatepass/infra/emulators/streams"
	"gatepass/infra/testkit/faultproxy"
	"gatepass/infra/testkit/iamcheck"
	"gatepass/shared/access"
	"gatepass/shared/bus"
	"gatepass/shared/deadline"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

// startBus serves the local event bus on a free port of 127.0.0.1 and returns a
// publisher that sends to it through the real SDK client.
func startBus(t *testing.T) (*eventbus.Bus, *bus.Publisher) {
	t.Helper()
	b, err := eventbus.New(eventbus.Config{Logger: quiet()})
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
	}, leastPriv.EventBridge)
	return b, bus.New(c, "gatepass", bus.Options{Attempts: 2, Backoff: time.Millisecond})
}

// received counts the gatepass events on the bus by event_id.
func received(t *testing.T, b *eventbus.Bus) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, e := range b.Events(bus.Source, "") {
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

func auditImage(t *testing.T, a access.AuditEntry, seq string) events.DynamoDBEventRecord {
	t.Helper()
	// The image as the stream carries it: what the store writes, in Lambda's JSON form.
	img := map[string]events.DynamoDBAttributeValue{
		"type": events.NewStringAttribute(store.TypeAudit), "audit_id": events.NewStringAttribute(a.ID),
		"action": events.NewStringAttribute(a.Action), "occurred_at": events.NewStringAttribute(a.At.Format(time.RFC3339Nano)),
		"tenant_id": events.NewStringAttribute(a.TenantID), "actor": events.NewStringAttribute(a.Actor),
		"api_id": events.NewStringAttribute(a.APIID),
	}
	return events.DynamoDBEventRecord{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: seq, NewImage: img}}
}

func TestPublishJob_Batch(t *testing.T) {
	b, pub := startBus(t)
	p := &Publish{Bus: pub, Audit: store.AuditFromItem, Log: quiet()}
	ctx := as("PublishFunction")
	entry := func(id string) access.AuditEntry {
		return access.AuditEntry{ID: id, Action: access.EventAPIChanged, At: t0, TenantID: "t1", Actor: "alice", APIID: "api1"}
	}
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		auditImage(t, entry("A1"), "100"),
		{EventName: "INSERT", Change: events.DynamoDBStreamRecord{SequenceNumber: "101", NewImage: map[string]events.DynamoDBAttributeValue{
			"type": events.NewStringAttribute(store.TypeGrant)}}}, // not an audit item: ignored
		auditImage(t, entry("A2"), "102"),
		{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{SequenceNumber: "103", NewImage: auditImage(t, entry("A9"), "").Change.NewImage}},
		auditImage(t, entry("A3"), "104"),
	}}
	resp, err := p.Handle(ctx, batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("got %+v %v, want no failures", resp, err)
	}
	if got := received(t, b); len(got) != 3 || got["A1"] != 1 || got["A2"] != 1 || got["A3"] != 1 {
		t.Fatalf("got %v, want A1, A2, A3 once each", got)
	}
	ev := b.Events(bus.Source, access.EventAPIChanged)[0]
	if ev.EventBusName != "gatepass" || ev.Source != "gatepass" {
		t.Fatalf("event: got %+v", ev)
	}

	// The bus is down: every record from the first audit insert on is reported.
	b.Reset()
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailUnavailable})
	resp, err = p.Handle(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, f := range resp.BatchItemFailures {
		seqs = append(seqs, f.ItemIdentifier)
	}
	if want := []string{"100", "101", "102", "103", "104"}; len(seqs) != 5 || seqs[0] != want[0] || seqs[4] != want[4] {
		t.Fatalf("failures: got %v, want %v", seqs, want)
	}

	// Entries refused one by one: after the publisher's retries, reported from the
	// first that is still refused.
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailNone})
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailEntries})
	resp, _ = p.Handle(ctx, batch)
	if len(resp.BatchItemFailures) != 5 {
		t.Fatalf("got %v, want 5 failures", resp.BatchItemFailures)
	}
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailNone})

	// A poison audit record fails the batch from itself on, after what came before.
	b.Reset()
	bad := auditImage(t, entry("A4"), "105")
	bad.Change.NewImage["occurred_at"] = events.NewStringAttribute("not a time")
	resp, _ = p.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{auditImage(t, entry("A5"), "106"), bad, auditImage(t, entry("A6"), "107")}})
	if len(resp.BatchItemFailures) != 2 || resp.BatchItemFailures[0].ItemIdentifier != "105" {
		t.Fatalf("poison: got %v, want 105 and 107", resp.BatchItemFailures)
	}
	if got := received(t, b); len(got) != 1 || got["A5"] != 1 {
		t.Fatalf("poison: got %v, want A5 published", got)
	}
}

// End to end: changes committed to DynamoDB Local reach the bus through the table's
// stream (read as a Lambda event source mapping does, with the template's filter), one
// event per audit entry by event_id, even when the bus was down for a while.
func TestPublishJob_StreamToBus(t *testing.T) {
	tbl := storetest.OpenStreamed(t, store.Options{})
	b, pub := startBus(t)
	p := &Publish{Bus: pub, Audit: store.AuditFromItem, Log: quiet()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc := dynamodbstreams.New(dynamodbstreams.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(storetest.Endpoint()),
		Credentials: credentials.NewStaticCredentialsProvider(envOr("AWS_ACCESS_KEY_ID", "local"), envOr("AWS_SECRET_ACCESS_KEY", "local"), ""),
	})
	poller, err := streams.New(ctx, streams.Config{
		DB: tbl.DB, Streams: sc, Table: tbl.Name,
		Handler: func(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
			return p.Handle(iamcheck.WithFunction(ctx, "PublishFunction"), ev)
		},
		Filters:          []map[string]any{{"eventName": []any{"INSERT"}, "dynamodb": map[string]any{"NewImage": map[string]any{"type": map[string]any{"S": []any{"AUDIT"}}}}}},
		StartingPosition: stypes.ShardIteratorTypeTrimHorizon,
		BatchSize:        4, PollInterval: 20 * time.Millisecond, Backoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		Logger: quiet(),
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = poller.Run(ctx) }()
	defer func() { cancel(); <-done }()

	c := &clock{t: t0}
	svc := access.NewService(tbl.Store, access.Config{Now: c.Now, CancelNotice: 48 * time.Hour, ReminderDays: days})
	admin := access.Actor{Principal: access.NewPrincipal("alice", "t1", access.RoleTenantAdmin)}
	storetest.RegisterWorkspaces(t, tbl.Store, "t1", "ws1", "ws-000", "ws-001", "ws-002", "ws-003", "ws-004", "ws-005") // R29
	if _, err := svc.PutAPI(ctx, admin, "api1", access.APIInput{WorkspaceID: "ws1", Name: "A", Path: "/a",
		Protocols: []access.Protocol{access.ProtoHTTPS}, Operation: access.OpRead}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first event", func() bool { return len(received(t, b)) == 1 })

	// The bus goes down while changes keep coming: nothing is lost.
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailUnavailable})
	if _, err := svc.PutApp(ctx, admin, "app1", access.AppInput{WorkspaceID: "ws1", Name: "App"}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if _, err := svc.GrantOn(ctx, admin, access.APIResource("api1"), access.GrantInput{
			Subject: wsSubject(i), Envs: []access.Env{access.EnvProd, access.EnvDev},
			Permissions: []access.Permission{access.PermUsage}, Validity: forDays(30),
		}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(b.Events("", "")); n != 1 {
		t.Fatalf("while the bus is down: got %d events, want still 1", n)
	}
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailNone})

	var want []string
	for _, scope := range [][2]string{{"API", "api1"}, {"APP", "app1"}} {
		page, err := tbl.Store.Audit(ctx, scope[0], scope[1], 100, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Items {
			want = append(want, a.ID)
		}
	}
	if len(want) != 1+1+12 {
		t.Fatalf("audit entries: got %d, want 14", len(want))
	}
	waitFor(t, "every event", func() bool { return len(received(t, b)) == len(want) })
	got := received(t, b)
	for _, id := range want {
		if got[id] == 0 {
			t.Fatalf("event %s never arrived", id)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d distinct events, want %d (one per audit entry)", len(got), len(want))
	}
	if n := len(b.Events(bus.Source, access.EventGrantCreated)); n < 12 {
		t.Fatalf("Grant Created: got %d, want 12 (one per grant) or more with redeliveries", n)
	}
}

// waitFor polls ok for up to a minute: under make test the emulator serves every
// package at once, and a stream read can lag by seconds.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// TestPublishJob_ABusThatDoesNotAnswerFailsTheBatchInTime: with the bus silent, the
// publisher (its SDK client under the deadline budget, as settings builds it) reports
// the whole batch as failed before the invocation's deadline, instead of being stopped
// by Lambda with nothing reported.
func TestPublishJob_ABusThatDoesNotAnswerFailsTheBatchInTime(t *testing.T) {
	b, err := eventbus.New(eventbus.Config{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(func() { srv.Close(); b.Close() })
	proxy, err := faultproxy.Start(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(proxy.URL()), Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	deadline.Budget{Margin: 300 * time.Millisecond}.Apply(&cfg)
	p := &Publish{Bus: bus.New(eventbridge.NewFromConfig(cfg), "gatepass", bus.Options{}), Audit: store.AuditFromItem, Log: quiet()}
	entry := access.AuditEntry{ID: "A1", Action: access.EventAPIChanged, At: t0, TenantID: "t1", Actor: "alice", APIID: "api1"}
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{auditImage(t, entry, "100"), auditImage(t, entry, "101")}}

	proxy.Pause()
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	resp, err := p.Handle(ctx, batch)
	took := time.Since(start)
	if err != nil || len(resp.BatchItemFailures) != 2 || resp.BatchItemFailures[0].ItemIdentifier != "100" {
		t.Fatalf("got %+v %v, want both records reported failed", resp, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("answered after %s, at or past the 1.5s deadline", took)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	resp, err = p.Handle(context.Background(), batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("after restore: got %+v %v", resp, err)
	}
}
