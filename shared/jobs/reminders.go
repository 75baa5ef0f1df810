package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
	"gatepass/shared/metrics"
)

// Reminders is the scheduled R16 job: it announces the Grant Expiring and Grant Expired
// events that are due, each in one transaction with the grant's new reminder state.
type Reminders struct {
	Store access.DueSweep
	Now   access.Clock
	Days  []int // REMINDER_DAYS, largest first
	// Lookback is how far back due items are looked for; 0: the largest threshold
	// plus two days.
	Lookback time.Duration
	PageSize int // Due items per query; 0: DefaultPageSize
	MaxItems int // due items per run; 0: DefaultMaxItems
	Log      *slog.Logger
	Metrics  *metrics.Recorder // nil: none
}

// RunResult counts what a run did.
type RunResult struct {
	Seen      int // due items read
	Changed   int // grants (or cleanup steps) committed
	Events    int // audit entries written, each an event
	Conflicts int // changes lost to a concurrent change; the next run retries them
}

// put writes a run's metrics: what was due, what was processed, what lost a race.
func (res RunResult) put(ctx context.Context, m *metrics.Recorder, job string) {
	m.Put(ctx, []metrics.Dim{{Name: "Job", Value: job}}, nil,
		metrics.Value{Name: metrics.Due, Unit: metrics.Count, Value: float64(res.Seen)},
		metrics.Value{Name: metrics.Processed, Unit: metrics.Count, Value: float64(res.Changed)},
		metrics.Value{Name: metrics.Conflicts, Unit: metrics.Count, Value: float64(res.Conflicts)})
}

// Handle runs the job for a schedule event.
func (r *Reminders) Handle(ctx context.Context, _ events.EventBridgeEvent) error {
	_, err := r.Run(ctx)
	return err
}

// Run announces everything due up to now. Running it twice, or late, announces each
// reminder once: what was announced is recorded in the same transaction.
func (r *Reminders) Run(ctx context.Context) (RunResult, error) {
	log := logger(ctx, r.Log, "reminders")
	at, from := window(r.Now, r.Lookback, r.Days)
	var res RunResult
	err := eachDue(ctx, r.Store, from, at, orDefault(r.PageSize, DefaultPageSize), orDefault(r.MaxItems, DefaultMaxItems),
		func(it access.DueItem) error {
			res.Seen++
			if it.Grant == nil {
				return nil // a cleanup task: the cancellations job's
			}
			return applyDue(ctx, log, r.Store, access.RemindChange, *it.Grant, at, r.Days, &res)
		})
	return res.finish(ctx, log, r.Metrics, "reminders", at, err)
}

// dueChange decides the change a due grant takes at now (access.RemindChange,
// access.FinalizeChange), if any.
type dueChange func(g access.Grant, now time.Time, days []int, apiGeneration int64) (access.Change, access.Grant, bool)

// applyDue commits decide's change of g, if any. A change lost to a concurrent one is
// counted and left to the next run.
func applyDue(ctx context.Context, log *slog.Logger, store access.DueSweep, decide dueChange, g access.Grant, at time.Time, days []int, res *RunResult) error {
	// Decided as if the API were at the grant's generation; the change's condition
	// confirms it (no read of the API).
	c, _, ok := decide(g, at, days, g.Generation)
	if !ok {
		return nil
	}
	c.Writes = append(c.Writes, access.GenerationCheck(c.Op, g))
	if err := store.Commit(ctx, c); err != nil {
		if retryLater(err) {
			res.Conflicts++
			log.Warn("grant changed meanwhile; the next run retries", "grant_id", g.ID, "api_id", g.APIID, "error", err.Error())
			return nil
		}
		return err
	}
	res.Changed++
	res.Events += len(c.Audit)
	return nil
}

// finish logs the run of job and writes its metrics, or logs its failure.
func (res RunResult) finish(ctx context.Context, log *slog.Logger, m *metrics.Recorder, job string, at time.Time, err error) (RunResult, error) {
	if err != nil {
		log.Error(job+" run failed", "error", err.Error(), "seen", res.Seen, "changed", res.Changed)
		return res, err
	}
	log.Info(job+" run", "at", at, "seen", res.Seen, "changed", res.Changed, "events", res.Events, "conflicts", res.Conflicts)
	res.put(ctx, m, job)
	return res, nil
}

func orDefault(n, def int) int {
	if n > 0 {
		return n
	}
	return def
}
