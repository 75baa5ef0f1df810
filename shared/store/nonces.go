package store

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// UseNonce writes the nonce item of a signed call: one conditional PutItem, refused
// while an item of the same AppKey and nonce is still within its window (an item past
// its TTL that DynamoDB has not deleted yet counts as absent). Each nonce is its own
// partition, so the writes of one AppKey spread over the table.
func (s *Store) UseNonce(ctx context.Context, appKey, nonce string, until time.Time) error {
	const op = "store.use_nonce"
	item := nonceItem(appKey, nonce, until)
	now := expression.Value(s.now().Unix())
	cond := expression.AttributeNotExists(expression.Name(AttrPK)).Or(expression.Name(AttrTTL).LessThan(now))
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return internal(op, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	var cc *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &cc) {
		return access.E(op, access.CodeNonceUsed, "the nonce was used already")
	}
	return dbErr(op, err)
}

// nonceItem is the nonce item of a signed call, kept until its window ends.
func nonceItem(appKey, nonce string, until time.Time) map[string]ddbtypes.AttributeValue {
	item := nonceKey(appKey, nonce).av()
	item["type"] = &ddbtypes.AttributeValueMemberS{Value: TypeNonce}
	item[AttrTTL] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(until.Unix()+1, 10)}
	return item
}

// NonceFootprint is the item UseNonce puts, as Footprint describes a change's items
// (the capacity model meters a signed call's nonce write with it; a refused put is
// billed as one too).
func NonceFootprint(appKey, nonce string, until time.Time) ItemWrite {
	k := nonceKey(appKey, nonce)
	return ItemWrite{PK: k.PK, SK: k.SK, Kind: WritePut, Bytes: itemSize(nonceItem(appKey, nonce, until))}
}
