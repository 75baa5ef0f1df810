package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// MaxTransactItems is TransactWriteItems' limit; a change with more items (writes,
// audit entries, GrantRefs the store adds and the idempotency record) is refused.
const MaxTransactItems = 100

// commitAttempts bounds Commit's own retries of a transaction that DynamoDB cancelled
// for a conflict with another transaction in flight (nothing was written). A retry
// re-evaluates the conditions, so the loser of a race gets its write's own failure.
const commitAttempts = 3

// txItem is one item of the transaction and what its condition failing means.
type txItem struct {
	item   ddbtypes.TransactWriteItem
	key    key
	onFail *access.Error // nil: Conflict.Concurrent
}

// Commit writes the change as one TransactWriteItems: the writes, one Put per audit
// entry and the idempotency record, each new item conditional on being absent. A
// Grant Put also refreshes the grant's GrantRef (and a Grant Delete removes it) unless
// the change writes that GrantRef itself.
func (s *Store) Commit(ctx context.Context, c access.Change) error {
	op := c.Op
	if op == "" {
		op = "store.commit"
	}
	items, err := s.plan(c)
	if err != nil {
		return internal(op, err)
	}
	if len(items) == 0 {
		return nil
	}
	for attempt := 1; ; attempt++ {
		// A fresh input each time: the SDK writes a ClientRequestToken into the input it
		// sends, and a token reused with other content is an error.
		in := &dynamodb.TransactWriteItemsInput{TransactItems: make([]ddbtypes.TransactWriteItem, len(items))}
		for i, it := range items {
			in.TransactItems[i] = it.item
		}
		_, err := s.db.TransactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		mapped, retry := commitErr(op, items, err)
		if !retry || attempt == commitAttempts {
			return mapped
		}
		if err := backoff(ctx, attempt); err != nil {
			return mapped
		}
	}
}

// commitErr maps a failed transaction; retry reports a cancellation by a conflicting
// transaction, which wrote nothing and may be tried again.
func commitErr(op string, items []txItem, err error) (mapped error, retry bool) {
	var tc *ddbtypes.TransactionCanceledException
	if !errors.As(err, &tc) {
		var cc *ddbtypes.ConditionalCheckFailedException
		if errors.As(err, &cc) {
			return concurrent(op, err), false
		}
		return dbErr(op, err), false
	}
	reasons := cancelReasons(tc)
	// A failed condition is the caller's answer; it wins over other reasons.
	for i, r := range reasons {
		if r == "ConditionalCheckFailed" && i < len(items) {
			if f := items[i].onFail; f != nil {
				e := *f
				if e.Op == "" {
					e.Op = op
				}
				if e.Err == nil {
					e.Err = err
				}
				return &e, false
			}
			return concurrent(op, err), false
		}
	}
	for _, r := range reasons {
		if r == "ConditionalCheckFailed" {
			return concurrent(op, err), false
		}
	}
	for _, r := range reasons {
		if r == "TransactionConflict" {
			return concurrent(op, err), true
		}
	}
	for _, r := range reasons {
		if throttleCodes[r] {
			return throttled(op, err), false
		}
	}
	return internal(op, err), false
}

// plan turns a change into transaction items.
func (s *Store) plan(c access.Change) ([]txItem, error) {
	var items []txItem
	refs := map[string]bool{} // grant ids whose GrantRef the change writes itself
	grantTTL := map[string]int64{}
	for _, w := range c.Writes {
		if w.GrantRef != nil {
			refs[w.GrantRef.GrantID] = true
		}
		if w.Grant != nil && w.Action == access.ActionPut {
			grantTTL[w.Grant.ID] = newGrantItem(*w.Grant, s.retention).TTL
		}
	}
	for i, w := range c.Writes {
		it, err := s.writeItem(w, grantTTL)
		if err != nil {
			return nil, fmt.Errorf("write %d: %w", i, err)
		}
		items = append(items, s.spread(w, it)...)
	}
	refItems, err := s.grantRefItems(c, refs, grantTTL)
	if err != nil {
		return nil, err
	}
	items = append(items, refItems...)
	dueItems, err := s.requestDueItems(c)
	if err != nil {
		return nil, err
	}
	items = append(items, dueItems...)
	logItems, err := s.auditAndIdemItems(c)
	if err != nil {
		return nil, err
	}
	items = append(items, logItems...)
	if len(items) > MaxTransactItems {
		return nil, fmt.Errorf("change %s has %d items; a transaction holds at most %d", c.Op, len(items), MaxTransactItems)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.key.String()] {
			return nil, fmt.Errorf("change %s writes item %s twice", c.Op, it.key)
		}
		seen[it.key.String()] = true
	}
	return items, nil
}

