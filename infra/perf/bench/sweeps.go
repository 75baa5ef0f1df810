package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/jobs"
	"gatepass/shared/store"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }

// sweepRun is one run of a scheduled job.
type sweepRun struct {
	Job       string
	Grants    int // grants in the table
	Due       int // items the GSI2 index held as due in the run's window, counted just before
	Read      readCount
	Changed   int
	Events    int
	Lookback  time.Duration
	Wall      time.Duration
	Conflicts int
}

func (s sweepRun) perDue() float64 { return ratio(float64(s.Read.Items), float64(s.Due)) }

// sweeper runs the two jobs on a table whose grants are in the jobs' steady state at
// lastRun (T0: every reminder and cancellation due before it has been handled): the
// clock is put where exactly target items have come due since, and each job looks back
// to lastRun, the previous run. Both sizes are measured from T0, so that the window
// holds cancellations (all due within 48h of T0) as well as reminders.
type sweeper struct {
	plain   *store.Store // uncounted: finds the clock and counts what is due
	counted *store.Store // the jobs' store, on the counting client
	counter *readCounter
	lastRun time.Time
}

func (s *sweeper) run(ctx context.Context, grants, target int) ([]sweepRun, error) {
	items, err := s.plain.Due(ctx, s.lastRun.Add(time.Nanosecond), s.lastRun.Add(store.MaxDueSpan-24*time.Hour), target)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("sweep: nothing is due after %v", s.lastRun)
	}
	at := dueTime(items[len(items)-1])
	back := at.Sub(s.lastRun)
	clock := func() time.Time { return at }
	var out []sweepRun
	type job interface {
		Run(context.Context) (jobs.RunResult, error)
	}
	for _, j := range []struct {
		name string
		job  job
	}{
		{"reminders", &jobs.Reminders{Store: s.counted, Now: clock, Days: reminderDays, Lookback: back, Log: discardLogger()}},
		{"cancellations", &jobs.Cancellations{Store: s.counted, Now: clock, Days: reminderDays, Lookback: back, Log: discardLogger()}},
	} {
		due, err := s.plain.Due(ctx, at.Add(-back), at, 0)
		if err != nil {
			return nil, err
		}
		before := s.counter.snapshot()
		t := time.Now()
		res, err := j.job.Run(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", j.name, err)
		}
		out = append(out, sweepRun{
			Job: j.name, Grants: grants, Due: len(due), Read: s.counter.snapshot().sub(before),
			Changed: res.Changed, Events: res.Events, Conflicts: res.Conflicts, Lookback: back, Wall: time.Since(t),
		})
	}
	return out, nil
}

func dueTime(it access.DueItem) time.Time {
	if it.Grant != nil && it.Grant.Due != nil {
		return *it.Grant.Due
	}
	if it.Cleanup != nil {
		return it.Cleanup.Due
	}
	return time.Time{}
}

// listResult is the first pages of one API's grants through the list handler.
type listResult struct {
	Pages, PageSize, Items int
	Read                   readCount
	Lat                    stats
}

func measureList(ctx context.Context, svc *access.Service, counter *readCounter, d *dataset, pages int) (listResult, error) {
	h := api.List(svc).WithLogger(discardLogger())
	var tenant string
	for _, a := range d.APIs {
		if a.ID == d.ListAPI {
			tenant = a.TenantID
		}
	}
	ev := func(next string) events.APIGatewayV2HTTPRequest {
		q := map[string]string{"page_size": "10"}
		raw := "page_size=10"
		if next != "" {
			q["next_token"] = next
			raw += "&next_token=" + next
		}
		return events.APIGatewayV2HTTPRequest{
			Version: "2.0", RouteKey: "GET /v1/apis/{api_id}/grants", RawPath: "/v1/apis/" + d.ListAPI + "/grants",
			RawQueryString: raw, QueryStringParameters: q, PathParameters: map[string]string{"api_id": d.ListAPI},
			Headers: map[string]string{"host": "k7x2m9q4p1.execute-api.us-east-1.amazonaws.com"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				RouteKey: "GET /v1/apis/{api_id}/grants", Stage: "$default", RequestID: "bench-list",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/v1/apis/" + d.ListAPI + "/grants"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{"sub": "user-admin", "tenant_id": tenant, "roles": "[tenant_admin]"},
				}},
			},
		}
	}
	res := listResult{PageSize: 10}
	// One page read first, uncounted, so that the counted pages are steady state.
	if _, err := h.Handle(ctx, ev("")); err != nil {
		return res, err
	}
	before := counter.snapshot()
	next := ""
	for p := 0; p < pages; p++ {
		t := time.Now()
		resp, err := h.Handle(ctx, ev(next))
		res.Lat.lat = append(res.Lat.lat, time.Since(t))
		if err != nil {
			return res, err
		}
		if resp.StatusCode != http.StatusOK {
			return res, fmt.Errorf("list answered %d: %s", resp.StatusCode, resp.Body)
		}
		var body struct {
			Items     []json.RawMessage `json:"items"`
			NextToken string            `json:"next_token"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			return res, err
		}
		res.Pages++
		res.Items += len(body.Items)
		if body.NextToken == "" {
			break
		}
		next = body.NextToken
	}
	res.Read = counter.snapshot().sub(before)
	return res, nil
}
