package api_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// race sends n calls at once and returns the answers.
func race(t *testing.T, e *env, n int, call func(i int) *resp) []*resp {
	t.Helper()
	out := make([]*resp, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = call(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestHTTP_Concurrency_RenewAndCancelNoLostUpdate has 20 goroutines renew and cancel one
// grant through the handlers at once: every 2xx wrote exactly one audit entry, every
// loser is a 409 (or the 400 of a renewal that no longer extends what it read), and the
// final version counts every success (no lost update).
func TestHTTP_Concurrency_RenewAndCancelNoLostUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", days(30))
	id := str(g, "grant_id")
	gp := "/v1/apis/api-orders/grants/" + id
	before := e.auditOf(t, "api-orders", id)
	out := race(t, e, 20, func(i int) *resp {
		// A client retries a lost race (Conflict.Concurrent) a few times, re-reading.
		var r *resp
		for range 8 {
			if i%2 == 0 {
				r = e.do(t, ownerA, "POST", gp+"/cancel", map[string]any{"reason": fmt.Sprint("c", i)})
			} else {
				// Distinct, growing ends: a renewal that reads after a longer one lost.
				r = e.do(t, reviewerA, "POST", gp+"/renewal", map[string]any{"validity": days(31 + i)})
			}
			if r.Code() != "Conflict.Concurrent" {
				break
			}
		}
		return r
	})
	ok, cancels := 0, 0
	for i, r := range out {
		switch {
		case r.Status == 200 || r.Status == 202:
			ok++
			if i%2 == 0 {
				cancels++
			}
		case r.Status == 409:
			if c := r.Code(); c != "Conflict.Concurrent" && c != "Conflict.CancellationPending" {
				t.Errorf("call %d: loser answered %s", i, r)
			}
		case r.Status == 400 && i%2 == 1 && r.Code() == "InvalidParameter.Validity":
		default:
			t.Errorf("call %d answered %s", i, r)
		}
	}
	if cancels != 1 {
		t.Errorf("%d cancellations succeeded, want exactly 1", cancels)
	}
	after := e.auditOf(t, "api-orders", id)
	if after-before != ok {
		t.Errorf("%d successes but %d new audit entries", ok, after-before)
	}
	r := e.do(t, ownerA, "GET", gp, nil)
	want(t, r, 200)
	if v := num(r.M(), "version"); v != int64(1+ok) {
		t.Errorf("final version %d, want %d (1 + %d successes): lost update", v, 1+ok, ok)
	}
	if str(r.M(), "status") != "CANCELLATION_PENDING" {
		t.Errorf("final grant: %s", r)
	}
	t.Logf("%d of 20 succeeded", ok)
}

// TestHTTP_Concurrency_CancelRaceOneWinner: 20 cancellations, one wins, 19 get 409.
func TestHTTP_Concurrency_CancelRaceOneWinner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	g := e.grantApp(t, "api-orders", unlimited)
	id := str(g, "grant_id")
	before := e.auditOf(t, "api-orders", id)
	out := race(t, e, 20, func(i int) *resp {
		return e.do(t, reviewerA, "POST", "/v1/apis/api-orders/grants/"+id+"/cancel", nil)
	})
	ok := 0
	for i, r := range out {
		switch {
		case r.Status == 202:
			ok++
		case r.Status == 409:
		default:
			t.Errorf("call %d answered %s", i, r)
		}
	}
	if ok != 1 {
		t.Fatalf("%d winners, want 1", ok)
	}
	if n := e.auditOf(t, "api-orders", id) - before; n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
}

// TestHTTP_Concurrency_AppSideRevokeRace: the app owner revokes at once from 20
// goroutines: one 204, the rest 409, one Grant Revoked.
func TestHTTP_Concurrency_AppSideRevokeRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	id := str(e.grantApp(t, "api-orders", unlimited), "grant_id")
	out := race(t, e, 20, func(i int) *resp {
		return e.do(t, alice, "DELETE", "/v1/apis/api-orders/grants/"+id, nil)
	})
	ok := 0
	for i, r := range out {
		switch r.Status {
		case 204:
			ok++
		case 409:
		default:
			t.Errorf("call %d answered %s", i, r)
		}
	}
	if ok != 1 || e.auditOf(t, "api-orders", id, "Grant Revoked") != 1 {
		t.Fatalf("%d winners, %d Grant Revoked", ok, e.auditOf(t, "api-orders", id, "Grant Revoked"))
	}
}

// TestHTTP_Concurrency_GrantCreateRaceR3: 20 reviewers grant the same slot at once;
// R3 lets exactly one grant into force.
func TestHTTP_Concurrency_GrantCreateRaceR3(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	out := race(t, e, 20, func(i int) *resp {
		return e.do(t, ownerA, "POST", "/v1/apis/api-orders/grants", grantBody("APP", "app-b1", "t1", both, days(1+i)))
	})
	ok := 0
	for i, r := range out {
		switch {
		case r.Status == 201:
			ok++
		case r.Status == 409 && (r.Code() == "Conflict.GrantExists" || r.Code() == "Conflict.Concurrent"):
		default:
			t.Errorf("call %d answered %s", i, r)
		}
	}
	r := e.do(t, ownerA, "GET", "/v1/apis/api-orders/grants", nil)
	want(t, r, 200)
	if ok != 1 || len(items(t, r)) != 2 {
		t.Fatalf("%d winners, %d grants (want 1 winner, 2 grants): %s", ok, len(items(t, r)), r)
	}
}

// TestHTTP_Concurrency_RenewTwinsWithOneKey: the same keyed renewal from 10 goroutines
// renews at most once; every twin that succeeds gets the same answer, the others a 409
// (Conflict.RequestInProgress, or Conflict.Concurrent when every transaction of the
// race was cancelled); a retry afterwards replays the one renewal or makes it.
func TestHTTP_Concurrency_RenewTwinsWithOneKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seed(t)
	id := str(e.grantApp(t, "api-orders", days(30)), "grant_id")
	call := func() *resp {
		return e.do(t, reviewerA, "POST", "/v1/apis/api-orders/grants/"+id+"/renewal", map[string]any{"validity": days(60)}, idem("renew-once"))
	}
	out := race(t, e, 10, func(int) *resp { return call() })
	var first *resp
	for i, r := range out {
		switch {
		case r.Status == 200 && first == nil:
			first = r
		case r.Status == 200:
			if !bytes.Equal(r.Body, first.Body) {
				t.Errorf("twin %d answered %s, another %s", i, r, first)
			}
		case r.Status == 409 && (r.Code() == "Conflict.RequestInProgress" || r.Code() == "Conflict.Concurrent"):
		default:
			t.Errorf("twin %d answered %s", i, r)
		}
	}
	r := call()
	want(t, r, 200)
	if first != nil && !bytes.Equal(r.Body, first.Body) {
		t.Errorf("retry answered %s, the race %s", r, first)
	}
	if n := e.auditOf(t, "api-orders", id, "Grant Renewed"); n != 1 {
		t.Fatalf("%d renewals, want 1", n)
	}
}
