package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/testkit/faultproxy"
	"gatepass/shared/localjwt"
)

// The fault suite's scale: each function may run faultTimeout (its template Timeout in
// AWS), so a call to the table must give up about faultTimeout minus the deadline margin.
const (
	faultTimeout = 2 * time.Second
	// setupPatience bounds the retries of the healthy set-up: 30 function timeouts.
	setupPatience = 30 * faultTimeout
	answerSlack   = 300 * time.Millisecond // the gateway's and the client's own time
	recoveryMax   = time.Second
)

// answer is one response the load saw.
type faultAnswer struct {
	kind       string // check, grant, renew, cancel
	status     int
	code       string
	retryAfter string
	took       time.Duration
	err        error
	grant      string   // renew, cancel: the grant; grant: "" (see created)
	created    []string // grant: the ids a 201 created
}

// TestFaults_AnswersStayInContractAndEveryChangeIsPublishedOnce puts a fault proxy
// between the whole development stack (functions and stream poller) and DynamoDB Local,
// runs concurrent checks and writes while the proxy pauses, refuses, cuts, slows and
// resets the table's connections, and asserts:
//
//   - every answer is 2xx, a coded 4xx of the contract, or 503 ServiceUnavailable with
//     Retry-After, and comes within the function's timeout (never a 500, never a hang);
//   - after each restore the table answers again within a second;
//   - every committed change has one audit entry and one event on the bus (by
//     event_id), none twice, and no acknowledged change is missing;
//   - when the stack stops, no goroutine is left behind.
func TestFaults_AnswersStayInContractAndEveryChangeIsPublishedOnce(t *testing.T) {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") // make test's emulator
	if endpoint == "" && !ddblocal.Required() {
		t.Skip("set AWS_ENDPOINT_URL_DYNAMODB (make test does) to run the fault suite")
	}
	if endpoint == "" {
		t.Fatal("AWS_ENDPOINT_URL_DYNAMODB is required under make test")
	}
	goroutines := runtime.NumGoroutine()
	proxy, err := faultproxy.Start(strings.TrimPrefix(endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}

	st, stopServer := startServer(t, config{
		Secret: "faults", CacheDir: t.TempDir(), DynamoDB: proxy.URL(), FunctionTimeout: faultTimeout, ScheduleAt: time.Hour,
	})
	stop := sync.OnceFunc(func() {
		stopServer()
		_ = proxy.Close()
	})
	defer stop()
	ctx := t.Context()

	sfx := randomSuffix(t)
	tenant, api := "t-faults-"+sfx, "api-faults-"+sfx
	tok, err := localjwt.Mint("faults", map[string]any{"sub": "u-faults", "tenant_id": tenant, "roles": []string{"tenant_admin", "checker"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: faultTimeout + 5*time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer client.CloseIdleConnections()
	call := func(ctx context.Context, method, path, body string, hdr ...string) faultAnswer {
		req, _ := http.NewRequestWithContext(ctx, method, st.APIEndpoint+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		start := time.Now()
		resp, err := client.Do(req)
		a := faultAnswer{took: time.Since(start), err: err}
		if err != nil {
			return a
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		a.took = time.Since(start)
		a.status, a.retryAfter = resp.StatusCode, resp.Header.Get("Retry-After")
		var out struct {
			Code   string `json:"error_code"`
			Grants []struct {
				ID string `json:"grant_id"`
			} `json:"grants"`
		}
		_ = json.Unmarshal(b, &out)
		a.code = out.Code
		for _, g := range out.Grants {
			a.created = append(a.created, g.ID)
		}
		return a
	}
	// must puts a set-up item. The table is healthy then, but a busy machine can still
	// take longer than faultTimeout for an API's transaction with its copies: a 503 is
	// retried until setupPatience has passed (the PUT may have been committed, so 200
	// counts as well as 201). The bound is time, not a count of tries: each try may take
	// the whole faultTimeout when both cores are busy with other work. Between tries a
	// GET (one read, quick where the transaction is not) tells whether a late answer's
	// PUT did land: with two CPU loops beside the suite every try of the transaction
	// outlasted faultTimeout for a minute while each one committed.
	must := func(path, body string) {
		t.Helper()
		giveUp := time.Now().Add(setupPatience)
		a := call(ctx, "PUT", path, body)
		// 503: the store missed its deadline; 500: the function its timeout (the gateway's
		// answer). Both mean "not now" while the table is healthy.
		for a.err == nil && (a.status == http.StatusServiceUnavailable || a.status == http.StatusInternalServerError) && time.Now().Before(giveUp) {
			if g := call(ctx, "GET", path, ""); g.err == nil && g.status == http.StatusOK {
				return
			}
			a = call(ctx, "PUT", path, body)
		}
		if a.err != nil || (a.status != http.StatusCreated && a.status != http.StatusOK) {
			t.Fatalf("set-up: PUT %s: got %d %s %v, want 201", path, a.status, a.code, a.err)
		}
	}

	// Set-up, with the table healthy: one API, four apps.
	must("/v1/apis/"+api, `{"workspace_id":"ws-a","name":"Faults","path":"/faults/`+sfx+`","protocols":["HTTPS"],"fields":["id"],"operation":"READ"}`)
	// R29: the apps' workspace is in the tenant's directory first (409: a retried
	// registration that had committed).
	for giveUp := time.Now().Add(setupPatience); ; {
		a := call(ctx, "POST", "/v1/workspaces", `{"id":"ws-b","name":"Faults"}`)
		if a.err == nil && (a.status == http.StatusCreated || a.status == http.StatusConflict) {
			break
		}
		if a.err != nil || (a.status != http.StatusServiceUnavailable && a.status != http.StatusInternalServerError) || time.Now().After(giveUp) {
			t.Fatalf("set-up: POST /v1/workspaces: got %d %s %v, want 201", a.status, a.code, a.err)
		}
	}
	var apps []string
	for i := range 4 {
		app := fmt.Sprintf("app-faults-%s-%d", sfx, i)
		must("/v1/apps/"+app, `{"workspace_id":"ws-b","name":"Faults app"}`)
		apps = append(apps, app)
	}

	// The load: 6 workers of checks, grants, renewals and cancellations.
	var mu sync.Mutex
	var answers []faultAnswer
	var grants []string
	load, endLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for n := 0; load.Err() == nil; n++ {
				app := apps[rng.IntN(len(apps))]
				var a faultAnswer
				switch r := rng.IntN(100); {
				case r < 50:
					a = call(load, "POST", "/v1/check", `{"api_id":"`+api+`","app_id":"`+app+`","env":"PROD"}`)
					a.kind = "check"
				case r < 75:
					env := []string{"PROD", "DEV"}[rng.IntN(2)]
					a = call(load, "POST", "/v1/apis/"+api+"/grants",
						`{"subject":{"type":"APP","id":"`+app+`","tenant_id":"`+tenant+`"},"envs":["`+env+`"],"validity":{"type":"LIMITED","days":30}}`,
						"Idempotency-Key", fmt.Sprintf("k-%d-%d", w, n))
					a.kind = "grant"
				default:
					mu.Lock()
					if len(grants) == 0 {
						mu.Unlock()
						continue
					}
					g := grants[rng.IntN(len(grants))]
					mu.Unlock()
					if rng.IntN(2) == 0 {
						a = call(load, "POST", "/v1/apis/"+api+"/grants/"+g+"/renewal", fmt.Sprintf(`{"validity":{"type":"LIMITED","days":%d}}`, 31+n))
						a.kind = "renew"
					} else {
						a = call(load, "POST", "/v1/apis/"+api+"/grants/"+g+"/cancel", `{"reason":"faults"}`)
						a.kind = "cancel"
					}
					a.grant = g
				}
				if load.Err() != nil {
					return // cut off by the end of the load: not an answer
				}
				mu.Lock()
				answers = append(answers, a)
				if a.status == 201 {
					grants = append(grants, a.created...)
				}
				mu.Unlock()
			}
		}()
	}

	// The faults, one after the other, each restored and its recovery timed.
	probe := func(what string) {
		t.Helper()
		restored := time.Now()
		for {
			a := call(ctx, "GET", "/v1/apis/"+api, "")
			if a.status == 200 {
				if took := time.Since(restored); took > recoveryMax {
					t.Errorf("%s: the table answered %s after the restore, want within %s", what, took, recoveryMax)
				}
				return
			}
			if time.Since(restored) > 10*time.Second {
				t.Fatalf("%s: no recovery 10s after the restore (last %d %s %v)", what, a.status, a.code, a.err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	restore := func(what string) {
		t.Helper()
		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
		probe(what)
	}
	time.Sleep(1500 * time.Millisecond)
	proxy.Pause()
	time.Sleep(2500 * time.Millisecond)
	restore("pause")
	time.Sleep(1500 * time.Millisecond)
	proxy.Refuse()
	time.Sleep(2 * time.Second)
	restore("refuse")
	time.Sleep(1500 * time.Millisecond)
	proxy.Cut()
	time.Sleep(2 * time.Second)
	restore("cut")
	time.Sleep(1500 * time.Millisecond)
	proxy.SlowDown(300 * time.Millisecond)
	time.Sleep(2 * time.Second)
	restore("slow")
	proxy.Reset()
	probe("reset")
	time.Sleep(1500 * time.Millisecond)
	endLoad()
	wg.Wait()

	// Every answer in the contract, in time.
	byKind := map[string]int{}
	for _, a := range answers {
		key := fmt.Sprintf("%s %d %s", a.kind, a.status, a.code)
		byKind[key]++
		switch {
		case a.err != nil:
			t.Errorf("%s: transport error %v after %s", a.kind, a.err, a.took)
		case a.took > faultTimeout+answerSlack:
			t.Errorf("%s: %d %s after %s, want within %s", a.kind, a.status, a.code, a.took, faultTimeout+answerSlack)
		case a.status >= 200 && a.status < 300:
		case a.status == 503:
			if a.code != "ServiceUnavailable" || a.retryAfter == "" {
				t.Errorf("%s: 503 %q Retry-After %q, want ServiceUnavailable with Retry-After", a.kind, a.code, a.retryAfter)
			}
		case a.status >= 400 && a.status < 500 && a.code != "" && a.code != "Unauthorized":
		default:
			t.Errorf("%s: %d %q is outside the contract", a.kind, a.status, a.code)
		}
	}
	t.Logf("%d answers: %v", len(answers), byKind)
	if byKind == nil || len(answers) < 50 {
		t.Fatalf("only %d answers: the load did not run", len(answers))
	}

	// Every committed change: one audit entry, one event, none twice; nothing acknowledged lost.
	// A write that timed out under a fault may still commit a moment later (DynamoDB
	// does not undo it), so the audit and the events are read together, again and
	// again, until two reads half a second apart agree with each other and between
	// themselves (a late commit or a duplicate would change the second); the minute
	// is only a ceiling for a loaded machine.
	var audit map[string]bool
	var perGrant map[string]int
	var events map[string]int
	read := func() (string, bool) {
		audit, perGrant = map[string]bool{}, map[string]int{}
		for _, e := range auditEntries(t, api, st.APIEndpoint, tok) {
			audit[fmt.Sprint(e["audit_id"])] = true
			if g, ok := e["grant_id"].(string); ok {
				perGrant[g]++
			}
		}
		events = eventIDs(t, st.EventBridgeEndpoint, "api_id", api)
		published := 0
		for _, n := range events {
			published += n
		}
		return fmt.Sprint(len(audit), " ", published), len(events) == len(audit) && published == len(events)
	}
	last := ""
	for deadline := time.Now().Add(time.Minute); ; {
		seen, agree := read()
		if (agree && seen == last) || time.Now().After(deadline) {
			break
		}
		last = seen
		time.Sleep(500 * time.Millisecond)
	}
	for id, n := range events {
		if n > 1 {
			t.Errorf("event %s published %d times", id, n)
		}
		if !audit[id] {
			t.Errorf("event %s has no audit entry", id)
		}
	}
	for id := range audit {
		if events[id] == 0 {
			t.Errorf("audit entry %s was never published", id)
		}
	}
	acked := map[string]int{} // acknowledged changes per grant
	for _, a := range answers {
		switch {
		case a.kind == "grant" && a.status == 201:
			for _, g := range a.created {
				acked[g]++
			}
		case (a.kind == "renew" || a.kind == "cancel") && a.status >= 200 && a.status < 300:
			acked[a.grant]++
		}
	}
	for g, n := range acked {
		if perGrant[g] < n {
			t.Errorf("grant %s: %d acknowledged changes, %d audit entries", g, n, perGrant[g])
		}
	}
	t.Logf("%d audit entries, %d events, %d grants", len(audit), len(events), len(perGrant))

	// Nothing left running.
	stop()
	client.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutines+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the stack stopped, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
}

// auditEntries pages through the API's audit log (the table healthy again).
func auditEntries(t *testing.T, api, endpoint, tok string) []map[string]any {
	t.Helper()
	var all []map[string]any
	next := ""
	for {
		path := "/v1/apis/" + api + "/audit?page_size=100"
		if next != "" {
			path += "&next_token=" + next
		}
		req, _ := http.NewRequest("GET", endpoint+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Items []map[string]any `json:"items"`
			Next  string           `json:"next_token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("audit: %d %v", resp.StatusCode, err)
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all
		}
		next = page.Next
	}
}

// eventIDs counts by event_id the bus's gatepass events whose detail has key = value.
func eventIDs(t *testing.T, endpoint, key, value string) map[string]int {
	t.Helper()
	resp, err := http.Get(endpoint + "/events?source=gatepass")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Detail map[string]any `json:"detail"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	out := map[string]int{}
	for _, e := range list {
		if e.Detail[key] == value {
			out[fmt.Sprint(e.Detail["event_id"])]++
		}
	}
	return out
}
