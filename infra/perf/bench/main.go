// Command bench is `make bench`: it starts DynamoDB Local (or reuses the endpoint in
// AWS_ENDPOINT_URL_DYNAMODB), loads a realistic data set into a fresh table and measures
// the hot and the scheduled paths, each as a ratio against a baseline measured in the
// same run:
//
//  1. the check handler against a bare BatchGetItem of the same four keys, at 1, 8 and
//     32 concurrent callers; in the bounded mode, against the strict check;
//  2. POST /v1/check through the development server's gateway over HTTP against the
//     handler alone;
//  3. the Lambda authorizer against the check, both through Checker.Invoke, in each
//     mode; and a bare BatchGetItem of the authorizer's six keys against the check's four;
//     a signed authorization (X-Ca-* headers, a fresh nonce each) against an AppCode
//     one of the same calls, strict: read and write units per call, p50/p99 at 1 and 8;
//  4. the reminders and cancellations sweeps: items read against items due, at 1,000
//     grants and at the full size;
//  5. a list page of 10 of one API's 10,000 grants: items read against the page size;
//  6. every function's cold start under the Lambda RIE, and its binary size.
//
// The check is measured in both consistency modes (access.Config.MaxStaleness): strict,
// where every call reads the table, and bounded (-staleness, default 1s), where a
// container answers again from what it read less than the bound ago. Before the
// latencies it counts what a check and an authorization read per call in each mode:
// requests, items, the read units DynamoDB reports, and the share of calls that sent
// no request.
//
// It prints a table and, last, one line of key=value pairs. -quick is a smoke run.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/sealer"
	"gatepass/shared/store"
)

// pricePerMillionRRU is DynamoDB's on-demand price of a million read request units, US
// East (N. Virginia), standard table class (docs/capacity.md cites the page).
const pricePerMillionRRU = 0.125

// pricePerMillionWRU is the same page's price of a million write request units.
const pricePerMillionWRU = 0.625

type options struct {
	quick     bool
	grants    int
	workers   int
	coldTries int
	skipCold  bool
	staleness time.Duration // the bounded mode's MaxStaleness
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "a smaller data set and shorter rounds (a smoke run)")
	flag.IntVar(&o.grants, "grants", 0, "grants to load (default 100000; 10000 with -quick)")
	flag.IntVar(&o.workers, "workers", 4, "parallel loader workers")
	flag.IntVar(&o.coldTries, "cold-tries", 3, "cold starts per function (the median is reported)")
	flag.BoolVar(&o.skipCold, "skip-cold", false, "skip building the functions and the cold starts")
	flag.DurationVar(&o.staleness, "staleness", time.Second, "the bounded mode's MaxStaleness (CHECK_MAX_STALENESS), above 0")
	flag.Parse()
	if o.staleness <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -staleness must be above 0 (the strict mode is always measured)")
		os.Exit(2)
	}
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// report collects the key=value pairs of the last line, in order.
type report struct {
	w    io.Writer
	keys []string
	vals map[string]string
}

func (r *report) kv(k string, format string, v ...any) {
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = fmt.Sprintf(format, v...)
}

func (r *report) printf(format string, v ...any) { fmt.Fprintf(r.w, format, v...) }

// bench is what the steps of a run share.
type bench struct {
	o   options
	rep *report
	sz  sizes
	tm  timing

	endpoint, table string
	db              *dynamodb.Client // plain
	counter         *readCounter     // counts what goes through the counted client and store
	d               *dataset
	plain, counted  *store.Store

	sealer          access.Sealer // seals the data set's AppSecrets and opens them on the signed path
	signer          *signer       // signs the signed calls
	strict, bounded *mode
	pool, authPool  []*checkReq
	small, big      []sweepRun
}

