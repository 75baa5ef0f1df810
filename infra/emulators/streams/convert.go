package streams

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Convert turns a record read with the dynamodbstreams client into the record Lambda
// hands to a stream function.
func Convert(r stypes.Record, streamARN, region string) (events.DynamoDBEventRecord, error) {
	rec := events.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(r.AwsRegion),
		EventID:        aws.ToString(r.EventID),
		EventName:      string(r.EventName),
		EventSource:    aws.ToString(r.EventSource),
		EventVersion:   aws.ToString(r.EventVersion),
		EventSourceArn: streamARN,
	}
	if rec.AWSRegion == "" || rec.AWSRegion == "ddblocal" {
		rec.AWSRegion = region
	}
	if rec.EventSource == "" {
		rec.EventSource = "aws:dynamodb"
	}
	if rec.EventVersion == "" {
		rec.EventVersion = "1.1"
	}
	if id := r.UserIdentity; id != nil {
		rec.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(id.Type), PrincipalID: aws.ToString(id.PrincipalId)}
	}
	d := r.Dynamodb
	if d == nil {
		return rec, nil
	}
	rec.Change = events.DynamoDBStreamRecord{
		SequenceNumber: aws.ToString(d.SequenceNumber),
		SizeBytes:      aws.ToInt64(d.SizeBytes),
		StreamViewType: string(d.StreamViewType),
	}
	if d.ApproximateCreationDateTime != nil {
		rec.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: *d.ApproximateCreationDateTime}
	}
	var err error
	if rec.Change.Keys, err = ConvertMap(d.Keys); err != nil {
		return rec, err
	}
	if rec.Change.NewImage, err = ConvertMap(d.NewImage); err != nil {
		return rec, err
	}
	rec.Change.OldImage, err = ConvertMap(d.OldImage)
	return rec, err
}

// ConvertMap converts an item (or key) image; nil stays nil. attributevalue turns the
// streams types into DynamoDB types and writes them as DynamoDB JSON, which is the
// wire form the Lambda event types read.
func ConvertMap(m map[string]stypes.AttributeValue) (map[string]events.DynamoDBAttributeValue, error) {
	if m == nil {
		return nil, nil
	}
	item, err := attributevalue.FromDynamoDBStreamsMap(m)
	if err != nil {
		return nil, err
	}
	raw, err := attributevalue.MarshalMapJSON(item)
	if err != nil {
		return nil, err
	}
	var out map[string]events.DynamoDBAttributeValue
	return out, json.Unmarshal(raw, &out)
}
