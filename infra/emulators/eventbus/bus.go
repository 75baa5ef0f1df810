// Package eventbus is a local, EventBridge-compatible event bus for the development
// server and the publisher's tests. It answers PutEvents as the service does (JSON 1.1
// protocol, X-Amz-Target AWSEvents.PutEvents), so the real SDKs and
// `aws events put-events --endpoint-url` work against it; it accepts any bus name,
// logs every accepted event as one JSON line, keeps the last ones in memory
// (GET /events lists them), and delivers each event asynchronously to the targets whose
// rule patterns match it, retrying a failed delivery a few times.
//
// Validation follows the service: 1 to 10 entries and at most 256 KB in all (else 400
// ValidationException); per entry, Source, DetailType and Detail are required
// (InvalidArgument) and Detail must be a JSON object (MalformedDetail), reported in
// FailedEntryCount and Entries.
//
// Event patterns (the rules of template.yaml, and the stream filters) support:
//
//   - exact values in a list: strings, numbers (compared numerically), true, false, null
//   - {"prefix": s}, {"suffix": s}, each also as {"prefix": {"equals-ignore-case": s}}
//   - {"equals-ignore-case": s}
//   - {"wildcard": "a*b"}
//   - {"anything-but": v | [v, ...] | {"prefix": s} | {"suffix": s} | {"wildcard": s} |
//     {"equals-ignore-case": s | [s, ...]}}: the field must be present
//   - {"exists": true | false}
//   - {"numeric": [">", 0, "<=", 5]} with =, <, <=, >, >=
//   - nested objects (detail fields at any depth); an array in the event matches when
//     any element does
//
// Not supported, and refused when a pattern is compiled: $or, cidr, and anything else.
package eventbus

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// Limits of the service.
const (
	MaxEntries   = 10
	MaxTotalSize = 256 * 1024
)

// Handler is the signature of a function run by a rule (or a schedule).
type Handler func(context.Context, events.EventBridgeEvent) error

// Target is a rule and the function it runs.
type Target struct {
	Name    string         // the rule or function, for logs
	Pattern map[string]any // the rule's event pattern
	Handler Handler        // nil: matched and logged, not delivered
}

// Config configures a Bus.
type Config struct {
	Targets []Target
	Logger  *slog.Logger     // default slog.Default()
	Now     func() time.Time // default time.Now
	Keep    int              // events kept for GET /events; default 10,000
	// Attempts is how many times a failing delivery is tried; default 3.
	Attempts int
	// Backoff before the second attempt, doubled after each; default 200ms.
	Backoff           time.Duration
	AccountID, Region string
}

// Event is an accepted event as GET /events lists it.
type Event struct {
	ID           string          `json:"id"`
	Time         time.Time       `json:"time"`
	Source       string          `json:"source"`
	DetailType   string          `json:"detail-type"`
	Detail       json.RawMessage `json:"detail"`
	EventBusName string          `json:"event_bus_name"`
	Resources    []string        `json:"resources"`
}

// FailureMode selects a fault for SetFailure.
type FailureMode int

const (
	// FailNone clears any fault.
	FailNone FailureMode = iota
	// FailEntries fails entries with InternalFailure (a retryable per-entry error,
	// counted in FailedEntryCount); they are neither kept nor delivered.
	FailEntries
	// FailUnavailable answers requests with 503 ServiceUnavailable.
	FailUnavailable
	// FailDrop closes the connection of each request without an answer.
	FailDrop
)

// Failure is a fault to inject: Mode for the next N entries (FailEntries) or requests
// (the others); N = 0 means until cleared.
type Failure struct {
	Mode FailureMode
	N    int
}

type compiledTarget struct {
	Target
	pattern *Pattern
}

// Bus is the local event bus; it is an http.Handler.
type Bus struct {
	cfg     Config
	targets []compiledTarget

	mu      sync.Mutex
	events  []Event // ring buffer, oldest at head
	head    int
	failure Failure

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New compiles the targets' patterns and returns the bus.
func New(cfg Config) (*Bus, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 10000
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "000000000000"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	b := &Bus{cfg: cfg}
	for _, t := range cfg.Targets {
		p, err := CompilePattern(t.Pattern)
		if err != nil {
			return nil, fmt.Errorf("eventbus: target %s: %w", t.Name, err)
		}
		b.targets = append(b.targets, compiledTarget{Target: t, pattern: p})
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b, nil
}

// Close stops retrying deliveries and waits for those in flight to return.
func (b *Bus) Close() {
	b.cancel()
	b.wg.Wait()
}

// Wait blocks until every delivery started so far has finished: for tests.
func (b *Bus) Wait() { b.wg.Wait() }

// SetFailure injects a fault (or clears it with FailNone), for tests of publishers.
func (b *Bus) SetFailure(f Failure) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failure = f
}

// takeFailure consumes one unit of the current fault if it is of the given mode.
func (b *Bus) takeFailure(mode FailureMode) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failure.Mode != mode || mode == FailNone {
		return false
	}
	if b.failure.N > 0 {
		b.failure.N--
		if b.failure.N == 0 {
			b.failure = Failure{}
		}
	}
	return true
}