func run(ctx context.Context, o options, w io.Writer) error {
	wallStart := time.Now()
	b := newBench(o, w)
	stop, err := b.startTable(ctx)
	if err != nil {
		return err
	}
	defer stop()
	steps := []func(context.Context) error{
		b.load, b.checkPools, b.checkReads, b.checkLatency, b.httpLatency, b.authorizerLatency,
		b.signedAuthorization, b.sweeps, b.list, b.coldStarts,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	b.finish(time.Since(wallStart))
	return nil
}

func newBench(o options, w io.Writer) *bench {
	if o.grants == 0 {
		o.grants = 100000
		if o.quick {
			o.grants = 10000
		}
	}
	b := &bench{o: o, rep: &report{w: w, vals: map[string]string{}}, sealer: sealer.DevSealer("gatepass-bench")}
	// The rounds are sized so that the whole run, the signed authorization's two levels
	// included, takes about what it took before them (1.5s and 0.4s rounds then).
	b.sz = fullSizes(o.grants)
	b.tm = timing{warmup: time.Second, round: 1250 * time.Millisecond, rounds: 4}
	if o.quick {
		b.sz = quickSizes(o.grants)
		b.tm = timing{warmup: 300 * time.Millisecond, round: 350 * time.Millisecond, rounds: 2}
	}
	b.sz.FirstPhase = min(b.sz.FirstPhase, b.sz.Grants)
	return b
}

// startTable starts DynamoDB Local (or reuses AWS_ENDPOINT_URL_DYNAMODB), creates a
// fresh table and prints the heading; the func it returns deletes the table and stops
// what it started.
func (b *bench) startTable(ctx context.Context) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, f := range slices.Backward(stops) {
			f()
		}
	}
	b.endpoint = os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")
	ddbNote := "reused " + b.endpoint
	if b.endpoint == "" {
		srv, err := ddblocal.Start(ctx, ddblocal.Options{})
		if err != nil {
			return nil, err
		}
		stops = append(stops, func() { _ = srv.Stop() })
		b.endpoint = srv.Endpoint()
		ddbNote = "DynamoDB Local (" + ddblocal.Package + ") started on " + b.endpoint
	}
	b.db = newClient(b.endpoint, nil)
	b.counter = &readCounter{}
	b.table = "gatepass-bench-" + suffix()
	// The deployed table without its stream: nothing here reads it, and DynamoDB Local
	// looks up every stream record of its life on each write to a streamed table, so
	// the load's writes would slow the measured ones (the signed calls' nonce writes).
	in := store.TableInput(b.table)
	in.StreamSpecification = nil
	if err := store.CreateTableFrom(ctx, b.db, in); err != nil {
		stop()
		return nil, err
	}
	stops = append(stops, func() {
		dctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = b.db.DeleteTable(dctx, &dynamodb.DeleteTableInput{TableName: aws.String(b.table)})
	})
	b.plain = store.New(b.db, b.table, store.Options{})
	b.counted = store.New(newClient(b.endpoint, b.counter), b.table, store.Options{})

	rep := b.rep
	rep.printf("gatepass bench  %s  %s %s/%s  %d CPUs (%s)\n", time.Now().UTC().Format(time.RFC3339), runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel())
	rep.printf("%s, table %s\n", ddbNote, b.table)
	if l := loadAvg(); l != "" {
		rep.printf("load average at start: %s (other work on the machine shows up in every figure; ratios interleave rounds to cancel it)\n", l)
	}
	return stop, nil
}

// load writes the data set in two phases and sweeps after each (the sweeps need the
// table at 1,000 grants and at full size).
func (b *bench) load(ctx context.Context) error {
	sz := b.sz
	b.d = generate(sz, time.Now().UTC().Truncate(time.Millisecond))
	d := b.d
	ld := &loader{st: b.plain, workers: b.o.workers}
	sealed, err := d.sealKeys(ctx, b.sealer)
	if err != nil {
		return err
	}
	catalog := d.catalogWrites(sealed)
	t := time.Now()
	if err := ld.load(ctx, catalog); err != nil {
		return err
	}
	catalogTime := time.Since(t)
	t = time.Now()
	if err := ld.load(ctx, grantWrites(d.Grants[:sz.FirstPhase])); err != nil {
		return err
	}
	grantTime := time.Since(t)
	sw := &sweeper{plain: b.plain, counted: b.counted, counter: b.counter, lastRun: d.T0}
	if b.small, err = sw.run(ctx, sz.FirstPhase, sz.SweepDue); err != nil {
		return err
	}
	t = time.Now()
	if err := ld.load(ctx, grantWrites(d.Grants[sz.FirstPhase:])); err != nil {
		return err
	}
	grantTime += time.Since(t)
	if b.big, err = sw.run(ctx, sz.Grants, sz.SweepDue); err != nil {
		return err
	}
	loadTime := catalogTime + grantTime
	items := len(catalog) + 2*len(d.Grants)
	pct := func(k string) string { return fmt.Sprintf("%.0f%%", 100*float64(d.Mix[k])/float64(len(d.Grants))) }
	rep := b.rep
	rep.printf("\nDATA SET  %d tenants, %d workspaces, %d APIs (each with a path lookup), %d apps (%d with an AppCode lookup and an AppKey lookup holding its sealed AppSecret), %d grants\n",
		sz.Tenants, sz.Workspaces, sz.APIs, sz.Apps, len(d.Codes), len(d.Grants))
	rep.printf("  grants: APP %s / WORKSPACE %s; PROD %s / DEV %s; unlimited %s, limited in force %s, expired %s, cancelling (48h notice) %s, revoked %s; %d on %s\n",
		pct("APP"), pct("WORKSPACE"), pct("PROD"), pct("DEV"), pct("unlimited"), pct("limited"), pct("expired"), pct("cancelling"), pct("revoked"), sz.ListGrants, d.ListAPI)
	rep.printf("  loaded through Store.Commit (the store's item format, GrantRefs included), %d items in %d transactions of <= %d items, %d workers:\n",
		items, ld.commits.Load(), maxTxItems, b.o.workers)
	rep.printf("  load %.1fs (catalog %.1fs, grants %.1fs) = %.0f items/s\n", loadTime.Seconds(), catalogTime.Seconds(), grantTime.Seconds(), float64(items)/loadTime.Seconds())
	rep.kv("grants", "%d", len(d.Grants))
	rep.kv("load_s", "%.1f", loadTime.Seconds())
	return nil
}

