package deadline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/testkit/faultproxy"
)

var stack *ddblocal.TestStack

func TestMain(m *testing.M) {
	var err error
	stack, err = ddblocal.ForTests(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	stack.Close()
	os.Exit(code)
}

func TestFor(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	b := Budget{Margin: 500 * time.Millisecond, MaxCall: 5 * time.Second}
	inv := func(d time.Duration) context.Context {
		ctx, cancel := context.WithDeadline(context.Background(), now.Add(d))
		t.Cleanup(cancel)
		return ctx
	}
	tests := []struct {
		name string
		ctx  context.Context
		want time.Duration
	}{
		{"no invocation deadline: MaxCall", context.Background(), 5 * time.Second},
		{"the invocation ends first: its deadline minus the margin", inv(2 * time.Second), 1500 * time.Millisecond},
		{"the invocation leaves more than MaxCall", inv(30 * time.Second), 5 * time.Second},
		{"the margin is already used up: the call is due now or past", inv(200 * time.Millisecond), -300 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.For(tc.ctx, now).Sub(now); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// client is a DynamoDB client through the proxy with the budget applied as settings do.
func client(t *testing.T, b Budget) (*dynamodb.Client, *faultproxy.Proxy) {
	t.Helper()
	if stack.Skip != "" {
		t.Skip(stack.Skip)
	}
	p, err := faultproxy.Start(strings.TrimPrefix(stack.Endpoint, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	cfg := aws.Config{Region: ddblocal.Region, Credentials: ddblocal.Credentials(), BaseEndpoint: aws.String(p.URL())}
	b.Apply(&cfg)
	return dynamodb.NewFromConfig(cfg), p
}

// TestDeadline_AHungTableFailsTheCallBeforeTheInvocationEnds: with the table paused, a
// call under an invocation deadline returns DeadlineExceeded a margin before it.
func TestDeadline_AHungTableFailsTheCallBeforeTheInvocationEnds(t *testing.T) {
	db, proxy := client(t, Budget{Margin: 300 * time.Millisecond, MaxCall: 10 * time.Second})
	if _, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
		t.Fatal(err)
	}
	proxy.Pause()
	defer proxy.Restore() //nolint:errcheck
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	_, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	// A timer never fires early: the call cannot end before 700ms. How late it may end
	// is the margin's to say (a busy machine delays it), checked below: the
	// invocation's own context must still be live.
	if took < 650*time.Millisecond { // the context was made a moment before start
		t.Fatalf("failed after %s, want no sooner than 700ms (1s minus the 300ms margin)", took)
	}
	if ctx.Err() != nil {
		t.Fatal("the invocation's own context expired: no time was left to answer")
	}
}

// TestDeadline_RetriesStayInsideMaxCall: a refused connection is retried, but all the
// attempts end within MaxCall even without an invocation deadline.
func TestDeadline_RetriesStayInsideMaxCall(t *testing.T) {
	b := Budget{MaxCall: 400 * time.Millisecond, MaxAttempts: 50, MaxBackoff: 100 * time.Millisecond}
	db, proxy := client(t, b)
	proxy.Refuse()
	start := time.Now()
	_, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err == nil {
		t.Fatal("got no error from a refused table")
	}
	// Without the bound the 50 attempts and their backoff would take seconds; 5×MaxCall
	// tells the two apart and leaves a busy machine its scheduling delays.
	if took, limit := time.Since(start), 5*b.MaxCall; took > limit {
		t.Fatalf("failed after %s, want within %s (the %s MaxCall and a margin)", took, limit, b.MaxCall)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	// The client works again once the table answers. One call of 400 ms may not reach
	// DynamoDB Local on a loaded machine, so a few are allowed: the point is that no
	// state of the refused calls outlives them.
	for attempt := 1; ; attempt++ {
		_, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{})
		if err == nil {
			return
		}
		if attempt == 20 {
			t.Fatalf("after restore, %d calls failed; the last: %v", attempt, err)
		}
	}
}
