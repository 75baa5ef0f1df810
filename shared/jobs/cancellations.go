package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
	"gatepass/shared/metrics"
)

// Cancellations is the scheduled job that finalizes due API-side cancellations (R7,
// R11), announces scheduled starts (R25), records request expiry (R27), reminds and
// closes access reviews (R28) and works off R4 cleanup tasks in bounded batches.
type Cancellations struct {
	Store access.DueSweep
	Now   access.Clock
	Days  []int // REMINDER_DAYS: a PROXY-only cancellation leaves the reminders armed
	// Notice is CANCEL_NOTICE: an access review's default REVOKE cancels with it,
	// counted from the review's due date (R28).
	Notice time.Duration
	// Lookback is how far back due items are looked for; 0: the largest reminder
	// threshold plus two days.
	Lookback time.Duration
	PageSize int // Due items per query; 0: DefaultPageSize
	MaxItems int // due items per run; 0: DefaultMaxItems
	// CleanupBatch is the stale grants removed per transaction (at most
	// access.MaxCleanupBatch); CleanupPerRun bounds those removed per run.
	CleanupBatch  int
	CleanupPerRun int
	Log           *slog.Logger
	Metrics       *metrics.Recorder // nil: none
}

// Default bounds of the R4 cleanup.
const (
	DefaultCleanupBatch  = access.MaxCleanupBatch
	DefaultCleanupPerRun = 600
)

// Handle runs the job for a schedule event.
func (c *Cancellations) Handle(ctx context.Context, _ events.EventBridgeEvent) error {
	_, err := c.Run(ctx)
	return err
}

// Run finalizes what is due up to now and takes each due cleanup task a bounded step
// further. It is idempotent: every change is conditional on what was read and records
// its audit entry in the same transaction, so a second run finds nothing left to do.
func (c *Cancellations) Run(ctx context.Context) (RunResult, error) {
	log := logger(ctx, c.Log, "cancellations")
	at, from := window(c.Now, c.Lookback, c.Days)
	batch := min(orDefault(c.CleanupBatch, DefaultCleanupBatch), access.MaxCleanupBatch)
	budget := orDefault(c.CleanupPerRun, DefaultCleanupPerRun)
	var res RunResult
	err := eachDue(ctx, c.Store, from, at, orDefault(c.PageSize, DefaultPageSize), orDefault(c.MaxItems, DefaultMaxItems),
		func(it access.DueItem) error {
			res.Seen++
			switch {
			case it.Grant != nil:
				return c.finalize(ctx, log, *it.Grant, at, &res)
			case it.Request != nil:
				return c.expire(ctx, log, *it.Request, at, &res)
			case it.Review != nil:
				return c.review(ctx, log, *it.Review, at, &res)
			case it.Cleanup != nil && budget > 0:
				n, err := c.cleanup(ctx, log, *it.Cleanup, at, batch, budget, &res)
				budget -= n
				return err
			}
			return nil
		})
	return res.finish(ctx, log, c.Metrics, "cancellations", at, err)
}

// finalize announces g's scheduled start (R25) or applies its cancellation (R7; R11 for PROXY alone), whichever is due.
func (c *Cancellations) finalize(ctx context.Context, log *slog.Logger, g access.Grant, at time.Time, res *RunResult) error {
	return applyDue(ctx, log, c.Store, access.ScheduleChange, g, at, c.Days, res)
}

// expire records the expiry of a PENDING request past its TTL (R27) with its Request
// Expired event. A decision that came first wins; the next run finds nothing due.
func (c *Cancellations) expire(ctx context.Context, log *slog.Logger, r access.Request, at time.Time, res *RunResult) error {
	ch, _, ok := access.ExpireChange(r, at)
	if !ok {
		return nil
	}
	if err := c.Store.Commit(ctx, ch); err != nil {
		if retryLater(err) {
			res.Conflicts++
			log.Warn("request decided meanwhile", "request_id", r.ID, "error", err.Error())
			return nil
		}
		return err
	}
	res.Changed++
	res.Events += len(ch.Audit)
	return nil
}

