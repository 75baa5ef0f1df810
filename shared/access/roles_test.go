package access

import (
	"errors"
	"slices"
	"testing"
)

func TestRoles_ParseRoles(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		format RolesFormat
		want   []string
	}{
		{"flattened list", "[tenant_admin ws:w1:owner]", RolesFlattened, []string{"tenant_admin", "ws:w1:owner"}},
		{"flattened one", "[checker]", RolesFlattened, []string{"checker"}},
		{"flattened empty", "[]", RolesFlattened, nil},
		{"workspace id with colons", "[ws:a:b:reviewer]", RolesFlattened, []string{"ws:a:b:reviewer"}},
		{"JSON-encoded string", `["ws:x:owner","checker"]`, RolesFlattened, []string{"ws:x:owner", "checker"}},
		{"JSON-encoded string, json format", `["ws:x:owner","checker"]`, RolesJSON, []string{"ws:x:owner", "checker"}},
		{"JSON with a space between elements", `["checker", "ws:w1:reviewer"]`, RolesFlattened, []string{"checker", "ws:w1:reviewer"}},
		{"bare role", "checker", RolesFlattened, []string{"checker"}},
		{"bare role, json format", "tenant_admin", RolesJSON, []string{"tenant_admin"}},
		{"empty", "", RolesFlattened, nil},
		{"identity provider roles are ignored", "[offline_access tenant_admin uma_authorization ws:w1:admin]", RolesFlattened, []string{"tenant_admin"}},
		{"a bad workspace id is ignored", "[ws:w/1:owner checker]", RolesFlattened, []string{"checker"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRoles(tc.in, tc.format)
			if err != nil {
				t.Fatalf("got %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRoles_SpaceInsideAnElementIsRefused: where the claim still shows an element's
// bounds (a JSON list, a bare role), whitespace inside an element is refused, never
// read as two roles. (In API Gateway's flattened form a space is the separator: see
// TestRoles_FlattenedSpaceIsASeparator.)
func TestRoles_SpaceInsideAnElementIsRefused(t *testing.T) {
	for _, claim := range []string{`["ws:x:developer tenant_admin"]`, `ws:x:developer tenant_admin`, `["checker","tenant_admin "]`, " checker"} {
		for _, f := range []RolesFormat{RolesFlattened, RolesJSON} {
			if got, err := ParseRoles(claim, f); !IsCode(err, CodeUnauthorized) {
				t.Errorf("%q (%s): got %q %v, want Unauthorized", claim, f, got, err)
			}
		}
	}
}

// TestRoles_SeparatorsOtherThanSpaceAreRefused: a comma, tab, newline or bracket in an
// element makes the claim malformed, in every form: the defect was that
// "ws:x:developer,tenant_admin" granted tenant_admin.
func TestRoles_SeparatorsOtherThanSpaceAreRefused(t *testing.T) {
	for _, claim := range []string{
		"[ws:x:developer,tenant_admin]", "[ws:x:developer\ttenant_admin]", "[ws:x:developer\ntenant_admin]",
		"ws:x:developer,tenant_admin", "checker,ws:w1:developer", "[checker [tenant_admin]]", "[checker]]",
		`["ws:x:developer,tenant_admin"]`, `["a\tb"]`, `["[tenant_admin]"]`, "[checker", "[a  b]", "[ a]", "[a ]",
		`["checker",""]`, "[checker\x00]", `["checker",1]`,
	} {
		if got, err := ParseRoles(claim, RolesFlattened); !IsCode(err, CodeUnauthorized) {
			t.Errorf("%q: got %q %v, want Unauthorized (malformed roles claim)", claim, got, err)
		}
	}
}

// TestRoles_FlattenedSpaceIsASeparator documents the limit of the flattened form: a list
// element "a b" and the two elements a and b both arrive as "[a b]".
func TestRoles_FlattenedSpaceIsASeparator(t *testing.T) {
	got, err := ParseRoles("[ws:x:developer tenant_admin]", RolesFlattened)
	if err != nil || !slices.Equal(got, []string{"ws:x:developer", "tenant_admin"}) {
		t.Fatalf("got %q %v", got, err)
	}
}

// TestRoles_JSONFormatRefusesTheFlattenedForm: with RolesClaimFormat json, a list claim
// that API Gateway flattened is refused rather than guessed at.
func TestRoles_JSONFormatRefusesTheFlattenedForm(t *testing.T) {
	for _, claim := range []string{"[tenant_admin]", "[ws:x:owner checker]", "[]x"} {
		if got, err := ParseRoles(claim, RolesJSON); !IsCode(err, CodeUnauthorized) {
			t.Errorf("%q: got %q %v, want Unauthorized", claim, got, err)
		}
	}
	if got, err := ParseRoles("[]", RolesJSON); err != nil || len(got) != 0 {
		t.Errorf("[]: got %q %v, want no roles", got, err)
	}
}

func TestRoles_PrincipalRefusesMalformedRoles(t *testing.T) {
	_, err := PrincipalFromClaims(map[string]string{"sub": "u", "tenant_id": "t", "roles": "[ws:x:developer,tenant_admin]"}, RolesFlattened)
	var e *Error
	if !IsCode(err, CodeUnauthorized) || !errors.As(err, &e) || e.Msg != "malformed roles claim" {
		t.Fatalf("got %v, want 401 malformed roles claim", err)
	}
}

// The oracle of FuzzRoles, written apart from the parser: the grammar as a regular
// expression, and the ambiguity rule as a character class.
