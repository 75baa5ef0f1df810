// Package bus publishes gatepass's domain events to EventBridge: one event per audit
// entry (the outbox, DESIGN.md "Events"), source "gatepass", the entry's action as the
// detail type and its id as the detail's event_id, so that consumers drop duplicates.
package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/shared/access"
	"gatepass/shared/deadline"
)

// Source is the source of every gatepass event.
const Source = "gatepass"

// MaxEntries is PutEvents' limit on entries per call.
const MaxEntries = 10

// API is the part of the EventBridge client the publisher uses (*eventbridge.Client).
type API interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

var _ API = (*eventbridge.Client)(nil)

// Options tune a Publisher; the zero value is ready to use.
type Options struct {
	// Attempts is how many times an entry is sent before it is reported as failed
	// (default 4). The SDK retries a failed call on its own first; these attempts cover
	// entries that PutEvents refused one by one (FailedEntryCount > 0).
	Attempts int
	// Backoff is the first pause before a retry, doubled each time, with jitter
	// (default 100ms).
	Backoff time.Duration
}

// Publisher sends events to one bus.
type Publisher struct {
	api      API
	bus      string
	attempts int
	backoff  time.Duration
}

// New returns a Publisher on the bus named busName (a name or an ARN).
func New(api API, busName string, opts Options) *Publisher {
	p := &Publisher{api: api, bus: busName, attempts: opts.Attempts, backoff: opts.Backoff}
	if p.attempts < 1 {
		p.attempts = 4
	}
	if p.backoff <= 0 {
		p.backoff = 100 * time.Millisecond
	}
	return p
}

// Bus is the name of the bus the publisher sends to.
func (p *Publisher) Bus() string { return p.bus }

// Event is the domain event of an audit entry (SPEC.md "Events"): source gatepass, the
// entry's action as detail type, its time as the event's time, and a detail carrying
// event_id (the entry's id) and the fields that apply. A grant event always carries
// end_time, null meaning unlimited. There is no AppCode or AppSecret in an audit entry
// (only a code's id and a public AppKey), so none can leak here.
func Event(a access.AuditEntry, busName string) types.PutEventsRequestEntry {
	b, _ := json.Marshal(Detail(a)) // strings, numbers and lists of them: cannot fail
	e := types.PutEventsRequestEntry{
		Source:     aws.String(Source),
		DetailType: aws.String(a.Action),
		Detail:     aws.String(string(b)),
	}
	if busName != "" {
		e.EventBusName = aws.String(busName)
	}
	if !a.At.IsZero() {
		e.Time = aws.Time(a.At.UTC())
	}
	return e
}

// Detail is the detail object of an audit entry's event.
func Detail(a access.AuditEntry) map[string]any {
	d := map[string]any{
		"event_id":    a.ID,
		"occurred_at": fmtTime(a.At),
		"tenant_id":   a.TenantID,
	}
	str := func(k, v string) {
		if v != "" {
			d[k] = v
		}
	}
	str("api_id", a.APIID)
	str("app_id", a.AppID)
	str("grant_id", a.GrantID)
	str("request_id", a.RequestID)
	str("env", string(a.Env))
	str("actor", a.Actor)
	str("reason", a.Reason)
	str("app_key", a.AppKey) // public, never the AppSecret
	str("code_id", a.CodeID) // an AppCode's id, never the code
	if r := a.Resource; r != nil {
		d["resource"] = map[string]string{"type": string(r.Type), "id": r.ID}
	}
	if a.Subject != nil {
		d["subject"] = map[string]string{"type": string(a.Subject.Type), "id": a.Subject.ID, "tenant_id": a.Subject.TenantID}
	}
	if a.GrantID != "" || a.EndTime != nil {
		d["end_time"] = optTime(a.EndTime)
	}
	if a.CancelAt != nil {
		d["cancel_at"] = fmtTime(*a.CancelAt)
	}
	if len(a.Permissions) > 0 {
		perms := make([]string, len(a.Permissions))
		for i, p := range a.Permissions {
			perms[i] = string(p)
		}
		d["permissions"] = perms
	}
	if a.ThresholdDays != 0 {
		d["threshold_days"] = a.ThresholdDays
	}
	return d
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fmtTime(*t)
}

