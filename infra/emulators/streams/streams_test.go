package streams

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/testkit/faultproxy"
)

var stack *ddblocal.TestStack

func TestMain(m *testing.M) {
	var err error
	stack, err = ddblocal.ForTests(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stack.Close()
	os.Exit(code)
}

// newTable makes a table with a NEW_IMAGE stream and a unique name.
func newTable(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	if stack.Skip != "" {
		t.Skip(stack.Skip)
	}
	ctx := context.Background()
	db := ddblocal.Client(ctx, stack.Endpoint)
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "streams-" + hex.EncodeToString(b[:])
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: ddbtypes.KeyTypeRange},
		},
		StreamSpecification: &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	return db, name
}

func put(t *testing.T, db *dynamodb.Client, table, pk, typ string) {
	t.Helper()
	_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{
		"PK": &ddbtypes.AttributeValueMemberS{Value: pk}, "SK": &ddbtypes.AttributeValueMemberS{Value: "META"},
		"type": &ddbtypes.AttributeValueMemberS{Value: typ}, "n": &ddbtypes.AttributeValueMemberN{Value: "42"},
	}})
	if err != nil {
		t.Fatal(err)
	}
}

// fakePublish records every batch; fail decides the batch item failures of a call.
type fakePublish struct {
	mu      sync.Mutex
	batches [][]events.DynamoDBEventRecord
	fail    func(call int, batch []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error)
}

func (f *fakePublish) handle(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, ev.Records)
	if f.fail != nil {
		return f.fail(len(f.batches), ev.Records)
	}
	return events.DynamoDBEventResponse{}, nil
}

// pks lists the partition keys of every record delivered, in order, with repeats.
func (f *fakePublish) pks() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, b := range f.batches {
		for _, r := range b {
			out = append(out, r.Change.Keys["PK"].String())
		}
	}
	return out
}

