package main

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"gatepass/infra/emulators/ddblocal"
)

// newClient is a DynamoDB client for the local endpoint, with a connection pool large
// enough for 32 concurrent callers (the SDK's default keeps 10 idle connections per
// host, which would make the 32-caller runs measure connection churn). Both sides of
// every comparison share one such client. counter, when not nil, counts what each call
// read.
func newClient(endpoint string, counter *readCounter) *dynamodb.Client {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 256
	})
	opts := dynamodb.Options{
		Region:                          ddblocal.Region,
		BaseEndpoint:                    aws.String(endpoint),
		Credentials:                     ddblocal.Credentials(),
		DisableValidateResponseChecksum: true,
		HTTPClient:                      hc,
	}
	if counter != nil {
		opts.APIOptions = append(opts.APIOptions, counter.install)
	}
	return dynamodb.New(opts)
}

// readCounter counts the items DynamoDB returned (GetItem, BatchGetItem) or evaluated
// (Query: ScannedCount, before any filter), the read requests made and the read units
// DynamoDB reports as consumed (it asks every read for ReturnConsumedCapacity), on one
// client; and the PutItems (a signed call's nonce) with their write units. A refused
// conditional put (a used nonce) answers an error and is not counted.
type readCounter struct {
	items      atomic.Int64
	requests   atomic.Int64
	gets       atomic.Int64 // GetItem items only (the sweeps' API reads)
	queried    atomic.Int64 // Query items only
	milliUnits atomic.Int64 // consumed read units × 1000
	writes     atomic.Int64 // PutItem requests (a signed call's nonce)
	milliWUs   atomic.Int64 // consumed write units × 1000
}

type readCount struct {
	Items, Requests, Gets, Queried int64
	Units                          float64
	Writes                         int64
	WriteUnits                     float64
}

func (c *readCounter) snapshot() readCount {
	return readCount{c.items.Load(), c.requests.Load(), c.gets.Load(), c.queried.Load(), float64(c.milliUnits.Load()) / 1000,
		c.writes.Load(), float64(c.milliWUs.Load()) / 1000}
}

func (a readCount) sub(b readCount) readCount {
	return readCount{a.Items - b.Items, a.Requests - b.Requests, a.Gets - b.Gets, a.Queried - b.Queried, a.Units - b.Units,
		a.Writes - b.Writes, a.WriteUnits - b.WriteUnits}
}

func (c *readCounter) add(r readCount) {
	c.items.Add(r.Items)
	c.requests.Add(r.Requests)
	c.gets.Add(r.Gets)
	c.queried.Add(r.Queried)
	c.milliUnits.Add(int64(r.Units*1000 + 0.5))
	c.writes.Add(r.Writes)
	c.milliWUs.Add(int64(r.WriteUnits*1000 + 0.5))
}

// callCounterKey carries a readCounter of one call in its context: the counting client
// adds what the call read to it as well, so that calls made at the same time by several
// callers are counted apart.
type callCounterKey struct{}

func withCallCounter(ctx context.Context, c *readCounter) context.Context {
	return context.WithValue(ctx, callCounterKey{}, c)
}

// units are the read units of a response's ConsumedCapacity.
func units(cs ...ddbtypes.ConsumedCapacity) float64 {
	var u float64
	for _, x := range cs {
		u += aws.ToFloat64(x.CapacityUnits)
	}
	return u
}

func one(c *ddbtypes.ConsumedCapacity) []ddbtypes.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []ddbtypes.ConsumedCapacity{*c}
}

// read is what one response says was read.
func read(result any) readCount {
	switch r := result.(type) {
	case *dynamodb.GetItemOutput:
		rc := readCount{Requests: 1, Units: units(one(r.ConsumedCapacity)...)}
		if r.Item != nil {
			rc.Items, rc.Gets = 1, 1
		}
		return rc
	case *dynamodb.BatchGetItemOutput:
		rc := readCount{Requests: 1, Units: units(r.ConsumedCapacity...)}
		for _, items := range r.Responses {
			rc.Items += int64(len(items))
		}
		return rc
	case *dynamodb.QueryOutput:
		n := int64(r.ScannedCount)
		return readCount{Requests: 1, Items: n, Queried: n, Units: units(one(r.ConsumedCapacity)...)}
	case *dynamodb.PutItemOutput:
		return readCount{Writes: 1, WriteUnits: units(one(r.ConsumedCapacity)...)}
	case *dynamodb.ScanOutput:
		return readCount{Requests: 1, Items: int64(r.ScannedCount)}
	}
	return readCount{}
}

func (c *readCounter) install(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("benchCountItemsRead",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			switch p := in.Parameters.(type) {
			case *dynamodb.GetItemInput:
				p.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
			case *dynamodb.BatchGetItemInput:
				p.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
			case *dynamodb.QueryInput:
				p.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
			case *dynamodb.PutItemInput:
				p.ReturnConsumedCapacity = ddbtypes.ReturnConsumedCapacityTotal
			}
			out, md, err := next.HandleInitialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			rc := read(out.Result)
			c.add(rc)
			if call, ok := ctx.Value(callCounterKey{}).(*readCounter); ok {
				call.add(rc)
			}
			return out, md, err
		}), middleware.After)
}
