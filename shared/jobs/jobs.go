// Package jobs holds the handlers of gatepass's scheduled and event-driven functions:
// publish (the table's stream → EventBridge), reminders (R16) and cancellations (R7,
// R11, the R4 cleanup) on schedules, and the catalog-event consumer. Each is built once
// per cold start by shared/functions, which functions/<name>/main.go and the
// development server both use. The decisions live in shared/access; a job reads what is
// due, asks access what to write and commits it.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"gatepass/shared/access"
)

// Defaults of the sweepers' bounds.
const (
	// DefaultPageSize is how many due items one Due query returns.
	DefaultPageSize = 100
	// DefaultMaxItems bounds the due items one run handles; the next run goes on.
	DefaultMaxItems = 1000
)

// defaultLogger writes JSON to stdout, as Lambda's log capture expects.
var defaultLogger = slog.New(slog.NewJSONHandler(os.Stdout, nil))

// logger returns base (or the default) with the Lambda request id of ctx, if any.
func logger(ctx context.Context, base *slog.Logger, job string) *slog.Logger {
	if base == nil {
		base = defaultLogger
	}
	l := base.With("job", job)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		l = l.With("request_id", lc.AwsRequestID)
	}
	return l
}

// lookback is how far back a sweeper looks for due items: the largest reminder
// threshold plus two days, at least three days. An item stays due (indexed at its due
// time) until its job handles it, so a job that was down for less than this catches
// up on everything when it runs again.
func lookback(days []int) time.Duration {
	return time.Duration(max(slices.Max(append([]int{1}, days...)), 1)+2) * 24 * time.Hour
}

// window is a run's instant and how far back it looks: from now−lookback (the default
// of days when lookback is 0) to now.
func window(now access.Clock, back time.Duration, days []int) (at, from time.Time) {
	if now == nil {
		now = time.Now
	}
	at = now().UTC()
	if back <= 0 {
		back = lookback(days)
	}
	return at, at.Add(-back)
}

// eachDue hands fn every item due in [from, to], reading DuePage pages of pageSize, at
// most maxItems in all, each item once per run (an item that fn moves to a later due
// time still inside the window is not handed out again). The due index is spread over
// shards, so items come bucket by bucket, not strictly oldest first; a run that stops
// at maxItems leaves the rest due for the next run.
func eachDue(ctx context.Context, st access.DueSweep, from, to time.Time, pageSize, maxItems int, fn func(access.DueItem) error) error {
	seen := map[string]bool{}
	n := 0
	cursor := ""
	for n < maxItems {
		items, next, err := st.DuePage(ctx, from, to, min(pageSize, maxItems-n), cursor)
		if err != nil {
			return err
		}
		for _, it := range items {
			id := dueID(it)
			if seen[id] {
				continue
			}
			seen[id] = true
			if nearDeadline(ctx) {
				return nil // what is left stays due: the next run goes on
			}
			n++
			if err := fn(it); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
	return nil
}

// deadlineMargin is the time a run keeps in hand before the function's timeout, so
// that it stops between two changes rather than in the middle of one.
const deadlineMargin = 3 * time.Second

func nearDeadline(ctx context.Context) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < deadlineMargin
}

func dueID(it access.DueItem) string {
	if g := it.Grant; g != nil {
		k := g.Key()
		return fmt.Sprintf("grant|%s|%s|%s|%s|%s|%s", k.Resource.Type, k.Resource.ID, k.Env, k.Subject, k.SubjectTenant, k.ID)
	}
	if r := it.Request; r != nil {
		return "request|" + r.ID
	}
	if r := it.Review; r != nil {
		return "review|" + r.ID
	}
	if c := it.Cleanup; c != nil {
		return "cleanup|" + string(c.Resource.Type) + "|" + c.Resource.ID + "|" + strconv.FormatInt(c.Generation, 10)
	}
	return ""
}

// retryLater reports whether a commit failed only because the item changed since it
// was read (a concurrent change): the next run reads it again.
func retryLater(err error) bool {
	return access.ErrorKind(err) == access.Conflict
}
