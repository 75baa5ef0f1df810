// Package streams feeds a DynamoDB table's stream to a Lambda stream handler locally,
// doing what a Lambda event source mapping does: it reads the stream with the real
// dynamodbstreams client (against DynamoDB Local), follows shards from parent to
// child, applies the mapping's filter patterns, calls the handler with batches of at
// most BatchSize records in the event shape Lambda sends, and, when the handler fails
// or reports batch item failures, retries from the first failed record after a backoff
// (at-least-once delivery, in order within a shard).
package streams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"gatepass/infra/emulators/eventbus"
	"gatepass/shared/deadline"
)

// Handler is the signature of a stream function's handler (ReportBatchItemFailures).
type Handler func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)

// Config configures a Poller.
type Config struct {
	DB      *dynamodb.Client        // for DescribeTable (the stream's ARN)
	Streams *dynamodbstreams.Client // for the stream itself
	Table   string
	Handler Handler
	// Filters are the mapping's FilterCriteria patterns: a record that matches none is
	// dropped, as Lambda drops it. None: every record goes to the handler.
	Filters []map[string]any
	// BatchSize is the most records per invocation; default (and maximum) 100.
	BatchSize int
	// StartingPosition is "LATEST" (default: records written after New returns) or
	// "TRIM_HORIZON" (everything still in the stream).
	StartingPosition stypes.ShardIteratorType
	// MaxRetries bounds the retries of a failing batch, after which its records are
	// dropped with an error log (in AWS they would go to the on-failure destination);
	// 0 retries until the handler succeeds.
	MaxRetries int
	// PollInterval is the pause when no shard had records; default 100ms. While the
	// stream cannot be read the pause doubles from it up to MaxPollBackoff (default
	// 500ms: short, so that reading resumes quickly once DynamoDB is back).
	PollInterval, MaxPollBackoff time.Duration
	// PositionFile, when set, keeps the position of the last record handled in each
	// shard, so that a new Poller on the same stream resumes after it (neither losing
	// nor repeating records across a restart). StartingPosition applies only to a stream
	// the file does not describe.
	PositionFile string
	// CallTimeout bounds each call to the stream (retries included), so that a silent
	// network does not stall the poller; default 5s.
	CallTimeout time.Duration
	// Backoff is the first retry delay, doubled up to MaxBackoff; defaults 100ms and 5s.
	Backoff, MaxBackoff time.Duration
	Region              string // awsRegion of the records; default us-east-1
	Logger              *slog.Logger
}

// Poller reads one table's stream into one handler.
type Poller struct {
	cfg       Config
	streamARN string
	filters   []*eventbus.Pattern
	shards    map[string]*shard // active shards by id
	seen      map[string]bool   // every shard ever tracked
	saved     position          // what PositionFile holds
	retired   map[string]string // shards read to their end: their last handled record
	failing   bool              // the last read failed: an outage is under way
}

type shard struct {
	id, parent string
	iter       *string // nil once the shard is closed and read to its end
	stale      bool    // the iterator may be invalid (a read failed): get a new one
	lastSeq    string  // the last sequence number read
	doneSeq    string  // the last sequence number handled (delivered, dropped or filtered)
	pending    []events.DynamoDBEventRecord
}

// New finds the table's stream and positions an iterator on each open shard, so that
// with LATEST every record written after New returns is delivered by Run.
func New(ctx context.Context, cfg Config) (*Poller, error) {
	if cfg.DB == nil || cfg.Streams == nil || cfg.Handler == nil || cfg.Table == "" {
		return nil, errors.New("streams: DB, Streams, Table and Handler are required")
	}
	cfg = cfg.withDefaults()
	p := &Poller{cfg: cfg, shards: map[string]*shard{}, seen: map[string]bool{}, retired: map[string]string{}}
	for i, f := range cfg.Filters {
		pat, err := eventbus.CompilePattern(f)
		if err != nil {
			return nil, fmt.Errorf("streams: filter %d: %w", i, err)
		}
		p.filters = append(p.filters, pat)
	}
	t, err := cfg.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(cfg.Table)})
	if err != nil {
		return nil, fmt.Errorf("streams: describe table %s: %w", cfg.Table, err)
	}
	if t.Table.LatestStreamArn == nil {
		return nil, fmt.Errorf("streams: table %s has no stream", cfg.Table)
	}
	p.streamARN = *t.Table.LatestStreamArn
	resume, err := loadPosition(cfg.PositionFile, p.streamARN)
	if err != nil {
		return nil, err
	}
	p.saved = position{StreamARN: p.streamARN, Shards: map[string]string{}}
	shards, err := p.describe(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range shards {
		if err := p.start(ctx, s, resume); err != nil {
			return nil, err
		}
	}
	if err := p.save(); err != nil {
		return nil, err
	}
	return p, nil
}

