package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/shared/access"
	"gatepass/shared/bus"
	"gatepass/shared/metrics"
)

// Publish turns the table's stream into domain events: each INSERT of an audit item
// (the outbox) becomes its event on the bus. Other records are ignored.
type Publish struct {
	Bus *bus.Publisher
	// Audit decodes an item's new image: ok is false for an item that is not an audit
	// entry (store.AuditFromItem).
	Audit   func(map[string]ddbtypes.AttributeValue) (e access.AuditEntry, ok bool, err error)
	Log     *slog.Logger
	Metrics *metrics.Recorder // nil: none
}

// auditOf decodes the audit entry of a stream record's new image, converted to the
// SDK's attribute values by way of their shared JSON form.
func (p *Publish) auditOf(img map[string]events.DynamoDBAttributeValue) (access.AuditEntry, bool, error) {
	b, err := json.Marshal(img)
	if err != nil {
		return access.AuditEntry{}, true, err
	}
	item, err := attributevalue.UnmarshalMapJSON(b)
	if err != nil {
		return access.AuditEntry{}, true, fmt.Errorf("stream image: %w", err)
	}
	return p.Audit(item)
}

// Handle publishes a batch of stream records (ReportBatchItemFailures). A record that
// cannot be published is reported with every record after it, by sequence number, so
// that Lambda retries from the first failure and the order of the shard holds; events
// of the batch that were accepted before may be sent again then, with the same
// event_id, which consumers use to drop duplicates. Nothing is lost: a record is only
// left out of the failures once the bus has accepted its event.
func (p *Publish) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	log := logger(ctx, p.Log, "publish")
	var entries []types.PutEventsRequestEntry
	var at []int // the record index of each entry
	firstFailed := len(ev.Records)
	for i, r := range ev.Records {
		if r.EventName != "INSERT" {
			continue
		}
		a, ok, err := p.auditOf(r.Change.NewImage)
		if !ok {
			continue
		}
		if err != nil {
			// Retrying will not mend it, but dropping it would lose an event: it fails
			// the batch from here, and after the mapping's retries Lambda hands it to
			// the on-failure destination.
			log.Error("audit record cannot be decoded", "sequence_number", r.Change.SequenceNumber, "error", err.Error())
			firstFailed = i
			break
		}
		entries = append(entries, bus.Event(a, p.Bus.Bus()))
		at = append(at, i)
	}
	failed, err := p.Bus.Publish(ctx, entries)
	if err != nil {
		log.Error("events not published; the batch is retried from the first failure",
			"failed", len(failed), "entries", len(entries), "error", err.Error())
	}
	if len(failed) > 0 {
		firstFailed = min(firstFailed, at[failed[0]])
	}
	p.Metrics.Put(ctx, []metrics.Dim{{Name: "Function", Value: "publish"}}, nil,
		metrics.Value{Name: metrics.EventsPublished, Unit: metrics.Count, Value: float64(len(entries) - len(failed))},
		metrics.Value{Name: metrics.EventsFailed, Unit: metrics.Count, Value: float64(len(failed))})
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records[firstFailed:] {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
	}
	if len(resp.BatchItemFailures) == 0 {
		log.Info("published", "records", len(ev.Records), "events", len(entries))
	}
	return resp, nil
}
