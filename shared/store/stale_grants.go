package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// StaleGrants pages through a resource's grant items of a generation below gen (R4
// cleanup of an API, R23 of a unit): at most limit grants, and the cursor to go on from ("" when the partition
// is done). The cursor stays valid while the grants read are deleted.
func (s *Store) StaleGrants(ctx context.Context, r access.Resource, gen int64, limit int, cursor string) ([]access.Grant, string, error) {
	const op = "store.stale_grants"
	if limit < 1 {
		limit = 100
	}
	l := listing{name: "stale", pk: resourcePartition(r), skPrefix: skGrantPrefix}
	start, err := l.decode(op, cursor)
	if err != nil {
		return nil, "", err
	}
	filter := expression.Name(attrGeneration).LessThan(expression.Value(gen))
	in, err := s.queryInput("", keyCond(AttrPK, l.pk).And(keyPrefix(AttrSK, l.skPrefix)), &filter, true)
	if err != nil {
		return nil, "", internal(op, err)
	}
	in.ExclusiveStartKey = start
	in.Limit = aws.Int32(int32(max(limit, 100))) // items read per request, before the filter
	var found []map[string]ddbtypes.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	next := ""
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, "", dbErr(op, err)
		}
		found = append(found, page.Items...)
		if len(found) >= limit {
			found = found[:limit]
			next = l.encode(found[limit-1])
			break
		}
	}
	grants, err := decodeAll(op, found, grantItem.grant)
	if err != nil {
		return nil, "", err
	}
	return grants, next, nil
}
