package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/infra/ddblocal"
	"gatepass/infra/gateway"
)

// TestStack_EveryChangeIsOneEvent drives the real functions through the development
// server as a user would (HTTP with a signed token, a catalog event put with the SDK,
// the schedules) and checks that every change yields exactly one event on the local
// bus, one per audit entry, and that a deferred cancellation and an R4 cascade are
// finalized by the schedule.
func TestStack_EveryChangeIsOneEvent(t *testing.T) {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") // reuse make test's emulator
	if endpoint == "" && !ddblocal.Required() {
		t.Skip("set AWS_ENDPOINT_URL_DYNAMODB (make test does) to run the end-to-end test")
	}
	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CANCEL_NOTICE", "1s")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan stack, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{
			Template: filepath.Join(root, "template.yaml"), Secret: "e2e", CacheDir: t.TempDir(),
			DynamoDB: endpoint, Mounts: mounts, ScheduleAt: 300 * time.Millisecond,
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Out: io.Discard,
			Ready: func(s stack) { ready <- s },
		})
	}()
	var st stack
	select {
	case st = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("not ready after 90s")
	}
	defer func() {
		cancel()
		<-done
	}()

	// Ids unique to this run, so a reused emulator's leftovers do not count.
	sfx := randomSuffix(t)
	tenant, api, app := "t-e2e-"+sfx, "api-"+sfx, "app-"+sfx
	tok, err := gateway.DevToken("e2e", map[string]any{"sub": "u-admin", "tenant_id": tenant, "roles": []string{"tenant_admin", "checker"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, st.APIEndpoint+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: got %d %s, want %d", method, path, resp.StatusCode, b, want)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	check := func(env, want string) {
		t.Helper()
		got := call("POST", "/v1/check", `{"api_id":"`+api+`","app_id":"`+app+`","env":"`+env+`"}`, 200)["reason"]
		if got != want {
			t.Fatalf("check %s: got %v, want %s", env, got, want)
		}
	}

	call("PUT", "/v1/apis/"+api, `{"workspace_id":"ws-a","name":"Orders","path":"/e2e/`+sfx+`","protocols":["HTTPS"],"fields":["id"],"operation":"READ"}`, 201)
	call("PUT", "/v1/apps/"+app, `{"workspace_id":"ws-b","name":"BI"}`, 201)
	grants := call("POST", "/v1/apis/"+api+"/grants", `{"subject":{"type":"APP","id":"`+app+`","tenant_id":"`+tenant+`"},"envs":["PROD","DEV"],"validity":{"type":"LIMITED","days":30}}`, 201)["grants"].([]any)
	prod, dev := grants[0].(map[string]any)["grant_id"].(string), grants[1].(map[string]any)["grant_id"].(string)
	call("POST", "/v1/apis/"+api+"/grants/"+prod+"/renewal", `{"validity":{"type":"UNLIMITED"}}`, 200)
	call("POST", "/v1/apis/"+api+"/grants/"+dev+"/cancel", `{"reason":"ends"}`, 202)
	check("DEV", "GRANTED") // usable until cancel_at (R7)
	waitFor(t, "the cancellations schedule to finalize DEV", func() bool {
		g := call("GET", "/v1/apis/"+api+"/grants/"+dev, "", 200)
		return g["status"] == "REVOKED" && g["version"].(float64) == 3
	})
	check("DEV", "CANCELLED")
	check("PROD", "GRANTED")

	// A catalog event put on :3001 with the SDK cascades R4.
	eb := eventbridge.New(eventbridge.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(st.EventBridgeEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("dataservice.catalog"), DetailType: aws.String("API Unpublished"),
		Detail: aws.String(`{"api_id":"` + api + `","tenant_id":"` + tenant + `"}`),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("put events: %v", err)
	}
	waitFor(t, "the catalog consumer to unpublish", func() bool {
		return call("POST", "/v1/check", `{"api_id":"`+api+`","app_id":"`+app+`","env":"PROD"}`, 200)["reason"] == "API_UNPUBLISHED"
	})

	want := map[string]int{
		"API Changed": 2, "App Changed": 1, "Grant Created": 2, "Grant Renewed": 1,
		"Grant Cancellation Scheduled": 1, "Grant Revoked": 2, // DEV when due, PROD by the R4 cleanup
	}
	var got map[string]int
	waitFor(t, "one event per change on the bus", func() bool {
		got = busEvents(t, st.EventBridgeEndpoint, tenant)
		return equalCounts(got, want)
	})
	time.Sleep(time.Second) // nothing more arrives: no duplicates
	if got = busEvents(t, st.EventBridgeEndpoint, tenant); !equalCounts(got, want) {
		t.Fatalf("got events %v, want %v", got, want)
	}
}

// busEvents counts the gatepass events of tenant on the local bus by detail type,
// failing on a repeated event_id.
func busEvents(t *testing.T, endpoint, tenant string) map[string]int {
	t.Helper()
	resp, err := http.Get(endpoint + "/events?source=gatepass")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		DetailType string         `json:"detail-type"`
		Detail     map[string]any `json:"detail"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&list); err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	counts, seen := map[string]int{}, map[any]bool{}
	for _, e := range list {
		if e.Detail["tenant_id"] != tenant {
			continue
		}
		if seen[e.Detail["event_id"]] {
			t.Fatalf("event %v published twice", e.Detail["event_id"])
		}
		seen[e.Detail["event_id"]] = true
		counts[e.DetailType]++
	}
	return counts
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
