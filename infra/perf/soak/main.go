// Command soak is `make soak`: a bounded mixed load through the development server, as
// a client sees it. It starts an in-memory DynamoDB Local and the development server
// (built from ./infra/cmd/local, on free ports, with a cache directory of its own so that a
// running `make run` is left alone), registers a catalog, then runs checks, listings,
// grants, renewals and cancellations from concurrent workers for -duration, and prints
// the throughput, p50/p99 per kind of call, the answers by status and error_code, and
// the development server's resident memory at the start and the end of the load.
//
//	go run ./infra/perf/soak [-duration 60s] [-workers 8]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/internal/proc"
	"gatepass/shared/localjwt"
)

const (
	secret = "gatepass-soak-secret"
	tenant = "t-soak"
	// maxDuration keeps `make soak` within 5 minutes with its set-up.
	maxDuration = 4 * time.Minute
)

func main() {
	duration := flag.Duration("duration", 60*time.Second, "how long the load runs (at most 4m)")
	workers := flag.Int("workers", 8, "concurrent clients")
	flag.Parse()
	if *duration <= 0 || *duration > maxDuration || *workers < 1 || *workers > 256 {
		fmt.Fprintln(os.Stderr, "soak: want 0 < -duration <= 4m and 1 <= -workers <= 256")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration+time.Minute+30*time.Second) // the hard bound
	defer cancel()
	if err := run(ctx, *duration, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, duration time.Duration, workers int) error {
	began := time.Now()
	ddb, err := ddblocal.Start(ctx, ddblocal.Options{})
	if err != nil {
		return err
	}
	defer ddb.Stop() //nolint:errcheck

	tmp, err := os.MkdirTemp("", "gatepass-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildServer(ctx, tmp)
	if err != nil {
		return err
	}
	srv, err := startServer(bin, tmp, ddb.Endpoint())
	if err != nil {
		return err
	}
	defer srv.stop()

	tok, err := localjwt.Mint(secret, map[string]any{"sub": "soak-admin", "tenant_id": tenant, "roles": []string{"tenant_admin", "checker"}}, time.Hour)
	if err != nil {
		return err
	}
	c := &client{base: srv.base, tok: tok, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2},
	}}
	if err := c.waitReady(ctx); err != nil {
		return fmt.Errorf("%w (server log: %s)", err, srv.log.Name())
	}
	fmt.Printf("soak: DynamoDB Local and the development server ready in %s\n", time.Since(began).Round(100*time.Millisecond))

	cat, err := c.setup(ctx)
	if err != nil {
		return err
	}
	rssStart := rss(srv.cmd.Process.Pid)
	ddbStart := rss(ddb.Pid())
	stats := newStats()
	elapsed := c.load(ctx, cat, stats, duration, workers)
	rssEnd := rss(srv.cmd.Process.Pid)
	ddbEnd := rss(ddb.Pid())

	stats.print(os.Stdout, elapsed, workers)
	fmt.Printf("development server RSS: %s at start, %s at end; DynamoDB Local (JVM) RSS: %s, %s\n",
		mib(rssStart), mib(rssEnd), mib(ddbStart), mib(ddbEnd))
	fmt.Printf("machine: %s/%s, %d CPUs, %s; total wall time %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(),
		time.Since(began).Round(time.Second))
	if n := stats.count5xx(); n > 0 {
		return fmt.Errorf("%d answers were 5xx (server log: %s)", n, srv.log.Name())
	}
	return nil
}

// buildServer builds the development server into tmp and returns its path.
func buildServer(ctx context.Context, tmp string) (string, error) {
	bin := filepath.Join(tmp, "gatepass-local")
	root, err := ddblocal.RepoRoot()
	if err != nil {
		return "", err
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./infra/cmd/local")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the development server: %v\n%s", err, out)
	}
	return bin, nil
}

// server is the running development server.
type server struct {
	cmd  *exec.Cmd
	log  *os.File // its stdout and stderr
	base string   // its HTTP address
}

