// Command capacity is `make capacity`: a capacity model of gatepass at internet scale.
// It drives the real check and authorizer code (access.Service, one per simulated
// Lambda container, with its per-container caches) and the real grant operations
// through a simulated minute of issue 14's workload, on a simulated clock, over a MODEL
// of the DynamoDB table (not DynamoDB) that meters reads per item and writes per
// partition, base table and every index, per simulated second. It prints, per mode, the
// hottest item and partition against DynamoDB's per-partition limits, the units per
// check, the cost per million checks and the worst revocation delay, then one line of
// key=value pairs. The method and what the model leaves out: docs/capacity.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// DynamoDB's limits per partition (so per item at best) and on-demand prices, US East
// (N. Virginia), standard table class, as published since the reduction of November
// 2024 (docs/capacity.md cites the pages).
const (
	readLimit          = 3000.0 // read units per second
	writeLimit         = 1000.0 // write units per second
	pricePerMillionRRU = 0.125  // USD
	pricePerMillionWRU = 0.625  // USD
	// Lambda on arm64, US East, first tier: what a writer waiting out CHECK_COMMIT_WAIT
	// costs, at the writers' MemorySize (template.yaml Globals: 256 MB).
	pricePerGBSecondArm = 0.0000133334 // USD
	writerMemoryGB      = 0.25
)

