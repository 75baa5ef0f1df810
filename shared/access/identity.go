package access

import "strings"

// Role names of SPEC.md "Callers and roles".
const (
	RoleTenantAdmin = "tenant_admin"
	RoleChecker     = "checker"
	RoleOwner       = "owner"
	RoleReviewer    = "reviewer"
	RoleDeveloper   = "developer"
)

// Principal is the caller, built only from verified JWT claims.
type Principal struct {
	Sub      string
	TenantID string
	admin    bool
	checker  bool
	ws       map[string]map[string]bool // workspace → roles
}

// PrincipalFromClaims reads sub, tenant_id and roles as API Gateway's JWT authorizer
// delivers them (every value a string; the roles as ParseRoles reads them in format).
// A token without sub or tenant_id, or with a malformed roles claim, is Unauthorized.
func PrincipalFromClaims(claims map[string]string, format RolesFormat) (Principal, error) {
	p := Principal{Sub: strings.TrimSpace(claims["sub"]), TenantID: strings.TrimSpace(claims["tenant_id"])}
	if p.Sub == "" || p.TenantID == "" {
		return Principal{}, E("auth", Unauthorized, CodeUnauthorized, "the token has no sub or tenant_id")
	}
	roles, err := ParseRoles(claims["roles"], format)
	if err != nil {
		return Principal{}, err
	}
	for _, r := range roles {
		p.grantRole(r)
	}
	return p, nil
}

// NewPrincipal builds a principal from role strings (tests, the development server).
func NewPrincipal(sub, tenant string, roles ...string) Principal {
	p := Principal{Sub: sub, TenantID: tenant}
	for _, r := range roles {
		p.grantRole(r)
	}
	return p
}

func (p *Principal) grantRole(r string) {
	switch r {
	case RoleTenantAdmin:
		p.admin = true
		return
	case RoleChecker:
		p.checker = true
		return
	}
	if !knownRole(r) {
		return
	}
	ws, role, _ := splitWSRole(r)
	if p.ws == nil {
		p.ws = map[string]map[string]bool{}
	}
	if p.ws[ws] == nil {
		p.ws[ws] = map[string]bool{}
	}
	p.ws[ws][role] = true
}

// IsAdmin reports whether p is tenant_admin of tenant.
func (p Principal) IsAdmin(tenant string) bool { return p.admin && p.TenantID == tenant }

// IsChecker reports whether p may call the check endpoint.
func (p Principal) IsChecker() bool { return p.checker || p.admin }

func (p Principal) hasWS(tenant, ws string, roles ...string) bool {
	if p.TenantID != tenant {
		return false
	}
	if p.admin {
		return true
	}
	for _, r := range roles {
		if p.ws[ws][r] {
			return true
		}
	}
	return false
}

// IsReviewer reports whether p reviews workspace ws of tenant: an owner or reviewer
// there, or the tenant's admin.
func (p Principal) IsReviewer(tenant, ws string) bool {
	return p.hasWS(tenant, ws, RoleOwner, RoleReviewer)
}

// IsOwner reports whether p owns workspace ws of tenant (or is its tenant's admin).
func (p Principal) IsOwner(tenant, ws string) bool { return p.hasWS(tenant, ws, RoleOwner) }

// IsMember reports whether p has any role in workspace ws of tenant.
func (p Principal) IsMember(tenant, ws string) bool {
	return p.hasWS(tenant, ws, RoleOwner, RoleReviewer, RoleDeveloper)
}

// OwnsApp reports whether p is the app's owner (same tenant).
func (p Principal) OwnsApp(a App) bool { return a.TenantID == p.TenantID && a.Owner == p.Sub }
