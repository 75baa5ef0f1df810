package signature

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// vector is testdata/vector.json, computed by testdata/vector.py: a second
// implementation of the algorithm, written apart from this package.
type vector struct {
	Method, Path, Query string
	Headers             map[string]string
	Secret              string
	Signatures          map[string]string
	StringToSign        string `json:"string_to_sign"`
}

func TestSignature_IndependentVector(t *testing.T) {
	raw, err := os.ReadFile("testdata/vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vector
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	r := Request{Method: v.Method, Path: v.Path, Query: v.Query, Headers: v.Headers}
	sts, err := StringToSign(r)
	if err != nil || sts != v.StringToSign {
		t.Fatalf("string to sign\n got %q (%v)\nwant %q", sts, err, v.StringToSign)
	}
	for method, want := range v.Signatures {
		if got, err := Compute(method, v.Secret, sts); err != nil || got != want {
			t.Errorf("%s: got %q (%v), want %q", method, got, err, want)
		}
	}
}

func TestSignature_StringToSign(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Request
		want string
	}{
		{"empty fields keep their newline", Request{Method: "get", Path: "/a"}, "GET\n\n\n\n\n/a"},
		{"no query, no question mark", Request{Method: "GET", Path: "/a", Query: ""}, "GET\n\n\n\n\n/a"},
		{"query sorted, decoded, first of a repeated key, bare key alone",
			Request{Method: "GET", Path: "/a", Query: "z=1&a=%2F&a=2&k"}, "GET\n\n\n\n\n/a?a=/&k&z=1"},
		{"signed headers sorted, names as listed, values looked up in any case",
			Request{Method: "GET", Path: "/a", Headers: map[string]string{
				"X-CA-NONCE": "n", "x-ca-key": "k", "X-Ca-Signature-Headers": " x-ca-nonce , X-Ca-Key,,x-ca-nonce"}},
			"GET\n\n\n\n\nX-Ca-Key:k\nx-ca-nonce:n\n/a"},
		{"never the signature, its header list, or the content headers",
			Request{Method: "GET", Path: "/a", Headers: map[string]string{
				"Accept": "a", "Date": "d", "X-Ca-Signature": "s",
				"X-Ca-Signature-Headers": "accept,date,x-ca-signature,x-ca-signature-headers,content-md5,content-type"}},
			"GET\na\n\n\nd\n/a"},
		{"a listed header that is absent signs an empty value",
			Request{Method: "GET", Path: "/a", Headers: map[string]string{"X-Ca-Signature-Headers": "x-missing"}},
			"GET\n\n\n\n\nx-missing:\n/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := StringToSign(tc.r)
			if err != nil || got != tc.want {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
		})
	}
	if _, err := StringToSign(Request{Method: "GET", Path: "/a", Query: "a=%zz"}); err != ErrQuery {
		t.Errorf("malformed query: got %v, want ErrQuery", err)
	}
}

func TestSignature_SignThenVerify(t *testing.T) {
	now := time.Date(2030, 1, 15, 10, 0, 0, 0, time.UTC)
	r := Request{Method: "POST", Path: "/orders", Query: "page=2", Headers: map[string]string{
		"Content-Type": "application/json", "X-Trace": "t1", "x-ca-signature-headers": "X-Trace"}}
	sts, err := Sign(&r, "key-1", "secret-1", now, "nonce-1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Header(HeaderTimestamp) != "1894701600000" || r.Header(HeaderNonce) != "nonce-1" || r.Header(HeaderMethod) != HmacSHA256 {
		t.Fatalf("headers %v", r.Headers)
	}
	for _, n := range []string{"x-ca-key", "x-ca-nonce", "x-ca-timestamp", "X-Trace"} {
		if !strings.Contains(r.Header(HeaderSignedHeaders), n) {
			t.Errorf("%s not signed: %q", n, r.Header(HeaderSignedHeaders))
		}
	}
	again, _ := StringToSign(r)
	want, _ := Compute(HmacSHA256, "secret-1", again)
	if again != sts || !Equal(r.Header(HeaderSignature), want) {
		t.Fatalf("the verifier's string or signature differs from the signer's")
	}
	if _, err := Compute("HmacMD5", "s", "x"); err != ErrMethod {
		t.Errorf("unknown method: got %v, want ErrMethod", err)
	}
}
