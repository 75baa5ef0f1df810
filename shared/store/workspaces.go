package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
)

// workspaceItem is a tenant's registered workspace (R29), in its tenant's directory
// partition. name_lower serves the listing's keyword filter.
type workspaceItem struct {
	key
	Type        string `dynamodbav:"type"`
	TenantID    string `dynamodbav:"tenant_id"`
	WorkspaceID string `dynamodbav:"workspace_id"`
	Name        string `dynamodbav:"name"`
	NameLower   string `dynamodbav:"name_lower"`
	CreatedBy   string `dynamodbav:"created_by"`
	CreatedAt   string `dynamodbav:"created_at"`
	ModifiedAt  string `dynamodbav:"modified_at"`
	Version     int64  `dynamodbav:"version"`
}

const attrNameLower = "name_lower"

func newWorkspaceItem(w access.Workspace) workspaceItem {
	return workspaceItem{
		key: workspaceKey(w.TenantID, w.ID), Type: TypeWorkspace, TenantID: w.TenantID, WorkspaceID: w.ID,
		Name: w.Name, NameLower: strings.ToLower(w.Name), CreatedBy: w.CreatedBy,
		CreatedAt: fmtTime(w.CreatedAt), ModifiedAt: fmtTime(w.ModifiedAt), Version: w.Version,
	}
}

func (it workspaceItem) workspace() (access.Workspace, error) {
	var p timeParser
	w := access.Workspace{
		TenantID: it.TenantID, ID: it.WorkspaceID, Name: it.Name, CreatedBy: it.CreatedBy,
		CreatedAt: p.at(it.CreatedAt), ModifiedAt: p.at(it.ModifiedAt), Version: it.Version,
	}
	return w, p.err
}

// GetWorkspace reads a tenant's registered workspace (R29), strongly consistent.
func (s *Store) GetWorkspace(ctx context.Context, tenantID, id string) (access.Workspace, error) {
	const op = "store.get_workspace"
	var it workspaceItem
	ok, err := s.getItem(ctx, op, workspaceKey(tenantID, id), &it)
	if err != nil {
		return access.Workspace{}, err
	}
	if !ok {
		return access.Workspace{}, notFound(op, access.CodeNotFoundWorkspace, "workspace "+id)
	}
	w, err := it.workspace()
	if err != nil {
		return access.Workspace{}, internal(op, err)
	}
	return w, nil
}

// WorkspacesByTenant pages through a tenant's directory by id (R29): one Query of its
// partition, filtered on the lower-case name when keyword is set. The token is the last
// item's key, bound to this tenant's directory, so it never reads another tenant's.
func (s *Store) WorkspacesByTenant(ctx context.Context, tenantID, keyword string, pageSize int, next string) (access.WorkspacePage, error) {
	const op = "store.workspaces_by_tenant"
	if err := checkPageSize(op, pageSize); err != nil {
		return access.WorkspacePage{}, err
	}
	l := listing{name: "workspaces", pk: workspacePartition(tenantID)}
	start, err := l.decode(op, next)
	if err != nil {
		return access.WorkspacePage{}, err
	}
	var filter *expression.ConditionBuilder
	if keyword != "" {
		f := expression.Name(attrNameLower).Contains(strings.ToLower(keyword))
		filter = &f
	}
	in, err := s.queryInput("", keyCond(AttrPK, l.pk), filter, true)
	if err != nil {
		return access.WorkspacePage{}, internal(op, err)
	}
	in.ExclusiveStartKey = start
	found, tok, err := s.queryPage(ctx, op, l, in, pageSize)
	if err != nil {
		return access.WorkspacePage{}, err
	}
	items, err := decodeAll(op, found, workspaceItem.workspace)
	if err != nil {
		return access.WorkspacePage{}, err
	}
	return access.WorkspacePage{Items: items, Next: tok}, nil
}

// DirectoryReport counts what RegisterNamedWorkspaces did.
type DirectoryReport struct {
	Scanned    int // items read
	Named      int // distinct (tenant, workspace) pairs the data names
	Registered int // of them, registered by this run (the others were already)
}