// requestDueItems keeps each written request's due marker in step with it (R27): put
// while the request is PENDING with an expiry, deleted once it is decided. The
// request's own condition guards both.
func (s *Store) requestDueItems(c access.Change) ([]txItem, error) {
	var items []txItem
	for _, w := range c.Writes {
		r := w.Request
		if r == nil || w.Action != access.ActionPut {
			continue
		}
		if r.Status == access.RequestPending && r.ExpiresAt != nil {
			it := newRequestDueItem(*r)
			put, err := putItem(s.table, it.key, it, nil, nil)
			if err != nil {
				return nil, err
			}
			items = append(items, put)
			continue
		}
		k := requestDueKey(r.ID)
		items = append(items, txItem{key: k, item: ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{
			TableName: aws.String(s.table), Key: k.av()}}})
	}
	return items, nil
}

// grantRefItems keeps each grant's GrantRef in step with it (same slot, same TTL),
// unless the change writes that GrantRef itself (refs).
func (s *Store) grantRefItems(c access.Change, refs map[string]bool, grantTTL map[string]int64) ([]txItem, error) {
	var items []txItem
	for _, w := range c.Writes {
		g := w.Grant
		if g == nil || refs[g.ID] {
			continue
		}
		switch w.Action {
		case access.ActionPut:
			ref := newGrantRefItem(access.GrantRef{GrantID: g.ID, Key: g.Key()})
			ref.TTL = grantTTL[g.ID]
			it, err := putItem(s.table, ref.key, ref, nil, nil)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		case access.ActionDelete:
			k := grantRefKey(g.ID)
			items = append(items, txItem{key: k, item: ddbtypes.TransactWriteItem{Delete: &ddbtypes.Delete{
				TableName: aws.String(s.table), Key: k.av(),
			}}})
		}
		refs[g.ID] = true
	}
	return items, nil
}

