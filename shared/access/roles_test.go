package access

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gatepass/shared/localjwt"
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
var (
	grammarRE   = regexp.MustCompile(`^(tenant_admin|checker|ws:[A-Za-z0-9._:-]{1,128}:(owner|reviewer|developer))$`)
	ambiguousRE = regexp.MustCompile(`[\s\p{Z}\p{Cc},\[\]"\x{FFFD}]`)
)

// pool of role elements the fuzzer draws from: grammar roles, an identity provider's
// own, and hostile ones.
var rolePool = []string{
	"tenant_admin", "checker", "ws:w1:owner", "ws:w-2:reviewer", "ws:a:b:developer", "ws:w.3:developer",
	"offline_access", "ws:w1:admin", "ws::owner", "ws:w/1:owner", "Tenant_Admin", "tenant_admin2", "é", `"quoted"`,
	"ws:x:developer tenant_admin", "checker,tenant_admin", `"tenant_admin"`, `"checker",`, `"a`, `b"`, "a\tb", "x\ny", "[checker]", "tenant_admin]", "", " ", "\u00a0checker",
}

// FuzzRoles builds a roles list from the pool, hands it over in each form API Gateway
// can deliver (flattened by the JWT authorizer's rule, as localjwt renders it, or
// JSON-encoded by the identity provider), and compares the parser with the oracle:
// malformed when an element is empty or ambiguous, else exactly the grammar roles, in
// order. In the flattened form the oracle reads the elements as API Gateway's output
// shows them (JSON when it is JSON, else split on spaces): that is the documented limit
// of the form, not something the parser could know better.
func FuzzRoles(f *testing.F) {
	f.Add(uint64(1), uint8(3))
	f.Add(uint64(42), uint8(1))
	f.Add(uint64(7), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		elems := make([]string, int(n%6))
		for i := range elems {
			elems[i] = rolePool[rng.IntN(len(rolePool))]
		}

		// JSON-encoded string: every element's bounds are known.
		b, _ := json.Marshal(elems)
		wantBad, want := false, []string(nil)
		for _, e := range elems {
			if e == "" || ambiguousRE.MatchString(e) {
				wantBad = true
			}
			if grammarRE.MatchString(e) {
				want = append(want, e)
			}
		}
		for _, format := range []RolesFormat{RolesFlattened, RolesJSON} {
			got, err := ParseRoles(string(b), format)
			check(t, string(b), format, got, err, wantBad, want)
		}

		// Flattened by API Gateway: read as JSON when it is (the spec tries that form
		// first), else split on spaces.
		flat := localjwt.FlattenClaims(map[string]any{"roles": toAny(elems)})["roles"]
		wantBad, want = false, nil
		var parts []string
		if json.Unmarshal([]byte(flat), &parts) != nil {
			parts = nil // "[]" is no element (an empty one cannot be told apart)
			if joined := strings.Join(elems, " "); joined != "" {
				parts = strings.Split(joined, " ")
			}
		}
		for _, p := range parts {
			if p == "" || ambiguousRE.MatchString(p) {
				wantBad = true
			}
			if grammarRE.MatchString(p) {
				want = append(want, p)
			}
		}
		got, err := ParseRoles(flat, RolesFlattened)
		check(t, flat, RolesFlattened, got, err, wantBad, want)
		if _, err := ParseRoles(flat, RolesJSON); err == nil && !json.Valid([]byte(flat)) {
			t.Fatalf("%q (json): accepted the flattened form", flat)
		}
	})
}

func check(t *testing.T, claim string, f RolesFormat, got []string, err error, wantBad bool, want []string) {
	t.Helper()
	if wantBad {
		if !IsCode(err, CodeUnauthorized) {
			t.Fatalf("%q (%s): got %q %v, want malformed", claim, f, got, err)
		}
		return
	}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("%q (%s): got %q %v, want %q", claim, f, got, err, want)
	}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