// cleanup removes up to budget stale grants of task (R4), batch by batch, each batch
// one transaction that also moves the task's cursor on (or deletes the task when the
// API's partition is done). It returns how many grants it removed.
func (c *Cancellations) cleanup(ctx context.Context, log *slog.Logger, task access.CleanupTask, at time.Time, batch, budget int, res *RunResult) (int, error) {
	removed := 0
	for removed < budget && !nearDeadline(ctx) {
		stale, next, err := c.Store.StaleGrants(ctx, task.Resource, task.Generation, min(batch, budget-removed), task.Cursor)
		if err != nil {
			return removed, err
		}
		ch := access.CleanupChange(task, stale, next, at)
		if err := c.Store.Commit(ctx, ch); err != nil {
			if retryLater(err) {
				res.Conflicts++
				log.Warn("cleanup step lost to a concurrent change; the next run retries", "resource", task.Resource.Type, "id", task.Resource.ID,
					"generation", task.Generation, "error", err.Error())
				return removed, nil
			}
			return removed, err
		}
		removed += len(stale)
		res.Changed++
		res.Events += len(ch.Audit)
		if next == "" {
			log.Info("cleanup done", "resource", task.Resource.Type, "id", task.Resource.ID, "generation", task.Generation)
			return removed, nil
		}
		task.Cursor, task.Due = next, at
	}
	return removed, nil
}

// review announces an open review's reminders before its due date, and from its due
// date on closes it step by step (R28): each step reads one page of its items from
// where the last stopped and the grants of the undecided ones (one BatchGetItem), and
// commits their default decisions with the review's cursor in one transaction.
func (c *Cancellations) review(ctx context.Context, log *slog.Logger, r access.Review, at time.Time, res *RunResult) error {
	if at.Before(r.DueAt) {
		ch, _, ok := access.ReviewRemindChange(r, at, c.Days)
		if !ok {
			return nil
		}
		_, err := c.commitReview(ctx, log, r, ch, res)
		return err
	}
	for r.Status == access.ReviewOpen && !nearDeadline(ctx) {
		page, err := c.Store.ReviewItems(ctx, r.ID, access.MaxReviewCloseBatch, r.Cursor)
		if err != nil {
			return err
		}
		var keys []access.GrantKey
		for _, it := range page.Items {
			if it.Decision == "" && r.IfNotReviewed == access.DecisionRevoke {
				keys = append(keys, it.Key())
			}
		}
		var grants []access.Grant
		gens := map[access.Resource]int64{}
		if len(keys) > 0 {
			if grants, err = c.Store.GetGrantsAt(ctx, keys); err != nil {
				return err
			}
			if err := c.generations(ctx, keys, gens); err != nil {
				return err
			}
		}
		ch := access.ReviewCloseStep(r, page.Items, grants, gens, page.Next, at, c.Notice, c.Days)
		if ok, err := c.commitReview(ctx, log, r, ch, res); err != nil || !ok {
			return err
		}
		next := ch.Writes[len(ch.Writes)-1].Review
		r = *next
	}
	return nil
}

// commitReview commits a review change; ok is false when it lost to a concurrent
// change (a decision, another run), which the next run reads again.
func (c *Cancellations) commitReview(ctx context.Context, log *slog.Logger, r access.Review, ch access.Change, res *RunResult) (ok bool, err error) {
	if err := c.Store.Commit(ctx, ch); err != nil {
		if retryLater(err) {
			res.Conflicts++
			log.Warn("review changed meanwhile; the next run reads it again", "review_id", r.ID, "error", err.Error())
			return false, nil
		}
		return false, err
	}
	res.Changed++
	res.Events += len(ch.Audit)
	return true, nil
}

// generations reads the generation of each live resource keys name (one read per
// distinct API or unit: one for a review of an API or a unit).
func (c *Cancellations) generations(ctx context.Context, keys []access.GrantKey, out map[access.Resource]int64) error {
	for _, k := range keys {
		r := k.Resource
		if _, done := out[r]; done {
			continue
		}
		switch r.Type {
		case access.ResourceServiceUnit:
			u, err := c.Store.GetServiceUnit(ctx, r.ID)
			if err != nil && access.ErrorKind(err) != access.NotFound {
				return err
			}
			if err == nil && u.Live() {
				out[r] = u.Generation
			}
		default:
			api, err := c.Store.GetAPI(ctx, r.ID)
			if err != nil && access.ErrorKind(err) != access.NotFound {
				return err
			}
			if err == nil && api.Published() && !api.Deleted {
				out[r] = api.Generation
			}
		}
	}
	return nil
}
