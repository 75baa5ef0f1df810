package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/legacy"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/client"
	"gatepass/shared/localjwt"
)

// devSecret signs the tokens of the end-to-end tests (LOCAL_JWT_SECRET of their server).
const devSecret = "e2e"

// devServer starts the development server on free ports over make test's DynamoDB Local,
// with every schedule firing every 300 ms, and stops it when the test ends.
func devServer(t *testing.T) stack {
	t.Helper()
	endpoint := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") // reuse make test's emulator
	if endpoint == "" && !ddblocal.Required() {
		t.Skip("set AWS_ENDPOINT_URL_DYNAMODB (make test does) to run the end-to-end tests")
	}
	// The functions' template Timeout is not what these tests are about: a minute keeps
	// a slow DynamoDB Local on a busy machine from turning answers into 503s.
	st, _ := startServer(t, config{Secret: devSecret, CacheDir: t.TempDir(), DynamoDB: endpoint, ScheduleAt: 300 * time.Millisecond, FunctionTimeout: time.Minute})
	return st
}

// startServer runs the development server with cfg (the repository's template, every
// function mounted, logs discarded) and waits until it is ready. stop ends it, at most
// once; it also runs when the test ends.
func startServer(t *testing.T, cfg config) (st stack, stop func()) {
	t.Helper()
	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan stack, 1)
	cfg.Template = filepath.Join(root, "template.yaml")
	cfg.Mounts = mounts
	cfg.Logger, cfg.Out = slog.New(slog.NewJSONHandler(io.Discard, nil)), io.Discard
	cfg.Ready = func(s stack) { ready <- s }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg) }()
	stop = sync.OnceFunc(func() {
		cancel()
		<-done
	})
	t.Cleanup(stop)
	select {
	case st = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("not ready after 90s")
	}
	return st, stop
}

// callLog is an HTTP client that records the requests it sends, to tell which operations
// a test exercised.
type callLog struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (l *callLog) Do(req *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, req)
	l.mu.Unlock()
	return httpClient.Do(req)
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// as is the generated client of the development server calling with a token of claims,
// as a user's code would.
func as(t *testing.T, st stack, log *callLog, claims map[string]any) *client.ClientWithResponses {
	t.Helper()
	tok, err := localjwt.Mint(devSecret, claims, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var doer client.HttpRequestDoer = httpClient
	if log != nil {
		doer = log
	}
	c, err := client.NewClientWithResponses(st.APIEndpoint,
		client.WithHTTPClient(retrying{doer}),
		client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// retrying is how a well-behaved caller treats 503 ServiceUnavailable, the contract's
// "retry later": it sends the request again after a pause, for up to a minute, a
// change under the same Idempotency-Key (one of its own when the caller set none), so
// that a change that did land is replayed, not made twice. On a busy machine DynamoDB
// Local stalls past the server's 5-second call budget now and then, which is not what
// these tests are about (the fault suite asserts the 503s themselves, with its own client).
type retrying struct{ next client.HttpRequestDoer }

func (r retrying) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if req.Method != http.MethodGet && req.Header.Get("Idempotency-Key") == "" {
		req.Header.Set("Idempotency-Key", rand.Text())
	}
	giveUp := time.Now().Add(time.Minute)
	for {
		if body != nil {
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		res, err := r.next.Do(req)
		if err != nil || res.StatusCode != http.StatusServiceUnavailable || time.Now().After(giveUp) {
			return res, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		time.Sleep(500 * time.Millisecond)
	}
}

// expect fails the test unless the call succeeded with status want; it returns the
// parsed response.
func expect[R interface{ StatusCode() int }](t *testing.T, what string, res R, err error, want int) R {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := res.StatusCode(); got != want {
		body := reflect.ValueOf(res).Elem().FieldByName("Body").Bytes()
		t.Fatalf("%s: got %d %s, want %d", what, got, body, want)
	}
	return res
}

func ptr[T any](v T) *T { return &v }

// deref is *p, or T's zero value when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// operationsOf names the operations of infra/openapi.yaml that the logged requests hit.
func operationsOf(t *testing.T, endpoint string, log *callLog) (called, all []string) {
	t.Helper()
	root, err := ddblocal.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(root, "infra", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = openapi3.Servers{{URL: endpoint}}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			all = append(all, op.OperationID)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, req := range log.reqs {
		route, _, err := router.FindRoute(req)
		if err != nil {
			t.Fatalf("%s %s: %v", req.Method, req.URL, err)
		}
		if !slices.Contains(called, route.Operation.OperationID) {
			called = append(called, route.Operation.OperationID)
		}
	}
	slices.Sort(called)
	slices.Sort(all)
	return called, all
}