// Events lists the kept events, oldest first, optionally filtered by source and
// detail type ("" matches all).
func (b *Bus) Events(source, detailType string) []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []Event{}
	n := len(b.events)
	for i := 0; i < n; i++ {
		e := b.events[(b.head+i)%n]
		if (source == "" || e.Source == source) && (detailType == "" || e.DetailType == detailType) {
			out = append(out, e)
		}
	}
	return out
}

// Reset forgets the kept events.
func (b *Bus) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events, b.head = nil, 0
}

func (b *Bus) keep(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.events) < b.cfg.Keep {
		b.events = append(b.events, e)
		return
	}
	b.events[b.head] = e
	b.head = (b.head + 1) % len(b.events)
}

// ServeHTTP serves POST / (the EventBridge API) and GET /events.
func (b *Bus) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/events" && r.Method == http.MethodGet:
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(b.Events(q.Get("source"), q.Get("detail-type")))
	case r.URL.Path == "/" && r.Method == http.MethodPost:
		b.serveAPI(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

func (b *Bus) serveAPI(w http.ResponseWriter, r *http.Request) {
	if b.takeFailure(FailDrop) {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // closes the connection without an answer
	}
	if b.takeFailure(FailUnavailable) {
		apiError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "the local bus is down (injected fault)")
		return
	}
	switch target := r.Header.Get("X-Amz-Target"); target {
	case "AWSEvents.PutEvents":
		b.putEvents(w, r)
	default:
		apiError(w, http.StatusBadRequest, "UnknownOperationException", fmt.Sprintf("operation %q is not supported by the local bus", target))
	}
}

// putEventsInput is the JSON 1.1 request of PutEvents.
type putEventsInput struct {
	Entries    []putEntry
	EndpointId *string
}

// putEntry is one entry of a PutEvents request.
type putEntry struct {
	Source       *string
	DetailType   *string
	Detail       *string
	EventBusName *string
	Resources    []string
	Time         json.RawMessage // epoch seconds (a number), as the SDKs send it
	TraceHeader  *string
}

type resultEntry struct {
	EventId      string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

func (b *Bus) putEvents(w http.ResponseWriter, r *http.Request) {
	in, ok := readPutEvents(w, r)
	if !ok {
		return
	}
	now := b.cfg.Now().UTC()
	out := struct {
		FailedEntryCount int
		Entries          []resultEntry
	}{Entries: make([]resultEntry, len(in.Entries))}
	for i, e := range in.Entries {
		ev, failed := b.admit(e, now)
		if failed != nil {
			out.Entries[i] = *failed
			out.FailedEntryCount++
			continue
		}
		out.Entries[i] = resultEntry{EventId: ev.ID}
		b.accept(ev)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Requestid", NewID())
	_ = json.NewEncoder(w).Encode(out)
}

// readPutEvents decodes a PutEvents request and checks its number of entries and total
// size; when the request fails, it answers it and reports false.
func readPutEvents(w http.ResponseWriter, r *http.Request) (putEventsInput, bool) {
	var in putEventsInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4*MaxTotalSize))
	if err := dec.Decode(&in); err != nil {
		apiError(w, http.StatusBadRequest, "SerializationException", "the request body is not a valid PutEvents request")
		return in, false
	}
	if n := len(in.Entries); n < 1 || n > MaxEntries {
		apiError(w, http.StatusBadRequest, "ValidationException",
			fmt.Sprintf("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and %d (got %d)", MaxEntries, n))
		return in, false
	}
	total := 0
	for _, e := range in.Entries {
		total += entrySize(e.Source, e.DetailType, e.Detail, e.Resources, len(e.Time) > 0)
	}
	if total > MaxTotalSize {
		apiError(w, http.StatusBadRequest, "ValidationException", "Total size of the entries in the request is over the limit.")
		return in, false
	}
	return in, true
}