// mode is one of the check's consistency modes (access.Config.MaxStaleness), with a
// check function on each store: the plain one for the latencies, the counted one for
// the reads. Each is one container's access.Service, cache and hints included.
type mode struct {
	staleness time.Duration // 0: strict
	checker   *api.Checker  // on the plain store
	counted   *api.Checker  // on the counted store
}

func (b *bench) newMode(staleness time.Duration) *mode {
	checker := func(st *store.Store) *api.Checker {
		ch := api.Check(access.NewService(st, access.Config{ReminderDays: reminderDays, MaxStaleness: staleness, Sealer: b.sealer}))
		ch.WithLogger(discardLogger())
		return ch
	}
	return &mode{staleness: staleness, checker: checker(b.plain), counted: checker(b.counted)}
}

func (m *mode) String() string {
	if m.staleness == 0 {
		return "strict"
	}
	return fmt.Sprintf("bounded %v", m.staleness)
}

// key is the report key k in this mode: the strict mode keeps the keys the bench has
// always printed, the bounded mode's carry the suffix _bounded.
func (m *mode) key(k string) string {
	if m.staleness == 0 {
		return k
	}
	return k + "_bounded"
}

// checkPools builds the checks every caller cycles through and both modes' checkers,
// and warms every checker (hints, cache, connections) with every call of the pools.
func (b *bench) checkPools(ctx context.Context) error {
	b.pool = checkPool(b.d, 1024, "", false)
	b.authPool = checkPool(b.d, 1024, access.EnvProd, true)
	b.strict, b.bounded = b.newMode(0), b.newMode(b.o.staleness)
	reasons, err := warm(ctx, b.strict.checker, b.pool, b.authPool)
	if err != nil {
		return err
	}
	for _, ch := range []*api.Checker{b.strict.counted, b.bounded.checker, b.bounded.counted} {
		if _, err := warm(ctx, ch, b.pool, b.authPool); err != nil {
			return err
		}
	}
	b.rep.printf("\nCHECK POOL  %d checks cycled by every caller: %s\n", len(b.pool), mixString(reasons["check"], len(b.pool)))
	b.rep.printf("  authorizer pool %d calls (stage prod, apps with an AppCode): %s\n", len(b.authPool), mixString(reasons["auth"], len(b.authPool)))
	return nil
}