func (r DirectoryReport) String() string {
	return fmt.Sprintf("%d items read, %d workspaces named, %d registered", r.Scanned, r.Named, r.Registered)
}

// migrationActor is the created_by of a workspace the migration registered.
const migrationActor = "system:migrate"

// RegisterNamedWorkspaces is R29's one-off migration (docs/operations.md "Migrations"):
// it registers every workspace that existing data names (the workspaces of APIs, apps
// and service units, and the WORKSPACE subjects of grants), named by its id, so that
// data written before the directory keeps working. A workspace already registered is
// left alone (a conditional put), so running it again registers nothing.
func (s *Store) RegisterNamedWorkspaces(ctx context.Context, now time.Time) (DirectoryReport, error) {
	const op = "store.register_named_workspaces"
	var r DirectoryReport
	named := map[access.WorkspaceRef]bool{}
	var order []access.WorkspaceRef
	add := func(tenant, id string) {
		ref := access.WorkspaceRef{TenantID: tenant, ID: id}
		if tenant == "" || id == "" || named[ref] {
			return
		}
		named[ref] = true
		order = append(order, ref)
	}
	err := s.scanAll(ctx, op, func(item map[string]ddbtypes.AttributeValue) error {
		r.Scanned++
		tenant := stringAttr(item, "tenant_id")
		switch itemType(item) {
		case TypeAPI, TypeApp, TypeUnit:
			add(tenant, stringAttr(item, "workspace_id"))
		case TypeGrant:
			if stringAttr(item, "subject_type") == string(access.SubjectWorkspace) {
				st := stringAttr(item, "subject_tenant_id")
				if st == "" { // written before subjects named their tenant: the grant's
					st = tenant
				}
				add(st, stringAttr(item, "subject_id"))
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	r.Named = len(order)
	absent := expression.AttributeNotExists(expression.Name(AttrPK))
	for _, ref := range order {
		it := newWorkspaceItem(access.Workspace{TenantID: ref.TenantID, ID: ref.ID, Name: ref.ID,
			CreatedBy: migrationActor, CreatedAt: now, ModifiedAt: now, Version: 1})
		put, err := putItem(s.table, it.key, it, &absent, nil)
		if err != nil {
			return r, internal(op, err)
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.item.Put.TableName, Item: put.item.Put.Item,
			ConditionExpression: put.item.Put.ConditionExpression, ExpressionAttributeNames: put.item.Put.ExpressionAttributeNames,
			ExpressionAttributeValues: put.item.Put.ExpressionAttributeValues})
		var cc *ddbtypes.ConditionalCheckFailedException
		switch {
		case errors.As(err, &cc): // registered already
		case err != nil:
			return r, dbErr(op, err)
		default:
			r.Registered++
		}
	}
	return r, nil
}

// maxBatchWrite is BatchWriteItem's limit on requests per call.
const maxBatchWrite = 25

// PutWorkspaces writes directory entries as they are, without a condition or an audit
// record, 25 a request, retrying unprocessed ones with backoff: for seeding a directory
// (test fixtures, a development table), where a transaction per entry would cost
// DynamoDB Local far more and nothing else is written with them.
func (s *Store) PutWorkspaces(ctx context.Context, ws []access.Workspace) error {
	const op = "store.put_workspaces"
	for start := 0; start < len(ws); start += maxBatchWrite {
		var reqs []ddbtypes.WriteRequest
		for _, w := range ws[start:min(start+maxBatchWrite, len(ws))] {
			av, err := attributevalue.MarshalMap(newWorkspaceItem(w))
			if err != nil {
				return internal(op, err)
			}
			reqs = append(reqs, ddbtypes.WriteRequest{PutRequest: &ddbtypes.PutRequest{Item: av}})
		}
		err := untilProcessed(ctx, op, "BatchWriteItem", map[string][]ddbtypes.WriteRequest{s.table: reqs}, func(req map[string][]ddbtypes.WriteRequest) (map[string][]ddbtypes.WriteRequest, error) {
			res, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return nil, err
			}
			return res.UnprocessedItems, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
