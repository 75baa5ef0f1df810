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

	"gatepass/infra/ddblocal"
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
// client.
type readCounter struct {
	items      atomic.Int64
	requests   atomic.Int64
	gets       atomic.Int64 // GetItem items only (the sweeps' API reads)
	queried    atomic.Int64 // Query items only
	milliUnits atomic.Int64 // consumed read units × 1000
}

type readCount struct {
	Items, Requests, Gets, Queried int64
	Units                          float64
}

func (c *readCounter) snapshot() readCount {
	return readCount{c.items.Load(), c.requests.Load(), c.gets.Load(), c.queried.Load(), float64(c.milliUnits.Load()) / 1000}
}

func (a readCount) sub(b readCount) readCount {
	return readCount{a.Items - b.Items, a.Requests - b.Requests, a.Gets - b.Gets, a.Queried - b.Queried, a.Units - b.Units}
}

// consumed adds the read units of a response's ConsumedCapacity.
func (c *readCounter) consumed(cs ...ddbtypes.ConsumedCapacity) {
	for _, x := range cs {
		c.milliUnits.Add(int64(aws.ToFloat64(x.CapacityUnits)*1000 + 0.5))
	}
}

func one(c *ddbtypes.ConsumedCapacity) []ddbtypes.ConsumedCapacity {
	if c == nil {
		return nil
	}
	return []ddbtypes.ConsumedCapacity{*c}
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
			}
			out, md, err := next.HandleInitialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			switch r := out.Result.(type) {
			case *dynamodb.GetItemOutput:
				c.consumed(one(r.ConsumedCapacity)...)
				c.requests.Add(1)
				if r.Item != nil {
					c.items.Add(1)
					c.gets.Add(1)
				}
			case *dynamodb.BatchGetItemOutput:
				c.consumed(r.ConsumedCapacity...)
				c.requests.Add(1)
				for _, items := range r.Responses {
					c.items.Add(int64(len(items)))
				}
			case *dynamodb.QueryOutput:
				c.consumed(one(r.ConsumedCapacity)...)
				c.requests.Add(1)
				c.items.Add(int64(r.ScannedCount))
				c.queried.Add(int64(r.ScannedCount))
			case *dynamodb.ScanOutput:
				c.requests.Add(1)
				c.items.Add(int64(r.ScannedCount))
			}
			return out, md, err
		}), middleware.After)
}
