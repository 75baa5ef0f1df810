package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/emulators/eventbus"
	"gatepass/infra/emulators/gateway"
	"gatepass/infra/emulators/streams"
	"gatepass/shared/localjwt"
)

// calls records what the stub functions received.
type calls struct {
	mu       sync.Mutex
	http     []events.APIGatewayV2HTTPRequest
	stream   []events.DynamoDBEventRecord
	events   map[string][]events.EventBridgeEvent // by function
	envNotes map[string]string
}

func (c *calls) event(name string) eventbus.Handler {
	return func(_ context.Context, ev events.EventBridgeEvent) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.events[name] = append(c.events[name], ev)
		return nil
	}
}

func (c *calls) count(f func() int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return f()
}

func stubMounts(c *calls) map[string]Mount {
	return map[string]Mount{
		"catalog": {HTTP: func(_ context.Context, getenv Getenv) (gateway.HTTPHandler, error) {
			c.envNotes["CANCEL_NOTICE"] = getenv("CANCEL_NOTICE")
			c.envNotes["TABLE_NAME"] = getenv("TABLE_NAME")
			return func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				c.mu.Lock()
				c.http = append(c.http, ev)
				c.mu.Unlock()
				b, _ := json.Marshal(ev.RequestContext.Authorizer.JWT.Claims)
				return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}, nil
			}, nil
		}},
		"publish": {Stream: func(context.Context, Getenv) (streams.Handler, error) {
			return func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
				c.mu.Lock()
				c.stream = append(c.stream, ev.Records...)
				c.mu.Unlock()
				return events.DynamoDBEventResponse{}, nil
			}, nil
		}},
		"catalogevents": {Event: func(context.Context, Getenv) (eventbus.Handler, error) { return c.event("catalogevents"), nil }},
		"cancellations": {Event: func(context.Context, Getenv) (eventbus.Handler, error) { return c.event("cancellations"), nil }},
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestRunWholeStack(t *testing.T) {
	// run starts and stops its own DynamoDB Local here (config.DynamoDB is empty).
	if _, err := exec.LookPath("java"); err != nil {
		if ddblocal.Required() {
			t.Fatalf("java is required (CI or GATEPASS_REQUIRE_DDB is set): %v", err)
		}
		t.Skipf("DynamoDB Local needs java: %v", err)
	}

	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cache := shareInstall(t) // its own data, make test's install
	t.Setenv("CANCEL_NOTICE", "3s")
	c := &calls{events: map[string][]events.EventBridgeEvent{}, envNotes: map[string]string{}}
	ready := make(chan stack, 1)
	var banner strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{
			Template: filepath.Join(root, "template.yaml"), Secret: "s3cret", CacheDir: cache,
			Mounts: stubMounts(c), ScheduleAt: 200 * time.Millisecond,
			Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Out: &banner,
			Ready: func(s stack) { ready <- s },
		})
	}()
	var info stack
	select {
	case info = <-ready:
	case err := <-done:
		t.Fatalf("run returned before ready: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("not ready after 90s")
	}

	// stack.json describes the running stack.
	var onDisk stack
	b, err := os.ReadFile(filepath.Join(cache, "run", "stack.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &onDisk); err != nil || onDisk != info || info.TableName != "gatepass" || info.BusName != "gatepass" {
		t.Fatalf("got stack.json %s, want %+v", b, info)
	}
	if !strings.Contains(banner.String(), "export TOKEN=") || !strings.Contains(banner.String(), "curl") {
		t.Fatalf("banner lacks the token or the curl example:\n%s", banner.String())
	}

	// A mounted route, with a minted token; the environment reached the constructor.
	tok, err := localjwt.Mint("s3cret", devClaims(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	status, body := get(t, info.APIEndpoint+"/v1/apis/a1", tok)
	if status != 200 || !strings.Contains(body, `"roles":"[tenant_admin checker]"`) || !strings.Contains(body, `"tenant_id":"t-dev"`) {
		t.Fatalf("got %d %s", status, body)
	}
	if c.envNotes["CANCEL_NOTICE"] != "3s" || c.envNotes["TABLE_NAME"] != "gatepass" {
		t.Fatalf("got env %v, want CANCEL_NOTICE=3s from the environment and TABLE_NAME=gatepass", c.envNotes)
	}
	// An unmounted function's route answers 501; a bad token 401; no route 404.
	if status, body := get(t, info.APIEndpoint+"/v1/requests", tok); status != 501 || !strings.Contains(body, `"error_code":"NotImplemented"`) {
		t.Fatalf("unmounted: got %d %s", status, body)
	}
	if status, _ := get(t, info.APIEndpoint+"/v1/apis/a1", tok+"x"); status != 401 {
		t.Fatalf("bad token: got %d", status)
	}
	if status, _ := get(t, info.APIEndpoint+"/nope", tok); status != 404 {
		t.Fatalf("no route: got %d", status)
	}

	// An event put with the SDK is listed and reaches the rule's target.
	eb := eventbridge.New(eventbridge.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(info.EventBridgeEndpoint),
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", ""),
	})
	out, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("dataservice.catalog"), DetailType: aws.String("API Deleted"),
		Detail: aws.String(`{"api_id":"a1","tenant_id":"t-dev"}`), EventBusName: aws.String("gatepass"),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("put events: %v %+v", err, out)
	}
	status, body = get(t, info.EventBridgeEndpoint+"/events?source=dataservice.catalog", "")
	if status != 200 || !strings.Contains(body, aws.ToString(out.Entries[0].EventId)) {
		t.Fatalf("GET /events: got %d %s", status, body)
	}
	eventually(t, "the catalog event at its rule target", func() bool {
		return c.count(func() int { return len(c.events["catalogevents"]) }) == 1
	})

	// The schedule fires (at the overridden rate) as EventBridge Scheduler would.
	eventually(t, "a scheduled run", func() bool {
		return c.count(func() int { return len(c.events["cancellations"]) }) > 0
	})
	c.mu.Lock()
	sched := c.events["cancellations"][0]
	c.mu.Unlock()
	if sched.Source != "aws.scheduler" || sched.DetailType != "Scheduled Event" {
		t.Fatalf("got scheduled event %+v", sched)
	}

	// An audit item written to the table reaches publish through the stream filter.
	db := ddblocal.Client(ctx, info.DynamoDBEndpoint)
	for _, typ := range []string{"GRANT", "AUDIT"} {
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("gatepass"), Item: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "AUDIT#API#a1"}, "SK": &ddbtypes.AttributeValueMemberS{Value: typ},
			"type": &ddbtypes.AttributeValueMemberS{Value: typ},
		}})
		if err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "the audit record at publish", func() bool { return c.count(func() int { return len(c.stream) }) >= 1 })
	time.Sleep(200 * time.Millisecond)
	c.mu.Lock()
	if len(c.stream) != 1 || c.stream[0].Change.NewImage["type"].String() != "AUDIT" {
		t.Errorf("got %d stream records, want only the AUDIT one", len(c.stream))
	}
	c.mu.Unlock()

	// Cancel: everything stops, DynamoDB Local included, and stack.json goes.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	for _, ep := range []string{info.DynamoDBEndpoint, info.APIEndpoint, info.EventBridgeEndpoint} {
		if conn, err := net.DialTimeout("tcp", strings.TrimPrefix(ep, "http://"), time.Second); err == nil {
			conn.Close()
			t.Errorf("%s still accepts connections after stop", ep)
		}
	}
	if _, err := os.Stat(filepath.Join(cache, "run", "stack.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stack.json still there after stop: %v", err)
	}
	if os.Getenv("AWS_ENDPOINT_URL_EVENTBRIDGE") == info.EventBridgeEndpoint {
		t.Error("process environment not restored")
	}
}

func TestRunFailsOnBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	root, _ := ddblocal.RepoRoot()
	err = run(context.Background(), config{
		Template: filepath.Join(root, "template.yaml"), HTTPPort: ln.Addr().(*net.TCPAddr).Port,
		Secret: "s", Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("got %v, want a listen error", err)
	}
}

func TestConfigure(t *testing.T) {
	env := map[string]string{"GATEPASS_PORT": "4000", "LOCAL_SCHEDULE_RATE": "2s", "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:8000"}
	cfg, err := configure([]string{"-bus-port", "4001"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPPort != 4000 || cfg.BusPort != 4001 || cfg.ScheduleAt != 2*time.Second || cfg.Secret != DefaultSecret || cfg.DynamoDB != env["AWS_ENDPOINT_URL_DYNAMODB"] {
		t.Fatalf("got %+v", cfg)
	}
	for _, bad := range []map[string]string{{"GATEPASS_PORT": "x"}, {"LOCAL_SCHEDULE_RATE": "soon"}} {
		if _, err := configure(nil, func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v: got nil error", bad)
		}
	}
}

func get(t *testing.T, url, tok string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, fmt.Sprint(string(b))
}
