package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"gatepass/shared/access"
)

// dave is a user of t1 with no workspace role: what he may do comes from unit grants.
var dave = who{"dave", "t1", nil}

func unitBody(ws, name string) map[string]any {
	return map[string]any{"workspace_id": ws, "name": name, "description": "orders and sales"}
}

// putUnit registers unit id in ws-a as ownerA.
func (e *env) putUnit(t testing.TB, id string) {
	t.Helper()
	want(t, e.do(t, ownerA, "PUT", "/v1/service-units/"+id, unitBody("ws-a", "Unit "+id)), 201)
}

// unitGrant writes a grant on a unit as the unit grant routes will (the slot, its
// GrantRef, a Grant Created audit entry), conditional on the unit's generation.
func (e *env) unitGrant(t testing.TB, unitID string, sub access.Subject, env access.Env, end *time.Time, perms ...access.Permission) access.Grant {
	t.Helper()
	ctx := context.Background()
	u, err := e.st.GetServiceUnit(ctx, unitID)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clk.Now()
	g := access.Grant{
		ID: ulid.Make().String(), Resource: access.UnitResource(unitID), TenantID: u.TenantID, WorkspaceID: u.WorkspaceID,
		Subject: sub, Env: env, Permissions: perms, Fields: []string{}, EndTime: end, Reason: "test",
		CreatorID: "owner-a", CreatedAt: now, ModifiedAt: now, Version: 1, Generation: u.Generation,
	}
	r := g.On()
	c := access.Change{Op: "test.unit_grant", Writes: []access.Write{
		{Action: access.ActionCheck, Unit: &u, Cond: access.Cond{Kind: access.CondPublished, Generation: u.Generation}},
		{Grant: &g, Cond: access.Cond{Kind: access.CondReplaceable, Now: now, Generation: u.Generation}},
		{GrantRef: &access.GrantRef{GrantID: g.ID, Key: g.Key()}, Cond: access.Cond{Kind: access.CondAbsent}},
	}, Audit: []access.AuditEntry{{
		ID: ulid.Make().String(), Action: access.EventGrantCreated, At: now, TenantID: u.TenantID, Actor: "owner-a",
		Resource: &r, GrantID: g.ID, Subject: &sub, Env: env,
	}}}
	if err := e.st.Commit(ctx, c); err != nil {
		t.Fatalf("unit grant: %v", err)
	}
	return g
}

func userSubject(w who) access.Subject {
	return access.Subject{Type: access.SubjectUser, ID: w.sub, TenantID: w.tenant}
}

