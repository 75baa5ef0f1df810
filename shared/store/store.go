package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
	"gatepass/shared/deadline"
)

// Options tune a Store. The zero value is ready to use.
type Options struct {
	// GrantRetention is how long a grant that is no longer in force stays readable as
	// a tombstone before TTL may delete it (GRANT_RETENTION). Default 30 days.
	GrantRetention time.Duration
	// Now is the clock for the reads that decide by time (an idempotency record past
	// its 24 hours counts as absent). Default time.Now.
	Now access.Clock
	// Copies is how many copies of API items, app items and lookups the store writes
	// with each and reads from; zero fields take DefaultCopies. Tests keep few, as every
	// copy is an item DynamoDB Local writes; production keeps the defaults
	// (docs/capacity.md sizes them).
	Copies Copies
}

// Copies counts the copies of each kind of copied item.
type Copies struct{ API, App, Lookup int }

// DefaultCopies are the copy counts for the workload of docs/capacity.md.
var DefaultCopies = Copies{API: APIReplicas, App: AppReplicas, Lookup: LookupReplicas}

// Store is the DynamoDB implementation of access.Store over the single table.
type Store struct {
	db        *dynamodb.Client
	table     string
	retention time.Duration
	now       access.Clock
	copies    Copies
}

var (
	_ access.Store    = (*Store)(nil)
	_ access.DueSweep = (*Store)(nil)
)

// DefaultGrantRetention is the default of Options.GrantRetention.
const DefaultGrantRetention = 30 * 24 * time.Hour

// New returns a Store on table. The client is shared and safe for concurrent use.
func New(db *dynamodb.Client, table string, opts Options) *Store {
	s := &Store{db: db, table: table, retention: opts.GrantRetention, now: opts.Now, copies: opts.Copies}
	for _, c := range []struct {
		n   *int
		def int
	}{{&s.copies.API, APIReplicas}, {&s.copies.App, AppReplicas}, {&s.copies.Lookup, LookupReplicas}} {
		if *c.n <= 0 {
			*c.n = c.def
		}
	}
	if s.retention <= 0 {
		s.retention = DefaultGrantRetention
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Table is the name of the table the store works on.
func (s *Store) Table() string { return s.table }

func (k key) av() map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		AttrPK: &ddbtypes.AttributeValueMemberS{Value: k.PK},
		AttrSK: &ddbtypes.AttributeValueMemberS{Value: k.SK},
	}
}

// keyOf reads the primary key of an item.
func keyOf(item map[string]ddbtypes.AttributeValue) key {
	var k key
	if v, ok := item[AttrPK].(*ddbtypes.AttributeValueMemberS); ok {
		k.PK = v.Value
	}
	if v, ok := item[AttrSK].(*ddbtypes.AttributeValueMemberS); ok {
		k.SK = v.Value
	}
	return k
}

func itemType(item map[string]ddbtypes.AttributeValue) string {
	if v, ok := item[AttrType].(*ddbtypes.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// getItem reads one item with strong consistency; false when it is absent.
func (s *Store) getItem(ctx context.Context, op string, k key, out any) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            k.av(),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, dbErr(op, err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, internal(op, fmt.Errorf("decode %s: %w", k, err))
	}
	return true, nil
}

// maxBatchGet is BatchGetItem's limit on keys per request.
const maxBatchGet = 100

// batchGet reads items with strong consistency, at most 100 keys a request, retrying
// unprocessed keys with backoff. The result maps key.String() to the item; absent
// items are missing from it. Duplicate keys are read once.
func (s *Store) batchGet(ctx context.Context, op string, keys []key) (map[string]map[string]ddbtypes.AttributeValue, error) {
	out := make(map[string]map[string]ddbtypes.AttributeValue, len(keys))
	seen := make(map[string]bool, len(keys))
	var uniq []key
	for _, k := range keys {
		if !seen[k.String()] {
			seen[k.String()] = true
			uniq = append(uniq, k)
		}
	}
	for start := 0; start < len(uniq); start += maxBatchGet {
		chunk := uniq[start:min(start+maxBatchGet, len(uniq))]
		avs := make([]map[string]ddbtypes.AttributeValue, len(chunk))
		for i, k := range chunk {
			avs[i] = k.av()
		}
		req := map[string]ddbtypes.KeysAndAttributes{
			s.table: {Keys: avs, ConsistentRead: aws.Bool(true)},
		}
		err := untilProcessed(ctx, op, "BatchGetItem", req, func(req map[string]ddbtypes.KeysAndAttributes) (map[string]ddbtypes.KeysAndAttributes, error) {
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, err
			}
			for _, item := range res.Responses[s.table] {
				out[keyOf(item).String()] = item
			}
			return res.UnprocessedKeys, nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// untilProcessed sends a batch request and then what the answer left unprocessed,
// with backoff, until nothing is left (at most maxUnprocessedRetries retries): what
// BatchGetItem and BatchWriteItem ask of their callers.
func untilProcessed[R any](ctx context.Context, op, call string, req map[string]R, send func(map[string]R) (map[string]R, error)) error {
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > maxUnprocessedRetries {
				return throttled(op, fmt.Errorf("%s left requests unprocessed after retries", call))
			}
			if err := backoff(ctx, attempt); err != nil {
				return dbErr(op, err)
			}
		}
		var err error
		if req, err = send(req); err != nil {
			return dbErr(op, err)
		}
	}
	return nil
}

const maxUnprocessedRetries = 8

// backoff sleeps before retry attempt n (1, 2, ...): exponential with full jitter,
// from 10 ms up to 1 s.
func backoff(ctx context.Context, n int) error {
	ceiling := min(10*time.Millisecond<<min(n, 7), time.Second)
	return deadline.Sleep(ctx, rand.N(ceiling)+time.Millisecond)
}

// queryAll runs a query to its end, calling each for every item.
func (s *Store) queryAll(ctx context.Context, op string, in *dynamodb.QueryInput, each func(map[string]ddbtypes.AttributeValue) error) error {
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return dbErr(op, err)
		}
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeAll unmarshals items into T and converts each with conv.
func decodeAll[T, R any](op string, items []map[string]ddbtypes.AttributeValue, conv func(T) (R, error)) ([]R, error) {
	out := make([]R, 0, len(items))
	for _, item := range items {
		v, err := decode(op, item, conv)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func decode[T, R any](op string, item map[string]ddbtypes.AttributeValue, conv func(T) (R, error)) (R, error) {
	var it T
	var zero R
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return zero, internal(op, fmt.Errorf("decode %s: %w", keyOf(item), err))
	}
	v, err := conv(it)
	if err != nil {
		return zero, internal(op, fmt.Errorf("decode %s: %w", keyOf(item), err))
	}
	return v, nil
}

func notFound(op, code, what string) *access.Error {
	return access.E(op, code, "%s not found", what)
}
