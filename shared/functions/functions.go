// Package functions builds each gatepass function from its environment: the object
// graph (settings → AWS clients → store and bus → access.Service → handler), in one
// place. functions/<name>/main.go hands what Build returns to lambda.Start; the
// development server (infra/cmd/local) mounts the very same handlers, so the two cannot
// build a function differently.
package functions

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/bus"
	"gatepass/shared/console"
	"gatepass/shared/deadline"
	"gatepass/shared/jobs"
	"gatepass/shared/localjwt"
	"gatepass/shared/metrics"
	"gatepass/shared/pretoken"
	"gatepass/shared/sealer"
	"gatepass/shared/settings"
	"gatepass/shared/store"
)

// Function is one function's handlers, built once per cold start. A field is nil when
// the function has no such trigger.
type Function struct {
	// Lambda is what lambda.Start gets in functions/<name>/main.go.
	Lambda any
	HTTP   func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) // HttpApi routes
	Stream func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error)              // the table's stream
	Event  func(context.Context, events.EventBridgeEvent) error                                           // schedules and rule targets
}

// env is what a builder gets: the validated settings, the AWS configuration, the
// logger at LOG_LEVEL, the metrics writer, and the local token verifier (sam local
// only, else nil).
type env struct {
	settings.Settings
	aws     aws.Config
	log     *slog.Logger
	metrics *metrics.Recorder
	local   *localjwt.Verifier
	getenv  func(string) string
}

// builders maps a function's name (its directory under functions/) to how it is built.
var builders = map[string]func(env) Function{
	"catalog":       httpFunction(api.Catalog),
	"grant":         httpFunction(api.Grant),
	"revoke":        httpFunction(api.Revoke),
	"renew":         httpFunction(api.Renew),
	"list":          httpFunction(api.List),
	"check":         check,
	"catalogevents": catalogEvents,
	"reminders":     reminders,
	"cancellations": cancellations,
	"publish":       publish,
	"console":       consoleFunction,
	"pretoken":      preToken,
}

// Names lists the functions Build knows, sorted.
func Names() []string {
	names := make([]string, 0, len(builders))
	for n := range builders {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Build reads the settings of function name from getenv (validated once, at start),
// makes its AWS clients and returns its handlers.
func Build(ctx context.Context, name string, getenv func(string) string) (Function, error) {
	build, ok := builders[name]
	if !ok {
		return Function{}, fmt.Errorf("no function %q", name)
	}
	s, err := settings.Load(getenv)
	if err != nil {
		return Function{}, err
	}
	cfg, err := settings.AWS(ctx)
	if err != nil {
		return Function{}, err
	}
	e := env{Settings: s, getenv: getenv, aws: cfg, log: s.Logger(os.Stdout), metrics: metrics.New(os.Stdout, s.MetricsNamespace, nil)}
	if s.LocalJWTSecret != "" {
		if e.local, err = localjwt.New(s.LocalJWTSecret, nil); err != nil {
			return Function{}, err
		}
	}
	return build(e), nil
}

// service is the domain over the table, as every HTTP function and the catalog
// consumer use it.
func service(e env) *access.Service {
	return access.NewService(table(e), access.Config{Now: time.Now, CancelNotice: e.CancelNotice, ReminderDays: e.ReminderDays,
		RolesFormat: access.RolesFormat(e.RolesClaimFormat), MaxStaleness: e.CheckCache(), CommitWait: e.CheckCommitWait, Wait: deadline.Sleep,
		Sealer: appSecrets(e), Signing: access.SigningPolicy{Window: e.SignedWindow, AllowSHA1: e.SignedAllowSHA1}})
}

// appSecrets is what seals AppSecrets: the stack's KMS key in AWS, the development key
// against a local DynamoDB, none otherwise (AppKeys then cannot be made or verified).
func appSecrets(e env) access.Sealer {
	switch {
	case e.LocalDynamoDB:
		return sealer.DevSealer(e.AppSecretsDevKey)
	case e.AppSecretsKeyID != "":
		return sealer.KMSSealer(settings.KMS(e.aws), e.AppSecretsKeyID)
	}
	return nil
}

func table(e env) *store.Store {
	return store.New(settings.DynamoDB(e.aws, e.LocalDynamoDB), e.TableName, store.Options{GrantRetention: e.GrantRetention})
}

func httpFunction(handler func(api.Service) *api.Handler) func(env) Function {
	return func(e env) Function {
		h := handler(service(e)).WithLogger(e.log).WithLocalTokens(e.local)
		return Function{Lambda: h.Handle, HTTP: h.Handle}
	}
}

// check is POST /v1/check and the data APIs' Lambda authorizer in one binary.
func consoleFunction(e env) Function {
	h, err := console.New(console.FromEnv(e.getenv))
	if err != nil {
		// The assets are embedded at compile time: a failure here is a broken build.
		panic(fmt.Sprintf("console: %v", err))
	}
	return Function{Lambda: h.HTTP, HTTP: h.HTTP}
}

// preToken is the user pool's pre-token-generation trigger (Cognito invokes it; no
// route, rule or schedule).
func preToken(e env) Function {
	tr := pretoken.Trigger{CheckerTenant: e.getenv("CHECKER_TENANT_ID")}
	return Function{Lambda: tr.Handle}
}

func check(e env) Function {
	c := api.Check(service(e))
	c.WithLogger(e.log).WithLocalTokens(e.local).WithMetrics(e.metrics)
	return Function{Lambda: c.Invoke, HTTP: c.Handle}
}

func catalogEvents(e env) Function {
	j := &jobs.Catalog{Service: service(e), Log: e.log}
	return Function{Lambda: j.Handle, Event: j.Handle}
}

func reminders(e env) Function {
	j := &jobs.Reminders{Store: table(e), Now: time.Now, Days: e.ReminderDays, Log: e.log, Metrics: e.metrics}
	return Function{Lambda: j.Handle, Event: j.Handle}
}

func cancellations(e env) Function {
	j := &jobs.Cancellations{Store: table(e), Now: time.Now, Days: e.ReminderDays, Notice: e.CancelNotice, Log: e.log, Metrics: e.metrics}
	return Function{Lambda: j.Handle, Event: j.Handle}
}

func publish(e env) Function {
	j := &jobs.Publish{Bus: bus.New(settings.EventBridge(e.aws), e.EventBusName, bus.Options{}), Audit: store.AuditFromItem, Log: e.log, Metrics: e.metrics}
	return Function{Lambda: j.Handle, Stream: j.Handle}
}