// start begins to read shard s: after its last handled record or from its start when
// resuming a stream read before, else at StartingPosition.
func (p *Poller) start(ctx context.Context, s stypes.Shard, resume *position) error {
	id := aws.ToString(s.ShardId)
	p.seen[id] = true
	if resume != nil {
		// A stream read before: each shard after its last handled record, a shard
		// never handled from its start.
		if seq := resume.Shards[id]; seq != "" {
			p.saved.Shards[id] = seq
			return p.trackAfter(ctx, id, aws.ToString(s.ParentShardId), seq)
		}
		return p.track(ctx, s, stypes.ShardIteratorTypeTrimHorizon)
	}
	open := s.SequenceNumberRange == nil || s.SequenceNumberRange.EndingSequenceNumber == nil
	if p.cfg.StartingPosition == stypes.ShardIteratorTypeLatest && !open {
		return nil // a closed shard has nothing after LATEST
	}
	return p.track(ctx, s, p.cfg.StartingPosition)
}

// withDefaults fills in what cfg leaves unset.
func (cfg Config) withDefaults() Config {
	if cfg.BatchSize <= 0 || cfg.BatchSize > 100 {
		cfg.BatchSize = 100
	}
	if cfg.StartingPosition == "" {
		cfg.StartingPosition = stypes.ShardIteratorTypeLatest
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 5 * time.Second
	}
	if cfg.MaxPollBackoff <= 0 {
		cfg.MaxPollBackoff = 500 * time.Millisecond
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 100 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Second
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}

// Run polls until ctx is done, then returns nil; other errors are retried. While reads
// fail (DynamoDB is down) the pause between rounds doubles up to MaxPollBackoff, and
// the outage is logged once when it starts and once when it ends.
func (p *Poller) Run(ctx context.Context) error {
	defer p.save() //nolint:errcheck // best effort on the way out; every round saved already
	refresh := time.Now()
	pause := p.cfg.PollInterval
	for ctx.Err() == nil {
		busy := false
		closed := false
		var failure error
		for _, s := range p.ordered() {
			got, err := p.poll(ctx, s)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				s.stale = true
				failure = fmt.Errorf("shard %s: %w", s.id, err)
				continue
			}
			busy = busy || got
			if s.iter == nil && len(s.pending) == 0 {
				if s.doneSeq != "" {
					p.retired[s.id] = s.doneSeq
				}
				delete(p.shards, s.id)
				closed = true
			}
		}
		// A closed shard has children to follow; new shards also appear over time.
		if failure == nil && (closed || time.Since(refresh) > 5*time.Second) {
			refresh = time.Now()
			if err := p.discover(ctx); err != nil && ctx.Err() == nil {
				failure = err
			}
		}
		if err := p.save(); err != nil && failure == nil {
			failure = err
		}
		p.outage(failure)
		switch {
		case failure != nil:
			pause = min(2*pause, p.cfg.MaxPollBackoff)
		case busy:
			pause = 0
		default:
			pause = p.cfg.PollInterval
		}
		if pause > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
		}
	}
	return nil
}

// outage logs the start and the end of a run of failed rounds, not every failure.
func (p *Poller) outage(err error) {
	switch {
	case err != nil && !p.failing:
		p.failing = true
		p.cfg.Logger.Warn("stream read failing; retrying with backoff until it recovers", "error", err.Error(),
			"max_backoff_ms", p.cfg.MaxPollBackoff.Milliseconds())
	case err == nil && p.failing:
		p.failing = false
		p.cfg.Logger.Info("stream read recovered")
	}
}

