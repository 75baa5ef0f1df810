package jobs

import (
	"context"
	"os"
	"testing"

	"gatepass/infra/testkit/iamcheck"
)

// leastPriv records, through SDK middleware on the test tables' and the bus's clients,
// the calls each job makes (the context names its function); once all the tests have
// run, TestMain holds them against the functions' policies in template.yaml: nothing
// missing, nothing extra (infra/testkit/iamcheck). The tests' own setup runs untagged.
var leastPriv = iamcheck.New()

// as is a context tagged with the function whose code runs under it.
func as(fn string) context.Context { return iamcheck.WithFunction(context.Background(), fn) }

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		code = iamcheck.Verify(os.Stderr, "../../template.yaml", leastPriv,
			[]string{"RemindersFunction", "CancellationsFunction", "CatalogEventsFunction", "PublishFunction"})
	}
	os.Exit(code)
}
