package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/infra/eventbus"
	"gatepass/infra/gateway"
	"gatepass/infra/streams"
	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/jobs"
)

// Getenv reads a function's configuration: the real environment first, then the
// function's variables in template.yaml (so `CANCEL_NOTICE=3s make run` works).
type Getenv func(string) string

// Mount builds the handlers of one function, once at start, the way its
// functions/<name>/main.go does before lambda.Start. Leave a field nil when the
// function has no such trigger (or is not written yet): its HTTP routes then answer 501
// NotImplemented, and its rules, schedules and stream are logged but not run.
type Mount struct {
	HTTP   func(ctx context.Context, getenv Getenv) (gateway.HTTPHandler, error) // HttpApi routes
	Stream func(ctx context.Context, getenv Getenv) (streams.Handler, error)     // DynamoDB stream (publish)
	Event  func(ctx context.Context, getenv Getenv) (eventbus.Handler, error)    // schedules and rule targets
}

// mounts maps a function's name (its directory under functions/, e.g. "grant") to its
// handlers: the same constructors as functions/<name>/main.go. The development server
// mounts them on the routes, rules, schedules and stream that template.yaml gives that
// function.
var mounts = map[string]Mount{
	"catalog":       {HTTP: httpMount(api.Catalog)},
	"grant":         {HTTP: httpMount(api.Grant)},
	"revoke":        {HTTP: httpMount(api.Revoke)},
	"renew":         {HTTP: httpMount(api.Renew)},
	"list":          {HTTP: httpMount(api.List)},
	"check":         {HTTP: httpMount(func(svc *access.Service) *api.Handler { return api.Check(svc).Handler })},
	"catalogevents": {Event: eventMount(jobs.NewCatalog)},
	"reminders":     {Event: eventMount(jobs.NewReminders)},
	"cancellations": {Event: eventMount(jobs.NewCancellations)},
	"publish": {Stream: func(ctx context.Context, getenv Getenv) (streams.Handler, error) {
		h, err := jobs.NewPublish(ctx, getenv)
		if err != nil {
			return nil, err
		}
		return h.Handle, nil
	}},
}

// httpMount builds an HTTP function's service from its environment, once.
func httpMount(handler func(*access.Service) *api.Handler) func(context.Context, Getenv) (gateway.HTTPHandler, error) {
	return func(ctx context.Context, getenv Getenv) (gateway.HTTPHandler, error) {
		svc, err := api.NewService(ctx, getenv)
		if err != nil {
			return nil, err
		}
		return handler(svc).Handle, nil
	}
}

// eventMount adapts a job constructor to the bus and the schedules.
func eventMount[J interface {
	Handle(context.Context, events.EventBridgeEvent) error
}](build func(context.Context, func(string) string) (J, error)) func(context.Context, Getenv) (eventbus.Handler, error) {
	return func(ctx context.Context, getenv Getenv) (eventbus.Handler, error) {
		j, err := build(ctx, getenv)
		if err != nil {
			return nil, err
		}
		return j.Handle, nil
	}
}
