package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// op is one call of a measured path; i picks the request from a pool.
type op func(ctx context.Context, i int) error

// stats are the latencies and throughput of one side at one concurrency.
type stats struct {
	lat      []time.Duration
	ops      int
	elapsed  time.Duration
	errs     int
	firstErr error
}

func (s *stats) add(o stats) {
	s.lat = append(s.lat, o.lat...)
	s.ops += o.ops
	s.elapsed += o.elapsed
	s.errs += o.errs
	if s.firstErr == nil {
		s.firstErr = o.firstErr
	}
}

func (s stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	l := slices.Clone(s.lat)
	slices.Sort(l)
	i := int(p*float64(len(l))+0.5) - 1
	return l[max(0, min(i, len(l)-1))]
}

func (s stats) p50() time.Duration { return s.pct(0.50) }
func (s stats) p99() time.Duration { return s.pct(0.99) }

func (s stats) opsPerSec() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.ops) / s.elapsed.Seconds()
}

// drive runs f from conc goroutines for d and records every call's latency.
func drive(ctx context.Context, conc int, d time.Duration, next *atomic.Int64, f op) stats {
	var mu sync.Mutex
	var out stats
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			var errs int
			var first error
			for time.Now().Before(deadline) {
				i := int(next.Add(1))
				t := time.Now()
				err := f(ctx, i)
				lat = append(lat, time.Since(t))
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
				}
			}
			mu.Lock()
			out.lat = append(out.lat, lat...)
			out.errs += errs
			if out.firstErr == nil {
				out.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	out.elapsed = time.Since(start)
	out.ops = len(out.lat)
	return out
}

// timing is how long each side runs per round and how many rounds.
type timing struct {
	warmup, round time.Duration
	rounds        int
}

// compare measures a baseline and a subject at one concurrency, warming both up and
// then interleaving rounds (A B, B A, ...) so that drift on a shared machine falls on
// both sides alike.
func compare(ctx context.Context, conc int, tm timing, base, subj op) (b, s stats, err error) {
	var nb, ns atomic.Int64
	drive(ctx, conc, tm.warmup, &nb, base)
	drive(ctx, conc, tm.warmup, &ns, subj)
	for r := range tm.rounds {
		if r%2 == 0 {
			b.add(drive(ctx, conc, tm.round, &nb, base))
			s.add(drive(ctx, conc, tm.round, &ns, subj))
		} else {
			s.add(drive(ctx, conc, tm.round, &ns, subj))
			b.add(drive(ctx, conc, tm.round, &nb, base))
		}
	}
	if b.firstErr != nil {
		return b, s, fmt.Errorf("baseline: %d errors, first: %w", b.errs, b.firstErr)
	}
	if s.firstErr != nil {
		return b, s, fmt.Errorf("measured path: %d errors, first: %w", s.errs, s.firstErr)
	}
	return b, s, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