func TestServiceUnit_R23_CatalogRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, ownerA, "PUT", "/v1/service-units/unit-1", unitBody("ws-a", "Orders unit"))
	want(t, r, 201)
	if m := r.M(); str(m, "unit_id") != "unit-1" || str(m, "workspace_id") != "ws-a" || str(m, "tenant_id") != "t1" || num(m, "version") != 1 {
		t.Fatalf("got %s", r)
	}
	r = e.do(t, reviewerA, "PUT", "/v1/service-units/unit-1", unitBody("ws-a", "Orders"))
	want(t, r, 200)
	if m := r.M(); str(m, "name") != "Orders" || num(m, "version") != 2 {
		t.Fatalf("got %s", r)
	}
	// A unit stays in its workspace.
	want(t, e.do(t, admin1, "PUT", "/v1/service-units/unit-1", unitBody("ws-b", "Orders")), 400, access.CodeServiceUnit)
	want(t, e.do(t, ownerA, "PUT", "/v1/service-units/unit-2", unitBody("ws-a", "Sales")), 201)
	want(t, e.do(t, ownerB, "PUT", "/v1/service-units/unit-b", unitBody("ws-b", "B")), 201)
	want(t, e.do(t, ownerA, "PUT", "/v1/service-units/bad#id", unitBody("ws-a", "x")), 400)
	want(t, e.do(t, ownerA, "PUT", "/v1/service-units/unit-3", unitBody("ws-a", "")), 400)

	for _, tc := range []struct {
		name   string
		w      who
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"developer may not register", devA, "PUT", "/v1/service-units/unit-9", unitBody("ws-a", "x"), 403, access.CodeForbidden},
		{"owner of another workspace may not change", ownerB, "PUT", "/v1/service-units/unit-1", unitBody("ws-b", "x"), 403, access.CodeForbidden},
		{"another tenant: the id is taken", admin2, "PUT", "/v1/service-units/unit-1", unitBody("ws-x", "x"), 409, access.CodeIDTaken},
		{"a member reads", devA, "GET", "/v1/service-units/unit-1", nil, 200, ""},
		{"a non-member of the tenant is refused", devB, "GET", "/v1/service-units/unit-1", nil, 403, access.CodeForbidden},
		{"another tenant sees nothing", admin2, "GET", "/v1/service-units/unit-1", nil, 404, access.CodeNotFoundServiceUnit},
		{"a foreign role claim does not count", reviewerX, "GET", "/v1/service-units/unit-1", nil, 404, access.CodeNotFoundServiceUnit},
		{"unknown unit", admin1, "GET", "/v1/service-units/nope", nil, 404, access.CodeNotFoundServiceUnit},
		{"developer may not delete", devA, "DELETE", "/v1/service-units/unit-1", nil, 403, access.CodeForbidden},
		{"another tenant may not delete", admin2, "DELETE", "/v1/service-units/unit-1", nil, 404, access.CodeNotFoundServiceUnit},
		{"list for a member", devA, "GET", "/v1/workspaces/ws-a/service-units?page_size=1&page_number=2", nil, 200, ""},
		{"list without a role", devB, "GET", "/v1/workspaces/ws-a/service-units", nil, 403, access.CodeForbidden},
		{"list of another tenant's workspace shows none of it", admin2, "GET", "/v1/workspaces/ws-a/service-units", nil, 200, ""},
		{"list page size", admin1, "GET", "/v1/workspaces/ws-a/service-units?page_size=101", nil, 400, access.CodePageSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.w, tc.method, tc.path, tc.body)
			if tc.code == "" {
				want(t, r, tc.status)
			} else {
				want(t, r, tc.status, tc.code)
			}
		})
	}
	if r := e.do(t, admin2, "GET", "/v1/workspaces/ws-a/service-units", nil); len(items(t, r)) != 0 {
		t.Fatalf("tenant t2 sees %s", r)
	}
	r = e.do(t, devA, "GET", "/v1/workspaces/ws-a/service-units?page_size=1&page_number=2", nil)
	if m := r.M(); num(m, "total_count") != 2 || len(items(t, r)) != 1 || str(items(t, r)[0], "unit_id") != "unit-2" {
		t.Fatalf("got %s, want unit-2 of 2", r)
	}
	want(t, e.do(t, reviewerA, "DELETE", "/v1/service-units/unit-1", nil), 204)
	want(t, e.do(t, admin1, "GET", "/v1/service-units/unit-1", nil), 404, access.CodeNotFoundServiceUnit)
	want(t, e.do(t, admin1, "DELETE", "/v1/service-units/unit-1", nil), 404, access.CodeNotFoundServiceUnit)
	r = e.do(t, devA, "GET", "/v1/workspaces/ws-a/service-units", nil)
	if m := r.M(); num(m, "total_count") != 1 {
		t.Fatalf("after delete got %s, want unit-2 only", r)
	}
	// Re-created with the same id: a new unit (201) of a later generation.
	want(t, e.do(t, ownerA, "PUT", "/v1/service-units/unit-1", unitBody("ws-a", "Again")), 201)
	changes := 0
	p, err := e.st.Audit(context.Background(), "UNIT", "unit-1", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Items {
		if a.Action == access.EventServiceUnitChanged {
			changes++
		}
	}
	if changes != 4 { // created, renamed, deleted, re-created
		t.Fatalf("got %d Service Unit Changed entries, want 4", changes)
	}
}

