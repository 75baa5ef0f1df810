package api_test

import (
	"context"
	"os"
	"testing"

	"gatepass/infra/testkit/iamcheck"
	"gatepass/shared/api"
)

// leastPriv records, through SDK middleware on every test table's client, the calls each
// HTTP function's handlers make (the handler's function tags the context); once all the
// tests have run, TestMain holds them against the functions' policies in template.yaml:
// nothing missing, nothing extra (infra/testkit/iamcheck).
var leastPriv = iamcheck.New()

// functionOf names the function (template logical id) that serves each handler.
func functionOf(svcHandlers map[string]*api.Handler) map[*api.Handler]string {
	out := map[*api.Handler]string{}
	for fn, h := range svcHandlers {
		out[h] = fn
	}
	return out
}

// as tags ctx with the function whose code runs under it.
func as(fn string) context.Context { return iamcheck.WithFunction(context.Background(), fn) }

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		code = iamcheck.Verify(os.Stderr, "../../template.yaml", leastPriv,
			[]string{"CatalogFunction", "GrantFunction", "RevokeFunction", "RenewFunction", "ListFunction", "CheckFunction"})
	}
	os.Exit(code)
}
