package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authorize verifies "Bearer <JWT>" (the prefix is optional, as for an HTTP API's JWT
// authorizer) as HS256 with the configured secret: signature, exp required and not
// passed, nbf when present. Other algorithms, "none" included, are refused. It returns
// the claims flattened as the authorizer hands them to Lambda, and the token's scopes.
func (g *Gateway) authorize(header string, now time.Time) (map[string]string, []string, error) {
	tok := strings.TrimSpace(header)
	if tok == "" {
		return nil, nil, errors.New("no Authorization header")
	}
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithJSONNumber(), // keep numbers as the token wrote them
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	claims := jwt.MapClaims{}
	_, err := p.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) {
		return []byte(g.cfg.Secret), nil
	})
	if err != nil {
		return nil, nil, err
	}
	return FlattenClaims(claims), scopes(claims), nil
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
		if x {
			return "true"
		}
		return "false"
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
	switch x := claims["scope"].(type) {
	case string:
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

// DevToken mints an HS256 token with the claims, an iat of now and an exp of now+ttl
// (unless the claims set exp themselves): the local stand-in for an identity provider.
func DevToken(secret string, claims map[string]any, ttl time.Duration) (string, error) {
	if secret == "" {
		return "", errors.New("gateway: empty JWT secret")
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
