package access

import (
	"testing"
	"time"
)

// A container's cache answers strictly within the bound, and turns its generations over
// so that what it holds stays bounded.
func TestConsistency_MemoFreshStrictlyWithinTheBound(t *testing.T) {
	const bound = time.Second
	t0 := time.Date(2030, 1, 15, 10, 0, 0, 0, time.UTC)
	var m memo[string, int]
	m.put("a", fact[int]{1, t0}, bound)
	for _, tc := range []struct {
		at   time.Duration
		want bool
	}{
		{0, true}, {bound - time.Nanosecond, true}, {bound, false}, {bound + time.Nanosecond, false},
	} {
		if _, ok := m.get("a", t0.Add(tc.at), bound); ok != tc.want {
			t.Errorf("at t0+%s: fresh %v, want %v", tc.at, ok, tc.want)
		}
	}
	// Strict mode (bound 0) never answers from the cache.
	if _, ok := m.get("a", t0, 0); ok {
		t.Error("bound 0 answered from the cache")
	}
	// A put a bound later starts a new generation; one more drops "a" entirely.
	m.put("b", fact[int]{2, t0.Add(bound)}, bound)
	m.put("c", fact[int]{3, t0.Add(2 * bound)}, bound)
	if _, ok := m.old["a"]; ok {
		t.Error("an entry two generations old is still held")
	}
	// An older read never replaces a newer one.
	m.put("c", fact[int]{9, t0.Add(2*bound - time.Millisecond)}, bound)
	if f, _ := m.get("c", t0.Add(2*bound), bound); f.v != 3 {
		t.Errorf("got %d, want the newer read 3", f.v)
	}
}

func TestConsistency_MemoBoundedByEntries(t *testing.T) {
	t0 := time.Date(2030, 1, 15, 10, 0, 0, 0, time.UTC)
	var m memo[int, int]
	for i := range 3 * maxMemo {
		m.put(i, fact[int]{i, t0}, time.Hour)
	}
	if n := len(m.cur) + len(m.old); n > 2*maxMemo {
		t.Fatalf("holds %d entries, want at most %d", n, 2*maxMemo)
	}
}