func (f *fakePublish) waitFor(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := f.pks(); len(got) >= n {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("got %v after 10s, want %d records", f.pks(), n)
	return nil
}

// expect waits for the records, lets stray redeliveries arrive, and compares them all.
func (f *fakePublish) expect(t *testing.T, want ...string) {
	t.Helper()
	f.waitFor(t, len(want))
	time.Sleep(150 * time.Millisecond)
	if got := f.pks(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func run(t *testing.T, cfg Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Streams = ddblocal.StreamsClient(stack.Endpoint)
	cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	cfg.Backoff = 10 * time.Millisecond
	cfg.PollInterval = 20 * time.Millisecond
	p, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func TestDeliversNewRecordsInBatches(t *testing.T) {
	db, table := newTable(t)
	put(t, db, table, "before", "X") // written before the poller: LATEST skips it
	f := &fakePublish{}
	run(t, Config{DB: db, Table: table, Handler: f.handle, BatchSize: 3})
	for i := 0; i < 7; i++ {
		put(t, db, table, fmt.Sprintf("p%d", i), "X")
	}
	f.expect(t, "p0", "p1", "p2", "p3", "p4", "p5", "p6")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range f.batches {
		if len(b) > 3 {
			t.Fatalf("got a batch of %d, want at most 3", len(b))
		}
	}
	r := f.batches[0][0]
	if r.EventName != "INSERT" || r.EventSource != "aws:dynamodb" || r.EventID == "" || r.AWSRegion != "us-east-1" ||
		r.EventSourceArn == "" || r.Change.SequenceNumber == "" || r.Change.StreamViewType != "NEW_IMAGE" {
		t.Fatalf("got record %+v", r)
	}
	if r.Change.NewImage["type"].String() != "X" || r.Change.NewImage["n"].Number() != "42" || r.Change.Keys["SK"].String() != "META" {
		t.Fatalf("got image %v keys %v", r.Change.NewImage, r.Change.Keys)
	}
}

func TestFilters(t *testing.T) {
	db, table := newTable(t)
	f := &fakePublish{}
	run(t, Config{DB: db, Table: table, Handler: f.handle, Filters: []map[string]any{
		{"eventName": []any{"INSERT"}, "dynamodb": map[string]any{"NewImage": map[string]any{"type": map[string]any{"S": []any{"AUDIT"}}}}},
	}})
	put(t, db, table, "a1", "AUDIT")
	put(t, db, table, "g1", "GRANT")
	put(t, db, table, "a1", "AUDIT") // a MODIFY: filtered out
	put(t, db, table, "a2", "AUDIT")
	f.expect(t, "a1", "a2")
}

func TestRetriesFromFirstFailedRecord(t *testing.T) {
	db, table := newTable(t)
	f := &fakePublish{}
	f.fail = func(call int, batch []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
		// The first call that sees p1 fails it and p3; the retry starts at p1.
		if call == 1 {
			var resp events.DynamoDBEventResponse
			for _, r := range batch {
				if k := r.Change.Keys["PK"].String(); k == "p1" || k == "p3" {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
				}
			}
			return resp, nil
		}
		return events.DynamoDBEventResponse{}, nil
	}
	// Write before Run starts polling, so the first batch holds all four records.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := New(ctx, Config{DB: db, Streams: ddblocal.StreamsClient(stack.Endpoint), Table: table, Handler: f.handle,
		Backoff: 10 * time.Millisecond, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		put(t, db, table, fmt.Sprintf("p%d", i), "X")
	}
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	f.expect(t, "p0", "p1", "p2", "p3", "p1", "p2", "p3")
}

func TestHandlerErrorRetriesWholeBatchThenDrops(t *testing.T) {
	db, table := newTable(t)
	f := &fakePublish{}
	f.fail = func(call int, batch []events.DynamoDBEventRecord) (events.DynamoDBEventResponse, error) {
		if batch[0].Change.Keys["PK"].String() == "poison" {
			return events.DynamoDBEventResponse{}, fmt.Errorf("bus down")
		}
		return events.DynamoDBEventResponse{}, nil
	}
	run(t, Config{DB: db, Table: table, Handler: f.handle, MaxRetries: 2, BatchSize: 1})
	put(t, db, table, "poison", "X")
	put(t, db, table, "after", "X")
	// The poison record is tried 3 times (MaxRetries 2), then the next one goes through.
	f.expect(t, "poison", "poison", "poison", "after")
}

func TestNewErrors(t *testing.T) {
	db, _ := newTable(t)
	ctx := context.Background()
	cfg := Config{DB: db, Streams: ddblocal.StreamsClient(stack.Endpoint), Handler: (&fakePublish{}).handle}
	if _, err := New(ctx, cfg); err == nil {
		t.Fatal("no table: got nil error")
	}
	cfg.Table = "does-not-exist"
	if _, err := New(ctx, cfg); err == nil {
		t.Fatal("missing table: got nil error")
	}
	_, table := newTable(t)
	cfg.Table = table
	cfg.Filters = []map[string]any{{"eventName": []any{map[string]any{"cidr": "x"}}}}
	if _, err := New(ctx, cfg); err == nil {
		t.Fatal("bad filter: got nil error")
	}
}

func TestConvertMap(t *testing.T) {
	in := map[string]stypes.AttributeValue{
		"s":    &stypes.AttributeValueMemberS{Value: "x"},
		"n":    &stypes.AttributeValueMemberN{Value: "1.5"},
		"b":    &stypes.AttributeValueMemberB{Value: []byte{1, 2}},
		"bool": &stypes.AttributeValueMemberBOOL{Value: true},
		"null": &stypes.AttributeValueMemberNULL{Value: true},
		"ss":   &stypes.AttributeValueMemberSS{Value: []string{"a", "b"}},
		"ns":   &stypes.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"bs":   &stypes.AttributeValueMemberBS{Value: [][]byte{{3}}},
		"l":    &stypes.AttributeValueMemberL{Value: []stypes.AttributeValue{&stypes.AttributeValueMemberS{Value: "e"}}},
		"m":    &stypes.AttributeValueMemberM{Value: map[string]stypes.AttributeValue{"k": &stypes.AttributeValueMemberN{Value: "7"}}},
	}
	got, err := ConvertMap(in)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"s", got["s"].String() == "x"},
		{"n", got["n"].Number() == "1.5"},
		{"b", string(got["b"].Binary()) == "\x01\x02"},
		{"bool", got["bool"].Boolean()},
		{"null", got["null"].IsNull()},
		{"ss", fmt.Sprint(got["ss"].StringSet()) == "[a b]"},
		{"ns", fmt.Sprint(got["ns"].NumberSet()) == "[1 2]"},
		{"bs", len(got["bs"].BinarySet()) == 1},
		{"l", got["l"].List()[0].String() == "e"},
		{"m", got["m"].Map()["k"].Number() == "7"},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: converted wrongly: %v", c.name, got[c.name])
		}
	}
	if got, err := ConvertMap(nil); got != nil || err != nil {
		t.Error("nil image should stay nil")
	}
	rec, err := Convert(stypes.Record{EventName: stypes.OperationTypeInsert, Dynamodb: &stypes.StreamRecord{
		SequenceNumber: aws.String("1"), ApproximateCreationDateTime: aws.Time(time.Unix(1700000000, 0)),
	}}, "arn:s", "eu-west-1")
	if err != nil {
		t.Fatal(err)
	}
	if rec.EventSourceArn != "arn:s" || rec.AWSRegion != "eu-west-1" || rec.Change.ApproximateCreationDateTime.Unix() != 1700000000 {
		t.Errorf("got %+v", rec)
	}
}

