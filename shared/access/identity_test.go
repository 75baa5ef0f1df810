package access

import (
	"testing"
)

func TestRoles_PrincipalFromClaims(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]string
		code   string
	}{
		{"complete", map[string]string{"sub": "u1", "tenant_id": "t1", "roles": "[tenant_admin]"}, ""},
		{"no roles", map[string]string{"sub": "u1", "tenant_id": "t1"}, ""},
		{"missing sub", map[string]string{"tenant_id": "t1", "roles": "tenant_admin"}, CodeUnauthorized},
		{"blank sub", map[string]string{"sub": "  ", "tenant_id": "t1"}, CodeUnauthorized},
		{"missing tenant", map[string]string{"sub": "u1", "roles": "tenant_admin"}, CodeUnauthorized},
		{"nil claims", nil, CodeUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := PrincipalFromClaims(tc.claims, RolesFlattened)
			wantCode(t, err, tc.code)
			if err != nil {
				if ErrorKind(err) != Unauthorized {
					t.Fatalf("got kind %v, want %v", ErrorKind(err), Unauthorized)
				}
				return
			}
			if p.Sub != "u1" || p.TenantID != "t1" {
				t.Fatalf("got %q %q, want u1 t1", p.Sub, p.TenantID)
			}
		})
	}
	p, err := PrincipalFromClaims(map[string]string{"sub": "u1", "tenant_id": "t1", "roles": "[ws:w1:reviewer checker]"}, RolesFlattened)
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsReviewer("t1", "w1") || !p.IsChecker() || p.IsAdmin("t1") {
		t.Fatalf("got reviewer %v checker %v admin %v, want true true false", p.IsReviewer("t1", "w1"), p.IsChecker(), p.IsAdmin("t1"))
	}
}

func TestRoles_AcrossTenants(t *testing.T) {
	admin := NewPrincipal("a", "t1", RoleTenantAdmin)
	owner := NewPrincipal("o", "t1", "ws:w1:owner")
	reviewer := NewPrincipal("r", "t1", "ws:w1:reviewer")
	dev := NewPrincipal("d", "t1", "ws:w1:developer")
	checker := NewPrincipal("c", "t1", RoleChecker)
	nobody := NewPrincipal("n", "t1")
	type want struct{ admin, reviewer, owner, member bool }
	tests := []struct {
		name   string
		p      Principal
		tenant string
		ws     string
		want   want
	}{
		{"admin own tenant", admin, "t1", "w1", want{true, true, true, true}},
		{"admin any workspace of own tenant", admin, "t1", "w9", want{true, true, true, true}},
		{"admin other tenant", admin, "t2", "w1", want{false, false, false, false}},
		{"owner", owner, "t1", "w1", want{false, true, true, true}},
		{"owner other workspace", owner, "t1", "w2", want{false, false, false, false}},
		{"owner same ws id other tenant", owner, "t2", "w1", want{false, false, false, false}},
		{"reviewer", reviewer, "t1", "w1", want{false, true, false, true}},
		{"developer", dev, "t1", "w1", want{false, false, false, true}},
		{"checker", checker, "t1", "w1", want{false, false, false, false}},
		{"no roles", nobody, "t1", "w1", want{false, false, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := want{tc.p.IsAdmin(tc.tenant), tc.p.IsReviewer(tc.tenant, tc.ws), tc.p.IsOwner(tc.tenant, tc.ws), tc.p.IsMember(tc.tenant, tc.ws)}
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if !checker.IsChecker() || !admin.IsChecker() || owner.IsChecker() {
		t.Fatalf("IsChecker: got %v %v %v, want true true false", checker.IsChecker(), admin.IsChecker(), owner.IsChecker())
	}
}

func TestRoles_WorkspaceRoleParsing(t *testing.T) {
	tests := []struct {
		name, role, ws string
		reviewer, dev  bool
	}{
		{"plain", "ws:w1:reviewer", "w1", true, false},
		{"id with colon", "ws:team:a:reviewer", "team:a", true, false},
		{"id with colon is not its prefix", "ws:team:a:reviewer", "team", false, false},
		{"developer", "ws:w1:developer", "w1", false, true},
		{"unknown role", "ws:w1:admin", "w1", false, false},
		{"empty id", "ws::owner", "", false, false},
		{"no role", "ws:w1", "w1", false, false},
		{"no prefix", "w1:owner", "w1", false, false},
		{"upper prefix", "WS:w1:owner", "w1", false, false},
		{"invalid id", "ws:w 1:owner", "w 1", false, false},
		{"trailing colon", "ws:w1:", "w1", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPrincipal("u", "t1", tc.role)
			if got := p.IsReviewer("t1", tc.ws); got != tc.reviewer {
				t.Fatalf("reviewer: got %v, want %v", got, tc.reviewer)
			}
			if got := p.IsMember("t1", tc.ws) && !p.IsReviewer("t1", tc.ws); got != tc.dev {
				t.Fatalf("developer only: got %v, want %v", got, tc.dev)
			}
		})
	}
}

func TestRoles_IsMemberAndOwnsApp(t *testing.T) {
	p := NewPrincipal("u1", "t1", "ws:w1:developer")
	if !p.IsMember("t1", "w1") || p.IsMember("t1", "w2") {
		t.Fatalf("got %v %v, want true false", p.IsMember("t1", "w1"), p.IsMember("t1", "w2"))
	}
	if !NewPrincipal("a", "t1", RoleTenantAdmin).IsMember("t1", "any") {
		t.Fatal("admin: got false, want true")
	}
	tests := []struct {
		name string
		app  App
		want bool
	}{
		{"owner", App{TenantID: "t1", Owner: "u1"}, true},
		{"other owner", App{TenantID: "t1", Owner: "u2"}, false},
		{"same sub other tenant", App{TenantID: "t2", Owner: "u1"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.OwnsApp(tc.app); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}
