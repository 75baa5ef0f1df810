package eventbus

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
)

// sink is a fake rule target that keeps what it was given.
type sink struct {
	mu     sync.Mutex
	got    []events.EventBridgeEvent
	failN  int // fail this many calls first
	called int
}

func (s *sink) handle(_ context.Context, ev events.EventBridgeEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.called++
	if s.called <= s.failN {
		return errors.New("target failed")
	}
	s.got = append(s.got, ev)
	return nil
}

func (s *sink) events() []events.EventBridgeEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]events.EventBridgeEvent(nil), s.got...)
}

func quiet() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

func startBus(t *testing.T, cfg Config) (*Bus, *httptest.Server) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = quiet()
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(b)
	t.Cleanup(func() { srv.Close(); b.Close() })
	return b, srv
}

func client(url string, opts ...func(*eventbridge.Options)) *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	}, opts...)
}

func entry(source, detailType, detail string) ebtypes.PutEventsRequestEntry {
	return ebtypes.PutEventsRequestEntry{
		Source: aws.String(source), DetailType: aws.String(detailType), Detail: aws.String(detail),
		EventBusName: aws.String("gatepass"),
	}
}

func listEvents(t *testing.T, url string) []Event {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []Event
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPutEventsAndList(t *testing.T) {
	_, srv := startBus(t, Config{})
	ctx := context.Background()
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e2 := entry("gatepass", "Grant Revoked", `{"grant_id": "g2"}`)
	e2.Time = aws.Time(when)
	e2.Resources = []string{"arn:aws:local:grant/g2"}
	e2.EventBusName = aws.String("arn:aws:events:us-east-1:000000000000:event-bus/gatepass")
	out, err := client(srv.URL).PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("gatepass", "Grant Created", `{"grant_id": "g1", "n": 1}`), e2,
		entry("other", "Grant Created", `{}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.FailedEntryCount != 0 || len(out.Entries) != 3 {
		t.Fatalf("got %d failed, %d entries; want 0, 3", out.FailedEntryCount, len(out.Entries))
	}
	for _, e := range out.Entries {
		if aws.ToString(e.EventId) == "" || e.ErrorCode != nil {
			t.Fatalf("got entry %+v, want an event id", e)
		}
	}

	all := listEvents(t, srv.URL+"/events")
	if len(all) != 3 {
		t.Fatalf("got %d events, want 3", len(all))
	}
	if all[0].ID != aws.ToString(out.Entries[0].EventId) || all[0].DetailType != "Grant Created" || string(all[0].Detail) != `{"grant_id":"g1","n":1}` {
		t.Fatalf("got first event %+v", all[0])
	}
	if all[0].EventBusName != "gatepass" || all[1].EventBusName != "gatepass" {
		t.Fatalf("got buses %q %q, want gatepass", all[0].EventBusName, all[1].EventBusName)
	}
	if !all[1].Time.Equal(when) || len(all[1].Resources) != 1 {
		t.Fatalf("got time %v resources %v, want %v and one resource", all[1].Time, all[1].Resources, when)
	}
	if all[0].Time.IsZero() || all[0].Resources == nil {
		t.Fatalf("got time %v resources %v, want now and []", all[0].Time, all[0].Resources)
	}

	filtered := listEvents(t, srv.URL+"/events?source=gatepass&detail-type=Grant+Revoked")
	if len(filtered) != 1 || filtered[0].ID != all[1].ID {
		t.Fatalf("got %+v, want only the revoked event", filtered)
	}
	if got := listEvents(t, srv.URL+"/events?source=nobody"); len(got) != 0 {
		t.Fatalf("got %d events, want 0", len(got))
	}
}

func TestPutEventsEntryValidation(t *testing.T) {
	_, srv := startBus(t, Config{})
	noSource := entry("", "T", `{}`)
	noSource.Source = nil
	out, err := client(srv.URL).PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		noSource,
		entry("s", "", `{}`),
		{Source: aws.String("s"), DetailType: aws.String("T")},
		entry("s", "T", `{not json`),
		entry("s", "T", `[1, 2]`),
		entry("s", "T", `"text"`),
		entry("s", "T", `{"ok": true}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantCodes := []string{"InvalidArgument", "InvalidArgument", "InvalidArgument", "MalformedDetail", "MalformedDetail", "MalformedDetail", ""}
	if out.FailedEntryCount != 6 {
		t.Fatalf("got FailedEntryCount %d, want 6", out.FailedEntryCount)
	}
	for i, want := range wantCodes {
		e := out.Entries[i]
		if aws.ToString(e.ErrorCode) != want {
			t.Errorf("entry %d: got code %q, want %q", i, aws.ToString(e.ErrorCode), want)
		}
		if want != "" && (aws.ToString(e.ErrorMessage) == "" || e.EventId != nil) {
			t.Errorf("entry %d: got %+v, want a message and no id", i, e)
		}
	}
	if got := listEvents(t, srv.URL+"/events"); len(got) != 1 {
		t.Fatalf("got %d kept events, want 1", len(got))
	}
}

func TestPutEventsRequestValidation(t *testing.T) {
	_, srv := startBus(t, Config{})
	many := make([]ebtypes.PutEventsRequestEntry, 11)
	for i := range many {
		many[i] = entry("s", "T", `{}`)
	}
	big := entry("s", "T", `{"x":"`+strings.Repeat("a", MaxTotalSize)+`"}`)
	tests := []struct {
		name    string
		entries []ebtypes.PutEventsRequestEntry
	}{
		{"no entries", []ebtypes.PutEventsRequestEntry{}},
		{"eleven entries", many},
		{"over 256 KB", []ebtypes.PutEventsRequestEntry{big}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client(srv.URL).PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: tc.entries})
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" || api.ErrorMessage() == "" {
				t.Fatalf("got %v, want a ValidationException", err)
			}
		})
	}
	t.Run("at 256 KB", func(t *testing.T) {
		detail := `{"x":"` + strings.Repeat("a", MaxTotalSize-len(`{"x":""}`)-2) + `"}`
		out, err := client(srv.URL).PutEvents(context.Background(), &eventbridge.PutEventsInput{
			Entries: []ebtypes.PutEventsRequestEntry{entry("s", "T", detail)}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("got %v, %+v; want accepted", err, out)
		}
	})
}