// bounded gives a stream call its deadline.
func (p *Poller) bounded(o *dynamodbstreams.Options) {
	o.APIOptions = append(o.APIOptions, deadline.Budget{MaxCall: p.cfg.CallTimeout}.Middleware)
}

// ordered lists the shards that may be read now: those whose parent is finished.
func (p *Poller) ordered() []*shard {
	var out []*shard
	for _, s := range p.shards {
		if _, parentActive := p.shards[s.parent]; s.parent != "" && parentActive {
			continue
		}
		out = append(out, s)
	}
	return out
}

// poll reads one batch from a shard (unless one is pending) and delivers it. It
// reports whether there was anything to deliver.
func (p *Poller) poll(ctx context.Context, s *shard) (bool, error) {
	if s.stale && s.iter != nil {
		// After a failed read (DynamoDB restarted, say) the iterator may be gone.
		if err := p.reposition(ctx, s); err != nil {
			return false, err
		}
		s.stale = false
	}
	if len(s.pending) == 0 && s.iter != nil {
		out, err := p.cfg.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{
			ShardIterator: s.iter, Limit: aws.Int32(int32(p.cfg.BatchSize)),
		}, p.bounded)
		var expired *stypes.ExpiredIteratorException
		if errors.As(err, &expired) {
			return false, p.reposition(ctx, s)
		}
		if err != nil {
			return false, err
		}
		s.iter = out.NextShardIterator
		for _, r := range out.Records {
			rec, err := Convert(r, p.streamARN, p.cfg.Region)
			if err != nil {
				return false, err
			}
			s.lastSeq = rec.Change.SequenceNumber
			if p.keep(rec) {
				s.pending = append(s.pending, rec)
			}
		}
	}
	if len(s.pending) == 0 {
		s.doneSeq = s.lastSeq // what was read was filtered out: handled
		return false, nil
	}
	p.deliver(ctx, s)
	return true, nil
}

// reposition replaces an expired iterator after the last record read.
func (p *Poller) reposition(ctx context.Context, s *shard) error {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(p.streamARN), ShardId: aws.String(s.id)}
	if s.lastSeq != "" {
		in.ShardIteratorType = stypes.ShardIteratorTypeAfterSequenceNumber
		in.SequenceNumber = aws.String(s.lastSeq)
	} else {
		in.ShardIteratorType = p.cfg.StartingPosition
	}
	out, err := p.cfg.Streams.GetShardIterator(ctx, in, p.bounded)
	if err != nil {
		return fmt.Errorf("streams: reposition shard %s: %w", s.id, err)
	}
	s.iter = out.ShardIterator
	return nil
}

// keep applies the filter patterns to the record as Lambda sees it.
func (p *Poller) keep(rec events.DynamoDBEventRecord) bool {
	if len(p.filters) == 0 {
		return true
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return false
	}
	for _, f := range p.filters {
		if ok, _ := f.Match(raw); ok {
			return true
		}
	}
	return false
}

// deliver calls the handler with the shard's pending records until they have all been
// accepted, retrying from the first failed record, or the retries run out.
func (p *Poller) deliver(ctx context.Context, s *shard) {
	backoff := p.cfg.Backoff
	for retry := 0; len(s.pending) > 0; retry++ {
		n := min(len(s.pending), p.cfg.BatchSize)
		batch := s.pending[:n]
		failed, err := p.invoke(ctx, batch)
		if err == nil && failed < 0 {
			s.doneSeq = batch[n-1].Change.SequenceNumber
			s.pending = s.pending[n:]
			if len(s.pending) == 0 {
				s.doneSeq = s.lastSeq
			}
			backoff, retry = p.cfg.Backoff, -1
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if failed < 0 {
			failed = 0
		}
		if failed > 0 {
			s.doneSeq = batch[failed-1].Change.SequenceNumber
		}
		s.pending = s.pending[failed:] // records before the first failure are done
		msg := "handler failed"
		if err != nil {
			msg += ": " + err.Error()
		}
		if p.cfg.MaxRetries > 0 && retry >= p.cfg.MaxRetries {
			drop := min(len(s.pending), n-failed)
			p.cfg.Logger.Error("stream batch dropped after retries (in AWS: the on-failure destination)",
				"shard", s.id, "records", drop, "first_sequence_number", s.pending[0].Change.SequenceNumber, "reason", msg)
			s.doneSeq = s.pending[drop-1].Change.SequenceNumber
			s.pending = s.pending[drop:]
			if len(s.pending) == 0 {
				s.doneSeq = s.lastSeq
			}
			backoff, retry = p.cfg.Backoff, -1
			continue
		}
		p.cfg.Logger.Warn("stream batch will be retried", "shard", s.id, "from_sequence_number", s.pending[0].Change.SequenceNumber,
			"retry", retry+1, "backoff_ms", backoff.Milliseconds(), "reason", msg)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, p.cfg.MaxBackoff)
	}
}

