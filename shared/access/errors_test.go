package access_test

import (
	"testing"

	"gatepass/shared/access"
)

// An error's kind is the one its code carries: its family's, but for the codes the
// contract answers apart.
func TestKindOf_TheCodeCarriesTheKind(t *testing.T) {
	for code, want := range map[string]access.Kind{
		access.CodeValidity:         access.Invalid,
		access.CodeInvalid:          access.Invalid,
		access.CodeUnauthorized:     access.Unauthorized,
		access.CodeForbidden:        access.Forbidden,
		access.CodeGrantProtected:   access.Forbidden,
		access.CodeNotFoundGrant:    access.NotFound,
		access.CodeGrantExists:      access.Conflict,
		access.CodeConcurrent:       access.Conflict,
		access.CodePrecondition:     access.Precondition,
		access.CodeIdempotencyReuse: access.Unprocessable,
		access.CodeBodyTooLarge:     access.TooLarge,
		access.CodeThrottling:       access.Throttled,
		access.CodeUnavailable:      access.Unavailable,
		access.CodeInternal:         access.Internal,
		"NotFound.Route":            access.NotFound,
		"Bogus.Family":              access.Internal,
		"":                          access.Internal,
	} {
		if got := access.KindOf(code); got != want {
			t.Errorf("KindOf(%q) = %v, want %v", code, got, want)
		}
		if got := access.ErrorKind(access.E("op", code, "m")); got != want {
			t.Errorf("ErrorKind(E(%q)) = %v, want %v", code, got, want)
		}
	}
}