func main() {
	cfg := defaultConfig()
	flag.IntVar(&cfg.Sample, "sample", cfg.Sample, "run the real code in one container of every N (reads are weighted by N)")
	flag.IntVar(&cfg.Seconds, "seconds", cfg.Seconds, "simulated seconds counted")
	flag.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "simulated seconds before them (caches fill, nothing counted)")
	flag.Float64Var(&cfg.Rate, "rate", cfg.Rate, "checks per second (Zipf × Zipf)")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed")
	flag.DurationVar(&cfg.Staleness, "staleness", cfg.Staleness, "the bounded mode's CHECK_MAX_STALENESS")
	flag.DurationVar(&cfg.CommitWait, "wait", cfg.CommitWait, "the strict-wait mode's CHECK_COMMIT_WAIT")
	modes := flag.String("modes", modeStrict+","+modeStrictWait+","+modeBounded+","+modeSigned, "the modes to run, comma-separated")
	profile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "capacity:", err)
			os.Exit(1)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "capacity:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	names := strings.Split(*modes, ",")
	for _, mode := range names {
		if mode != modeStrict && mode != modeStrictWait && mode != modeBounded && mode != modeSigned {
			fmt.Fprintf(os.Stderr, "capacity: mode %q: want %s, %s, %s or %s\n", mode, modeStrict, modeStrictWait, modeBounded, modeSigned)
			os.Exit(2)
		}
	}
	// Each mode's table model is a large, long-lived heap: collect less often, within
	// 2 GB a mode. The modes share nothing, so they run side by side.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(int64(len(names)) * 2 << 30)
	start := time.Now()
	sims := make([]*sim, len(names))
	var g errgroup.Group
	for i, mode := range names {
		g.Go(func() error {
			t := time.Now()
			s, err := newSim(cfg, mode)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "capacity: %s: table seeded in %v\n", mode, time.Since(t).Round(time.Millisecond))
			sims[i] = s
			err = s.run(context.Background())
			fmt.Fprintf(os.Stderr, "capacity: %s: done in %v\n", mode, time.Since(t).Round(time.Second))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
	var kv []string
	readsPerCheck := map[string]float64{}
	for _, s := range sims {
		kv = append(kv, s.report()...)
		readsPerCheck[s.mode] = s.m.readUnits / s.m.checks
	}
	for _, mode := range []string{modeStrictWait, modeBounded} {
		if st, b := readsPerCheck[modeStrict], readsPerCheck[mode]; st > 0 && b > 0 {
			fmt.Printf("\nthe %s mode's caches save %.1f%% of the strict mode's read units\n", mode, 100*(1-b/st))
			kv = append(kv, fmt.Sprintf("%s_cache_read_saving_pct=%.1f", strings.ReplaceAll(mode, "-", "_"), 100*(1-b/st)))
		}
	}
	kv = append(kv, fmt.Sprintf("runtime_s=%.0f", time.Since(start).Seconds()))
	fmt.Println(strings.Join(kv, " "))
}

// report prints one mode's results and returns its key=value pairs.
func (s *sim) report() []string {
	m, c := s.m, s.cfg
	secs := float64(m.seconds)
	checksPerSec := m.checks / secs
	cache, wait := c.settings(s.mode)
	name := s.mode
	switch s.mode {
	case modeBounded:
		name += fmt.Sprintf(" (CHECK_MAX_STALENESS=%s)", cache)
	case modeStrictWait:
		name += fmt.Sprintf(" (CHECK_COMMIT_WAIT=%s)", wait)
	case modeSigned:
		name += " (strict; half the authorizer's calls signed with an AppKey, half with the AppCode)"
	}
	fmt.Printf("\nmode %s: %d simulated s, %.0f checks/s (%.0f%% through the authorizer), %d containers (real code in %d: 1 in %d)\n",
		name, m.seconds, checksPerSec, 100*m.authorized/m.checks, len(s.fleet)*c.Sample, len(s.fleet), c.Sample)
	fmt.Printf("  control plane: %d grant changes, %d burst grants, %d revocations; refused: %v\n",
		s.changesDone, s.burstDone, s.revokesDone, s.failures)
	hr := m.hottestRead()
	fmt.Printf("  hottest item, reads:      %8.0f units/s  (limit %.0f: %s)  %s at t=%ds\n", hr.units, readLimit, verdict(hr.units, readLimit), hr.what, hr.sec)
	for _, k := range slices.Sorted(maps.Keys(m.hotRead)) {
		h := m.hotRead[k]
		fmt.Printf("    %-9s %8.0f units/s  %s\n", k, h.units, h.what)
	}
	hl := m.hotLimit
	fmt.Printf("  hottest partition, writes: %7.0f units/s  (limit %.0f: %s)  %s at t=%ds\n", hl.units, writeLimit, verdict(hl.units, writeLimit), hl.what, hl.sec)
	fmt.Printf("    (a base-table partition whose items are updated in place counts as its hottest item: DynamoDB splits it by sort key)\n")
	fmt.Printf("    per partition key, before any split (the most per index):\n")
	for _, k := range slices.Sorted(maps.Keys(m.hotWrite)) {
		h := m.hotWrite[k]
		fmt.Printf("    %-9s %8.0f units/s  %s at t=%ds\n", k, h.units, h.what, h.sec)
	}
	fmt.Printf("    base-table item with the most writes: %.0f units/s  %s\n", m.hotItem.units, m.hotItem.what)
	fmt.Printf("    the worst second's hottest partitions:")
	for _, h := range m.topWrites {
		fmt.Printf(" %s=%.0f;", h.what, h.units)
	}
	fmt.Println()
	rps, wps := m.readUnits/secs, m.writeUnits/secs
	rpc, wpc := m.readUnits/m.checks, m.writeUnits/m.checks
	cost := (rpc*pricePerMillionRRU + wpc*pricePerMillionWRU)
	fmt.Printf("  read units:  %10.0f /s, %.3f per check; %.2f BatchGetItems per check (a container's first call for an app or AppCode reads twice: its hints are not there yet)\n", rps, rpc, m.batches/m.checks)
	fmt.Printf("  write units: %10.0f /s, %.3f per check\n", wps, wpc)
	fmt.Printf("  cost per million checks: $%.3f (reads $%.3f, writes $%.3f) at $%.3f/M read units, $%.3f/M write units\n",
		cost, rpc*pricePerMillionRRU, wpc*pricePerMillionWRU, pricePerMillionRRU, pricePerMillionWRU)
	var kv []string
	fmt.Printf("  per call (weighted; $ in request units on demand):\n")
	for _, k := range []string{callCheck, callAppCode, callSigned} {
		u := m.calls[k]
		if u == nil || u.calls == 0 {
			continue
		}
		r, w := u.reads/u.calls, u.writes/u.calls
		usd := r*pricePerMillionRRU + w*pricePerMillionWRU
		fmt.Printf("    %-22s %6.3f read units, %5.3f write units (%.2f nonce writes), $%.3f per million calls  (%.1f%% of calls)\n",
			k, r, w, u.nonces/u.calls, usd, 100*u.calls/m.checks)
		key := map[string]string{callCheck: "check", callAppCode: "appcode", callSigned: "signed"}[k]
		kv = append(kv, fmt.Sprintf("%s_read_units_per_call=%.3f", key, r), fmt.Sprintf("%s_write_units_per_call=%.3f", key, w),
			fmt.Sprintf("%s_usd_per_million_calls=%.3f", key, usd))
		if k == callSigned {
			kv = append(kv, fmt.Sprintf("signed_nonce_writes_per_call=%.2f", u.nonces/u.calls))
		}
	}
	if u := m.calls[callSigned]; u != nil && u.calls > 0 {
		hn := m.hotNonce
		fmt.Printf("  nonce writes: %.0f /s in all, %.0f write units/s; hottest nonce partition %.0f units/s (limit %.0f: %s) %s at t=%ds: each nonce is a partition key of its own, so the writes spread over the table's partitions by hash\n",
			u.nonces/secs, u.writes/secs, hn.units, writeLimit, verdict(hn.units, writeLimit), hn.what, hn.sec)
		kv = append(kv, fmt.Sprintf("nonce_writes_per_s=%.0f", u.nonces/secs), fmt.Sprintf("hot_nonce_partition_writes_per_s=%.0f", hn.units))
	}
	bound := cache - wait // how long after its answer a change may go unseen
	waitCost := 0.0
	if wait > 0 {
		waiting := float64(s.changesDone+s.burstDone+s.revokesDone) / float64(m.seconds+c.Warmup) * wait.Seconds()
		waitCost = waiting * writerMemoryGB * pricePerGBSecondArm / checksPerSec * 1e6
		fmt.Printf("  commit wait: every change answers %v after it commits: ~%.0f writer invocations waiting at once (changes/s × wait), $%.3f per million checks of Lambda time (%.0f MB at $%.10f/GB-s)\n",
			wait, waiting, waitCost, writerMemoryGB*1024, pricePerGBSecondArm)
	}
	fmt.Printf("  worst revocation delay: %v, bound %v: %s (%d checks allowed a grant at or after its revocation's answer; hot pair revoked at t=%s)\n",
		s.worstDelay, bound, delayVerdict(s.worstDelay, bound), s.lateAllows, s.hotRevokedAt.Sub(t0))
	fmt.Printf("  as_of: answers were at most %v old (%.1f%% of calls answered without a read)\n", s.oldest, 100*m.cached/m.checks)
	p := strings.ReplaceAll(s.mode, "-", "_") + "_"
	for i := range kv {
		kv[i] = p + kv[i]
	}
	return append(kv, []string{
		p + "checks_per_s=" + fmt.Sprintf("%.0f", checksPerSec),
		p + "hot_item_reads_per_s=" + fmt.Sprintf("%.0f", hr.units),
		p + "hot_partition_writes_per_s=" + fmt.Sprintf("%.0f", hl.units),
		p + "read_units_per_check=" + fmt.Sprintf("%.3f", rpc),
		p + "batches_per_check=" + fmt.Sprintf("%.2f", m.batches/m.checks),
		p + "write_units_per_check=" + fmt.Sprintf("%.3f", wpc),
		p + "usd_per_million_checks=" + fmt.Sprintf("%.3f", cost),
		p + "wait_usd_per_million_checks=" + fmt.Sprintf("%.3f", waitCost),
		p + "worst_revocation_delay_ms=" + fmt.Sprintf("%d", s.worstDelay.Milliseconds()),
		p + "goal_reads=" + verdict(hr.units, readLimit),
		p + "goal_writes=" + verdict(hl.units, writeLimit),
		p + "goal_delay=" + delayVerdict(s.worstDelay, bound),
	}...)
}

// delayVerdict: strict must show no late allow at all; bounded, none at or past the bound.
func delayVerdict(worst, bound time.Duration) string {
	if worst == 0 || worst < bound {
		return "met"
	}
	return "missed"
}

func verdict(v, limit float64) string {
	if v <= limit {
		return "met"
	}
	return fmt.Sprintf("missed(%.1fx)", v/limit)
}
