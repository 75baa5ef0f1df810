package store

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// MaxDueSpan bounds how far back Due looks: one query per day bucket, so a from long
// before to (a job that never ran) is clamped to to minus this span.
const MaxDueSpan = 400 * 24 * time.Hour

// Due lists the grants and cleanup tasks due in [from, to], oldest first, at most limit
// (limit < 1: all). It queries the GSI2 bucket of each day from from to to for sort
// keys between from and to, so it reads only due items.
func (s *Store) Due(ctx context.Context, from, to time.Time, limit int) ([]access.DueItem, error) {
	const op = "store.due"
	from, to = from.UTC(), to.UTC()
	if to.Sub(from) > MaxDueSpan {
		from = to.Add(-MaxDueSpan)
	}
	if to.Before(from) {
		return nil, nil
	}
	lo := expression.Value(fmtSortTime(from))
	hi := expression.Value(fmtSortTime(to) + dueUpper)
	var out []access.DueItem
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	for ; !day.After(to); day = day.AddDate(0, 0, 1) {
		kc := keyCond(AttrGSI2PK, dayBucket(day)).And(expression.Key(AttrGSI2SK).Between(lo, hi))
		in, err := s.queryInput(IndexGSI2, kc, nil, true)
		if err != nil {
			return nil, internal(op, err)
		}
		if limit > 0 {
			in.Limit = aws.Int32(int32(limit - len(out)))
		}
		err = s.queryAll(ctx, op, in, func(item map[string]ddbtypes.AttributeValue) error {
			d, ok, err := dueItem(op, item)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, d)
			}
			if limit > 0 && len(out) >= limit {
				return errStop
			}
			return nil
		})
		if errors.Is(err, errStop) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// errStop ends a query early once limit items are found.
var errStop = errors.New("store: enough due items")

func dueItem(op string, item map[string]ddbtypes.AttributeValue) (access.DueItem, bool, error) {
	switch itemType(item) {
	case TypeGrant:
		g, err := decode(op, item, grantItem.grant)
		return access.DueItem{Grant: &g}, err == nil, err
	case TypeCleanup:
		c, err := decode(op, item, cleanupItem.task)
		return access.DueItem{Cleanup: &c}, err == nil, err
	}
	return access.DueItem{}, false, nil
}