// FailedError reports the entries that were not accepted after every attempt.
type FailedError struct {
	Failed []int // indices into the entries given to Publish, ascending
	Code   string
	Msg    string
	Err    error // the call's error, when the call itself failed
}

func (e *FailedError) Error() string {
	s := fmt.Sprintf("bus: %d entries not accepted", len(e.Failed))
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FailedError) Unwrap() error { return e.Err }

// Publish sends entries, at most MaxEntries a call, in order. Entries that PutEvents
// refuses (FailedEntryCount > 0), or all of a call that fails, are sent again with
// backoff, a bounded number of times. It returns the indices of the entries that were
// not accepted: once a chunk still has failures after every attempt, the entries of the
// later chunks are not sent and count as failed too, so that a caller that retries from
// the first failure (a stream's batch) re-sends as little as possible. The error is a
// *FailedError when any entry failed, or the context's error.
func (p *Publisher) Publish(ctx context.Context, entries []types.PutEventsRequestEntry) ([]int, error) {
	for start := 0; start < len(entries); start += MaxEntries {
		end := min(start+MaxEntries, len(entries))
		failed, ferr := p.send(ctx, entries[start:end])
		if len(failed) == 0 {
			continue
		}
		out := make([]int, 0, len(failed)+len(entries)-end)
		for _, i := range failed {
			out = append(out, start+i)
		}
		for i := end; i < len(entries); i++ {
			out = append(out, i)
		}
		ferr.Failed = out
		return out, ferr
	}
	return nil, nil
}

// send sends one chunk (≤ 10 entries) with retries; it returns the indices (in chunk)
// that failed for good, and why.
func (p *Publisher) send(ctx context.Context, chunk []types.PutEventsRequestEntry) ([]int, *FailedError) {
	pending := make([]int, len(chunk))
	for i := range pending {
		pending[i] = i
	}
	last := &FailedError{}
	for attempt := 1; ; attempt++ {
		in := &eventbridge.PutEventsInput{Entries: make([]types.PutEventsRequestEntry, len(pending))}
		for j, i := range pending {
			in.Entries[j] = chunk[i]
		}
		out, err := p.api.PutEvents(ctx, in)
		switch {
		case err != nil:
			last = &FailedError{Err: err}
		case len(out.Entries) != len(pending):
			last = &FailedError{Msg: fmt.Sprintf("PutEvents answered %d entries for %d", len(out.Entries), len(pending))}
		case out.FailedEntryCount == 0:
			return nil, nil
		default:
			// Result entries are in the order of the request; a failed one has an
			// ErrorCode and no EventId.
			var still []int
			for j, r := range out.Entries {
				if r.ErrorCode != nil || r.EventId == nil {
					still = append(still, pending[j])
					last = &FailedError{Code: aws.ToString(r.ErrorCode), Msg: aws.ToString(r.ErrorMessage)}
				}
			}
			pending = still
			if len(pending) == 0 { // FailedEntryCount disagreed with the entries
				return nil, nil
			}
		}
		wait := p.backoff << (attempt - 1)
		if attempt >= p.attempts || ctx.Err() != nil || !timeFor(ctx, wait) {
			return pending, last
		}
		if err := sleep(ctx, wait); err != nil {
			return pending, &FailedError{Err: err}
		}
	}
}

// timeFor reports whether the invocation has time for a pause of d and one more try
// (as long again): if not, the batch fails now, cleanly, rather than when Lambda stops it.
func timeFor(ctx context.Context, d time.Duration) bool {
	end, ok := ctx.Deadline()
	return !ok || time.Until(end) > 2*d
}

// sleep waits about d (with jitter: between d/2 and d), or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	return deadline.Sleep(ctx, d/2+rand.N(d/2+1))
}
