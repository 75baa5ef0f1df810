package access_test

import (
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gatepass/shared/access"
	"gatepass/shared/localjwt"
)

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
		for _, format := range []access.RolesFormat{access.RolesFlattened, access.RolesJSON} {
			got, err := access.ParseRoles(string(b), format)
			checkRoles(t, string(b), format, got, err, wantBad, want)
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
		got, err := access.ParseRoles(flat, access.RolesFlattened)
		checkRoles(t, flat, access.RolesFlattened, got, err, wantBad, want)
		if _, err := access.ParseRoles(flat, access.RolesJSON); err == nil && !json.Valid([]byte(flat)) {
			t.Fatalf("%q (json): accepted the flattened form", flat)
		}
	})
}

func checkRoles(t *testing.T, claim string, f access.RolesFormat, got []string, err error, wantBad bool, want []string) {
	t.Helper()
	if wantBad {
		if !access.IsCode(err, access.CodeUnauthorized) {
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