func TestRawProtocol(t *testing.T) {
	_, srv := startBus(t, Config{})
	post := func(target, body string) (int, map[string]string) {
		req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, m := post("AWSEvents.ListRules", `{}`); code != 400 || m["__type"] != "UnknownOperationException" {
		t.Errorf("unknown operation: got %d %v", code, m)
	}
	if code, m := post("AWSEvents.PutEvents", `{nope`); code != 400 || m["__type"] != "SerializationException" {
		t.Errorf("bad json: got %d %v", code, m)
	}
	if code, m := post("AWSEvents.PutEvents", `{"Entries": []}`); code != 400 || m["__type"] != "ValidationException" || m["message"] == "" {
		t.Errorf("no entries: got %d %v", code, m)
	}
	// The CLI and SDKs send Time as epoch seconds.
	req, _ := http.NewRequest("POST", srv.URL+"/", strings.NewReader(`{"Entries":[{"Source":"s","DetailType":"T","Detail":"{}","Time":1767225600}]}`))
	req.Header.Set("X-Amz-Target", "AWSEvents.PutEvents")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"FailedEntryCount":0`) || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Fatalf("got %d %s", resp.StatusCode, b)
	}
	if got := listEvents(t, srv.URL+"/events"); len(got) != 1 || got[0].Time.Unix() != 1767225600 || got[0].EventBusName != "default" {
		t.Fatalf("got %+v", got)
	}
}

func TestRuleDelivery(t *testing.T) {
	catalog, all, broken := &sink{}, &sink{}, &sink{failN: 1}
	b, srv := startBus(t, Config{Backoff: time.Millisecond, Targets: []Target{
		{Name: "CatalogEventsRule", Handler: catalog.handle, Pattern: map[string]any{
			"source":      []any{"dataservice.catalog"},
			"detail-type": []any{"API Published", "API Unpublished", "API Deleted"},
		}},
		{Name: "Everything", Handler: all.handle, Pattern: map[string]any{"source": []any{"dataservice.catalog", "gatepass"}}},
		{Name: "Flaky", Handler: broken.handle, Pattern: map[string]any{"detail": map[string]any{"api_id": []any{"a2"}}}},
		{Name: "Unmounted", Pattern: map[string]any{"source": []any{"gatepass"}}},
	}})
	_, err := client(srv.URL).PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		entry("dataservice.catalog", "API Unpublished", `{"api_id": "a1", "tenant_id": "t1"}`),
		entry("dataservice.catalog", "API Renamed", `{"api_id": "a2"}`),
		entry("gatepass", "Grant Created", `{"api_id": "a3"}`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	b.Wait()
	got := catalog.events()
	if len(got) != 1 {
		t.Fatalf("catalog target got %d events, want 1", len(got))
	}
	ev := got[0]
	if ev.Source != "dataservice.catalog" || ev.DetailType != "API Unpublished" || ev.Version != "0" ||
		ev.AccountID == "" || ev.Region != "us-east-1" || ev.Time.IsZero() || ev.ID == "" || ev.Resources == nil {
		t.Fatalf("got %+v", ev)
	}
	var detail map[string]string
	if err := json.Unmarshal(ev.Detail, &detail); err != nil || detail["api_id"] != "a1" {
		t.Fatalf("got detail %s", ev.Detail)
	}
	if n := len(all.events()); n != 3 {
		t.Fatalf("catch-all target got %d events, want 3", n)
	}
	if n := len(broken.events()); n != 1 || broken.called != 2 {
		t.Fatalf("flaky target: got %d events in %d calls, want 1 in 2 (one retry)", n, broken.called)
	}
}

func TestBadTargetPattern(t *testing.T) {
	_, err := New(Config{Targets: []Target{{Name: "r", Pattern: map[string]any{"a": []any{map[string]any{"cidr": "10.0.0.0/8"}}}}}})
	if err == nil || !strings.Contains(err.Error(), "cidr") {
		t.Fatalf("got %v, want an error naming cidr", err)
	}
}

func TestKeepsTheLastEvents(t *testing.T) {
	b, srv := startBus(t, Config{Keep: 3})
	c := client(srv.URL)
	for i := 0; i < 5; i++ {
		if _, err := c.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			entry("s", "T", `{"i":`+string(rune('0'+i))+`}`),
		}}); err != nil {
			t.Fatal(err)
		}
	}
	got := listEvents(t, srv.URL+"/events")
	if len(got) != 3 || string(got[0].Detail) != `{"i":2}` || string(got[2].Detail) != `{"i":4}` {
		t.Fatalf("got %+v, want events 2..4 oldest first", got)
	}
	b.Reset()
	if got := b.Events("", ""); len(got) != 0 {
		t.Fatalf("got %d after Reset, want 0", len(got))
	}
}

func TestFailureInjection(t *testing.T) {
	b, srv := startBus(t, Config{})
	ctx := context.Background()
	put := func(c *eventbridge.Client, n int) (*eventbridge.PutEventsOutput, error) {
		es := make([]ebtypes.PutEventsRequestEntry, n)
		for i := range es {
			es[i] = entry("gatepass", "Grant Created", `{}`)
		}
		return c.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: es})
	}
	noRetry := client(srv.URL, func(o *eventbridge.Options) { o.RetryMaxAttempts = 1 })

	t.Run("failed entries", func(t *testing.T) {
		b.SetFailure(Failure{Mode: FailEntries, N: 2})
		out, err := put(noRetry, 3)
		if err != nil {
			t.Fatal(err)
		}
		if out.FailedEntryCount != 2 || aws.ToString(out.Entries[0].ErrorCode) != "InternalFailure" || out.Entries[2].EventId == nil {
			t.Fatalf("got %d failed %+v", out.FailedEntryCount, out.Entries)
		}
		if out, _ := put(noRetry, 1); out.FailedEntryCount != 0 {
			t.Fatal("the fault outlived its count")
		}
	})
	t.Run("unavailable until cleared", func(t *testing.T) {
		b.SetFailure(Failure{Mode: FailUnavailable})
		for i := 0; i < 2; i++ {
			_, err := put(noRetry, 1)
			var re interface{ HTTPStatusCode() int }
			if !errors.As(err, &re) || re.HTTPStatusCode() != 503 {
				t.Fatalf("got %v, want a 503", err)
			}
		}
		b.SetFailure(Failure{})
		if _, err := put(noRetry, 1); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unavailable once, the SDK retries", func(t *testing.T) {
		b.SetFailure(Failure{Mode: FailUnavailable, N: 1})
		if _, err := put(client(srv.URL), 1); err != nil {
			t.Fatalf("got %v, want success after a retry", err)
		}
	})
	t.Run("connection dropped", func(t *testing.T) {
		b.SetFailure(Failure{Mode: FailDrop, N: 1})
		if _, err := put(noRetry, 1); err == nil {
			t.Fatal("got nil error, want a connection error")
		}
		if _, err := put(noRetry, 1); err != nil {
			t.Fatalf("after the fault: %v", err)
		}
	})
	// Failed and dropped entries are not kept.
	kept := len(b.Events("", ""))
	if kept != 5 { // 1 of 3, 1, 1 after clearing, 1 retried, 1 after the drop
		t.Fatalf("got %d kept events, want 5", kept)
	}
}
