package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"gatepass/shared/access"
	"gatepass/shared/store"
	"gatepass/shared/store/storetest"
)

func newUnit(id, ws string) access.ServiceUnit {
	return access.ServiceUnit{
		ID: id, TenantID: tenant, WorkspaceID: ws, Name: "Unit " + id, Generation: 1,
		CreatedAt: t0, ModifiedAt: t0, Version: 1,
	}
}

// A grant item written before grants named their resource (no resource_type, no
// resource_id) is an API grant of its api_id; so is its GrantRef.
func TestGrant_OldItemsDecodeAsAPIGrants(t *testing.T) {
	t.Parallel()
	tbl := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }})
	ctx := context.Background()
	put := func(item map[string]ddbtypes.AttributeValue) {
		t.Helper()
		if _, err := tbl.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	s := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	n := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberN{Value: v} }
	put(map[string]ddbtypes.AttributeValue{
		"PK": s("API#old"), "SK": s("GRANT#PROD#APP#app1"), "type": s("GRANT"), "grant_id": s("g-old"),
		"api_id": s("old"), "api_name": s("Old"), "tenant_id": s(tenant), "workspace_id": s("ws1"),
		"subject_type": s("APP"), "subject_id": s("app1"), "subject_tenant_id": s(tenant), "env": s("PROD"),
		"permissions": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{s("USAGE")}},
		"created_at":  s(t0.Format(time.RFC3339Nano)), "modified_at": s(t0.Format(time.RFC3339Nano)),
		"version": n("1"), "generation": n("1"),
	})
	put(map[string]ddbtypes.AttributeValue{
		"PK": s("GRANTID#g-old"), "SK": s("META"), "type": s("GRANTREF"), "grant_id": s("g-old"),
		"api_id": s("old"), "env": s("PROD"), "subject_type": s("APP"), "subject_id": s("app1"),
	})
	g, err := tbl.Store.GetGrant(ctx, access.APIResource("old"), "g-old")
	if err != nil {
		t.Fatal(err)
	}
	if g.Resource != access.APIResource("old") || g.APIID != "old" {
		t.Fatalf("got resource %v api_id %q, want the API old", g.Resource, g.APIID)
	}
	if _, err := tbl.Store.GetGrant(ctx, access.UnitResource("old"), "g-old"); !access.IsCode(err, access.CodeNotFoundGrant) {
		t.Fatalf("got %v reading it as a unit grant, want NotFound.Grant", err)
	}
}

