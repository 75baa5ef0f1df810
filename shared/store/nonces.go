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
	k := nonceKey(appKey, nonce)
	item := k.av()
	item["type"] = &ddbtypes.AttributeValueMemberS{Value: TypeNonce}
	item[AttrTTL] = &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(until.Unix()+1, 10)}
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
