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

// MigrationReport counts what MigrateWorkspaceKeys did.
type MigrationReport struct {
	Scanned int // items read
	Indexed int // items whose workspace index keys were rewritten in place
	Moved   int // grants and default-app locks moved to their tenant's key
	Skipped int // items changed meanwhile, or whose new key was taken: run again
}

func (r MigrationReport) String() string {
	return fmt.Sprintf("%d items read, %d re-indexed, %d moved, %d skipped", r.Scanned, r.Indexed, r.Moved, r.Skipped)
}

// MigrateWorkspaceKeys rewrites the items written before workspace ids became per
// tenant (docs/operations.md "Migrations"): the workspace index keys of APIs, apps,
// units and requests, the slot of every grant to a WORKSPACE (and its GrantRef), and
// the default-app lock of every workspace. Each item is rewritten on the condition that
// it did not change since it was read; one that did, or whose new key is taken, is
// skipped and counted. Items already in the new form are left alone, so running it
// again does nothing.
func (s *Store) MigrateWorkspaceKeys(ctx context.Context) (MigrationReport, error) {
	const op = "store.migrate_workspace_keys"
	var r MigrationReport
	err := s.scanAll(ctx, op, func(item map[string]ddbtypes.AttributeValue) error {
		r.Scanned++
		res, err := s.migrateItem(ctx, op, item)
		switch res {
		case migIndexed:
			r.Indexed++
		case migMoved:
			r.Moved++
		case migSkipped:
			r.Skipped++
		}
		return err
	})
	return r, err
}

// scanAll reads the whole table, strongly consistent, page by page (the one-off
// migrations only), handing each item to each.
func (s *Store) scanAll(ctx context.Context, op string, each func(map[string]ddbtypes.AttributeValue) error) error {
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return dbErr(op, err)
		}
		for _, item := range page.Items {
			if err := each(item); err != nil {
				return err
			}
		}
	}
	return nil
}

type migResult int

const (
	migNone migResult = iota
	migIndexed
	migMoved
	migSkipped
)

func (s *Store) migrateItem(ctx context.Context, op string, item map[string]ddbtypes.AttributeValue) (migResult, error) {
	switch itemType(item) {
	case TypeAPI:
		return migrateIndex(ctx, s, op, item, func(it apiItem) (string, string, int64) {
			n := newAPIItem(mustAPI(it))
			return n.GSI1PK, n.GSI1SK, it.Version
		})
	case TypeApp:
		return migrateIndex(ctx, s, op, item, func(it appItem) (string, string, int64) {
			a, _ := it.app()
			n := newAppItem(a)
			return n.GSI1PK, n.GSI1SK, it.Version
		})
	case TypeUnit:
		return migrateIndex(ctx, s, op, item, func(it unitItem) (string, string, int64) {
			u, _ := it.unit()
			n := newUnitItem(u)
			return n.GSI1PK, n.GSI1SK, it.Version
		})
	case TypeRequest:
		return migrateIndex(ctx, s, op, item, func(it requestItem) (string, string, int64) {
			rq, _ := it.request()
			n := newRequestItem(rq)
			return n.GSI1PK, n.GSI1SK, it.Version
		})
	case TypeGrant:
		return s.migrateGrant(ctx, op, item)
	case TypeDefault:
		return s.migrateDefault(ctx, op, item)
	}
	return migNone, nil
}

func mustAPI(it apiItem) access.API { a, _ := it.api(); return a }

