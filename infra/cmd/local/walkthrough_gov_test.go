package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"gatepass/shared/client"
)

// walkPolicies sets and reads the policies of an API, a unit and the tenant (R26),
// with caps no later step of the walkthrough reaches.
func walkPolicies(ctx context.Context, t *testing.T, admin *client.ClientWithResponses, api, unit string) {
	t.Helper()
	in := client.PolicyInput{ApprovalsRequired: ptr(1), RequestTtlDays: ptr(14), Reason: ptr("the walkthrough's caps")}
	put, err := admin.PutApiPolicyWithResponse(ctx, api, nil, in)
	expect(t, "PutApiPolicy", put, err, 200)
	got, err := admin.GetApiPolicyWithResponse(ctx, api)
	if p := expect(t, "GetApiPolicy", got, err, 200).JSON200; p.RequestTtlDays == nil || *p.RequestTtlDays != 14 {
		t.Fatalf("GetApiPolicy: %+v", p)
	}
	putUnit, err := admin.PutServiceUnitPolicyWithResponse(ctx, unit, nil, in)
	expect(t, "PutServiceUnitPolicy", putUnit, err, 200)
	gotUnit, err := admin.GetServiceUnitPolicyWithResponse(ctx, unit)
	expect(t, "GetServiceUnitPolicy", gotUnit, err, 200)
	putTenant, err := admin.PutTenantPolicyWithResponse(ctx, nil, in)
	expect(t, "PutTenantPolicy", putTenant, err, 200)
	gotTenant, err := admin.GetTenantPolicyWithResponse(ctx)
	expect(t, "GetTenantPolicy", gotTenant, err, 200)
}

// walkAppKeys makes an AppKey + AppSecret pair for app, lists it (never the secret)
// and revokes it.
func walkAppKeys(ctx context.Context, t *testing.T, admin *client.ClientWithResponses, app string) {
	t.Helper()
	made, err := admin.CreateAppKeyWithResponse(ctx, app, nil)
	k := expect(t, "CreateAppKey", made, err, 201).JSON201
	if k.AppKey == "" || deref(k.AppSecret) == "" {
		t.Fatalf("CreateAppKey: %+v", k)
	}
	listed, err := admin.ListAppKeysWithResponse(ctx, app)
	if l := expect(t, "ListAppKeys", listed, err, 200).JSON200; len(l.Items) != 1 || l.Items[0].AppKey != k.AppKey {
		t.Fatalf("ListAppKeys: %+v", l)
	}
	revoked, err := admin.RevokeAppKeyWithResponse(ctx, app, k.AppKey, nil)
	expect(t, "RevokeAppKey", revoked, err, 204)
}

// walkAppCodes makes a second AppCode for app, lists both (never a code), revokes the
// new one and leaves the app with its one code.
func walkAppCodes(ctx context.Context, t *testing.T, admin *client.ClientWithResponses, app string) {
	t.Helper()
	made, err := admin.CreateAppCodeWithResponse(ctx, app, nil)
	c := expect(t, "CreateAppCode", made, err, 201).JSON201
	if code := deref(c.AppCode); len(code) < 32 || c.CodeId == "" || !strings.HasPrefix(code, c.Prefix) {
		t.Fatalf("CreateAppCode: %+v", c)
	}
	listed, err := admin.ListAppCodesWithResponse(ctx, app)
	l := expect(t, "ListAppCodes", listed, err, 200)
	if items := l.JSON200.Items; len(items) != 2 || items[1].CodeId != c.CodeId || strings.Contains(string(l.Body), *c.AppCode) {
		t.Fatalf("ListAppCodes: %s", l.Body)
	}
	revoked, err := admin.RevokeAppCodeWithResponse(ctx, app, c.CodeId, nil)
	expect(t, "RevokeAppCode", revoked, err, 204)
}

// walkWorkspaces registers the walkthrough's workspaces in its tenant's directory (R29),
// then lists, reads and renames one: every later grant, app and application names them.
func walkWorkspaces(ctx context.Context, t *testing.T, admin *client.ClientWithResponses, ids ...string) {
	t.Helper()
	for _, id := range ids {
		made, err := admin.RegisterWorkspaceWithResponse(ctx, nil, client.WorkspaceInput{Id: id, Name: "Workspace " + id})
		expect(t, "RegisterWorkspace "+id, made, err, 201)
	}
	listed, err := admin.ListWorkspacesWithResponse(ctx, &client.ListWorkspacesParams{Name: ptr("workspace")})
	if l := expect(t, "ListWorkspaces", listed, err, 200).JSON200; len(l.Items) != len(ids) {
		t.Fatalf("ListWorkspaces: %+v", l)
	}
	got, err := admin.GetWorkspaceWithResponse(ctx, ids[0])
	w := expect(t, "GetWorkspace", got, err, 200).JSON200
	renamed, err := admin.RenameWorkspaceWithResponse(ctx, ids[0], &client.RenameWorkspaceParams{IfMatch: ptr(fmt.Sprintf("%q", fmt.Sprint(w.Version)))},
		client.WorkspaceRename{Name: "Renamed " + ids[0]})
	expect(t, "RenameWorkspace", renamed, err, 200)
}

// registerWorkspaces registers ids in the tenant of admin (a tenant_admin), for tests
// whose grants, apps and applications name them (R29); one registered already is fine.
func registerWorkspaces(ctx context.Context, t *testing.T, admin *client.ClientWithResponses, ids ...string) {
	t.Helper()
	for _, id := range ids {
		res, err := admin.RegisterWorkspaceWithResponse(ctx, nil, client.WorkspaceInput{Id: id, Name: id})
		if err != nil || (res.StatusCode() != 201 && res.StatusCode() != 409) {
			expect(t, "RegisterWorkspace "+id, res, err, 201)
		}
	}
}
