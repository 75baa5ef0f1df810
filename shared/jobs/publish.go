package jobs

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/shared/bus"
	"gatepass/shared/settings"
	"gatepass/shared/store"
)

// Publish turns the table's stream into domain events: each INSERT of an audit item
// (the outbox) becomes its event on the bus. Other records are ignored.
type Publish struct {
	Bus *bus.Publisher
	Log *slog.Logger
}

// NewPublish builds the job from the environment (EVENT_BUS_NAME; the bus endpoint
// from the SDK's variables).
func NewPublish(ctx context.Context, getenv func(string) string) (*Publish, error) {
	s, err := settings.Load(getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := settings.AWS(ctx)
	if err != nil {
		return nil, err
	}
	return &Publish{Bus: bus.New(settings.EventBridge(cfg), s.EventBusName, bus.Options{})}, nil
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
		a, ok, err := store.AuditFromImage(r.Change.NewImage)
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
	var resp events.DynamoDBEventResponse
	for _, r := range ev.Records[firstFailed:] {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
	}
	if len(resp.BatchItemFailures) == 0 {
		log.Info("published", "records", len(ev.Records), "events", len(entries))
	}
	return resp, nil
}