// checkReads counts what a check and an authorization read per call, in steady state,
// on the counting client. The strict mode reads the same at any number of callers and
// is counted at one. What the bounded mode saves depends on how soon its container
// comes back to the same items, so it is counted at 1 caller (a Lambda container
// serves one call at a time) and at 8 (one container's cache shared by 8 callers).
func (b *bench) checkReads(ctx context.Context) error {
	rep := b.rep
	rep.printf("\nREADS PER CALL  counted on the client, after a warm-up of max(%v, the bound), over max(%v, twice the bound); read units as DynamoDB reports them (ReturnConsumedCapacity); no request = answered from the container's cache\n", b.tm.warmup, b.tm.round)
	rep.printf("  %-12s | %7s | %-32s | %-32s | %10s | %-17s | %s\n", "mode", "callers",
		"check: requests/items/units/none", "authorizer: requests/items/units/none", "auth/check", "$/M calls ch/auth", "units saved vs strict ch/auth")
	var strictCheck, strictAuth float64 // the strict mode's read units per call
	for _, r := range []struct {
		m       *mode
		callers int
	}{{b.strict, 1}, {b.bounded, 1}, {b.bounded, 8}} {
		ct, err := b.reads(ctx, r.m, r.callers, handlerCheck(r.m.counted, b.pool))
		if err != nil {
			return fmt.Errorf("check reads, %v at %d callers: %w", r.m, r.callers, err)
		}
		at, err := b.reads(ctx, r.m, r.callers, authorize(r.m.counted, b.authPool))
		if err != nil {
			return fmt.Errorf("authorizer reads, %v at %d callers: %w", r.m, r.callers, err)
		}
		key := func(k string) string {
			if r.m.staleness == 0 {
				return k
			}
			return r.m.key(fmt.Sprintf("%s_c%d", k, r.callers))
		}
		c, a := ct.perCall(), at.perCall()
		if r.m.staleness == 0 {
			strictCheck, strictAuth = c.units, a.units
		}
		checkSaved, authSaved := 100*(1-ratio(c.units, strictCheck)), 100*(1-ratio(a.units, strictAuth))
		rep.printf("  %-12v | %7d | %-32s | %-32s | %10.2f | $%.3f / $%-8.3f | %.0f%% / %.0f%%\n", r.m, r.callers,
			c, a, ratio(a.units, c.units), c.units*pricePerMillionRRU, a.units*pricePerMillionRRU, checkSaved, authSaved)
		rep.kv(key("check_requests_per_call"), "%.2f", c.requests)
		rep.kv(key("auth_requests_per_call"), "%.2f", a.requests)
		rep.kv(key("check_read_units_per_call"), "%.2f", c.units)
		rep.kv(key("auth_read_units_per_call"), "%.2f", a.units)
		rep.kv(key("auth_check_read_units_ratio"), "%.2f", ratio(a.units, c.units))
		rep.kv(key("check_cache_hit_share"), "%.2f", c.noRequest)
		rep.kv(key("auth_cache_hit_share"), "%.2f", a.noRequest)
		if r.m.staleness > 0 {
			rep.kv(key("check_read_units_saving_pct"), "%.0f", checkSaved)
			rep.kv(key("auth_read_units_saving_pct"), "%.0f", authSaved)
		}
	}
	rep.printf("  $ per million calls = read units per call x $%.3f per million read units\n", pricePerMillionRRU)
	return nil
}

// reads drives f from callers goroutines for a warm-up, then counts what every call of
// one round read. A bounded mode warms up for at least one bound (its cache turns over)
// and is counted over at least two, so that the round holds whole cycles of reads and
// reuse.
func (b *bench) reads(ctx context.Context, m *mode, callers int, f op) (*readTally, error) {
	warmup, round := max(b.tm.warmup, m.staleness), max(b.tm.round, 2*m.staleness)
	var next atomic.Int64
	drive(ctx, callers, warmup, &next, f)
	t := &readTally{}
	if s := drive(ctx, callers, round, &next, t.counting(f)); s.firstErr != nil {
		return nil, fmt.Errorf("%d errors, first: %w", s.errs, s.firstErr)
	}
	return t, nil
}

// readTally is what the calls of one path read, call by call.
type readTally struct {
	calls     atomic.Int64
	noRequest atomic.Int64 // calls that sent no request: answered from the container's cache
	sum       readCounter
}

// counting is f with each call's reads, counted through its context, added to t.
func (t *readTally) counting(f op) op {
	return func(ctx context.Context, i int) error {
		var c readCounter
		err := f(withCallCounter(ctx, &c), i)
		rc := c.snapshot()
		t.calls.Add(1)
		if rc.Requests == 0 {
			t.noRequest.Add(1)
		}
		t.sum.add(rc)
		return err
	}
}

// callReads are the reads of an average call, and the share of calls that sent no request.
type callReads struct{ requests, items, units, noRequest, writes, writeUnits float64 }

func (t *readTally) perCall() callReads {
	n, s := float64(t.calls.Load()), t.sum.snapshot()
	return callReads{ratio(float64(s.Requests), n), ratio(float64(s.Items), n), ratio(s.Units, n), ratio(float64(t.noRequest.Load()), n),
		ratio(float64(s.Writes), n), ratio(s.WriteUnits, n)}
}

// dollars is what a million such calls cost in request units, on demand.
func (r callReads) dollars() float64 {
	return r.units*pricePerMillionRRU + r.writeUnits*pricePerMillionWRU
}

func (r callReads) String() string {
	return fmt.Sprintf("%.2f / %.2f / %.2f / %.0f%%", r.requests, r.items, r.units, 100*r.noRequest)
}

func (b *bench) header(title, base, subj string) {
	b.rep.printf("\n%s\n", title)
	b.rep.printf("  %-7s | %-26s | %-26s | %s\n", "callers", base+" p50 / p99 / ops/s", subj+" p50 / p99 / ops/s", "ratio p50 / p99 / ops/s")
}

// row is one level of a comparison: both sides' figures and the subject's ratios to the
// baseline's.
type row struct {
	callers       int
	base, subj    stats
	p50, p99, ops float64
}