// start runs a poller until the returned stop is called (or the test ends).
func start(t *testing.T, cfg Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if cfg.Streams == nil {
		cfg.Streams = ddblocal.StreamsClient(stack.Endpoint)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	cfg.Backoff = 10 * time.Millisecond
	cfg.PollInterval = 20 * time.Millisecond
	p, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestPosition_ResumesAfterTheLastHandledRecord: a poller started again on the same
// position file delivers what was written while none ran, and nothing twice.
func TestPosition_ResumesAfterTheLastHandledRecord(t *testing.T) {
	db, table := newTable(t)
	file := filepath.Join(t.TempDir(), "position.json")
	first := &fakePublish{}
	stop := start(t, Config{DB: db, Table: table, Handler: first.handle, PositionFile: file})
	put(t, db, table, "a0", "X")
	put(t, db, table, "a1", "X")
	first.expect(t, "a0", "a1")
	stop()

	put(t, db, table, "b0", "X") // while no poller runs
	put(t, db, table, "b1", "X")
	second := &fakePublish{}
	start(t, Config{DB: db, Table: table, Handler: second.handle, PositionFile: file})
	put(t, db, table, "c0", "X")
	second.expect(t, "b0", "b1", "c0")

	// A file about another stream (the table was made again) is ignored: StartingPosition.
	b, _ := os.ReadFile(file)
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), table, "other", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	third := &fakePublish{}
	start(t, Config{DB: db, Table: table, Handler: third.handle, PositionFile: file})
	put(t, db, table, "d0", "X")
	third.expect(t, "d0")
}

// syncBuffer is a log destination the poller's goroutine and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// countingTransport counts the requests the streams client sends.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// TestOutage_BackoffIsCappedAndLoggedOnce: while the stream cannot be read (refused,
// or silent past CallTimeout), the poller backs off (at most 500 ms between rounds),
// logs the outage once and its end once, and delivers within a second of the restore.
func TestOutage_BackoffIsCappedAndLoggedOnce(t *testing.T) {
	for _, mode := range []string{"refused", "paused"} {
		t.Run(mode, func(t *testing.T) { testOutage(t, mode) })
	}
}

func testOutage(t *testing.T, mode string) {
	db, table := newTable(t)
	proxy, err := faultproxy.Start(strings.TrimPrefix(stack.Endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	counter := &countingTransport{}
	client := dynamodbstreams.New(dynamodbstreams.Options{
		Region: ddblocal.Region, BaseEndpoint: aws.String(proxy.URL()), Credentials: ddblocal.Credentials(),
		HTTPClient: &http.Client{Transport: counter}, RetryMaxAttempts: 1,
	})
	logs := &syncBuffer{}
	f := &fakePublish{}
	start(t, Config{DB: db, Streams: client, Table: table, Handler: f.handle, CallTimeout: time.Second,
		Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	put(t, db, table, "before", "X")
	f.expect(t, "before")

	if mode == "refused" {
		proxy.Refuse()
	} else {
		proxy.Pause()
	}
	counter.n.Store(0)
	time.Sleep(2 * time.Second)
	requests := counter.n.Load()
	put(t, db, table, "during", "X")
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	restored := time.Now()
	f.waitFor(t, 2)
	if took := time.Since(restored); took > time.Second {
		t.Errorf("delivered %s after the restore, want within 1s", took)
	}
	// 20 ms doubling to 500 ms is about 9 rounds in 2 s; without backoff it was 20+.
	if requests > 12 {
		t.Errorf("%d reads in 2s of outage, want at most 12 (backoff capped at 500ms)", requests)
	}
	if n := strings.Count(logs.String(), "stream read failing"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logs)
	}
	if n := strings.Count(logs.String(), "stream read recovered"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once", n)
	}
}
