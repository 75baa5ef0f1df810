// Package localjwt verifies bearer tokens the way an HTTP API's JWT authorizer does,
// with a local HS256 secret instead of an identity provider's keys: for the development
// server and for functions run under `sam local start-api`, which has no authorizer.
// It hands the claims on as API Gateway does to a payload-2.0 function (every value a
// string, a list flattened to "[a b]"), and it is stricter than the real authorizer
// where the token is still whole: an oversized token, a non-string sub or tenant_id, a
// critical header it does not understand or a roles list with an ambiguous element is
// refused before anything is flattened.
package localjwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"gatepass/shared/access"
)

// DevSecret is the development server's LOCAL_JWT_SECRET when none is set (make run,
// make ddb's env-vars, make token): a local secret, never one of a deployed stack.
const DevSecret = "gatepass-local-dev-secret"

// MaxTokenBytes is the largest token accepted. API Gateway refuses a request whose
// request line and headers exceed 10 KiB; a token near that size is no real token.
const MaxTokenBytes = 8 << 10

// Errors a caller may tell apart; every one means 401.
var (
	ErrNoToken       = errors.New("no bearer token")
	ErrTooLarge      = fmt.Errorf("the token exceeds %d bytes", MaxTokenBytes)
	ErrMalformedRole = errors.New("malformed roles claim")
)

// Verified is what the authorizer hands to the function.
type Verified struct {
	Claims map[string]string // every claim as a string, as API Gateway flattens them
	Scopes []string          // "scope" (space-separated) or "scp"
}

// Verifier checks HS256 tokens signed with one secret.
type Verifier struct {
	secret []byte
	now    func() time.Time
}

// New returns a Verifier; now defaults to time.Now.
func New(secret string, now func() time.Time) (*Verifier, error) {
	if secret == "" {
		return nil, errors.New("localjwt: a secret is required")
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{secret: []byte(secret), now: now}, nil
}

// Verify checks "Bearer <JWT>" (the prefix is optional, as for the HTTP API's JWT
// authorizer): size, HS256 signature (every other algorithm, "none" included, is
// refused), no crit header, exp required and not passed, nbf when present, sub and
// tenant_id strings when present, and every element of a roles list a single token.
func (v *Verifier) Verify(header string) (Verified, error) {
	tok := strings.TrimSpace(header)
	if strings.EqualFold(tok, "bearer") {
		tok = ""
	} else if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	if tok == "" {
		return Verified{}, ErrNoToken
	}
	if len(tok) > MaxTokenBytes {
		return Verified{}, ErrTooLarge
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithJSONNumber(), // keep numbers as the token wrote them
		jwt.WithTimeFunc(v.now),
	)
	claims := jwt.MapClaims{}
	t, err := p.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return v.secret, nil })
	if err != nil {
		return Verified{}, err
	}
	// RFC 7515 §4.1.11: a recipient that does not understand a critical extension must
	// refuse the token; this verifier understands none.
	if _, ok := t.Header["crit"]; ok {
		return Verified{}, errors.New("the token has a crit header")
	}
	for _, name := range []string{"sub", "tenant_id"} {
		if c, ok := claims[name]; ok {
			if _, isString := c.(string); !isString {
				return Verified{}, fmt.Errorf("the %s claim is not a string", name)
			}
		}
	}
	if err := CheckRolesList(claims["roles"]); err != nil {
		return Verified{}, err
	}
	return Verified{Claims: FlattenClaims(claims), Scopes: scopes(claims)}, nil
}

// CheckRolesList refuses a roles claim that is still a list (as the token carries it)
// when an element is not a string, is empty, or holds whitespace, a comma, a bracket, a
// quote or a control character: once API Gateway flattens the list to "[a b]", such an
// element would read as several roles, or as the JSON form. A claim that is not a list
// is left to the function's parser.
func CheckRolesList(roles any) error {
	list, ok := roles.([]any)
	if !ok {
		return nil
	}
	for _, e := range list {
		s, ok := e.(string)
		if !ok || s == "" || strings.IndexFunc(s, access.AmbiguousInRole) >= 0 {
			return ErrMalformedRole
		}
	}
	return nil
}

// FlattenClaims renders claims as an HTTP API's JWT authorizer passes them to a
// payload-2.0 function: every value a string; numbers in decimal; a list as "[a b]"
// (the elements space-separated in brackets); an object as compact JSON.
func FlattenClaims(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		out[k] = flatten(v)
	}
	return out
}

func flatten(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = flatten(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}

// scopes are the OAuth scopes of the token: "scope" (space-separated) or "scp".
func scopes(claims jwt.MapClaims) []string {
	if x, ok := claims["scope"].(string); ok {
		return strings.Fields(x)
	}
	switch x := claims["scp"].(type) {
	case string:
		return strings.Fields(x)
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Mint signs an HS256 token with the claims, an iat of now and an exp of now+ttl
// (unless the claims set exp themselves): the local stand-in for an identity provider.
func Mint(secret string, claims map[string]any, ttl time.Duration) (string, error) {
	if secret == "" {
		return "", errors.New("localjwt: empty secret")
	}
	now := time.Now()
	mc := jwt.MapClaims{"iat": now.Unix()}
	if ttl > 0 {
		mc["exp"] = now.Add(ttl).Unix()
	}
	for k, v := range claims {
		mc[k] = v
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, mc).SignedString([]byte(secret))
}