// admit makes the event of entry e, or the entry's failure.
func (b *Bus) admit(e putEntry, now time.Time) (Event, *resultEntry) {
	fail := func(code, msg string) (Event, *resultEntry) {
		return Event{}, &resultEntry{ErrorCode: code, ErrorMessage: msg}
	}
	switch {
	case e.Source == nil || *e.Source == "":
		return fail("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument.")
	case e.DetailType == nil || *e.DetailType == "":
		return fail("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument.")
	case e.Detail == nil || *e.Detail == "":
		return fail("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(*e.Detail), &obj); err != nil || obj == nil {
		return fail("MalformedDetail", "Detail is malformed.")
	}
	t, err := entryTime(e.Time, now)
	if err != nil {
		return fail("InvalidArgument", "Parameter Time is not valid.")
	}
	if b.takeFailure(FailEntries) {
		return fail("InternalFailure", "Internal service error (injected fault).")
	}
	bus := "default"
	if e.EventBusName != nil && *e.EventBusName != "" {
		bus = busName(*e.EventBusName)
	}
	var detail bytes.Buffer
	if err := json.Compact(&detail, []byte(*e.Detail)); err != nil {
		return fail("MalformedDetail", "Detail is malformed.")
	}
	ev := Event{
		ID: NewID(), Time: t, Source: *e.Source, DetailType: *e.DetailType,
		Detail: detail.Bytes(), EventBusName: bus, Resources: e.Resources,
	}
	if ev.Resources == nil {
		ev.Resources = []string{}
	}
	return ev, nil
}

// accept logs, keeps and routes one event.
func (b *Bus) accept(ev Event) {
	b.cfg.Logger.Info("event", "id", ev.ID, "event_bus_name", ev.EventBusName, "source", ev.Source,
		"detail-type", ev.DetailType, "time", ev.Time.Format(time.RFC3339), "resources", ev.Resources, "detail", ev.Detail)
	b.keep(ev)
	b.Route(ev)
}

// Route delivers an event to every target whose pattern matches, asynchronously.
func (b *Bus) Route(ev Event) {
	eb := events.EventBridgeEvent{
		Version: "0", ID: ev.ID, DetailType: ev.DetailType, Source: ev.Source,
		AccountID: b.cfg.AccountID, Time: ev.Time, Region: b.cfg.Region,
		Resources: ev.Resources, Detail: ev.Detail,
	}
	raw, err := json.Marshal(eb)
	if err != nil {
		b.cfg.Logger.Error("event not routable", "id", ev.ID, "error", err.Error())
		return
	}
	for _, t := range b.targets {
		ok, err := t.pattern.Match(raw)
		if err != nil || !ok {
			continue
		}
		if t.Handler == nil {
			b.cfg.Logger.Info("event matched a target that is not mounted", "id", ev.ID, "target", t.Name)
			continue
		}
		b.wg.Add(1)
		go b.deliver(t.Target, eb)
	}
}

// deliver runs the target, retrying with backoff as EventBridge retries a failed
// asynchronous invocation (here a few times, not for 24 hours).
func (b *Bus) deliver(t Target, ev events.EventBridgeEvent) {
	defer b.wg.Done()
	backoff := b.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := callSafely(b.ctx, t.Handler, ev)
		if err == nil {
			b.cfg.Logger.Info("event delivered", "id", ev.ID, "target", t.Name, "attempt", attempt)
			return
		}
		if attempt >= b.cfg.Attempts || b.ctx.Err() != nil {
			b.cfg.Logger.Error("event delivery failed", "id", ev.ID, "target", t.Name, "attempts", attempt, "error", err.Error())
			return
		}
		b.cfg.Logger.Warn("event delivery failed, retrying", "id", ev.ID, "target", t.Name, "attempt", attempt, "error", err.Error())
		select {
		case <-time.After(backoff):
		case <-b.ctx.Done():
		}
		backoff *= 2
	}
}

func callSafely(ctx context.Context, h Handler, ev events.EventBridgeEvent) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return h(ctx, ev)
}

// entrySize is the size of an entry as EventBridge counts it toward the 256 KB limit:
// Time (14 bytes when present), Source, DetailType, Detail and each resource, in UTF-8.
func entrySize(source, detailType, detail *string, resources []string, hasTime bool) int {
	n := 0
	if hasTime {
		n += 14
	}
	for _, s := range []*string{source, detailType, detail} {
		if s != nil {
			n += len(*s)
		}
	}
	for _, r := range resources {
		n += len(r)
	}
	return n
}

// entryTime reads an entry's Time: epoch seconds (what the SDKs send), or an RFC 3339
// string; absent means now.
func entryTime(raw json.RawMessage, now time.Time) (time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return now.Truncate(time.Second), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		f, err := n.Float64()
		if err != nil {
			return time.Time{}, err
		}
		return time.Unix(0, int64(f*1e9)).UTC().Truncate(time.Second), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, s)
	return t.UTC().Truncate(time.Second), err
}

// busName takes the name out of a bus ARN (arn:aws:events:region:account:event-bus/name).
func busName(s string) string {
	if i := strings.LastIndex(s, ":event-bus/"); i >= 0 && strings.HasPrefix(s, "arn:") {
		return s[i+len(":event-bus/"):]
	}
	return s
}

func apiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.Header().Set("X-Amzn-Requestid", NewID())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// NewID makes a random version-4 UUID, the shape of EventBridge's event ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

var _ http.Handler = (*Bus)(nil)