// Unit grants, user grants and app grants use the same code paths as API grants:
// commit with GrantRef, read by id on their resource only, list by resource and by
// subject, clean up by generation.
func TestGrant_EveryResource(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	unit := newUnit("u1", "ws1")
	app := newApp("app1", "ws1")
	putApp(t, s, app)
	mustCommit(t, s, access.Change{Op: "unit.put", Writes: []access.Write{{Unit: &unit, Cond: access.Cond{Kind: access.CondAbsent}}}})
	user := access.Subject{Type: access.SubjectUser, ID: "alice@x.com", TenantID: tenant}
	onUnit := access.Grant{
		ID: "g-unit", Resource: access.UnitResource("u1"), TenantID: tenant, WorkspaceID: "ws1",
		Subject: user, Env: access.EnvProd, Permissions: []access.Permission{access.PermUsage, access.PermDevelopment},
		Fields: []string{}, CreatedAt: t0, ModifiedAt: t0, Version: 1, Generation: 1,
	}
	onApp := onUnit
	onApp.ID, onApp.Resource, onApp.Env, onApp.Permissions = "g-app", access.AppResource("app1"), "", []access.Permission{access.PermUsage}
	mustCommit(t, s, access.Change{Op: "grant.create", Writes: []access.Write{
		{Action: access.ActionCheck, Unit: &unit, Cond: access.Cond{Kind: access.CondPublished, Generation: 1}},
		{Grant: &onUnit, Cond: access.Cond{Kind: access.CondReplaceable, Now: t0, Generation: 1}},
		{Grant: &onApp, Cond: access.Cond{Kind: access.CondReplaceable, Now: t0}},
	}, Audit: []access.AuditEntry{{ID: "a-unit", Action: access.EventGrantCreated, At: t0, TenantID: tenant, Resource: &onUnit.Resource, GrantID: onUnit.ID}}})

	for _, g := range []access.Grant{onUnit, onApp} {
		got, err := s.GetGrant(ctx, g.Resource, g.ID)
		if err != nil || got.Resource != g.Resource || got.Subject != user {
			t.Fatalf("GetGrant %s: got %+v, %v", g.ID, got, err)
		}
		if _, err := s.GetGrant(ctx, access.APIResource(g.Resource.ID), g.ID); !access.IsCode(err, access.CodeNotFoundGrant) {
			t.Fatalf("GetGrant %s on an API: got %v, want NotFound.Grant", g.ID, err)
		}
		page, err := s.GrantsByResource(ctx, g.Resource, 10, "")
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != g.ID {
			t.Fatalf("GrantsByResource %v: got %+v, %v", g.Resource, page, err)
		}
	}
	mine, err := s.GrantsBySubject(ctx, user)
	if err != nil || len(mine) != 2 {
		t.Fatalf("GrantsBySubject: got %d grants, %v; want 2", len(mine), err)
	}
	// The same sub in another tenant is another user.
	if other, _ := s.GrantsBySubject(ctx, access.Subject{Type: access.SubjectUser, ID: user.ID, TenantID: "t2"}); len(other) != 0 {
		t.Fatalf("got %d grants of the user of tenant t2, want 0", len(other))
	}
	audit, err := s.Audit(ctx, store.ScopeUnit, "u1", 10, "")
	if err != nil || len(audit.Items) != 1 || audit.Items[0].Resource == nil || *audit.Items[0].Resource != onUnit.Resource {
		t.Fatalf("unit audit: got %+v, %v", audit.Items, err)
	}

	// R23: the unit deleted (a tombstone of the next generation): its grants are stale.
	deleted := unit
	deleted.Deleted, deleted.Generation, deleted.Version = true, 2, 2
	mustCommit(t, s, access.Change{Op: "unit.delete", Writes: []access.Write{
		{Unit: &deleted, Cond: access.Cond{Kind: access.CondVersion, Version: 1}},
		{Cleanup: &access.CleanupTask{Resource: access.UnitResource("u1"), TenantID: tenant, Generation: 2, Due: t0}, Cond: access.Cond{Kind: access.CondAbsent}},
	}})
	stale, next, err := s.StaleGrants(ctx, access.UnitResource("u1"), 2, 10, "")
	if err != nil || next != "" || len(stale) != 1 || stale[0].ID != "g-unit" {
		t.Fatalf("StaleGrants: got %v %q %v", stale, next, err)
	}
	due, err := s.Due(ctx, t0.Add(-time.Hour), t0, 10)
	if err != nil || len(due) != 1 || due[0].Cleanup == nil || due[0].Cleanup.Resource != access.UnitResource("u1") {
		t.Fatalf("Due: got %+v, %v", due, err)
	}
	// A grant on the tombstone's old generation fails the unit's condition.
	err = s.Commit(ctx, access.Change{Op: "grant.create", Writes: []access.Write{
		{Action: access.ActionCheck, Unit: &unit, Cond: access.Cond{Kind: access.CondPublished, Generation: 1},
			OnFail: access.E("grant.create", access.CodeNotFoundServiceUnit, "gone")},
	}})
	wantCode(t, err, access.CodeNotFoundServiceUnit)
}

func TestServiceUnit_ReadAndList(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	for _, u := range []access.ServiceUnit{newUnit("u2", "ws1"), newUnit("u1", "ws1"), newUnit("u3", "ws10")} {
		mustCommit(t, s, access.Change{Op: "unit.put", Writes: []access.Write{{Unit: &u, Cond: access.Cond{Kind: access.CondAbsent}}}})
	}
	got, err := s.GetServiceUnit(ctx, "u1")
	if err != nil || got.Name != "Unit u1" || got.WorkspaceID != "ws1" || !got.Live() {
		t.Fatalf("got %+v, %v", got, err)
	}
	_, err = s.GetServiceUnit(ctx, "nope")
	wantCode(t, err, access.CodeNotFoundServiceUnit)
	list, err := s.ServiceUnitsByWorkspace(ctx, tenant, "ws1")
	if err != nil || len(list) != 2 || list[0].ID != "u1" || list[1].ID != "u2" {
		t.Fatalf("got %+v, %v; want u1, u2", list, err)
	}
	// A deleted unit leaves the listing but stays readable as a tombstone.
	del := got
	del.Deleted, del.Generation, del.Version = true, 2, 2
	mustCommit(t, s, access.Change{Op: "unit.delete", Writes: []access.Write{{Unit: &del, Cond: access.Cond{Kind: access.CondVersion, Version: 1}}}})
	if list, _ = s.ServiceUnitsByWorkspace(ctx, tenant, "ws1"); len(list) != 1 || list[0].ID != "u2" {
		t.Fatalf("after delete got %+v, want u2", list)
	}
	if tomb, err := s.GetServiceUnit(ctx, "u1"); err != nil || tomb.Live() || tomb.Generation != 2 {
		t.Fatalf("tombstone: got %+v, %v", tomb, err)
	}
}
