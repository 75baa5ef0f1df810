// Package signature signs and verifies HTTP calls the way Alibaba Cloud API Gateway's
// AppKey + AppSecret scheme does, so that its callers' SDKs work unchanged: the
// X-Ca-* headers, a string to sign over the method, the content headers, the signed
// headers, the path and the query, and a Base64 HMAC of it with the AppSecret.
//
// It has no AWS or net/http dependency: callers copy the headers Sign returns onto
// their request; gatepass's authorizer and POST /v1/check verify with the same
// StringToSign (docs/security.md says which values are compared decoded, and why).
package signature

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The headers of a signed call.
const (
	HeaderKey           = "X-Ca-Key"
	HeaderSignature     = "X-Ca-Signature"
	HeaderMethod        = "X-Ca-Signature-Method"
	HeaderSignedHeaders = "X-Ca-Signature-Headers"
	HeaderTimestamp     = "X-Ca-Timestamp" // epoch milliseconds
	HeaderNonce         = "X-Ca-Nonce"
)

// The signature methods. HmacSHA256 is the default; HmacSHA1 only where a verifier
// allows it.
const (
	HmacSHA256 = "HmacSHA256"
	HmacSHA1   = "HmacSHA1"
)

// Request is what a signature covers: the method, the path (decoded, without the
// query), the raw query string and the headers (names in any case).
type Request struct {
	Method  string
	Path    string
	Query   string
	Headers map[string]string
}

// Header is the value of header name, looked up case-insensitively ("" when absent),
// without the spaces and tabs around it: HTTP drops them before a server sees the value.
func (r Request) Header(name string) string {
	if v, ok := r.Headers[name]; ok {
		return strings.Trim(v, " \t")
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return strings.Trim(v, " \t")
		}
	}
	return ""
}

// SignedHeaderNames are the names X-Ca-Signature-Headers lists, trimmed, in the order
// the string to sign takes them (sorted), without the ones that never take part.
func (r Request) SignedHeaderNames() []string {
	var out []string
	for _, n := range strings.Split(r.Header(HeaderSignedHeaders), ",") {
		if n = strings.TrimSpace(n); n != "" && !excluded(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// excluded are the headers that have their own line or are the signature itself.
func excluded(name string) bool {
	for _, x := range []string{HeaderSignature, HeaderSignedHeaders, "Accept", "Content-MD5", "Content-Type", "Date"} {
		if strings.EqualFold(name, x) {
			return true
		}
	}
	return false
}

// ErrQuery is a query string that does not parse.
var ErrQuery = errors.New("signature: malformed query string")

// StringToSign is the string a signature is computed over:
//
//	METHOD\nAccept\nContent-MD5\nContent-Type\nDate\n
//	name:value\n          (each signed header, sorted by name)
//	path[?k=v&k2&...]     (query parameters sorted by key, decoded; a key without a
//	                       value alone; the first value of a repeated key)
//
// An empty field keeps its newline.
func StringToSign(r Request) (string, error) {
	var b strings.Builder
	b.WriteString(strings.ToUpper(r.Method))
	b.WriteByte('\n')
	for _, h := range []string{"Accept", "Content-MD5", "Content-Type", "Date"} {
		b.WriteString(r.Header(h))
		b.WriteByte('\n')
	}
	for _, n := range r.SignedHeaderNames() {
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(r.Header(n))
		b.WriteByte('\n')
	}
	b.WriteString(r.Path)
	if r.Query == "" {
		return b.String(), nil
	}
	q, err := url.ParseQuery(r.Query)
	if err != nil {
		return "", ErrQuery
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := q[k][0]; v != "" {
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String(), nil
}

// ErrMethod is a signature method other than HmacSHA256 and HmacSHA1.
var ErrMethod = errors.New("signature: unknown signature method")

// Compute is the Base64 HMAC of stringToSign with secret under method ("" is
// HmacSHA256).
func Compute(method, secret, stringToSign string) (string, error) {
	var h func() hash.Hash
	switch method {
	case "", HmacSHA256:
		h = sha256.New
	case HmacSHA1:
		h = sha1.New
	default:
		return "", ErrMethod
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Equal compares two signatures in constant time.
func Equal(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// Sign adds the signature headers to r.Headers (made if nil) for a call by appKey at
// now with nonce (unique per call, e.g. a UUID), signing X-Ca-Key, X-Ca-Nonce,
// X-Ca-Signature-Method, X-Ca-Timestamp and every header already listed in
// X-Ca-Signature-Headers. It returns the string it signed.
func Sign(r *Request, appKey, appSecret string, now time.Time, nonce string) (string, error) {
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	method := r.Header(HeaderMethod)
	if method == "" {
		method = HmacSHA256
	}
	set := func(name, v string) {
		for k := range r.Headers {
			if strings.EqualFold(k, name) {
				delete(r.Headers, k)
			}
		}
		r.Headers[name] = v
	}
	set(HeaderKey, appKey)
	set(HeaderNonce, nonce)
	set(HeaderMethod, method)
	set(HeaderTimestamp, strconv.FormatInt(now.UnixMilli(), 10))
	names := []string{"x-ca-key", "x-ca-nonce", "x-ca-signature-method", "x-ca-timestamp"}
	for _, n := range r.SignedHeaderNames() {
		if !slices.ContainsFunc(names, func(m string) bool { return strings.EqualFold(m, n) }) {
			names = append(names, n)
		}
	}
	set(HeaderSignedHeaders, strings.Join(names, ","))
	sts, err := StringToSign(*r)
	if err != nil {
		return "", err
	}
	sig, err := Compute(method, appSecret, sts)
	if err != nil {
		return "", err
	}
	set(HeaderSignature, sig)
	return sts, nil
}