// compareAt measures subj against base at each number of callers, prints a row for each
// and hands it to record; it returns the worst p50 ratio.
func (b *bench) compareAt(ctx context.Context, what string, callers []int, base, subj op, record func(row)) (worst float64, err error) {
	for _, c := range callers {
		bs, ss, err := compare(ctx, c, b.tm, base, subj)
		if err != nil {
			return 0, fmt.Errorf("%s at %d callers: %w", what, c, err)
		}
		r := row{callers: c, base: bs, subj: ss,
			p50: ratio(float64(ss.p50()), float64(bs.p50())),
			p99: ratio(float64(ss.p99()), float64(bs.p99())),
			ops: ratio(ss.opsPerSec(), bs.opsPerSec())}
		b.rep.printf("  %-7d | %6s / %6s / %8.0f | %6s / %6s / %8.0f | %5.2f / %5.2f / %5.2f\n",
			c, ms(bs.p50()), ms(bs.p99()), bs.opsPerSec(), ms(ss.p50()), ms(ss.p99()), ss.opsPerSec(), r.p50, r.p99, r.ops)
		worst = max(worst, r.p50)
		record(r)
	}
	return worst, nil
}

// goal prints a goal's verdict on the worst ratio measured and records it under key.
func (b *bench) goal(key, what string, worst, limit float64) {
	verdict := "met"
	if worst > limit {
		verdict = "missed"
	}
	b.rep.printf("  goal %s <= %.3gx at every level: %s (worst %.2fx)\n", what, limit, verdict, worst)
	b.rep.kv(key, "%s", verdict)
}

func (b *bench) checkLatency(ctx context.Context) error {
	tm, rep := b.tm, b.rep
	rep.printf("\nLATENCY  warm-up %v per side, then %d interleaved rounds of %v per side (ms; ops/s = calls per second of wall time)\n", tm.warmup, tm.rounds, tm.round)
	b.header("1. check handler (Checker.Handle, POST /v1/check event), strict, vs bare BatchGetItem of the same 4 keys (ConsistentRead)", "BatchGetItem", "handler")
	worst, err := b.compareAt(ctx, "check", []int{1, 8, 32}, bareBatchGet(b.db, b.table, b.pool, false), handlerCheck(b.strict.checker, b.pool), func(r row) {
		rep.kv(fmt.Sprintf("check_p50_ratio_c%d", r.callers), "%.2f", r.p50)
		rep.kv(fmt.Sprintf("check_p99_ratio_c%d", r.callers), "%.2f", r.p99)
		rep.kv(fmt.Sprintf("check_ops_ratio_c%d", r.callers), "%.2f", r.ops)
		rep.kv(fmt.Sprintf("check_p50_ms_c%d", r.callers), "%s", ms(r.subj.p50()))
		rep.kv(fmt.Sprintf("check_ops_c%d", r.callers), "%.0f", r.subj.opsPerSec())
		rep.kv(fmt.Sprintf("bgi_p50_ms_c%d", r.callers), "%s", ms(r.base.p50()))
		rep.kv(fmt.Sprintf("bgi_ops_c%d", r.callers), "%.0f", r.base.opsPerSec())
	})
	if err != nil {
		return err
	}
	b.goal("goal_check_p50", "p50", worst, 1.3)

	// A bounded check is mostly a cache hit: its baseline is the strict check.
	b.header(fmt.Sprintf("1b. check handler, %v (answers from what the container read less than %v ago), vs strict", b.bounded, b.bounded.staleness), "strict", "bounded")
	worst, err = b.compareAt(ctx, "bounded check", []int{1, 8, 32}, handlerCheck(b.strict.checker, b.pool), handlerCheck(b.bounded.checker, b.pool), func(r row) {
		rep.kv(fmt.Sprintf("check_p50_ratio_vs_strict_c%d_bounded", r.callers), "%.2f", r.p50)
		rep.kv(fmt.Sprintf("check_p50_us_c%d_bounded", r.callers), "%d", r.subj.p50().Microseconds())
		rep.kv(fmt.Sprintf("check_ops_c%d_bounded", r.callers), "%.0f", r.subj.opsPerSec())
	})
	if err != nil {
		return err
	}
	b.goal("goal_check_p50_bounded", "p50 against the strict check's", worst, 1.3)
	return nil
}

