package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"gatepass/shared/client"
)

// TestWalkthrough_EveryOperationThroughTheGeneratedClient carries out a whole flow with
// the client generated from infra/openapi.yaml, as a platform service and an app owner
// would: catalog, grants, applications and their review, renewal, cancellation,
// revocation, the listings and the check. It requires every operation of the document to
// have been called, so each route's request and response shapes are exercised the way a
// user's code exercises them.
func TestWalkthrough_EveryOperationThroughTheGeneratedClient(t *testing.T) {
	t.Setenv("CANCEL_NOTICE", "1h") // a cancellation stays pending until withdrawn
	st := devServer(t)
	ctx := context.Background()
	sfx := randomSuffix(t)
	tenant, api, api2, app := "t-walk-"+sfx, "orders-"+sfx, "invoices-"+sfx, "bi-"+sfx
	log := &callLog{}
	admin := as(t, st, log, map[string]any{"sub": "u-admin", "tenant_id": tenant, "roles": []string{"tenant_admin", "checker"}})
	dev := as(t, st, log, map[string]any{"sub": "u-dev", "tenant_id": tenant, "roles": []string{"ws:ws-b:developer"}})
	walkWorkspaces(ctx, t, admin, "ws-a", "ws-b") // R29: the directory first

	// catalog
	apiIn := client.ApiInput{
		WorkspaceId: "ws-a", Name: "Orders", Path: "/walk/" + sfx + "/orders", Operation: client.OperationREAD,
		Protocols: []client.Protocol{client.ProtocolHTTPS}, Fields: &[]string{"id", "total"}, RowLevel: ptr(true),
	}
	putAPI, err := admin.PutApiWithResponse(ctx, api, nil, apiIn)
	expect(t, "PutApi (create)", putAPI, err, 201)
	apiIn.Name = "Orders v2"
	putAPI, err = admin.PutApiWithResponse(ctx, api, &client.PutApiParams{IdempotencyKey: ptr("walk-put-" + sfx)}, apiIn)
	if v := expect(t, "PutApi (update)", putAPI, err, 200).JSON200.Version; v != 2 {
		t.Fatalf("updated API: version %d, want 2", v)
	}
	putAPI, err = admin.PutApiWithResponse(ctx, api2, nil, client.ApiInput{
		WorkspaceId: "ws-a", Name: "Invoices", Path: "/walk/" + sfx + "/invoices", Operation: client.OperationREAD,
		Protocols: []client.Protocol{client.ProtocolHTTPS},
	})
	expect(t, "PutApi (second)", putAPI, err, 201)
	getAPI, err := admin.GetApiWithResponse(ctx, api)
	if name := expect(t, "GetApi", getAPI, err, 200).JSON200.Name; name != "Orders v2" {
		t.Fatalf("GetApi: name %q", name)
	}
	apis, err := admin.ListApisWithResponse(ctx, &client.ListApisParams{WorkspaceId: ptr("ws-a"), ApiNameKeyword: ptr("orders")})
	if p := expect(t, "ListApis", apis, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].ApiId != api {
		t.Fatalf("ListApis: %+v", p)
	}
	// service units (R23): an API joins one of its workspace; deleting the unit takes it out
	unit := "unit-" + sfx
	putUnit, err := admin.PutServiceUnitWithResponse(ctx, unit, nil, client.ServiceUnitInput{WorkspaceId: "ws-a", Name: "Orders unit"})
	expect(t, "PutServiceUnit", putUnit, err, 201)
	getUnit, err := admin.GetServiceUnitWithResponse(ctx, unit)
	if name := expect(t, "GetServiceUnit", getUnit, err, 200).JSON200.Name; name != "Orders unit" {
		t.Fatalf("GetServiceUnit: name %q", name)
	}
	units, err := admin.ListWorkspaceServiceUnitsWithResponse(ctx, "ws-a", nil)
	if p := expect(t, "ListWorkspaceServiceUnits", units, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].UnitId != unit {
		t.Fatalf("ListWorkspaceServiceUnits: %+v", p)
	}
	apiIn.ServiceUnitId = &unit
	putAPI, err = admin.PutApiWithResponse(ctx, api, nil, apiIn)
	if u := expect(t, "PutApi (into the unit)", putAPI, err, 200).JSON200.ServiceUnitId; u == nil || *u != unit {
		t.Fatalf("PutApi (into the unit): service_unit_id %v", u)
	}
	delUnit, err := admin.DeleteServiceUnitWithResponse(ctx, unit, nil)
	expect(t, "DeleteServiceUnit", delUnit, err, 204)
	getAPI, err = admin.GetApiWithResponse(ctx, api)
	if u := expect(t, "GetApi (unit deleted)", getAPI, err, 200).JSON200.ServiceUnitId; u != nil {
		t.Fatalf("GetApi after the unit's deletion: service_unit_id %q, want null", *u)
	}
	apiIn.ServiceUnitId = nil

	putApp, err := admin.PutAppWithResponse(ctx, app, nil, client.AppInput{WorkspaceId: "ws-b", Name: "BI", Owner: ptr("u-dev")})
	code := deref(expect(t, "PutApp", putApp, err, 201).JSON201.AppCode)
	getApp, err := dev.GetAppWithResponse(ctx, app)
	if owner := expect(t, "GetApp", getApp, err, 200).JSON200.Owner; owner != "u-dev" {
		t.Fatalf("GetApp: owner %q", owner)
	}
	rotated, err := admin.RotateAppCodeWithResponse(ctx, app, nil)
	if next := deref(expect(t, "RotateAppCode", rotated, err, 200).JSON200.AppCode); next == "" || next == code {
		t.Fatal("RotateAppCode: the code did not change")
	}
	apps, err := admin.ListWorkspaceAppsWithResponse(ctx, "ws-b", nil)
	if p := expect(t, "ListWorkspaceApps", apps, err, 200).JSON200; p.TotalCount != 1 {
		t.Fatalf("ListWorkspaceApps: %+v", p)
	}

	// grant: PROD and DEV until an RFC 3339 end; the same Idempotency-Key replays the answer
	var end client.EndTime
	if err := end.FromDateTime(time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)); err != nil {
		t.Fatal(err)
	}
	grantIn := client.GrantInput{
		Subject:  &client.Subject{Type: client.SubjectTypeAPP, Id: app, TenantId: tenant},
		Envs:     []client.Env{client.EnvPROD, client.EnvDEV},
		Fields:   &[]string{"id"},
		Validity: client.Validity{Type: client.ValidityTypeLIMITED, EndTime: &end},
	}
	key := &client.CreateGrantsParams{IdempotencyKey: ptr("walk-grant-" + sfx)}
	created, err := admin.CreateGrantsWithResponse(ctx, api, key, grantIn)
	grants := expect(t, "CreateGrants", created, err, 201).JSON201.Grants
	replayed, err := admin.CreateGrantsWithResponse(ctx, api, key, grantIn)
	if again := expect(t, "CreateGrants (replay)", replayed, err, 201).JSON201.Grants; again[0].GrantId != grants[0].GrantId {
		t.Fatalf("replay made grant %s, want %s", again[0].GrantId, grants[0].GrantId)
	}
	prod, devGrant := grants[0].GrantId, grants[1].GrantId
	checked, err := admin.CheckCallWithResponse(ctx, client.CheckInput{ApiId: api, AppId: &app, Env: client.EnvPROD, Protocol: ptr(client.ProtocolHTTPS)})
	if d := expect(t, "CheckCall", checked, err, 200).JSON200; !d.Allowed || d.Reason != client.CheckReasonGRANTED ||
		d.GrantId == nil || *d.GrantId != prod || !slices.Equal(d.Fields, []string{"id"}) || d.ExpiresAt == nil {
		t.Fatalf("CheckCall: %+v", d)
	}
	updated, err := admin.UpdateGrantWithResponse(ctx, api, prod, &client.UpdateGrantParams{IfMatch: ptr(`"1"`)},
		client.UpdateGrantInput{AddPermissions: &[]client.Permission{client.PermissionPROXY}})
	if g := expect(t, "UpdateGrant", updated, err, 200).JSON200; g.Version != 2 || !slices.Contains(g.Permissions, client.PermissionPROXY) {
		t.Fatalf("UpdateGrant: %+v", g)
	}

	// renew: a reviewer at once (until UNIX seconds); the app owner by a RENEW request, rejected
	if err := end.FromUnixSeconds(int(time.Now().Add(60 * 24 * time.Hour).Unix())); err != nil {
		t.Fatal(err)
	}
	renewed, err := admin.RenewGrantWithResponse(ctx, api, prod, nil, client.RenewGrantInput{Validity: client.Validity{Type: client.ValidityTypeLIMITED, EndTime: &end}})
	if g := expect(t, "RenewGrant (reviewer)", renewed, err, 200).JSON200; g.EndTime == nil || g.Version != 3 {
		t.Fatalf("RenewGrant: %+v", g)
	}
	asked, err := dev.RenewGrantWithResponse(ctx, api, devGrant, nil, client.RenewGrantInput{Validity: client.Validity{Type: client.ValidityTypeLIMITED, Days: ptr(60)}})
	renewal := expect(t, "RenewGrant (app owner)", asked, err, 202).JSON202
	if renewal.Kind != client.RequestKindRENEW || renewal.Status != client.RequestStatusPENDING {
		t.Fatalf("RenewGrant (app owner): %+v", renewal)
	}
	rejected, err := admin.RejectRequestWithResponse(ctx, renewal.RequestId, nil, client.ReasonInput{Reason: ptr("not now")})
	if s := expect(t, "RejectRequest", rejected, err, 200).JSON200.Status; s != client.RequestStatusREJECTED {
		t.Fatalf("RejectRequest: status %s", s)
	}

	// revoke: a cancellation with notice, withdrawn; then the app owner revokes at once
	cancelled, err := admin.CancelGrantWithResponse(ctx, api, devGrant, nil, client.CancelGrantInput{Reason: ptr("project ends")})
	if g := expect(t, "CancelGrant", cancelled, err, 202).JSON202; g.CancelAt == nil || g.Status != client.GrantStatusCANCELLATIONPENDING {
		t.Fatalf("CancelGrant: %+v", g)
	}
	kept, err := admin.WithdrawCancellationWithResponse(ctx, api, devGrant, nil, client.ReasonInput{})
	if g := expect(t, "WithdrawCancellation", kept, err, 200).JSON200; g.CancelAt != nil || g.Status != client.GrantStatusACTIVE {
		t.Fatalf("WithdrawCancellation: %+v", g)
	}
	revoked, err := dev.RevokeGrantWithResponse(ctx, api, devGrant, &client.RevokeGrantParams{Reason: ptr("no longer needed")})
	expect(t, "RevokeGrant", revoked, err, 204)
	got, err := admin.GetGrantWithResponse(ctx, api, devGrant)
	if s := expect(t, "GetGrant", got, err, 200).JSON200.Status; s != client.GrantStatusREVOKED {
		t.Fatalf("GetGrant after RevokeGrant: status %s", s)
	}

	// applications: one approved, one withdrawn
	apply := func(env client.Env) client.Request {
		t.Helper()
		res, err := dev.ApplyForApiWithResponse(ctx, api2, nil, client.ApplicationInput{
			AppId: &app, Envs: []client.Env{env}, Validity: client.Validity{Type: client.ValidityTypeLIMITED, Days: ptr(30)},
		})
		return *expect(t, "ApplyForApi", res, err, 202).JSON202
	}
	pending := apply(client.EnvDEV)
	read, err := dev.GetRequestWithResponse(ctx, pending.RequestId)
	if s := expect(t, "GetRequest", read, err, 200).JSON200.Status; s != client.RequestStatusPENDING {
		t.Fatalf("GetRequest: status %s", s)
	}
	queue, err := admin.ListRequestsWithResponse(ctx, &client.ListRequestsParams{WorkspaceId: ptr("ws-a"), Status: ptr(client.RequestStatusPENDING)})
	if p := expect(t, "ListRequests", queue, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].RequestId != pending.RequestId {
		t.Fatalf("ListRequests: %+v", p)
	}
	approved, err := admin.ApproveRequestWithResponse(ctx, pending.RequestId, nil, client.ReasonInput{})
	if r := expect(t, "ApproveRequest", approved, err, 200).JSON200; r.Status != client.RequestStatusAPPROVED || len(r.Grants) != 1 {
		t.Fatalf("ApproveRequest: %+v", r)
	}
	withdrawn, err := dev.WithdrawRequestWithResponse(ctx, apply(client.EnvPROD).RequestId, nil, client.ReasonInput{})
	if s := expect(t, "WithdrawRequest", withdrawn, err, 200).JSON200.Status; s != client.RequestStatusWITHDRAWN {
		t.Fatalf("WithdrawRequest: status %s", s)
	}

	// listings: by page, and by token following next_token to the end
	var listed []string
	for params := (&client.ListApiGrantsParams{PageSize: ptr(1)}); ; {
		res, err := admin.ListApiGrantsWithResponse(ctx, api, params)
		p := expect(t, "ListApiGrants", res, err, 200).JSON200
		for _, g := range p.Items {
			listed = append(listed, g.GrantId)
		}
		if p.NextToken == nil {
			break
		}
		params.NextToken = p.NextToken
	}
	if !slices.Contains(listed, prod) {
		t.Fatalf("ListApiGrants: %v lacks %s", listed, prod)
	}
	var actions []client.AuditAction
	pages := 0
	for params := (&client.ListApiAuditParams{PageSize: ptr(2)}); ; pages++ {
		res, err := admin.ListApiAuditWithResponse(ctx, api, params)
		p := expect(t, "ListApiAudit", res, err, 200).JSON200
		for _, e := range p.Items {
			actions = append(actions, e.Action)
		}
		if p.NextToken == nil {
			break
		}
		params.NextToken = p.NextToken
	}
	if pages < 2 || !slices.Contains(actions, client.AuditActionGrantRenewed) || !slices.Contains(actions, client.AuditActionGrantRevoked) {
		t.Fatalf("ListApiAudit: %d pages, %v", pages, actions)
	}
	authorized, err := admin.ListAuthorizedApisWithResponse(ctx, "ws-b", &client.ListAuthorizedApisParams{AppId: ptr(app), Env: ptr(client.EnvPROD)})
	if p := expect(t, "ListAuthorizedApis", authorized, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].GrantId != prod {
		t.Fatalf("ListAuthorizedApis: %+v", p)
	}
	granted, err := admin.ListGrantedApisWithResponse(ctx, "ws-a", &client.ListGrantedApisParams{ApiNameKeyword: ptr("orders")})
	if p := expect(t, "ListGrantedApis", granted, err, 200).JSON200; p.TotalCount != 1 || p.Items[0].ApiId != api || len(p.Items[0].AuthorizationRecords) == 0 {
		t.Fatalf("ListGrantedApis: %+v", p)
	}

	walkReviews(ctx, t, admin, api) // R28, while the API's grants are in force
	walkResources(ctx, t, st, log, admin, tenant, sfx, api, app)

	// deleting an API revokes its grants at once (R4); errors parse into the Error schema
	deleted, err := admin.DeleteApiWithResponse(ctx, api2, nil)
	expect(t, "DeleteApi", deleted, err, 204)
	gone, err := admin.CheckCallWithResponse(ctx, client.CheckInput{ApiId: api2, AppId: &app, Env: client.EnvDEV})
	if d := expect(t, "CheckCall (deleted API)", gone, err, 200).JSON200; d.Allowed || d.Reason != client.CheckReasonAPINOTFOUND {
		t.Fatalf("CheckCall (deleted API): %+v", d)
	}
	missing, err := admin.GetApiWithResponse(ctx, api2)
	if e := expect(t, "GetApi (deleted)", missing, err, 404).JSON404; e == nil || e.ErrorCode != "NotFound.Api" || e.RequestId == "" {
		t.Fatalf("GetApi (deleted): %+v", e)
	}

	called, all := operationsOf(t, st.APIEndpoint, log)
	if !slices.Equal(called, all) {
		t.Fatalf("the walkthrough called %v\nthe document has %v", called, all)
	}
}