func TestServiceUnit_R23_APIJoinsAUnitOfItsWorkspace(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	e.putUnit(t, "unit-1")
	want(t, e.do(t, ownerB, "PUT", "/v1/service-units/unit-b", unitBody("ws-b", "B")), 201)
	body := func(unit any) map[string]any {
		b := apiBody("ws-a", "Orders API", "/orders", access.OpRead, true, "id", "name", "email")
		b["service_unit_id"] = unit
		return b
	}
	r := e.do(t, ownerA, "PUT", "/v1/apis/api-orders", body("unit-1"))
	want(t, r, 200)
	if str(r.M(), "service_unit_id") != "unit-1" {
		t.Fatalf("got %s", r)
	}
	for _, tc := range []struct {
		name string
		unit any
	}{
		{"a unit of another workspace", "unit-b"},
		{"an unknown unit", "nope"},
		{"not an id", "a b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", body(tc.unit)), 400, access.CodeServiceUnit)
		})
	}
	// Another tenant's unit is no unit of the API's workspace either.
	want(t, e.do(t, admin2, "PUT", "/v1/service-units/unit-x", unitBody("ws-x", "X")), 201)
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", body("unit-x")), 400, access.CodeServiceUnit)

	// R23: deleting the unit takes its APIs out of it at once.
	want(t, e.do(t, ownerA, "DELETE", "/v1/service-units/unit-1", nil), 204)
	r = e.do(t, ownerA, "GET", "/v1/apis/api-orders", nil)
	want(t, r, 200)
	if v, ok := r.M()["service_unit_id"]; !ok || v != nil {
		t.Fatalf("after the unit's deletion got %s, want service_unit_id null", r)
	}
	// A unit re-created with the same id does not take the API back.
	e.putUnit(t, "unit-1")
	r = e.do(t, ownerA, "GET", "/v1/apis?workspace_id=ws-a&api_name_keyword=orders%20api", nil)
	if its := items(t, r); len(its) != 1 || its[0]["service_unit_id"] != nil {
		t.Fatalf("got %s, want api-orders in no unit", r)
	}
	// null leaves a unit.
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-orders", body("unit-1")), 200)
	r = e.do(t, ownerA, "PUT", "/v1/apis/api-orders", body(nil))
	want(t, r, 200)
	if r.M()["service_unit_id"] != nil {
		t.Fatalf("got %s, want no unit", r)
	}
}

func TestDevelopment_R23_OnlyInsideItsUnit(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	e.putUnit(t, "unit-1")
	e.putUnit(t, "unit-2")
	body := func(name, path string, unit any, status access.APIStatus) map[string]any {
		b := apiBody("ws-a", name, path, access.OpRead, false, "a")
		b["service_unit_id"], b["status"] = unit, status
		return b
	}
	// Without a unit grant dave may do nothing.
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("New", "/new", "unit-1", access.APIPublished)), 403, access.CodeForbidden)
	end := t0.Add(30 * 24 * time.Hour)
	e.unitGrant(t, "unit-1", userSubject(dave), access.EnvDev, &end, access.PermUsage, access.PermDevelopment)
	// USAGE alone on unit-2 gives no development.
	e.unitGrant(t, "unit-2", userSubject(dave), access.EnvProd, nil, access.PermUsage)

	// Register into the unit, update, unpublish and publish: allowed.
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("New", "/new", "unit-1", access.APIPublished)), 201)
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("New name", "/new", "unit-1", access.APIPublished)), 200)
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("New name", "/new", "unit-1", access.APIUnpublished)), 200)
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("New name", "/new", "unit-1", access.APIPublished)), 200)
	// An API of the workspace outside the unit.
	want(t, e.do(t, ownerA, "PUT", "/v1/apis/api-in-2", body("In 2", "/in2", "unit-2", access.APIPublished)), 201)

	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   any
	}{
		{"move the API out of the unit", "PUT", "/v1/apis/api-new", body("New name", "/new", nil, access.APIPublished)},
		{"move the API to another unit", "PUT", "/v1/apis/api-new", body("New name", "/new", "unit-2", access.APIPublished)},
		{"pull an API of another unit in", "PUT", "/v1/apis/api-in-2", body("In 2", "/in2", "unit-1", access.APIPublished)},
		{"pull an API of no unit in", "PUT", "/v1/apis/api-sales", body("Sales Report", "/sales", "unit-1", access.APIPublished)},
		{"register outside the unit", "PUT", "/v1/apis/api-out", body("Out", "/out", nil, access.APIPublished)},
		{"register into a unit with USAGE only", "PUT", "/v1/apis/api-out", body("Out", "/out", "unit-2", access.APIPublished)},
		{"delete the unit's API", "DELETE", "/v1/apis/api-new", nil},
		{"grant the unit's API", "POST", "/v1/apis/api-new/grants", grantBody("APP", "app-b1", "t1", prod, unlimited)},
		{"change the unit", "PUT", "/v1/service-units/unit-1", unitBody("ws-a", "mine")},
		{"delete the unit", "DELETE", "/v1/service-units/unit-1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want(t, e.do(t, dave, tc.method, tc.path, tc.body), 403, access.CodeForbidden)
		})
	}
	// Another workspace's API cannot be moved by naming the unit (its workspace changes).
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-x", body("X", "/x2", "unit-1", access.APIPublished)), 409, access.CodeIDTaken)

	// The grant ends: so does development (exactly at the end time).
	e.clk.Advance(end.Sub(e.clk.Now()) - time.Second)
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("Still", "/new", "unit-1", access.APIPublished)), 200)
	e.clk.Advance(time.Second)
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", body("Too late", "/new", "unit-1", access.APIPublished)), 403, access.CodeForbidden)
}