// startServer starts the development server bin on free ports, against the DynamoDB
// Local at endpoint, with a cache directory of its own below tmp.
func startServer(bin, tmp, endpoint string) (*server, error) {
	httpPort, busPort := freePort(), freePort()
	if httpPort == 0 || busPort == 0 {
		return nil, errors.New("no free port")
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"AWS_ENDPOINT_URL_DYNAMODB="+endpoint,
		"GATEPASS_PORT="+strconv.Itoa(httpPort),
		"GATEPASS_BUS_PORT="+strconv.Itoa(busPort),
		"GATEPASS_CACHE="+filepath.Join(tmp, "cache"),
		"LOCAL_JWT_SECRET="+secret,
	)
	logFile, err := os.Create(filepath.Join(tmp, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	proc.DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	return &server{cmd: cmd, log: logFile, base: "http://127.0.0.1:" + strconv.Itoa(httpPort)}, nil
}

// stop ends the server: SIGTERM, then a kill after 10s; then closes its log.
func (s *server) stop() {
	if s.cmd.Process.Signal(syscall.SIGTERM) != nil { // Windows: no SIGTERM to send
		_ = s.cmd.Process.Kill()
	}
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	s.log.Close()
}

// load runs workers concurrent workers of random steps for duration and returns how
// long they ran.
func (c *client) load(ctx context.Context, cat *catalog, stats *stats, duration time.Duration, workers int) time.Duration {
	lctx, lcancel := context.WithTimeout(ctx, duration)
	defer lcancel()
	loadStart := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for lctx.Err() == nil {
				c.step(lctx, rng, cat, stats)
			}
		}()
	}
	wg.Wait()
	return time.Since(loadStart)
}

// catalog is what the set-up registered.
type catalog struct {
	apis, apps []string
	mu         sync.Mutex
	grants     []string // "api_id/grant_id" of the grants created
}

func (c *catalog) addGrant(api, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.grants = append(c.grants, api+"/"+id)
}

func (c *catalog) someGrant(rng *rand.Rand) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.grants) == 0 {
		return "", false
	}
	return c.grants[rng.IntN(len(c.grants))], true
}

type client struct {
	base, tok string
	http      *http.Client
}

type answer struct {
	status int
	code   string
	body   []byte
}

func (c *client) do(ctx context.Context, method, path string, body any, hdr ...string) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: b}
	if resp.StatusCode >= 300 {
		var e struct {
			Code string `json:"error_code"`
		}
		_ = json.Unmarshal(b, &e)
		a.code = e.Code
	}
	return a, nil
}

func (c *client) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if a, err := c.do(ctx, "GET", "/v1/apis?page_size=1", nil); err == nil && a.status == 200 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return errors.New("the development server did not answer within 3 minutes")
}

// setup registers 20 APIs (published) and 20 apps in two workspaces.
func (c *client) setup(ctx context.Context) (*catalog, error) {
	cat := &catalog{}
	for _, ws := range []string{"ws-soak-a", "ws-soak-b"} { // R29: the directory first
		a, err := c.do(ctx, "POST", "/v1/workspaces", map[string]any{"id": ws, "name": ws})
		if err != nil || (a.status != 201 && a.status != 409) {
			return nil, fmt.Errorf("register workspace %s: %v %d %s", ws, err, a.status, a.body)
		}
	}
	for i := range 20 {
		api := fmt.Sprintf("soak-api-%02d", i)
		a, err := c.do(ctx, "PUT", "/v1/apis/"+api, map[string]any{
			"workspace_id": "ws-soak-a", "name": fmt.Sprintf("Soak API %02d", i), "path": fmt.Sprintf("/soak/%02d", i),
			"protocols": []string{"HTTPS"}, "fields": []string{"id", "total", "customer"}, "operation": "READ",
		})
		if err != nil || a.status >= 300 {
			return nil, fmt.Errorf("register %s: %v %d %s", api, err, a.status, a.body)
		}
		cat.apis = append(cat.apis, api)
		app := fmt.Sprintf("soak-app-%02d", i)
		a, err = c.do(ctx, "PUT", "/v1/apps/"+app, map[string]any{"workspace_id": "ws-soak-b", "name": "Soak app " + strconv.Itoa(i)})
		if err != nil || a.status >= 300 {
			return nil, fmt.Errorf("register %s: %v %d %s", app, err, a.status, a.body)
		}
		cat.apps = append(cat.apps, app)
	}
	return cat, nil
}

