package access

import (
	"encoding/json"
	"strings"
	"unicode"
)

// RolesFormat is how the roles claim reaches a function (template parameter
// RolesClaimFormat, variable ROLES_CLAIM_FORMAT).
type RolesFormat string

const (
	// RolesFlattened accepts what API Gateway makes of a list claim ("[a b]": the
	// elements joined by single spaces in brackets), a JSON-encoded string and a bare
	// role. A role with a space inside cannot be told from two roles in this form.
	RolesFlattened RolesFormat = "flattened"
	// RolesJSON accepts only a JSON-encoded string (`"[\"ws:x:owner\",\"checker\"]"`)
	// or a bare role: forms API Gateway passes through unchanged, so nothing is ambiguous.
	RolesJSON RolesFormat = "json"
)

// malformedRoles is the 401 of a roles claim that cannot be read unambiguously.
func malformedRoles() error {
	return E("auth", CodeUnauthorized, "malformed roles claim")
}

// ParseRoles reads the roles claim as the JWT authorizer hands it over and returns the
// roles of gatepass's grammar it names: tenant_admin, checker, ws:<id>:owner|reviewer|
// developer. Other well-formed roles (an identity provider's own) are ignored. An
// element that holds whitespace, a comma, a bracket, a quote or a control character, an
// empty element, or a claim that is neither a list nor one role makes the whole claim
// malformed (401): it is never partly honoured.
//
//   - `["a","b"]` (a JSON-encoded string): the list it encodes.
//   - `[a b]` (a list API Gateway flattened; RolesFlattened only): split on single spaces.
//   - `a`: one role.
func ParseRoles(claim string, format RolesFormat) ([]string, error) {
	if claim == "" {
		return nil, nil
	}
	var elems []string
	switch {
	case strings.HasPrefix(claim, "["):
		if err := json.Unmarshal([]byte(claim), &elems); err != nil {
			if format == RolesJSON || !strings.HasSuffix(claim, "]") {
				return nil, malformedRoles()
			}
			if inner := claim[1 : len(claim)-1]; inner != "" {
				elems = strings.Split(inner, " ")
			}
		}
	default:
		elems = []string{claim}
	}
	var roles []string
	for _, e := range elems {
		if e == "" || strings.IndexFunc(e, AmbiguousInRole) >= 0 {
			return nil, malformedRoles()
		}
		if knownRole(e) {
			roles = append(roles, e)
		}
	}
	return roles, nil
}

// AmbiguousInRole is what no role may hold: a separator of some list form (whitespace,
// comma, brackets, quotes: a flattened element with quotes could pass for the JSON
// form), a control character, or a byte that was not UTF-8.
func AmbiguousInRole(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`,[]"`, r) || r == unicode.ReplacementChar
}

// knownRole reports whether r is a role of the grammar.
func knownRole(r string) bool {
	switch r {
	case RoleTenantAdmin, RoleChecker:
		return true
	}
	ws, role, ok := splitWSRole(r)
	return ok && ValidID(ws) && (role == RoleOwner || role == RoleReviewer || role == RoleDeveloper)
}

// splitWSRole splits ws:<workspace_id>:<role>; the workspace id may itself hold ':'.
func splitWSRole(r string) (ws, role string, ok bool) {
	rest, ok := strings.CutPrefix(r, "ws:")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return "", "", false
	}
	return rest[:i], rest[i+1:], true
}
