// Package deadline bounds every AWS SDK call of a function by the time its invocation
// has left: a call must end Margin before the invocation's deadline (so that the
// function can still answer, e.g. 503 ServiceUnavailable, before Lambda stops it) and
// never lasts longer than MaxCall. The SDK's retries and their backoff happen inside
// that deadline: a dependency that does not answer fails the call in time instead of
// hanging until the function is killed.
package deadline

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// Budget is how long calls may take.
type Budget struct {
	// Margin is kept free before the invocation's deadline. Default 500ms.
	Margin time.Duration
	// MaxCall bounds one call (its retries included) when the invocation leaves more
	// time, or has no deadline at all (a job's loop, a test). Default 5s.
	MaxCall time.Duration
	// MaxAttempts and MaxBackoff bound the SDK's retries of one call. Defaults 3 and
	// 200ms: DynamoDB's throttling clears in milliseconds, and a dependency that is down
	// should be reported, not waited for.
	MaxAttempts int
	MaxBackoff  time.Duration
}

// ErrExceeded is the cause of a call's context when its deadline passed.
var ErrExceeded = errors.New("deadline: the call ran out of time")

func (b Budget) withDefaults() Budget {
	if b.Margin <= 0 {
		b.Margin = 500 * time.Millisecond
	}
	if b.MaxCall <= 0 {
		b.MaxCall = 5 * time.Second
	}
	if b.MaxAttempts <= 0 {
		b.MaxAttempts = 3
	}
	if b.MaxBackoff <= 0 {
		b.MaxBackoff = 200 * time.Millisecond
	}
	return b
}

// Apply sets the retryer and adds the deadline to every call of clients built from cfg.
func (b Budget) Apply(cfg *aws.Config) {
	b = b.withDefaults()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = b.MaxAttempts
			o.MaxBackoff = b.MaxBackoff
		})
	}
	cfg.RetryMaxAttempts = b.MaxAttempts
	cfg.APIOptions = append(cfg.APIOptions, b.Middleware)
}

// For is the deadline of a call made now under ctx.
func (b Budget) For(ctx context.Context, now time.Time) time.Time {
	b = b.withDefaults()
	d := now.Add(b.MaxCall)
	if inv, ok := ctx.Deadline(); ok && inv.Add(-b.Margin).Before(d) {
		d = inv.Add(-b.Margin)
	}
	return d
}

// Middleware adds the deadline to an SDK operation's stack, before its retry loop.
func (b Budget) Middleware(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("gatepassDeadline",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			ctx, cancel := context.WithDeadlineCause(ctx, b.For(ctx, time.Now()), ErrExceeded)
			defer cancel()
			return next.HandleInitialize(ctx, in)
		}), middleware.Before)
}

// Sleep waits d, or until ctx ends (returning its error), so that a retry pause never
// outlives the invocation.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