func TestUnitDelete_R23_RevokesAtOnceRecreatedRestoresNone(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	e.putUnit(t, "unit-1")
	e.unitGrant(t, "unit-1", userSubject(dave), access.EnvProd, nil, access.PermUsage, access.PermDevelopment)
	b := apiBody("ws-a", "New", "/new", access.OpRead, false, "a")
	b["service_unit_id"] = "unit-1"
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", b), 201)
	want(t, e.do(t, ownerA, "DELETE", "/v1/service-units/unit-1", nil), 204)
	// At once: the grant no longer counts, before any cleanup ran.
	e.putUnit(t, "unit-1")
	want(t, e.do(t, dave, "PUT", "/v1/apis/api-new", b), 403, access.CodeForbidden)
	if _, err := e.st.GetGrantAt(context.Background(), access.SlotOf(access.UnitResource("unit-1"), access.EnvProd, userSubject(dave))); err != nil {
		t.Fatalf("the stale grant item should still be there until the cleanup: %v", err)
	}
}

// apiUserGrant writes an API grant to a user (the USER grant routes come with the second
// part of issue 11).
func (e *env) apiUserGrant(t testing.TB, apiID string, sub access.Subject) {
	t.Helper()
	now := e.clk.Now()
	g := access.Grant{
		ID: ulid.Make().String(), Resource: access.APIResource(apiID), APIID: apiID, TenantID: "t1", WorkspaceID: "ws-a",
		Subject: sub, Env: access.EnvProd, Permissions: []access.Permission{access.PermUsage}, Fields: []string{},
		CreatedAt: now, ModifiedAt: now, Version: 1, Generation: 1,
	}
	if err := e.st.Commit(context.Background(), access.Change{Op: "test.user_grant", Writes: []access.Write{
		{Grant: &g, Cond: access.Cond{Kind: access.CondAbsent}},
	}}); err != nil {
		t.Fatal(err)
	}
}

// The check by user_id (R22) and by an app for a user (R24) over HTTP, answers checked
// against the OpenAPI document, across tenants.
func TestHTTP_R22R24_CheckByUser(t *testing.T) {
	e := newEnv(t)
	e.seed(t)
	e.apiUserGrant(t, "api-orders", userSubject(dave))
	e.grantApp(t, "api-orders", unlimited)
	for _, tc := range []struct {
		name   string
		w      who
		body   map[string]any
		reason string
		basis  any
	}{
		{"a user's own grant", checker1, map[string]any{"api_id": "api-orders", "user_id": "dave", "env": "PROD"}, "GRANTED", "GRANT"},
		{"the same sub of another tenant", checker1, map[string]any{"api_id": "api-orders", "user_id": "dave", "user_tenant_id": "t2", "env": "PROD"}, "NO_GRANT", nil},
		{"another env", checker1, map[string]any{"api_id": "api-orders", "user_id": "dave", "env": "DEV"}, "NO_GRANT", nil},
		{"a checker of another tenant", checker2, map[string]any{"api_id": "api-orders", "user_id": "dave", "user_tenant_id": "t1", "env": "PROD"}, "API_NOT_FOUND", nil},
		{"the app for its owner", checker1, map[string]any{"api_id": "api-orders", "app_id": "app-b1", "user_id": "alice", "env": "PROD"}, "GRANTED", "GRANT"},
		{"the app for a user without permission", checker1, map[string]any{"api_id": "api-orders", "app_id": "app-b1", "user_id": "dave", "env": "PROD"}, "USER_NOT_PERMITTED", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(t, tc.w, "POST", "/v1/check", tc.body)
			want(t, r, 200)
			if m := r.M(); str(m, "reason") != tc.reason || m["basis"] != tc.basis {
				t.Fatalf("got %s, want %s (basis %v)", r, tc.reason, tc.basis)
			}
		})
	}
	for _, body := range []map[string]any{
		{"api_id": "api-orders", "user_id": "not ok", "env": "PROD"},
		{"api_id": "api-orders", "user_id": "dave", "user_tenant_id": "t#1", "env": "PROD"},
		{"api_id": "api-orders", "env": "PROD"},
	} {
		r := e.do(t, checker1, "POST", "/v1/check", body)
		if r.Status != 400 {
			t.Fatalf("%v: got %s, want 400", body, r)
		}
	}
	want(t, e.do(t, dave, "POST", "/v1/check", map[string]any{"api_id": "api-orders", "user_id": "dave", "env": "PROD"}), 403, access.CodeForbidden)
}
