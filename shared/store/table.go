package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute and index names of the single table. template.yaml declares the same
// table; infra/cmd/validate checks that the two agree.
const (
	AttrPK     = "PK"
	AttrSK     = "SK"
	AttrGSI1PK = "GSI1PK"
	AttrGSI1SK = "GSI1SK"
	AttrGSI2PK = "GSI2PK"
	AttrGSI2SK = "GSI2SK"
	AttrGSI3PK = "GSI3PK"
	AttrGSI3SK = "GSI3SK"
	AttrTTL    = "ttl"
	AttrType   = "type"

	IndexGSI1 = "GSI1"
	IndexGSI2 = "GSI2"
	IndexGSI3 = "GSI3"
)

// TableInput is the table definition of DESIGN.md: on-demand, generic GSIs (GSI2
// sparse; GSI3 lists an API's grants newest first), a NEW_IMAGE stream. TTL is set separately (UpdateTimeToLive) by CreateTable.
func TableInput(name string) *dynamodb.CreateTableInput {
	s := ddbtypes.ScalarAttributeTypeS
	attr := func(n string) ddbtypes.AttributeDefinition {
		return ddbtypes.AttributeDefinition{AttributeName: aws.String(n), AttributeType: s}
	}
	gsi := func(name, pk, sk string) ddbtypes.GlobalSecondaryIndex {
		return ddbtypes.GlobalSecondaryIndex{
			IndexName: aws.String(name),
			KeySchema: []ddbtypes.KeySchemaElement{
				{AttributeName: aws.String(pk), KeyType: ddbtypes.KeyTypeHash},
				{AttributeName: aws.String(sk), KeyType: ddbtypes.KeyTypeRange},
			},
			Projection: &ddbtypes.Projection{ProjectionType: ddbtypes.ProjectionTypeAll},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			attr(AttrPK), attr(AttrSK), attr(AttrGSI1PK), attr(AttrGSI1SK), attr(AttrGSI2PK), attr(AttrGSI2SK),
			attr(AttrGSI3PK), attr(AttrGSI3SK),
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: ddbtypes.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []ddbtypes.GlobalSecondaryIndex{
			gsi(IndexGSI1, AttrGSI1PK, AttrGSI1SK),
			gsi(IndexGSI2, AttrGSI2PK, AttrGSI2SK),
			gsi(IndexGSI3, AttrGSI3PK, AttrGSI3SK),
		},
		StreamSpecification: &ddbtypes.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: ddbtypes.StreamViewTypeNewImage,
		},
	}
}

// CreateTable creates the table (if it does not exist yet), waits until it is active and
// turns TTL on. It is what tests, the development server and the benchmark use.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	return CreateTableFrom(ctx, db, TableInput(name))
}

// CreateTableFrom is CreateTable of a definition derived from TableInput (a test's
// table without the stream, say).
func CreateTableFrom(ctx context.Context, db *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	name := aws.ToString(in.TableName)
	_, err := db.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	ttl, err := db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return fmt.Errorf("describe ttl of %s: %w", name, err)
	}
	if d := ttl.TimeToLiveDescription; d != nil && d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable ttl on %s: %w", name, err)
	}
	return nil
}
