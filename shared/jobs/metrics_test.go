package jobs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/infra/emulators/eventbus"
	"gatepass/shared/access"
	"gatepass/shared/metrics"
	"gatepass/shared/store"
)

// metricLine decodes the one embedded-metric-format line buf holds.
func metricLine(t *testing.T, buf *bytes.Buffer) map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(buf)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %s", sc.Bytes())
		}
		lines = append(lines, m)
	}
	if len(lines) != 1 || lines[0]["_aws"] == nil {
		t.Fatalf("got %v, want one metric line", lines)
	}
	return lines[0]
}

// TestJobs_RunMetrics: a run of reminders or cancellations reports what was due, what it
// processed and what lost a race.
func TestJobs_RunMetrics(t *testing.T) {
	e := newEnv(t)
	e.api("api1")
	e.app("app1")
	g := e.grant("api1", appSubject("app1"), forDays(30))
	e.clock.Set(g.EndTime.Add(-24 * time.Hour)) // one day left: a Grant Expiring is due
	var buf bytes.Buffer
	r := e.reminders()
	r.Metrics = metrics.New(&buf, "gatepass", nil)
	if _, err := r.Run(e.ctx); err != nil {
		t.Fatal(err)
	}
	m := metricLine(t, &buf)
	if m["Job"] != "reminders" || m["Due"] != 1.0 || m["Processed"] != 1.0 || m["Conflicts"] != 0.0 {
		t.Errorf("reminders: got %v, want one due, one processed", m)
	}
	c := e.cancellations()
	c.Metrics = metrics.New(&buf, "gatepass", nil)
	if _, err := c.Run(e.ctx); err != nil {
		t.Fatal(err)
	}
	if m := metricLine(t, &buf); m["Job"] != "cancellations" || m["Processed"] != 0.0 {
		t.Errorf("cancellations: got %v, want nothing processed", m)
	}
}

// TestPublishJob_Metrics: a batch reports the events the bus accepted and those it
// did not.
func TestPublishJob_Metrics(t *testing.T) {
	b, pub := startBus(t)
	var buf bytes.Buffer
	p := &Publish{Bus: pub, Audit: store.AuditFromItem, Log: quiet(), Metrics: metrics.New(&buf, "gatepass", nil)}
	entry := func(id string) access.AuditEntry {
		return access.AuditEntry{ID: id, Action: access.EventAPIChanged, At: t0, TenantID: "t1", Actor: "alice", APIID: "api1"}
	}
	batch := events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{auditImage(t, entry("A1"), "100"), auditImage(t, entry("A2"), "101")}}
	if _, err := p.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if m := metricLine(t, &buf); m["EventsPublished"] != 2.0 || m["EventsFailed"] != 0.0 {
		t.Errorf("bus up: got %v, want 2 published", m)
	}
	b.SetFailure(eventbus.Failure{Mode: eventbus.FailUnavailable})
	if _, err := p.Handle(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if m := metricLine(t, &buf); m["EventsPublished"] != 0.0 || m["EventsFailed"] != 2.0 {
		t.Errorf("bus down: got %v, want 2 failed", m)
	}
}
