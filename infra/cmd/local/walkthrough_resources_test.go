package main

import (
	"context"
	"testing"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/access"
	"gatepass/shared/client"
	"gatepass/shared/store"
)

// walkResources carries the walkthrough over what R18–R24 add on the grant side:
// several subjects at once, bulk cancellation, changing a validity, a service unit's
// grants end to end, a user's grants, applications and listing, and an app's grants to
// users. The unit is written to the table as the catalog writes it, so that this part
// needs only the grant routes.
func walkResources(ctx context.Context, t *testing.T, st stack, log *callLog, admin *client.ClientWithResponses, tenant, sfx, api, app string) {
	t.Helper()
	unit, user := "sales-"+sfx, "u-carol-"+sfx
	db := ddblocal.Client(ctx, st.DynamoDBEndpoint)
	now := time.Now().UTC()
	u := access.ServiceUnit{ID: unit, TenantID: tenant, WorkspaceID: "ws-a", Name: "Sales", Generation: 1, CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := store.New(db, st.TableName, store.Options{}).Commit(ctx, access.Change{Op: "walk.unit", Writes: []access.Write{{Unit: &u, Cond: access.Cond{Kind: access.CondAbsent}}}}); err != nil {
		t.Fatalf("write the unit: %v", err)
	}
	walkPolicies(ctx, t, admin, api, unit)
	walkAppKeys(ctx, t, admin, app)
	walkAppCodes(ctx, t, admin, app)
	carol := as(t, st, log, map[string]any{"sub": user, "tenant_id": tenant})
	users := []client.Subject{{Type: client.SubjectTypeUSER, Id: user, TenantId: tenant}}
	ws := client.Subject{Type: client.SubjectTypeWORKSPACE, Id: "ws-b", TenantId: tenant}
	days := func(n int) client.Validity { return client.Validity{Type: client.ValidityTypeLIMITED, Days: ptr(n)} }

	// R18 and R19 on the API: a user and a workspace at once, then both cancelled at once
	bulk, err := admin.CreateGrantsWithResponse(ctx, api, nil, client.GrantInput{
		Subjects: &[]client.Subject{users[0], ws}, Envs: []client.Env{client.EnvDEV}, Validity: days(30)})
	if n := len(expect(t, "CreateGrants (subjects)", bulk, err, 201).JSON201.Grants); n != 2 {
		t.Fatalf("CreateGrants (subjects): %d grants", n)
	}
	mine, err := carol.ListUserAuthorizedApisWithResponse(ctx, user, nil)
	if p := expect(t, "ListUserAuthorizedApis", mine, err, 200).JSON200; p.TotalCount != 1 {
		t.Fatalf("ListUserAuthorizedApis: %+v", p)
	}
	cancelled, err := admin.CancelGrantsWithResponse(ctx, api, nil, client.CancelGrantsInput{
		Subjects: []client.Subject{users[0], ws}, Envs: []client.Env{client.EnvDEV}, Reason: ptr("team moved")})
	expect(t, "CancelGrants", cancelled, err, 202)

	// a unit's grants: create, read, change, cancel and withdraw, bulk cancel, renew,
	// the grantee's revocation, an application by a user, the unit's audit
	created, err := admin.CreateUnitGrantsWithResponse(ctx, unit, nil, client.GrantInput{
		Subjects: &users, Envs: []client.Env{client.EnvPROD, client.EnvDEV},
		Permissions: &[]client.Permission{client.PermissionUSAGE, client.PermissionDEVELOPMENT}, Validity: days(30)})
	grants := expect(t, "CreateUnitGrants", created, err, 201).JSON201.Grants
	prod, dev := grants[0].GrantId, grants[1].GrantId
	listed, err := admin.ListUnitGrantsWithResponse(ctx, unit, nil)
	if n := len(expect(t, "ListUnitGrants", listed, err, 200).JSON200.Items); n != 2 {
		t.Fatalf("ListUnitGrants: %d", n)
	}
	got, err := carol.GetUnitGrantWithResponse(ctx, unit, prod)
	expect(t, "GetUnitGrant", got, err, 200)
	changed, err := admin.UpdateUnitGrantWithResponse(ctx, unit, prod, nil, client.UpdateGrantInput{Validity: ptr(days(60))})
	expect(t, "UpdateUnitGrant", changed, err, 200)
	renewed, err := admin.RenewUnitGrantWithResponse(ctx, unit, prod, nil, client.RenewGrantInput{Validity: days(90)})
	expect(t, "RenewUnitGrant", renewed, err, 200)
	pending, err := admin.CancelUnitGrantWithResponse(ctx, unit, prod, nil, client.CancelGrantInput{Permissions: &[]client.Permission{client.PermissionDEVELOPMENT}})
	expect(t, "CancelUnitGrant", pending, err, 202)
	withdrawn, err := admin.WithdrawUnitCancellationWithResponse(ctx, unit, prod, nil, client.ReasonInput{})
	expect(t, "WithdrawUnitCancellation", withdrawn, err, 200)
	all, err := admin.CancelUnitGrantsWithResponse(ctx, unit, nil, client.CancelGrantsInput{Subjects: users, Envs: []client.Env{client.EnvPROD}})
	expect(t, "CancelUnitGrants", all, err, 202)
	gone, err := carol.RevokeUnitGrantWithResponse(ctx, unit, dev, nil)
	expect(t, "RevokeUnitGrant", gone, err, 204)
	applied, err := carol.ApplyForUnitWithResponse(ctx, unit, nil, client.ApplicationInput{
		Subject: &users[0], Envs: []client.Env{client.EnvDEV}, Validity: days(30)})
	expect(t, "ApplyForUnit", applied, err, 202)
	audit, err := admin.ListUnitAuditWithResponse(ctx, unit, nil)
	if n := len(expect(t, "ListUnitAudit", audit, err, 200).JSON200.Items); n < 8 {
		t.Fatalf("ListUnitAudit: %d entries", n)
	}

	// an app's grants to a user (R24): granted, listed, revoked by the user at once
	appGrant, err := admin.CreateAppGrantsWithResponse(ctx, app, nil, client.AppGrantInput{Subject: &users[0], Validity: days(30)})
	id := expect(t, "CreateAppGrants", appGrant, err, 201).JSON201.Grants[0].GrantId
	appGrants, err := admin.ListAppGrantsWithResponse(ctx, app, nil)
	if n := len(expect(t, "ListAppGrants", appGrants, err, 200).JSON200.Items); n != 1 {
		t.Fatalf("ListAppGrants: %d", n)
	}
	revoked, err := carol.RevokeAppGrantWithResponse(ctx, app, id, nil)
	expect(t, "RevokeAppGrant", revoked, err, 204)
}