// auditAndIdemItems are the change's audit entries (its events) and its idempotency
// record, each put only where nothing is.
func (s *Store) auditAndIdemItems(c access.Change) ([]txItem, error) {
	var items []txItem
	absent := expression.AttributeNotExists(expression.Name(AttrPK))
	for _, e := range c.Audit {
		a, err := newAuditItem(e)
		if err != nil {
			return nil, err
		}
		it, err := putItem(s.table, a.key, a, &absent, nil)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if c.Idem != nil {
		rec := newIdemItem(*c.Idem)
		// A record past its 24 hours that TTL has not deleted yet may be replaced.
		cond := absent.Or(expression.Name(AttrTTL).LessThanEqual(expression.Value(ttlAt(c.Idem.CreatedAt))))
		onFail := access.E(c.Op, access.CodeRequestInProgress,
			"a request with this Idempotency-Key is still in progress")
		it, err := putItem(s.table, rec.key, rec, &cond, onFail)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// writeItem builds the transaction item of one Write.
func (s *Store) writeItem(w access.Write, grantTTL map[string]int64) (txItem, error) {
	k, item, err := s.itemOf(w, grantTTL)
	if err != nil {
		return txItem{}, err
	}
	cond, err := s.condition(w)
	if err != nil {
		return txItem{}, err
	}
	switch w.Action {
	case access.ActionPut:
		return putItem(s.table, k, item, cond, w.OnFail)
	case access.ActionDelete, access.ActionCheck:
		var names map[string]string
		var values map[string]ddbtypes.AttributeValue
		var expr *string
		if cond != nil {
			e, err := expression.NewBuilder().WithCondition(*cond).Build()
			if err != nil {
				return txItem{}, err
			}
			expr, names, values = e.Condition(), e.Names(), e.Values()
		}
		it := txItem{key: k, onFail: w.OnFail}
		if w.Action == access.ActionDelete {
			it.item.Delete = &ddbtypes.Delete{TableName: aws.String(s.table), Key: k.av(),
				ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}
			return it, nil
		}
		if cond == nil {
			return txItem{}, errors.New("a check write needs a condition")
		}
		it.item.ConditionCheck = &ddbtypes.ConditionCheck{TableName: aws.String(s.table), Key: k.av(),
			ConditionExpression: expr, ExpressionAttributeNames: names, ExpressionAttributeValues: values}
		return it, nil
	}
	return txItem{}, fmt.Errorf("unknown action %d", w.Action)
}

func putItem(table string, k key, item any, cond *expression.ConditionBuilder, onFail *access.Error) (txItem, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return txItem{}, fmt.Errorf("encode %s: %w", k, err)
	}
	put := &ddbtypes.Put{TableName: aws.String(table), Item: av}
	if cond != nil {
		e, err := expression.NewBuilder().WithCondition(*cond).Build()
		if err != nil {
			return txItem{}, err
		}
		put.ConditionExpression, put.ExpressionAttributeNames, put.ExpressionAttributeValues = e.Condition(), e.Names(), e.Values()
	}
	return txItem{key: k, item: ddbtypes.TransactWriteItem{Put: put}, onFail: onFail}, nil
}

// itemOf returns the key and the item of a write's object.
func (s *Store) itemOf(w access.Write, grantTTL map[string]int64) (key, any, error) {
	set := 0
	for _, p := range []bool{w.API != nil, w.App != nil, w.Unit != nil, w.Default != nil, w.Grant != nil,
		w.GrantRef != nil, w.Request != nil, w.Lookup != nil, w.Cleanup != nil, w.Policy != nil, w.Workspace != nil, w.Review != nil, w.ReviewItem != nil} {
		if p {
			set++
		}
	}
	if set != 1 {
		return key{}, nil, fmt.Errorf("a write must carry exactly one item, it carries %d", set)
	}
	switch {
	case w.API != nil:
		it := newAPIItem(*w.API)
		return it.key, it, nil
	case w.App != nil:
		it := newAppItem(*w.App)
		return it.key, it, nil
	case w.Unit != nil:
		it := newUnitItem(*w.Unit)
		return it.key, it, nil
	case w.Default != nil:
		it := newDefaultAppItem(*w.Default)
		return it.key, it, nil
	case w.Grant != nil:
		it := newGrantItem(*w.Grant, s.retention)
		return it.key, it, nil
	case w.GrantRef != nil:
		it := newGrantRefItem(*w.GrantRef)
		if it.TTL == 0 {
			it.TTL = grantTTL[w.GrantRef.GrantID]
		}
		return it.key, it, nil
	case w.Request != nil:
		it := newRequestItem(*w.Request)
		return it.key, it, nil
	case w.Lookup != nil:
		it := newLookupItem(*w.Lookup)
		return it.key, it, nil
	case w.Policy != nil:
		it := newPolicyItem(*w.Policy)
		return it.key, it, nil
	case w.Workspace != nil:
		it := newWorkspaceItem(*w.Workspace)
		return it.key, it, nil
	case w.Review != nil:
		it := newReviewItem(*w.Review)
		return it.key, it, nil
	case w.ReviewItem != nil:
		it := newReviewEntryItem(*w.ReviewItem)
		return it.key, it, nil
	default:
		it := newCleanupItem(*w.Cleanup)
		return it.key, it, nil
	}
}

// condition builds a write's condition; nil for CondNone. Times are compared as epoch
// milliseconds: stored deadlines are rounded up and now is rounded down, so DynamoDB
// never finds a deadline passed that access.Grant.Status would not.
func (s *Store) condition(w access.Write) (*expression.ConditionBuilder, error) {
	pk := expression.Name(AttrPK)
	var c expression.ConditionBuilder
	switch w.Cond.Kind {
	case access.CondNone:
		return nil, nil
	case access.CondAbsent:
		c = expression.AttributeNotExists(pk)
	case access.CondExists:
		c = expression.AttributeExists(pk)
	case access.CondVersion:
		c = expression.Name(attrVersion).Equal(expression.Value(w.Cond.Version))
		if w.Grant != nil {
			// A slot may have been given to a new grant (R3) that also has version 1:
			// the write is about this grant only.
			c = c.And(expression.Name(attrGrantID).Equal(expression.Value(w.Grant.ID)))
		}
	case access.CondReplaceable:
		if w.Grant == nil {
			return nil, errors.New("CondReplaceable applies to grant writes only")
		}
		now := w.Cond.Now
		if now.IsZero() {
			now = s.now()
		}
		// Grant.InForce as a condition: cancel_usage is Grant.Timing's CancelsUsage, and
		// a USAGE cancellation due at or after the end is covered by the end's clause.
		nowMs := expression.Value(floorMillis(now))
		c = expression.AttributeNotExists(pk).Or(
			expression.Name(attrEndAtMs).LessThanEqual(nowMs),
			expression.Name(attrRevokedAtMs).LessThanEqual(nowMs),
			expression.Name(attrGeneration).NotEqual(expression.Value(w.Cond.Generation)),
			expression.Name(attrCancelAtMs).LessThanEqual(nowMs).And(
				expression.Name(attrCancelUsage).Equal(expression.Value(true))),
		)
	case access.CondPublished:
		if w.Unit != nil {
			// A unit has no status: it is live while not deleted, in its generation (R23).
			c = expression.AttributeExists(pk).And(
				expression.Name(attrGeneration).Equal(expression.Value(w.Cond.Generation)),
				expression.Name(attrDeleted).NotEqual(expression.Value(true)),
			)
			break
		}
		if w.API == nil {
			return nil, errors.New("CondPublished applies to API and unit writes only")
		}
		c = expression.AttributeExists(pk).And(
			expression.Name(attrStatus).Equal(expression.Value(access.APIPublished)),
			expression.Name(attrGeneration).Equal(expression.Value(w.Cond.Generation)),
			expression.Name(attrDeleted).NotEqual(expression.Value(true)),
		)
	case access.CondAbsentOrOwned:
		var target string
		switch {
		case w.Lookup != nil:
			target = w.Lookup.Target
		case w.Default != nil:
			target = w.Default.AppID
		default:
			return nil, errors.New("CondAbsentOrOwned applies to lookup and default-app writes only")
		}
		c = expression.AttributeNotExists(pk).Or(expression.Name(attrTarget).Equal(expression.Value(target)))
	default:
		return nil, fmt.Errorf("unknown condition kind %d", w.Cond.Kind)
	}
	return &c, nil
}
