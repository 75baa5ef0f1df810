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
		return Principal{}, E("auth", CodeUnauthorized, "the token has no sub or tenant_id")
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

// The id grammars: caller-chosen ids and user ids (a token's sub).

// MaxIDLen is the longest id a caller may choose.
const MaxIDLen = 128

// ValidID reports whether s is a caller-chosen id: 1–128 characters of [A-Za-z0-9._:-].
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == ':' || c == '-') {
			return false
		}
	}
	return true
}

// CheckID returns InvalidParameter.Id unless s is a valid id.
func CheckID(op, what, s string) error {
	if !ValidID(s) {
		return invalid(op, CodeID, "%s must be 1-%d characters of [A-Za-z0-9._:-]", what, MaxIDLen)
	}
	return nil
}

// R22: ValidUserID reports whether s is a user id (a token's sub): 1–128 characters
// of [A-Za-z0-9._:@|+-].
func ValidUserID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !ValidID(string(c)) && c != '@' && c != '|' && c != '+' {
			return false
		}
	}
	return true
}

// R22: CheckUser returns InvalidParameter.Subject unless (tenant, id) names a user.
func CheckUser(op, what, tenant, id string) error {
	if !ValidUserID(id) {
		return invalid(op, CodeSubject, "%s must be 1-%d characters of [A-Za-z0-9._:@|+-]", what, MaxIDLen)
	}
	if !ValidID(tenant) {
		return invalid(op, CodeSubject, "the tenant of %s must be 1-%d characters of [A-Za-z0-9._:-]", what, MaxIDLen)
	}
	return nil
}
