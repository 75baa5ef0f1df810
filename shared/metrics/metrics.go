// Package metrics writes CloudWatch metrics in the embedded metric format (EMF): one
// JSON line on stdout per measurement, which CloudWatch Logs turns into metrics, with
// no API call on the request path and no permission beyond writing logs. The lines go
// through log/slog like every other log line, but never through LOG_LEVEL's filter: a
// quieter log must not lose a metric.
//
// Names (the dashboard in template.yaml reads them; namespace = METRICS_NAMESPACE, the
// stack name):
//
//	Decisions, DecisionLatency (ms)   by Source (check | authorizer) and Reason, and by Source
//	Due, Processed, Conflicts         by Job (reminders | cancellations)
//	EventsPublished, EventsFailed     by Function (publish)
package metrics

import (
	"context"
	"io"
	"log/slog"
	"time"
)

// Unit is a CloudWatch unit.
type Unit string

// The units gatepass uses.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
)

// Metric names: the dashboard and the docs use the same.
const (
	Decisions       = "Decisions"
	DecisionLatency = "DecisionLatency"
	Due             = "Due"
	Processed       = "Processed"
	Conflicts       = "Conflicts"
	EventsPublished = "EventsPublished"
	EventsFailed    = "EventsFailed"
)

// Names are every metric gatepass writes (the dashboard may show no other).
var Names = []string{Decisions, DecisionLatency, Due, Processed, Conflicts, EventsPublished, EventsFailed}

// Value is one measurement.
type Value struct {
	Name  string
	Unit  Unit
	Value float64
}

// Dim is one dimension and its value.
type Dim struct{ Name, Value string }

// Recorder writes EMF lines. A nil *Recorder writes nothing.
type Recorder struct {
	log       *slog.Logger
	namespace string
	now       func() time.Time
}

// New writes EMF lines to w (os.Stdout in a function) in namespace; now is the clock of
// their timestamps (time.Now when nil).
func New(w io.Writer, namespace string, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})
	return &Recorder{log: slog.New(h), namespace: namespace, now: now}
}

// Put records values under the dimensions dims, aggregated by each set of dimension
// names in sets (each name one of dims; nil sets: all of dims as one set).
func (r *Recorder) Put(ctx context.Context, dims []Dim, sets [][]string, values ...Value) {
	if r == nil || len(values) == 0 {
		return
	}
	if sets == nil {
		all := make([]string, len(dims))
		for i, d := range dims {
			all[i] = d.Name
		}
		sets = [][]string{all}
	}
	defs := make([]map[string]string, len(values))
	attrs := make([]any, 0, 2+len(dims)+len(values))
	for i, v := range values {
		defs[i] = map[string]string{"Name": v.Name, "Unit": string(v.Unit)}
	}
	attrs = append(attrs, slog.Any("_aws", map[string]any{
		"Timestamp": r.now().UnixMilli(),
		"CloudWatchMetrics": []map[string]any{{
			"Namespace": r.namespace, "Dimensions": sets, "Metrics": defs,
		}},
	}))
	for _, d := range dims {
		attrs = append(attrs, slog.String(d.Name, d.Value))
	}
	for _, v := range values {
		attrs = append(attrs, slog.Float64(v.Name, v.Value))
	}
	r.log.InfoContext(ctx, "metrics", attrs...)
}

// Ms is d in milliseconds, the unit of the latency metrics.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