func (b *bench) httpLatency(ctx context.Context) error {
	dev, err := startDevServer(b.strict.checker, tenantsOf(b.d))
	if err != nil {
		return err
	}
	defer dev.close()
	b.header("2. POST /v1/check through the development server's gateway (HTTP on 127.0.0.1, HS256 JWT) vs the handler alone, strict", "handler", "HTTP")
	_, err = b.compareAt(ctx, "http", []int{1, 8}, handlerCheck(b.strict.checker, b.pool), dev.check(b.pool), func(r row) {
		b.rep.kv(fmt.Sprintf("http_p50_ratio_c%d", r.callers), "%.2f", r.p50)
		b.rep.kv(fmt.Sprintf("http_ops_ratio_c%d", r.callers), "%.2f", r.ops)
		b.rep.kv(fmt.Sprintf("http_overhead_ms_c%d", r.callers), "%.2f", float64(r.subj.p50()-r.base.p50())/1e6)
	})
	return err
}

// authorizerLatency compares the authorizer with the check in each mode, both through
// Checker.Invoke on the same container; the goal is the strict mode's.
func (b *bench) authorizerLatency(ctx context.Context) error {
	for i, m := range []*mode{b.strict, b.bounded} {
		b.header(fmt.Sprintf("3%s. Lambda authorizer (Checker.Invoke, REQUEST event, APPCODE, stage prod) vs the check (Checker.Invoke, HTTP event), %v",
			[]string{"", "b"}[i], m), "check", "authorizer")
		worst, err := b.compareAt(ctx, "authorizer, "+m.String(), []int{1, 8}, invokeCheck(m.checker, b.pool), authorize(m.checker, b.authPool), func(r row) {
			b.rep.kv(m.key(fmt.Sprintf("auth_p50_ratio_c%d", r.callers)), "%.2f", r.p50)
			b.rep.kv(m.key(fmt.Sprintf("auth_ops_ratio_c%d", r.callers)), "%.2f", r.ops)
			b.rep.kv(m.key(fmt.Sprintf("auth_p50_us_c%d", r.callers)), "%d", r.subj.p50().Microseconds())
			b.rep.kv(m.key(fmt.Sprintf("auth_check_p50_us_c%d", r.callers)), "%d", r.base.p50().Microseconds())
		})
		if err != nil {
			return err
		}
		b.rep.kv(m.key("auth_check_p50_ratio"), "%.2f", worst)
		b.goal(m.key("goal_auth_p50"), "authorizer p50 against the check's", worst, 1.15)
	}
	// What the two lookups would add to the batch, on the same calls: why a steady
	// authorization confirms its hints with the app's and the API's own items instead.
	b.header("3c. bare BatchGetItem of 6 keys (the check's 4, the AppCode and the path lookups, which a steady authorization no longer reads) vs of the same calls' 4 check keys", "4 keys", "6 keys")
	_, err := b.compareAt(ctx, "authorizer batch", []int{1, 8}, bareBatchGet(b.db, b.table, b.authPool, false), bareBatchGet(b.db, b.table, b.authPool, true), func(r row) {
		b.rep.kv(fmt.Sprintf("auth_bgi_p50_ratio_c%d", r.callers), "%.2f", r.p50)
	})
	return err
}

