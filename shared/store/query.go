package store

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func keyCond(attr, value string) expression.KeyConditionBuilder {
	return expression.Key(attr).Equal(expression.Value(value))
}

func keyPrefix(attr, prefix string) expression.KeyConditionBuilder {
	return expression.Key(attr).BeginsWith(prefix)
}

// queryInput builds a Query on the table or one of its indexes (index "" is the
// table) from a key condition and an optional filter.
func (s *Store) queryInput(index string, kc expression.KeyConditionBuilder, filter *expression.ConditionBuilder, scanForward bool) (*dynamodb.QueryInput, error) {
	b := expression.NewBuilder().WithKeyCondition(kc)
	if filter != nil {
		b = b.WithFilter(*filter)
	}
	e, err := b.Build()
	if err != nil {
		return nil, err
	}
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    e.KeyCondition(),
		FilterExpression:          e.Filter(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ScanIndexForward:          aws.Bool(scanForward),
	}
	if index != "" {
		in.IndexName = aws.String(index)
	} else {
		// Base-table queries read their own writes; GSIs cannot.
		in.ConsistentRead = aws.Bool(true)
	}
	return in, nil
}