// migrateIndex sets an item's GSI1 keys to what its current encoding gives, on the
// condition that its version is still the one read.
func migrateIndex[T any](ctx context.Context, s *Store, op string, item map[string]ddbtypes.AttributeValue, want func(T) (pk, sk string, version int64)) (migResult, error) {
	var it T
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return migNone, internal(op, fmt.Errorf("decode %s: %w", keyOf(item), err))
	}
	pk, sk, version := want(it)
	if pk == "" || (stringAttr(item, AttrGSI1PK) == pk && stringAttr(item, AttrGSI1SK) == sk) {
		return migNone, nil // a deleted unit has no entry; others are done
	}
	cond := expression.Name("version").Equal(expression.Value(version))
	upd := expression.Set(expression.Name(AttrGSI1PK), expression.Value(pk)).Set(expression.Name(AttrGSI1SK), expression.Value(sk))
	e, err := expression.NewBuilder().WithCondition(cond).WithUpdate(upd).Build()
	if err != nil {
		return migNone, internal(op, err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: keyOf(item).av(),
		ConditionExpression: e.Condition(), UpdateExpression: e.Update(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	var failed *ddbtypes.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return migSkipped, nil
	case err != nil:
		return migNone, dbErr(op, err)
	}
	return migIndexed, nil
}

// migrateGrant moves a grant to a WORKSPACE from its old slot (the workspace id alone)
// to its tenant's, with its GrantRef, in one transaction: the old item is deleted if
// unchanged, the new one put if the slot is free.
func (s *Store) migrateGrant(ctx context.Context, op string, item map[string]ddbtypes.AttributeValue) (migResult, error) {
	var it grantItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return migNone, internal(op, fmt.Errorf("decode %s: %w", keyOf(item), err))
	}
	g, err := it.grant()
	if err != nil {
		return migNone, internal(op, err)
	}
	n := newGrantItem(g, s.retention)
	n.TTL = it.TTL // keep the retention it was written with
	if n.key == it.key && n.GSI1PK == it.GSI1PK {
		return migNone, nil
	}
	if n.key == it.key { // only its index entry names the workspace
		return migrateIndex(ctx, s, op, item, func(grantItem) (string, string, int64) { return n.GSI1PK, n.GSI1SK, it.Version })
	}
	newItem, err := attributevalue.MarshalMap(n)
	if err != nil {
		return migNone, internal(op, err)
	}
	unchanged, _ := expression.NewBuilder().WithCondition(expression.Name("version").Equal(expression.Value(it.Version))).Build()
	free, _ := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
	ref, _ := expression.NewBuilder().
		WithCondition(expression.AttributeExists(expression.Name(AttrPK))).
		WithUpdate(expression.Set(expression.Name("subject_tenant_id"), expression.Value(g.Subject.TenantID))).Build()
	items := []ddbtypes.TransactWriteItem{
		{Delete: &ddbtypes.Delete{TableName: aws.String(s.table), Key: it.key.av(),
			ConditionExpression: unchanged.Condition(), ExpressionAttributeNames: unchanged.Names(), ExpressionAttributeValues: unchanged.Values()}},
		{Put: &ddbtypes.Put{TableName: aws.String(s.table), Item: newItem,
			ConditionExpression: free.Condition(), ExpressionAttributeNames: free.Names()}},
	}
	var refItem map[string]ddbtypes.AttributeValue
	if ok, err := s.getItemRaw(ctx, op, grantRefKey(g.ID), &refItem); err != nil {
		return migNone, err
	} else if ok {
		items = append(items, ddbtypes.TransactWriteItem{Update: &ddbtypes.Update{TableName: aws.String(s.table), Key: grantRefKey(g.ID).av(),
			ConditionExpression: ref.Condition(), UpdateExpression: ref.Update(),
			ExpressionAttributeNames: ref.Names(), ExpressionAttributeValues: ref.Values()}})
	}
	return s.migrateTx(ctx, op, items)
}

// migrateDefault moves a default-app lock keyed by the workspace id alone to the key of
// its app's tenant; a lock whose app is gone is removed.
func (s *Store) migrateDefault(ctx context.Context, op string, item map[string]ddbtypes.AttributeValue) (migResult, error) {
	var it defaultAppItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return migNone, internal(op, fmt.Errorf("decode %s: %w", keyOf(item), err))
	}
	if it.TenantID != "" {
		return migNone, nil
	}
	var app appItem
	found, err := s.getItem(ctx, op, appKey(it.Target), &app)
	if err != nil {
		return migNone, err
	}
	old, _ := expression.NewBuilder().WithCondition(expression.Name("target").Equal(expression.Value(it.Target))).Build()
	items := []ddbtypes.TransactWriteItem{{Delete: &ddbtypes.Delete{TableName: aws.String(s.table), Key: it.key.av(),
		ConditionExpression: old.Condition(), ExpressionAttributeNames: old.Names(), ExpressionAttributeValues: old.Values()}}}
	if found && app.Default && app.WorkspaceID == it.WorkspaceID {
		n, err := attributevalue.MarshalMap(newDefaultAppItem(access.DefaultAppLock{TenantID: app.TenantID, WorkspaceID: it.WorkspaceID, AppID: it.Target}))
		if err != nil {
			return migNone, internal(op, err)
		}
		free, _ := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(AttrPK))).Build()
		items = append(items, ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String(s.table), Item: n,
			ConditionExpression: free.Condition(), ExpressionAttributeNames: free.Names()}})
	}
	return s.migrateTx(ctx, op, items)
}

func (s *Store) migrateTx(ctx context.Context, op string, items []ddbtypes.TransactWriteItem) (migResult, error) {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var canceled *ddbtypes.TransactionCanceledException
	switch {
	case errors.As(err, &canceled):
		return migSkipped, nil
	case err != nil:
		return migNone, dbErr(op, err)
	}
	return migMoved, nil
}

// getItemRaw reads one item as attribute values; false when it is absent.
func (s *Store) getItemRaw(ctx context.Context, op string, k key, out *map[string]ddbtypes.AttributeValue) (bool, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k.av(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, dbErr(op, err)
	}
	*out = res.Item
	return res.Item != nil, nil
}
