// Command bench is `make bench`: it starts DynamoDB Local (or reuses the endpoint in
// AWS_ENDPOINT_URL_DYNAMODB), loads a realistic data set into a fresh table and measures
// the hot and the scheduled paths, each as a ratio against a baseline measured in the
// same run:
//
//  1. the check handler against a bare BatchGetItem of the same four keys, at 1, 8 and
//     32 concurrent callers;
//  2. POST /v1/check through the development server's gateway over HTTP against the
//     handler alone;
//  3. the Lambda authorizer against the check, both through Checker.Invoke;
//  4. the reminders and cancellations sweeps: items read against items due, at 1,000
//     grants and at the full size;
//  5. a list page of 10 of one API's 10,000 grants: items read against the page size;
//  6. every function's cold start under the Lambda RIE, and its binary size.
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
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"gatepass/infra/ddblocal"
	"gatepass/shared/access"
	"gatepass/shared/api"
	"gatepass/shared/store"
)

// pricePerMillionRRU is DynamoDB's on-demand price of a million read request units, US
// East (N. Virginia), standard table class (docs/capacity.md cites the page).
const pricePerMillionRRU = 0.125

type options struct {
	quick     bool
	grants    int
	workers   int
	coldTries int
	skipCold  bool
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "a smaller data set and shorter rounds (a smoke run)")
	flag.IntVar(&o.grants, "grants", 0, "grants to load (default 100000; 10000 with -quick)")
	flag.IntVar(&o.workers, "workers", 4, "parallel loader workers")
	flag.IntVar(&o.coldTries, "cold-tries", 3, "cold starts per function (the median is reported)")
	flag.BoolVar(&o.skipCold, "skip-cold", false, "skip building the functions and the cold starts")
	flag.Parse()
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

	checker        *api.Checker    // on the plain store
	csvc           *access.Service // on the counted store
	pool, authPool []*checkReq
	small, big     []sweepRun
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
		b.load, b.checkPools, b.checkLatency, b.httpLatency, b.authorizerLatency,
		b.sweeps, b.list, b.coldStarts,
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
	b := &bench{o: o, rep: &report{w: w, vals: map[string]string{}}}
	b.sz = fullSizes(o.grants)
	b.tm = timing{warmup: time.Second, round: 1500 * time.Millisecond, rounds: 4}
	if o.quick {
		b.sz = quickSizes(o.grants)
		b.tm = timing{warmup: 300 * time.Millisecond, round: 400 * time.Millisecond, rounds: 2}
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
	if err := store.CreateTable(ctx, b.db, b.table); err != nil {
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
	catalog := d.catalogWrites()
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
	var err error
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
	rep.printf("\nDATA SET  %d tenants, %d workspaces, %d APIs (each with a path lookup), %d apps (%d with an AppCode lookup), %d grants\n",
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

// checkPools builds the checks every caller cycles through, warms both checkers and
// counts the reads of one call in steady state.
func (b *bench) checkPools(ctx context.Context) error {
	svc := access.NewService(b.plain, access.Config{ReminderDays: reminderDays})
	b.checker = api.Check(svc)
	b.checker.WithLogger(discardLogger())
	b.pool = checkPool(b.d, 1024, "", false)
	b.authPool = checkPool(b.d, 1024, access.EnvProd, true)
	pool, authPool := b.pool, b.authPool
	reasons, err := warm(ctx, b.checker, pool, authPool)
	if err != nil {
		return err
	}
	b.rep.printf("\nCHECK POOL  %d checks cycled by every caller: %s\n", len(pool), mixString(reasons["check"], len(pool)))
	b.rep.printf("  authorizer pool %d calls (stage prod, apps with an AppCode): %s\n", len(authPool), mixString(reasons["auth"], len(authPool)))

	// Items and requests per call, on the counting client, with a warm cache.
	b.csvc = access.NewService(b.counted, access.Config{ReminderDays: reminderDays})
	cchecker := api.Check(b.csvc)
	cchecker.WithLogger(discardLogger())
	if _, err := warm(ctx, cchecker, pool, authPool); err != nil {
		return err
	}
	cr, err := b.perCall(ctx, handlerCheck(cchecker, pool), len(pool))
	if err != nil {
		return err
	}
	ar, err := b.perCall(ctx, authorize(cchecker, authPool), len(authPool))
	if err != nil {
		return err
	}
	b.rep.printf("  per call in steady state: check %.2f requests, %.2f items read; authorizer %.2f requests, %.2f items read\n",
		float64(cr.Requests)/float64(len(pool)), float64(cr.Items)/float64(len(pool)),
		float64(ar.Requests)/float64(len(authPool)), float64(ar.Items)/float64(len(authPool)))
	b.rep.kv("check_requests_per_call", "%.2f", float64(cr.Requests)/float64(len(pool)))
	b.rep.kv("auth_requests_per_call", "%.2f", float64(ar.Requests)/float64(len(authPool)))
	// Read units as DynamoDB reports them (ReturnConsumedCapacity): what a call costs.
	cu, au := cr.Units/float64(len(pool)), ar.Units/float64(len(authPool))
	b.rep.printf("  read units per call (consumed, strict): check %.2f, authorizer %.2f (authorizer/check %.2f); $%.3f / $%.3f per million calls at $%.3f per million read units\n",
		cu, au, ratio(au, cu), cu*pricePerMillionRRU, au*pricePerMillionRRU, pricePerMillionRRU)
	b.rep.kv("check_read_units_per_call", "%.2f", cu)
	b.rep.kv("auth_read_units_per_call", "%.2f", au)
	b.rep.kv("auth_check_read_units_ratio", "%.2f", ratio(au, cu))
	return nil
}

// perCall counts what n calls of f read.
func (b *bench) perCall(ctx context.Context, f op, n int) (readCount, error) {
	before := b.counter.snapshot()
	for i := range n {
		if err := f(ctx, i); err != nil {
			return readCount{}, err
		}
	}
	return b.counter.snapshot().sub(before), nil
}

func (b *bench) header(title, base, subj string) {
	b.rep.printf("\n%s\n", title)
	b.rep.printf("  %-7s | %-26s | %-26s | %s\n", "callers", base+" p50 / p99 / ops/s", subj+" p50 / p99 / ops/s", "ratio p50 / p99 / ops/s")
}

// line prints one row of a comparison and returns its ratios.
func (b *bench) line(c int, bs, ss stats) (p50, p99, ops float64) {
	p50 = ratio(float64(ss.p50()), float64(bs.p50()))
	p99 = ratio(float64(ss.p99()), float64(bs.p99()))
	ops = ratio(ss.opsPerSec(), bs.opsPerSec())
	b.rep.printf("  %-7d | %6s / %6s / %8.0f | %6s / %6s / %8.0f | %5.2f / %5.2f / %5.2f\n",
		c, ms(bs.p50()), ms(bs.p99()), bs.opsPerSec(), ms(ss.p50()), ms(ss.p99()), ss.opsPerSec(), p50, p99, ops)
	return
}

func (b *bench) checkLatency(ctx context.Context) error {
	tm, rep := b.tm, b.rep
	rep.printf("\nLATENCY  warm-up %v per side, then %d interleaved rounds of %v per side (ms; ops/s = calls per second of wall time)\n", tm.warmup, tm.rounds, tm.round)
	b.header("1. check handler (Checker.Handle, POST /v1/check event) vs bare BatchGetItem of the same 4 keys (ConsistentRead)", "BatchGetItem", "handler")
	var worstP50 float64
	for _, c := range []int{1, 8, 32} {
		bs, ss, err := compare(ctx, c, tm, bareBatchGet(b.db, b.table, b.pool), handlerCheck(b.checker, b.pool))
		if err != nil {
			return fmt.Errorf("check at %d callers: %w", c, err)
		}
		p50, p99, ops := b.line(c, bs, ss)
		worstP50 = max(worstP50, p50)
		rep.kv(fmt.Sprintf("check_p50_ratio_c%d", c), "%.2f", p50)
		rep.kv(fmt.Sprintf("check_p99_ratio_c%d", c), "%.2f", p99)
		rep.kv(fmt.Sprintf("check_ops_ratio_c%d", c), "%.2f", ops)
		rep.kv(fmt.Sprintf("check_p50_ms_c%d", c), "%s", ms(ss.p50()))
		rep.kv(fmt.Sprintf("check_ops_c%d", c), "%.0f", ss.opsPerSec())
		rep.kv(fmt.Sprintf("bgi_p50_ms_c%d", c), "%s", ms(bs.p50()))
		rep.kv(fmt.Sprintf("bgi_ops_c%d", c), "%.0f", bs.opsPerSec())
	}
	goal := "met"
	if worstP50 > 1.3 {
		goal = "missed"
	}
	rep.printf("  goal p50 <= 1.3x at every level: %s (worst %.2fx)\n", goal, worstP50)
	rep.kv("goal_check_p50", "%s", goal)
	return nil
}

func (b *bench) httpLatency(ctx context.Context) error {
	dev, err := startDevServer(b.checker, tenantsOf(b.d))
	if err != nil {
		return err
	}
	defer dev.close()
	b.header("2. POST /v1/check through the development server's gateway (HTTP on 127.0.0.1, HS256 JWT) vs the handler alone", "handler", "HTTP")
	for _, c := range []int{1, 8} {
		bs, ss, err := compare(ctx, c, b.tm, handlerCheck(b.checker, b.pool), dev.check(b.pool))
		if err != nil {
			return fmt.Errorf("http at %d callers: %w", c, err)
		}
		p50, _, ops := b.line(c, bs, ss)
		b.rep.kv(fmt.Sprintf("http_p50_ratio_c%d", c), "%.2f", p50)
		b.rep.kv(fmt.Sprintf("http_ops_ratio_c%d", c), "%.2f", ops)
		b.rep.kv(fmt.Sprintf("http_overhead_ms_c%d", c), "%.2f", float64(ss.p50()-bs.p50())/1e6)
	}
	return nil
}

func (b *bench) authorizerLatency(ctx context.Context) error {
	b.header("3. Lambda authorizer (Checker.Invoke, REQUEST event, APPCODE, stage prod) vs the check (Checker.Invoke, HTTP event)", "check", "authorizer")
	for _, c := range []int{1, 8} {
		bs, ss, err := compare(ctx, c, b.tm, invokeCheck(b.checker, b.pool), authorize(b.checker, b.authPool))
		if err != nil {
			return fmt.Errorf("authorizer at %d callers: %w", c, err)
		}
		p50, _, ops := b.line(c, bs, ss)
		b.rep.kv(fmt.Sprintf("auth_p50_ratio_c%d", c), "%.2f", p50)
		b.rep.kv(fmt.Sprintf("auth_ops_ratio_c%d", c), "%.2f", ops)
	}
	return nil
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
	lr, err := measureList(ctx, b.csvc, b.counter, b.d, 5)
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
