package localjwt

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const secret = "test-secret"

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func verifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := New(secret, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sign(t *testing.T, claims jwt.MapClaims, header map[string]any) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func claims(extra map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "u1", "tenant_id": "t1", "exp": now.Add(time.Hour).Unix()}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

// TestVerify_RefusesHostileTokens is one rule per row: the token is refused (401) before
// a function sees it.
func TestVerify_RefusesHostileTokens(t *testing.T) {
	v := verifier(t)
	big := strings.Repeat("x", MaxTokenBytes)
	tests := []struct {
		name string
		tok  string
		want error // nil: any error
	}{
		{"no token", "", ErrNoToken},
		{"over the size limit", sign(t, claims(map[string]any{"pad": big}), nil), ErrTooLarge},
		{"numeric sub", sign(t, claims(map[string]any{"sub": 42}), nil), nil},
		{"list tenant_id", sign(t, claims(map[string]any{"tenant_id": []string{"t1", "t2"}}), nil), nil},
		{"object tenant_id", sign(t, claims(map[string]any{"tenant_id": map[string]string{"id": "t1"}}), nil), nil},
		{"null sub", sign(t, jwt.MapClaims{"sub": nil, "tenant_id": "t1", "exp": now.Add(time.Hour).Unix()}, nil), nil},
		{"unknown crit header", sign(t, claims(nil), map[string]any{"crit": []string{"x-ext"}, "x-ext": 1}), nil},
		{"empty crit header", sign(t, claims(nil), map[string]any{"crit": []string{}}), nil},
		{"expired", sign(t, claims(map[string]any{"exp": now.Add(-time.Second).Unix()}), nil), nil},
		{"no exp", sign(t, claims(map[string]any{"exp": nil}), nil), nil},
		{"not yet valid", sign(t, claims(map[string]any{"nbf": now.Add(time.Minute).Unix()}), nil), nil},
		{"other secret", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(nil)).SignedString([]byte("other"))
			return s
		}(), nil},
		{"alg none", func() string {
			s, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil)).SignedString(jwt.UnsafeAllowNoneSignatureType)
			return s
		}(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify("Bearer " + tc.tok)
			if err == nil {
				t.Fatalf("got claims %v, want the token refused", got.Claims)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

// TestRoles_SpaceInsideAnElementIsRefused: while the roles claim is still a list, an
// element that would read as several roles once flattened makes the token malformed.
func TestRoles_SpaceInsideAnElementIsRefused(t *testing.T) {
	v := verifier(t)
	for _, el := range []any{"ws:x:developer tenant_admin", "checker,tenant_admin", "a\tb", "a\nb", "tenant_admin]", "[checker", " checker", "a\u00a0b", `"checker"`, "a\x00b", "", 7, nil, []string{"checker"}} {
		tok := sign(t, claims(map[string]any{"roles": []any{"ws:x:owner", el}}), nil)
		if got, err := v.Verify(tok); !errors.Is(err, ErrMalformedRole) {
			t.Errorf("element %q: got %v %v, want %v", el, got.Claims, err, ErrMalformedRole)
		}
	}
}

func TestVerify_AcceptsAndFlattens(t *testing.T) {
	v := verifier(t)
	tests := []struct {
		name   string
		extra  map[string]any
		claims map[string]string
		scopes string
	}{
		{"roles list", map[string]any{"roles": []string{"tenant_admin", "ws:w-1:owner"}}, map[string]string{"roles": "[tenant_admin ws:w-1:owner]"}, ""},
		{"roles as a JSON string stays as written", map[string]any{"roles": `["ws:x:owner","checker"]`}, map[string]string{"roles": `["ws:x:owner","checker"]`}, ""},
		{"no sub passes (the function refuses it)", map[string]any{"sub": nil}, map[string]string{"tenant_id": "t1"}, ""},
		{"scope", map[string]any{"scope": "a b"}, map[string]string{"sub": "u1"}, "a,b"},
		{"scp list", map[string]any{"scp": []string{"a", "b"}}, map[string]string{"sub": "u1"}, "a,b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify("bearer " + sign(t, claims(tc.extra), nil))
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range tc.claims {
				if got.Claims[k] != w {
					t.Errorf("claim %s: got %q, want %q", k, got.Claims[k], w)
				}
			}
			if s := strings.Join(got.Scopes, ","); s != tc.scopes {
				t.Errorf("got scopes %q, want %q", s, tc.scopes)
			}
		})
	}
	// Exactly at the size limit is still read (and here refused for its signature only).
	if _, err := v.Verify(strings.Repeat("a", MaxTokenBytes)); errors.Is(err, ErrTooLarge) {
		t.Errorf("a token of exactly %d bytes was refused for its size", MaxTokenBytes)
	}
}

func TestFlattenClaims(t *testing.T) {
	var claims map[string]any
	dec := json.NewDecoder(strings.NewReader(`{"s":"x","roles":["a","b"],"one":["a"],"empty":[],"n":1700000000,"f":1.5,"b":false,"o":{"k":"v"},"z":null}`))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s": "x", "roles": "[a b]", "one": "[a]", "empty": "[]", "n": "1700000000", "f": "1.5", "b": "false", "o": `{"k":"v"}`, "z": ""}
	got := FlattenClaims(claims)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("claim %s: got %q, want %q", k, got[k], w)
		}
	}
	if got := flatten(float64(1700000000)); got != "1700000000" {
		t.Errorf("float64: got %q, want 1700000000", got)
	}
}

func TestMint(t *testing.T) {
	tok, err := Mint(secret, map[string]any{"sub": "dev-admin", "roles": []string{"tenant_admin"}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := New(secret, nil)
	got, err := v.Verify("Bearer " + tok)
	if err != nil {
		t.Fatal(err)
	}
	if got.Claims["sub"] != "dev-admin" || got.Claims["roles"] != "[tenant_admin]" || got.Claims["exp"] == "" {
		t.Fatalf("got %v", got.Claims)
	}
	later, _ := New(secret, func() time.Time { return time.Now().Add(2 * time.Minute) })
	if _, err := later.Verify(tok); err == nil {
		t.Fatal("token valid after its ttl")
	}
	if _, err := Mint("", nil, time.Minute); err == nil {
		t.Fatal("empty secret accepted")
	}
	if _, err := New("", nil); err == nil {
		t.Fatal("New accepted an empty secret")
	}
}
