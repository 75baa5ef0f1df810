package main

import (
	"context"

	"gatepass/infra/emulators/eventbus"
	"gatepass/infra/emulators/gateway"
	"gatepass/infra/emulators/streams"
	"gatepass/shared/functions"
)

// Getenv reads a function's configuration: the real environment first, then the
// function's variables in template.yaml (so `CANCEL_NOTICE=3s make run` works).
type Getenv func(string) string

// Mount builds the handlers of one function, once at start. Leave a field nil when the
// function has no such trigger (or is not written yet): its HTTP routes then answer 501
// NotImplemented, and its rules, schedules and stream are logged but not run.
type Mount struct {
	HTTP   func(ctx context.Context, getenv Getenv) (gateway.HTTPHandler, error) // HttpApi routes
	Stream func(ctx context.Context, getenv Getenv) (streams.Handler, error)     // DynamoDB stream (publish)
	Event  func(ctx context.Context, getenv Getenv) (eventbus.Handler, error)    // schedules and rule targets
}

// mounts maps a function's name (its directory under functions/, e.g. "grant") to its
// handlers, built by shared/functions exactly as functions/<name>/main.go builds them
// for lambda.Start. The development server mounts them on the routes, rules, schedules
// and stream that template.yaml gives that function.
var mounts = registry()

func registry() map[string]Mount {
	m := map[string]Mount{}
	for _, name := range functions.Names() {
		build := func(ctx context.Context, getenv Getenv) (functions.Function, error) {
			return functions.Build(ctx, name, getenv)
		}
		m[name] = Mount{
			HTTP: func(ctx context.Context, getenv Getenv) (gateway.HTTPHandler, error) {
				fn, err := build(ctx, getenv)
				return fn.HTTP, err
			},
			Stream: func(ctx context.Context, getenv Getenv) (streams.Handler, error) {
				fn, err := build(ctx, getenv)
				return fn.Stream, err
			},
			Event: func(ctx context.Context, getenv Getenv) (eventbus.Handler, error) {
				fn, err := build(ctx, getenv)
				return fn.Event, err
			},
		}
	}
	return m
}