// signedAuthorization measures a signed authorization (X-Ca-* headers, shared/signature)
// against an AppCode authorization of the same calls, both through Checker.Invoke on
// the strict container: first what each reads and writes per call, then their
// latencies at 1 and 8 callers. The goal is a signed p50 <= 1.2x the AppCode
// one at both.
func (b *bench) signedAuthorization(ctx context.Context) error {
	rep, m := b.rep, b.strict
	b.signer = newSigner(b.d.Keys)
	// Every call of the pool once on each container, as checkPools does for the AppCode
	// calls: the containers' hints then name each AppKey's app, as in steady state.
	for _, ch := range []*api.Checker{m.checker, m.counted} {
		f := authorizeSigned(ch, b.authPool, b.signer)
		for i := range b.authPool {
			if err := f(ctx, i); err != nil {
				return fmt.Errorf("warming the signed authorization: %w", err)
			}
		}
	}
	rep.printf("\n3d. signed authorization (X-Ca-Key/-Signature/-Timestamp/-Nonce, HmacSHA256, a fresh nonce and the time of the call, signed on the caller's side inside each call's time) vs APPCODE, the same %d calls, %v\n", len(b.authPool), m)
	rep.printf("  per call, counted on the client after a warm-up of %v over %v at 1 caller: read requests / items / read units / no request; writes / write units; $ per million calls in request units\n", b.tm.warmup, b.tm.round)
	var perCall [2]callReads
	for i, f := range []op{authorize(m.counted, b.authPool), authorizeSigned(m.counted, b.authPool, b.signer)} {
		t, err := b.reads(ctx, m, 1, f)
		if err != nil {
			return fmt.Errorf("signed authorization reads: %w", err)
		}
		perCall[i] = t.perCall()
		r := perCall[i]
		name := []string{"APPCODE", "signed"}[i]
		rep.printf("  %-8s | %-32s | %.2f / %.2f | $%.3f\n", name, r, r.writes, r.writeUnits, r.dollars())
		k := []string{"auth_appcode", "auth_signed"}[i]
		rep.kv(k+"_read_units_per_call", "%.2f", r.units)
		rep.kv(k+"_write_units_per_call", "%.2f", r.writeUnits)
		rep.kv(k+"_usd_per_million", "%.3f", r.dollars())
	}
	rep.kv("auth_signed_appcode_read_units_ratio", "%.2f", ratio(perCall[1].units, perCall[0].units))
	b.header("  latency, signed vs APPCODE", "APPCODE", "signed")
	worst, err := b.compareAt(ctx, "signed authorizer", []int{1, 8}, authorize(m.checker, b.authPool), authorizeSigned(m.checker, b.authPool, b.signer), func(r row) {
		rep.kv(fmt.Sprintf("auth_signed_p50_ratio_c%d", r.callers), "%.2f", r.p50)
		rep.kv(fmt.Sprintf("auth_signed_p99_ratio_c%d", r.callers), "%.2f", r.p99)
		rep.kv(fmt.Sprintf("auth_signed_p50_us_c%d", r.callers), "%d", r.subj.p50().Microseconds())
		rep.kv(fmt.Sprintf("auth_signed_p99_us_c%d", r.callers), "%d", r.subj.p99().Microseconds())
		rep.kv(fmt.Sprintf("auth_appcode_p50_us_c%d", r.callers), "%d", r.base.p50().Microseconds())
		rep.kv(fmt.Sprintf("auth_appcode_p99_us_c%d", r.callers), "%d", r.base.p99().Microseconds())
	})
	if err != nil {
		return err
	}
	b.goal("goal_auth_signed_p50", "signed p50 against the AppCode one's", worst, 1.2)
	// The same comparison with nothing of gatepass in it: how much the emulator makes
	// any call that writes a nonce beside its read pay, whatever the code around it.
	b.header("3e. the emulator's share: a bare BatchGetItem of the authorizer's keys, alone vs with a nonce's conditional PutItem sent beside it (Store.UseNonce), nothing decoded", "read", "read+nonce")
	_, err = b.compareAt(ctx, "bare read and nonce", []int{1, 8}, bareBatchGet(b.db, b.table, b.authPool, true), batchGetWithNonce(b.db, b.plain, b.table, b.authPool, b.signer), func(r row) {
		rep.kv(fmt.Sprintf("bare_nonce_p50_ratio_c%d", r.callers), "%.2f", r.p50)
		rep.kv(fmt.Sprintf("bare_nonce_ops_ratio_c%d", r.callers), "%.2f", r.ops)
	})
	return err
}

// sweeps prints the sweeps run while loading.
func (b *bench) sweeps(context.Context) error {
	rep, small, big := b.rep, b.small, b.big
	rep.printf("\n4. sweeps (shared/jobs) with the clock put where %d items have come due since the previous run; items read counted on the client\n", b.sz.SweepDue)
	rep.printf("  %-13s | %7s | %5s | %5s | %-24s | %8s | %7s | %6s | %s\n", "job", "grants", "due", "read", "(index items + API gets)", "requests", "changed", "events", "read/due")
	for _, s := range append(small, big...) {
		rep.printf("  %-13s | %7d | %5d | %5d | %-24s | %8d | %7d | %6d | %.2f\n", s.Job, s.Grants, s.Due, s.Read.Items,
			fmt.Sprintf("%d + %d", s.Read.Queried, s.Read.Gets), s.Read.Requests, s.Changed, s.Events, s.perDue())
		rep.kv(fmt.Sprintf("sweep_%s_read_per_due_%s", s.Job, sizeLabel(s.Grants)), "%.2f", s.perDue())
		rep.kv(fmt.Sprintf("sweep_%s_index_read_per_due_%s", s.Job, sizeLabel(s.Grants)), "%.2f", ratio(float64(s.Read.Queried), float64(s.Due)))
	}
	for i := range small {
		flat := ratio(big[i].perDue(), small[i].perDue())
		rep.kv(fmt.Sprintf("sweep_%s_flatness", small[i].Job), "%.2f", flat)
	}
	sweepGoal := "met"
	for _, s := range append(small, big...) {
		if s.perDue() > 1.2 {
			sweepGoal = "missed"
		}
	}
	rep.printf("  goal read/due <= 1.2x and flat: %s; lookback = time since the previous run (%s at %s grants, %s at %s)\n", sweepGoal,
		roundDur(small[0].Lookback), sizeLabel(small[0].Grants), roundDur(big[0].Lookback), sizeLabel(big[0].Grants))
	rep.kv("goal_sweep", "%s", sweepGoal)
	return nil
}

