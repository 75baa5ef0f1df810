package canonjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestCanonical_SameMeaningSameForm(t *testing.T) {
	tests := []struct{ a, b string }{
		{`{"a":1,"b":[true,null,"x"]}`, "{\n  \"b\" : [ true , null , \"x\" ],\n  \"a\" : 1\n}"},
		{`{"n":1}`, `{"n":1.0}`},
		{`{"n":1}`, `{"n":10e-1}`},
		{`{"n":1}`, `{"n":1E0}`},
		{`{"n":1500}`, `{"n":1.5e3}`},
		{`{"n":0}`, `{"n":-0.000e7}`},
		{`{"s":"a"}`, `{"s":"\u0061"}`},
		{`{"é":"<"}`, `{"\u00e9":"\u003c"}`},
		{`{"o":{"y":1,"x":2}}`, `{"o":{"x":2,"y":1}}`},
	}
	for _, tc := range tests {
		a, err := Canonical([]byte(tc.a))
		if err != nil {
			t.Fatalf("%s: %v", tc.a, err)
		}
		b, err := Canonical([]byte(tc.b))
		if err != nil {
			t.Fatalf("%s: %v", tc.b, err)
		}
		if string(a) != string(b) {
			t.Errorf("%s → %s and %s → %s, want one form", tc.a, a, tc.b, b)
		}
	}
}

func TestCanonical_DifferentMeaningDifferentForm(t *testing.T) {
	tests := []struct{ a, b string }{
		{`{"n":1}`, `{"n":"1"}`},
		{`{"n":9007199254740993}`, `{"n":9007199254740992}`}, // equal as float64, not as numbers
		{`{"n":0.1}`, `{"n":0.10000000000000001}`},
		{`[1,2]`, `[2,1]`},
		{`{"a":null}`, `{}`},
		{`{"n":1e400}`, `{"n":1e401}`},
	}
	for _, tc := range tests {
		a, _ := Canonical([]byte(tc.a))
		b, _ := Canonical([]byte(tc.b))
		if string(a) == string(b) {
			t.Errorf("%s and %s both → %s, want different forms", tc.a, tc.b, a)
		}
	}
}

func TestCanonical_DuplicateKeysAreRefused(t *testing.T) {
	for _, s := range []string{`{"a":1,"a":1}`, `{"a":1,"\u0061":2}`, `{"o":{"k":1,"k":2}}`, `[{"x":1,"x":1}]`} {
		if _, err := Canonical([]byte(s)); !errors.Is(err, ErrDuplicateKey) {
			t.Errorf("%s: got %v, want ErrDuplicateKey", s, err)
		}
	}
}

func TestCanonical_InvalidJSONIsAnError(t *testing.T) {
	for _, s := range []string{``, `{`, `{"a":}`, `{"a":1} {}`, `{"a":1}x`, `nul`} {
		if _, err := Canonical([]byte(s)); err == nil {
			t.Errorf("%q: got no error", s)
		}
	}
}

// FuzzCanonical checks, against math/big rather than the code under test, that the
// canonical form is valid JSON, is its own canonical form, and keeps every number's
// exact value.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{`{"a":1.50,"b":[1e3,-0.0,"x"]}`, `[1E-7, 123456789012345678901234567890]`, `{"k":{"z":null,"a":true}}`, `"s"`, `0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Canonical(data)
		if err != nil {
			return
		}
		if !json.Valid(c) {
			t.Fatalf("%q → %q: not valid JSON", data, c)
		}
		again, err := Canonical(c)
		if err != nil || string(again) != string(c) {
			t.Fatalf("%q → %q → %q %v: not a fixed point", data, c, again, err)
		}
		var in, out any
		if json.Unmarshal(data, &in) != nil || json.Unmarshal(c, &out) != nil {
			return
		}
		sameNumbers(t, data, c)
	})
}

// sameNumbers compares the numbers of two JSON texts, walked with sorted keys, by their
// exact values (math/big); numbers with huge exponents are skipped (big.Rat would
// spell them out).
func sameNumbers(t *testing.T, a, b []byte) {
	t.Helper()
	na, nb := numbers(a), numbers(b)
	if len(na) != len(nb) {
		t.Fatalf("%q and %q: %d and %d numbers", a, b, len(na), len(nb))
	}
	for i := range na {
		if hugeExponent(na[i]) || hugeExponent(nb[i]) {
			continue
		}
		ra, okA := new(big.Rat).SetString(na[i])
		rb, okB := new(big.Rat).SetString(nb[i])
		if okA && okB && ra.Cmp(rb) != 0 {
			t.Fatalf("%q → %q: number %s became %s", a, b, na[i], nb[i])
		}
	}
}

func numbers(data []byte) []string {
	var v any
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case json.Number:
			out = append(out, string(x))
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k])
			}
		}
	}
	walk(v)
	return out
}

func hugeExponent(n string) bool {
	_, e, ok := strings.Cut(strings.ToLower(n), "e")
	x, err := strconv.Atoi(e)
	return ok && (err != nil || x > 1000 || x < -1000)
}