// step makes one call of the mix: 60% checks, 20% listings, 12% grants, 8% renewals
// and cancellations.
func (c *client) step(ctx context.Context, rng *rand.Rand, cat *catalog, st *stats) {
	api := cat.apis[rng.IntN(len(cat.apis))]
	app := cat.apps[rng.IntN(len(cat.apps))]
	var kind string
	var a answer
	var err error
	start := time.Now()
	switch r := rng.IntN(100); {
	case r < 60:
		kind = "check"
		a, err = c.do(ctx, "POST", "/v1/check", map[string]any{"api_id": api, "app_id": app, "env": "PROD", "protocol": "HTTPS"})
	case r < 70:
		kind = "list grants"
		a, err = c.do(ctx, "GET", "/v1/apis/"+api+"/grants?page_size=10", nil)
	case r < 80:
		kind = "list authorized"
		a, err = c.do(ctx, "GET", "/v1/workspaces/ws-soak-b/authorized-apis?page_size=10", nil)
	case r < 92:
		kind = "grant"
		a, err = c.do(ctx, "POST", "/v1/apis/"+api+"/grants", map[string]any{
			"subject": map[string]any{"type": "APP", "id": app, "tenant_id": tenant}, "envs": []string{"PROD"},
			"permissions": []string{"USAGE"}, "validity": map[string]any{"type": "LIMITED", "days": 30}, "reason": "soak",
		}, "Idempotency-Key", fmt.Sprintf("soak-%d-%d", rng.Uint64(), time.Now().UnixNano()))
		if err == nil && a.status == 201 {
			var out struct {
				Grants []struct {
					ID string `json:"grant_id"`
				} `json:"grants"`
			}
			if json.Unmarshal(a.body, &out) == nil {
				for _, g := range out.Grants {
					cat.addGrant(api, g.ID)
				}
			}
		}
	default:
		g, ok := cat.someGrant(rng)
		if !ok {
			return
		}
		if rng.IntN(2) == 0 {
			kind = "renew"
			a, err = c.do(ctx, "POST", "/v1/apis/"+strings.Replace(g, "/", "/grants/", 1)+"/renewal",
				map[string]any{"validity": map[string]any{"type": "LIMITED", "days": 60}, "reason": "soak"})
		} else {
			kind = "cancel"
			a, err = c.do(ctx, "POST", "/v1/apis/"+strings.Replace(g, "/", "/grants/", 1)+"/cancel", map[string]any{"reason": "soak"})
		}
	}
	if ctx.Err() != nil {
		return // cut off by the end of the run: not an answer
	}
	st.add(kind, time.Since(start), a, err)
}

// stats gathers latencies and answers per kind of call.
type stats struct {
	mu    sync.Mutex
	lat   map[string][]time.Duration
	codes map[string]int // "201", "409 Conflict.SlotInUse", "transport error"
}

func newStats() *stats { return &stats{lat: map[string][]time.Duration{}, codes: map[string]int{}} }

func (s *stats) add(kind string, d time.Duration, a answer, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat[kind] = append(s.lat[kind], d)
	key := strconv.Itoa(a.status)
	switch {
	case err != nil:
		key = "transport error"
	case a.code != "":
		key += " " + a.code
	}
	s.codes[key]++
}

func (s *stats) count5xx() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, v := range s.codes {
		if strings.HasPrefix(k, "5") || k == "transport error" {
			n += v
		}
	}
	return n
}

func (s *stats) print(w io.Writer, elapsed time.Duration, workers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var all []time.Duration
	kinds := make([]string, 0, len(s.lat))
	for k, l := range s.lat {
		kinds = append(kinds, k)
		all = append(all, l...)
	}
	sort.Strings(kinds)
	fmt.Fprintf(w, "\nsoak: %d calls in %s from %d workers: %.0f calls/s\n", len(all), elapsed.Round(100*time.Millisecond), workers,
		float64(len(all))/elapsed.Seconds())
	fmt.Fprintf(w, "  %-16s %7s %9s %9s\n", "call", "count", "p50", "p99")
	for _, k := range append(kinds, "all") {
		l := s.lat[k]
		if k == "all" {
			l = all
		}
		p50, p99 := percentiles(l)
		fmt.Fprintf(w, "  %-16s %7d %9s %9s\n", k, len(l), p50, p99)
	}
	keys := make([]string, 0, len(s.codes))
	for k := range s.codes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(w, "  answers:")
	for _, k := range keys {
		fmt.Fprintf(w, "    %-40s %7d\n", k, s.codes[k])
	}
}

func percentiles(l []time.Duration) (p50, p99 time.Duration) {
	if len(l) == 0 {
		return 0, 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return at(0.50), at(0.99)
}

// rss is the resident memory of a process in bytes (Linux /proc), 0 when unknown.
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(b int64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
