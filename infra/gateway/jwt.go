package gateway

import (
	"time"

	"gatepass/shared/localjwt"
)

// authorize verifies "Bearer <JWT>" with the configured secret through shared/localjwt,
// the very verifier a function uses under sam local start-api: HS256 only, exp required,
// and the claims handed on as the HTTP API's JWT authorizer does, with the token's
// scopes.
func (g *Gateway) authorize(header string, now time.Time) (map[string]string, []string, error) {
	v, err := localjwt.New(g.cfg.Secret, func() time.Time { return now })
	if err != nil {
		return nil, nil, err
	}
	got, err := v.Verify(header)
	if err != nil {
		return nil, nil, err
	}
	return got.Claims, got.Scopes, nil
}

// DevToken mints an HS256 token with the claims, an iat of now and an exp of now+ttl
// (unless the claims set exp themselves): the local stand-in for an identity provider
// (localjwt.Mint).
func DevToken(secret string, claims map[string]any, ttl time.Duration) (string, error) {
	return localjwt.Mint(secret, claims, ttl)
}
