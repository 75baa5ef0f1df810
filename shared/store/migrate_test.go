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

// TestMigrateWorkspaceKeys_OldItemsFoundUnderTheirTenant: items written with the key
// formats before workspace ids became per tenant (a grant to a WORKSPACE in the slot of
// the workspace id alone, a default-app lock keyed by the workspace id, workspace index
// keys without the tenant) are found again under the new formats once the migration
// ran, and a second run changes nothing.
func TestMigrateWorkspaceKeys_OldItemsFoundUnderTheirTenant(t *testing.T) {
	t.Parallel()
	tbl := storetest.Open(t, store.Options{Now: func() time.Time { return t0 }})
	s, db, ctx := tbl.Store, tbl.DB, context.Background()
	api := newAPI("a1")
	putAPI(t, s, api)
	app := newApp("p1", "ws1")
	app.WorkspaceDefault = true
	mustCommit(t, s, access.Change{Op: "app.put", Writes: []access.Write{
		{App: &app},
		{Default: &access.DefaultAppLock{TenantID: tenant, WorkspaceID: "ws1", AppID: "p1"}, Cond: access.Cond{Kind: access.CondAbsentOrOwned}},
	}})
	g := newGrant(api, access.EnvProd, access.SubjectWorkspace, "wsx", nil)
	mustCommit(t, s, createGrants(api, t0, g))

	// Write them back as the old version did.
	raw := func(pk, sk string) map[string]ddbtypes.AttributeValue {
		res, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tbl.Name), Key: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: pk}, "SK": &ddbtypes.AttributeValueMemberS{Value: sk}}, ConsistentRead: aws.Bool(true)})
		if err != nil || res.Item == nil {
			t.Fatalf("get %s|%s: %v", pk, sk, err)
		}
		return res.Item
	}
	move := func(pk, sk string, set map[string]string, drop ...string) {
		item := raw(pk, sk)
		if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(tbl.Name), Key: map[string]ddbtypes.AttributeValue{"PK": item["PK"], "SK": item["SK"]}}); err != nil {
			t.Fatal(err)
		}
		for k, v := range set {
			item[k] = &ddbtypes.AttributeValueMemberS{Value: v}
		}
		for _, k := range drop {
			delete(item, k)
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tbl.Name), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	move("API#a1", "GRANT#PROD#WS#t1#wsx", map[string]string{"SK": "GRANT#PROD#WS#wsx", "GSI1PK": "SUBJ#WS#wsx#"})
	move("GRANTID#"+g.ID, "META", nil, "subject_tenant_id")
	move("WSDEFAULT#t1#ws1", "META", map[string]string{"PK": "WSDEFAULT#ws1"}, "tenant_id")
	move("API#a1", "META", map[string]string{"GSI1PK": "WS#ws1#API#"})
	move("APP#p1", "META", map[string]string{"GSI1PK": "WS#ws1#APP#"})

	slot := g.Key()
	if got, _ := s.GetGrantsAt(ctx, []access.GrantKey{slot}); len(got) != 0 {
		t.Fatalf("before the migration the grant is in its tenant's slot: %v", got)
	}
	rep, err := s.MigrateWorkspaceKeys(ctx)
	if err != nil || rep.Moved != 2 || rep.Indexed != 2 || rep.Skipped != 0 {
		t.Fatalf("migration: %v, %v; want 2 moved (grant, lock), 2 re-indexed (API, app)", rep, err)
	}
	if got, err := s.GetGrantsAt(ctx, []access.GrantKey{slot}); err != nil || len(got) != 1 || got[0].ID != g.ID {
		t.Fatalf("grant in its tenant's slot: %v, %v", got, err)
	}
	if got, err := s.GetGrant(ctx, access.APIResource("a1"), g.ID); err != nil || got.Subject.TenantID != tenant {
		t.Fatalf("grant by id (its GrantRef): %v, %v", got, err)
	}
	if got, err := s.GrantsBySubject(ctx, g.Subject); err != nil || len(got) != 1 {
		t.Fatalf("grants of the workspace subject: %v, %v", got, err)
	}
	if apis, err := s.APIsByWorkspace(ctx, tenant, "ws1"); err != nil || len(apis) != 1 {
		t.Fatalf("APIs of t1's ws1: %v, %v", apiIDs(apis), err)
	}
	if apps, err := s.AppsByWorkspace(ctx, tenant, "ws1"); err != nil || len(apps) != 1 {
		t.Fatalf("apps of t1's ws1: %v, %v", apps, err)
	}
	// The lock holds t1's ws1 again: a second default app there is refused.
	other := newApp("p2", "ws1")
	err = s.Commit(ctx, access.Change{Op: "app.put", Writes: []access.Write{
		{App: &other},
		{Default: &access.DefaultAppLock{TenantID: tenant, WorkspaceID: "ws1", AppID: "p2"}, Cond: access.Cond{Kind: access.CondAbsentOrOwned}},
	}})
	if err == nil {
		t.Fatal("a second default app of ws1 after the migration was accepted")
	}
	if rep, err := s.MigrateWorkspaceKeys(ctx); err != nil || rep.Moved+rep.Indexed+rep.Skipped != 0 {
		t.Fatalf("second run: %v, %v; want nothing to do", rep, err)
	}
}