// invoke calls the handler once. It returns the index of the first failed record, -1
// when all succeeded; an error (or a panic) fails the whole batch.
func (p *Poller) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (first int, err error) {
	defer func() {
		if r := recover(); r != nil {
			first, err = 0, fmt.Errorf("panic: %v", r)
		}
	}()
	resp, err := p.cfg.Handler(ctx, events.DynamoDBEvent{Records: append([]events.DynamoDBEventRecord(nil), batch...)})
	if err != nil {
		return 0, err
	}
	if len(resp.BatchItemFailures) == 0 {
		return -1, nil
	}
	first = len(batch)
	for _, f := range resp.BatchItemFailures {
		found := false
		for i, r := range batch {
			if r.Change.SequenceNumber == f.ItemIdentifier {
				first, found = min(first, i), true
				break
			}
		}
		if !found { // as Lambda does: an unknown identifier fails the whole batch
			return 0, fmt.Errorf("batch item failure with unknown identifier %q", f.ItemIdentifier)
		}
	}
	return first, fmt.Errorf("%d batch item failures", len(resp.BatchItemFailures))
}

// describe lists every shard of the stream.
func (p *Poller) describe(ctx context.Context) ([]stypes.Shard, error) {
	var shards []stypes.Shard
	in := &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(p.streamARN)}
	for {
		out, err := p.cfg.Streams.DescribeStream(ctx, in, p.bounded)
		if err != nil {
			return nil, fmt.Errorf("streams: describe stream: %w", err)
		}
		shards = append(shards, out.StreamDescription.Shards...)
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return shards, nil
		}
		in.ExclusiveStartShardId = out.StreamDescription.LastEvaluatedShardId
	}
}

// discover starts reading shards that appeared since the last look, from their start.
func (p *Poller) discover(ctx context.Context) error {
	shards, err := p.describe(ctx)
	if err != nil {
		return err
	}
	for _, s := range shards {
		if p.seen[aws.ToString(s.ShardId)] {
			continue
		}
		p.seen[aws.ToString(s.ShardId)] = true
		if err := p.track(ctx, s, stypes.ShardIteratorTypeTrimHorizon); err != nil {
			return err
		}
	}
	return nil
}

func (p *Poller) track(ctx context.Context, s stypes.Shard, pos stypes.ShardIteratorType) error {
	out, err := p.cfg.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(p.streamARN), ShardId: s.ShardId, ShardIteratorType: pos,
	}, p.bounded)
	if err != nil {
		return fmt.Errorf("streams: iterator for shard %s: %w", aws.ToString(s.ShardId), err)
	}
	id := aws.ToString(s.ShardId)
	p.shards[id] = &shard{id: id, parent: aws.ToString(s.ParentShardId), iter: out.ShardIterator}
	return nil
}

// trackAfter resumes a shard after the last record handled before a restart.
func (p *Poller) trackAfter(ctx context.Context, id, parent, seq string) error {
	out, err := p.cfg.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(p.streamARN), ShardId: aws.String(id),
		ShardIteratorType: stypes.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(seq),
	}, p.bounded)
	if err != nil {
		return fmt.Errorf("streams: resume shard %s after %s: %w", id, seq, err)
	}
	p.shards[id] = &shard{id: id, parent: parent, iter: out.ShardIterator, lastSeq: seq, doneSeq: seq}
	return nil
}
