package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"testing"

	"gatepass/shared/metrics"
)

// emfLines decodes the embedded-metric-format lines a recorder wrote.
func emfLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %s", sc.Bytes())
		}
		if m["_aws"] != nil {
			out = append(out, m)
		}
	}
	return out
}

// TestCheck_DecisionMetrics: every decision of the check route and of the authorizer
// is counted by source and reason, with its latency.
func TestCheck_DecisionMetrics(t *testing.T) {
	e := newEnv(t)
	var buf bytes.Buffer
	e.checker.WithMetrics(metrics.New(&buf, "gatepass", nil))
	if r := e.do(t, checker1, "POST", "/v1/check", map[string]any{"api_id": "api-none", "app_id": "app-b1", "env": "PROD"}); r.Status != 200 {
		t.Fatalf("check: %s", r)
	}
	e.authorize(t, authzEvent("prod", "/nowhere", "APPCODE "+string(bytes.Repeat([]byte("ab"), 32))))
	got := emfLines(t, &buf)
	if len(got) != 2 {
		t.Fatalf("got %d metric lines, want 2: %v", len(got), got)
	}
	for i, want := range []struct{ source, reason string }{{"check", "API_NOT_FOUND"}, {"authorizer", "API_NOT_FOUND"}} {
		m := got[i]
		if m["Source"] != want.source || m["Reason"] != want.reason || m["Decisions"] != 1.0 {
			t.Errorf("line %d: got %v, want source %s, reason %s, one decision", i, m, want.source, want.reason)
		}
		if l, ok := m["DecisionLatency"].(float64); !ok || l < 0 {
			t.Errorf("line %d: DecisionLatency %v", i, m["DecisionLatency"])
		}
	}
}
