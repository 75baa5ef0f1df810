package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

var at = time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)

// TestPut_EmbeddedMetricFormat: the line is what CloudWatch Logs extracts metrics from:
// _aws with the timestamp in ms, the namespace, the dimension sets and the metric
// definitions; the dimension values and the metric values at the top level.
func TestPut_EmbeddedMetricFormat(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "gatepass", func() time.Time { return at })
	r.Put(context.Background(), []Dim{{"Source", "check"}, {"Reason", "GRANTED"}}, [][]string{{"Source", "Reason"}, {"Source"}},
		Value{Decisions, Count, 1}, Value{DecisionLatency, Milliseconds, Ms(2500 * time.Microsecond)})
	var got map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON line: %v\n%s", err, buf.String())
	}
	want := map[string]any{
		"Timestamp": float64(at.UnixMilli()),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  "gatepass",
			"Dimensions": []any{[]any{"Source", "Reason"}, []any{"Source"}},
			"Metrics": []any{
				map[string]any{"Name": "Decisions", "Unit": "Count"},
				map[string]any{"Name": "DecisionLatency", "Unit": "Milliseconds"},
			},
		}},
	}
	if !reflect.DeepEqual(got["_aws"], want) {
		t.Errorf("_aws: got %v, want %v", got["_aws"], want)
	}
	for k, v := range map[string]any{"Source": "check", "Reason": "GRANTED", "Decisions": 1.0, "DecisionLatency": 2.5} {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
}

func TestPut_AllDimensionsByDefault(t *testing.T) {
	var buf bytes.Buffer
	New(&buf, "ns", nil).Put(context.Background(), []Dim{{"Job", "reminders"}}, nil, Value{Processed, Count, 3})
	var got struct {
		AWS struct {
			CloudWatchMetrics []struct{ Dimensions [][]string }
		} `json:"_aws"`
		Processed float64
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if d := got.AWS.CloudWatchMetrics[0].Dimensions; !reflect.DeepEqual(d, [][]string{{"Job"}}) || got.Processed != 3 {
		t.Errorf("got %+v", got)
	}
}

func TestPut_NilRecorderAndNoValuesWriteNothing(t *testing.T) {
	var r *Recorder
	r.Put(context.Background(), nil, nil, Value{Processed, Count, 1})
	var buf bytes.Buffer
	New(&buf, "ns", nil).Put(context.Background(), []Dim{{"Job", "x"}}, nil)
	if buf.Len() != 0 {
		t.Errorf("got %q, want nothing", buf.String())
	}
}