func (b *bench) list(ctx context.Context) error {
	svc := access.NewService(b.counted, access.Config{ReminderDays: reminderDays})
	lr, err := measureList(ctx, svc, b.counter, b.d, 5)
	if err != nil {
		return err
	}
	perPage := float64(lr.Read.Items) / float64(lr.Pages)
	b.rep.printf("\n5. list: GET /v1/apis/%s/grants?page_size=10 (api.List; %d grants on the API), %d pages followed by next_token\n", b.d.ListAPI, b.sz.ListGrants, lr.Pages)
	b.rep.printf("  items read per page %.1f for %d items (read/page size %.2f), %.1f requests per page, p50 %s ms\n",
		perPage, lr.PageSize, perPage/float64(lr.PageSize), float64(lr.Read.Requests)/float64(lr.Pages), ms(lr.Lat.p50()))
	b.rep.kv("list_read_per_page", "%.1f", perPage)
	b.rep.kv("list_read_per_page_size", "%.2f", perPage/float64(lr.PageSize))
	return nil
}

func (b *bench) coldStarts(ctx context.Context) error {
	if b.o.skipCold {
		return nil
	}
	root, err := ddblocal.RepoRoot()
	if err != nil {
		return err
	}
	cs, buildTime, err := measureColdStarts(ctx, root, b.endpoint, b.table, b.o.coldTries)
	if err != nil {
		return err
	}
	rep := b.rep
	rep.printf("\n6. cold start under the Lambda RIE: host builds (linux/%s, -tags lambda.norpc -trimpath -s -w, CGO off) while deployment is linux/arm64;\n", runtime.GOARCH)
	rep.printf("   RIE start -> first answer, median of %d; warm = the second invocation; build of all %d took %.1fs\n", b.o.coldTries, len(cs), buildTime.Seconds())
	rep.printf("  %-14s | %8s | %8s | %7s | %s\n", "function", "size MB", "cold ms", "warm ms", "event")
	for _, c := range cs {
		note := ""
		if c.FnError {
			note = " (answered with a function error)"
		}
		rep.printf("  %-14s | %8.1f | %8s | %7s | %s%s\n", c.Name, float64(c.Size)/(1<<20), ms(c.Cold), ms(c.Warm), c.Event, note)
		rep.kv("cold_ms_"+c.Name, "%s", ms(c.Cold))
		rep.kv("size_mb_"+c.Name, "%.1f", float64(c.Size)/(1<<20))
	}
	return nil
}

// finish prints the wall time and the key=value line.
func (b *bench) finish(wall time.Duration) {
	b.rep.printf("\nwall time %.0fs\n", wall.Seconds())
	b.rep.kv("wall_s", "%.0f", wall.Seconds())
	var kvs []string
	for _, k := range b.rep.keys {
		kvs = append(kvs, k+"="+b.rep.vals[k])
	}
	b.rep.printf("%s\n", strings.Join(kvs, " "))
}

// warm runs every pool entry once (filling the per-container workspace cache and
// every connection) and returns the mix of answers.
func warm(ctx context.Context, ch *api.Checker, pool, authPool []*checkReq) (map[string]map[string]int, error) {
	out := map[string]map[string]int{"check": {}, "auth": {}}
	for _, c := range pool {
		resp, err := ch.Handle(ctx, c.event)
		if err != nil {
			return nil, err
		}
		var d access.Decision
		if err := json.Unmarshal([]byte(resp.Body), &d); err != nil || resp.StatusCode != 200 {
			return nil, fmt.Errorf("check answered %d: %s", resp.StatusCode, resp.Body)
		}
		out["check"][string(d.Reason)]++
	}
	for _, c := range authPool {
		res, err := ch.Invoke(ctx, c.authEvent)
		if err != nil {
			return nil, err
		}
		r, ok := res.(events.APIGatewayV2CustomAuthorizerSimpleResponse)
		if !ok {
			return nil, fmt.Errorf("authorizer answered %T", res)
		}
		out["auth"][fmt.Sprint(r.Context["reason"])]++
	}
	return out, nil
}

func mixString(m map[string]int, n int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int { return cmp.Or(m[b]-m[a], strings.Compare(a, b)) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", k, 100*float64(m[k])/float64(n)))
	}
	return strings.Join(parts, ", ")
}

func tenantsOf(d *dataset) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range d.Workspaces {
		if !seen[w.Tenant] {
			seen[w.Tenant] = true
			out = append(out, w.Tenant)
		}
	}
	return out
}

func sizeLabel(n int) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func roundDur(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%.1fd", d.Hours()/24)
	}
	return d.Round(time.Minute).String()
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func suffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
