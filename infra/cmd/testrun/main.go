// Command testrun is `make test`: it starts DynamoDB Local (installing it into .cache
// if needed; one for most tests, one for each stream-reading package and one for the
// browser tests) while it builds the console (infra/cmd/consolebuild) and finds or
// installs a browser for its tests when the run includes them, then runs side by side
// the contract's lint, the template's validation, go vet, go test -race over the module
// (the noRace packages and the browser tests without -race) and the cross compiles of
// the packages for Windows and macOS, every go command with -trimpath; it stops the
// emulators on success, failure or Ctrl-C, prints each step's wall and CPU time and
// the run's wall time, and exits with the status of the checks.
//
//	go run ./infra/cmd/testrun [go test flags] [packages]
//
// Arguments that start with "./" (or are "all") are packages, default ./...; all the
// others are passed to go test, e.g. `go run ./infra/cmd/testrun -run TestGrant ./shared/store/...`.
package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"gatepass/infra/emulators/ddblocal"
)

func main() { os.Exit(run()) }

func run() int {
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	flags, pkgs := splitArgs(os.Args[1:])
	status := check(ctx, flags, pkgs)
	verdict := "PASS"
	if status != 0 {
		verdict = "FAIL"
	}
	if ctx.Err() != nil {
		verdict = "INTERRUPTED"
	}
	fmt.Fprintf(os.Stderr, "testrun: %s in %s\n", verdict, time.Since(start).Round(100*time.Millisecond))
	return status
}

// check runs everything and returns the exit status: the console build while the
// emulators start, then side by side the lint, the template, vet, the tests and the
// cross builds.
// Most test time is waiting (on DynamoDB Local, stream polls, schedules), so the steps
// overlap; each stream-reading package has an emulator of its own (see streamReaders).
func check(ctx context.Context, flags, pkgs []string) int {
	groups, err := group(ctx, pkgs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testrun: %v\n", err)
		return 1
	}
	var log io.Writer // the emulators' output, in one file
	if f := emulatorLog(); f != nil {
		defer f.Close()
		log = &syncWriter{w: f}
	}
	browser := browserStep(groups, flags)
	emulators := 1 + len(groups.streams)
	if browser {
		emulators++
	}
	var (
		endpoints []string
		stop      func()
		took      time.Duration
		emuErr    error
		up        sync.WaitGroup
	)
	up.Go(func() {
		began := time.Now()
		endpoints, stop, emuErr = startEmulators(ctx, emulators, log)
		took = time.Since(began)
	})

	status := 0
	if needsConsole(groups) {
		ensureBrowser(ctx)
		if _, err := os.Stat(filepath.Join("infra", "cmd", "consolebuild")); err == nil {
			// before vet and the tests: the console function embeds what it builds
			console := step{argv: []string{"go", "run", "./infra/cmd/consolebuild"}, env: goEnv()}
			status = console.run(ctx, os.Stderr)
		}
	}
	up.Wait()
	defer stop()
	if emuErr != nil {
		fmt.Fprintf(os.Stderr, "testrun: %v\n", emuErr)
		return 1
	}
	fmt.Fprintf(os.Stderr, "testrun: %d DynamoDB Local (ready in %s)\n", len(endpoints), took.Round(10*time.Millisecond))
	if ctx.Err() != nil {
		return 130
	}

	env := testEnv(endpoints[0])
	var side []step
	if _, err := os.Stat(filepath.Join("infra", "cmd", "openapilint")); err == nil {
		side = append(side, step{argv: []string{"go", "run", "./infra/cmd/openapilint"}, env: env})
	}
	if _, err := os.Stat(filepath.Join("infra", "cmd", "validate")); err == nil {
		side = append(side, step{argv: []string{"go", "run", "./infra/cmd/validate", "template.yaml"}, env: env})
	}

	test := []string{"go", "test", "-count=1"}
	if !hasFlag(flags, "-timeout") {
		// A package's time limit, not its budget: the slowest package takes about 4
		// minutes on an idle 2-core machine; the limit is for a loaded one.
		test = append(test, "-timeout=20m")
	}
	if !hasFlag(flags, "-ldflags") {
		// No DWARF in test binaries: linking about 30 of them is a good part of a run's
		// CPU, and a failing test's stack trace does not need it.
		test = append(test, "-ldflags=-w")
	}
	test = append(test, flags...)
	race := func(pkgs ...string) []string { return append(append(slices.Clone(test), "-race"), pkgs...) }
	// vet beside the tests, not before them: on a fresh clone it compiles the module
	// (about a minute on 2 cores) with one core often idle.
	side = append(side, step{argv: []string{"go", "vet", "./..."}, env: env})
	if len(groups.racy) > 0 {
		side = append(side, step{argv: race(groups.racy...), env: env, live: true})
	}
	for i, p := range groups.streams {
		argv := race(p)
		if browser && p == browserPackage {
			argv = race("-skip", browserTests, p)
		}
		side = append(side, step{argv: argv, env: testEnv(endpoints[1+i])})
	}
	if browser {
		// The browser tests apart, on an emulator of their own (they read the stream),
		// and without -race: their cost is the browser, and the server code they drive
		// is raced by the package's other tests.
		side = append(side, step{argv: append(slices.Clone(test), "-run", browserTests, browserPackage), env: testEnv(endpoints[len(endpoints)-1])})
	}
	if len(groups.plain) > 0 {
		side = append(side, step{argv: append(slices.Clone(test), groups.plain...), env: env})
	}
	// It must build where developers work, not only where CI runs: a Linux-only
	// field or call fails here, on Linux, at once. `go list -export` compiles every
	// package for the platform, as `go build` would there, without linking the 20
	// binaries (linking twice cost about 100 CPU-seconds a run). The packages, not
	// their tests: what is OS-specific lives in infra/internal/proc behind build tags,
	// and compiling the tests too cost about 50 CPU-seconds more per platform on a
	// fresh clone.
	cross := [][]string{
		{"GOOS=windows", "GOARCH=amd64", "go", "list", "-export", "-f", "", "./..."},
		{"GOOS=darwin", "GOARCH=arm64", "go", "list", "-export", "-f", "", "./..."},
	}
	side = append(side, step{argv: cross[0], then: cross[1:], env: env, quiet: true})

	if code := together(ctx, side); code != 0 && status == 0 {
		status = code
	}
	if ctx.Err() != nil {
		return 130
	}
	return status
}

// startEmulators starts n DynamoDB Local side by side and returns their endpoints and
// a function that stops them all.
func startEmulators(ctx context.Context, n int, log io.Writer) ([]string, func(), error) {
	srvs := make([]*ddblocal.Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			srvs[i], errs[i] = ddblocal.Start(ctx, ddblocal.Options{Output: log})
		})
	}
	wg.Wait()
	stop := func() {
		var cpu []string
		for _, s := range srvs {
			if s != nil {
				s.Stop() //nolint:errcheck // Stop always returns nil
				cpu = append(cpu, s.CPU().Round(100*time.Millisecond).String())
			}
		}
		if len(cpu) > 0 {
			fmt.Fprintf(os.Stderr, "testrun: DynamoDB Local's CPU: %s\n", strings.Join(cpu, ", "))
		}
	}
	var endpoints []string
	for i, s := range srvs {
		if errs[i] != nil {
			return nil, stop, errs[i]
		}
		endpoints = append(endpoints, s.Endpoint())
	}
	return endpoints, stop, nil
}

// goEnv is the environment of the run's go commands: this one's, with -trimpath.
// Without it the build cache keys a package of this module by its directory, so a
// fresh clone compiles the module anew in each of the run's four ways (vet, -race,
// Windows, macOS), about half of a run's CPU, though the same code was built at
// another path before; with it, a clone reuses what any checkout built (the go
// commands that tests start inherit it).
func goEnv() []string {
	return append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -trimpath"))
}

// testEnv points a step's tests at the DynamoDB Local at endpoint.
func testEnv(endpoint string) []string {
	return append(goEnv(),
		"AWS_ENDPOINT_URL_DYNAMODB="+endpoint,
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS="+endpoint,
		"AWS_REGION="+ddblocal.Region,
		"AWS_ACCESS_KEY_ID="+ddblocal.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+ddblocal.SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_EC2_METADATA_DISABLED=true",
		"GATEPASS_REQUIRE_DDB=1",
	)
}

// browserPackage holds the browser tests (browserTests), which run as a step of their
// own when the run includes them and no -run or -skip narrows it.
const (
	browserPackage = "gatepass/infra/cmd/local"
	browserTests   = "^TestConsole$"
)

// browserStep reports whether the browser tests get their own step.
func browserStep(g groups, flags []string) bool {
	return slices.Contains(g.streams, browserPackage) && !hasFlag(flags, "-run") && !hasFlag(flags, "-skip")
}

// noRace lists packages tested without the race detector: their code and tests start
// no goroutine and share nothing (wiring, parsers, generated code, tools), so it finds
// nothing there and costs a race build and link each (the detector instruments all code
// of a binary, so these packages' code is still raced inside shared/api's and
// infra/cmd/local's tests). Compiling the SAM JSON schema takes 7 s plain and 210 s
// under -race on 2 cores.
var noRace = map[string]bool{
	"gatepass/functions/cancellations":  true,
	"gatepass/functions/catalog":        true,
	"gatepass/functions/catalogevents":  true,
	"gatepass/functions/check":          true,
	"gatepass/functions/console":        true,
	"gatepass/functions/grant":          true,
	"gatepass/functions/list":           true,
	"gatepass/functions/pretoken":       true,
	"gatepass/functions/publish":        true,
	"gatepass/functions/reminders":      true,
	"gatepass/functions/renew":          true,
	"gatepass/functions/revoke":         true,
	"gatepass/infra/cmd/consolebuild":   true,
	"gatepass/infra/cmd/ddb":            true,
	"gatepass/infra/cmd/migrate":        true,
	"gatepass/infra/cmd/openapilint":    true,
	"gatepass/infra/cmd/token":          true,
	"gatepass/infra/cmd/validate":       true,
	"gatepass/infra/emulators/template": true,
	"gatepass/infra/testkit/doccheck":   true,
	"gatepass/shared/canonjson":         true,
	"gatepass/shared/client":            true,
	"gatepass/shared/console":           true,
	"gatepass/shared/localjwt":          true,
	"gatepass/shared/metrics":           true,
	"gatepass/shared/pretoken":          true,
	"gatepass/shared/settings":          true,
	"gatepass/shared/signature":         true,
	"gatepass/shared/store/storetest":   true,
}

// streamReaders lists the packages whose tests read DynamoDB streams. Each runs with a
// DynamoDB Local of its own: 1.25.1 loses stream records when two processes read the
// streams of different tables of one emulator at once (seen here: each of these
// packages passes alone, and any two of them fail when they share an emulator). The
// other packages' tables have no stream (storetest.Open), which keeps one emulator
// quick for all of them.
var streamReaders = map[string]bool{
	"gatepass/infra/emulators/streams": true,
	"gatepass/infra/cmd/local":         true,
	"gatepass/shared/jobs":             true,
}

// groups are the packages of one go test step each.
type groups struct{ racy, streams, plain []string }

// group expands the package patterns and sorts the packages into their steps.
func group(ctx context.Context, pkgs []string) (groups, error) {
	var g groups
	out, err := exec.CommandContext(ctx, "go", append([]string{"list"}, pkgs...)...).Output()
	if err != nil {
		return g, fmt.Errorf("go list %s: %w", strings.Join(pkgs, " "), err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch {
		case noRace[p]:
			g.plain = append(g.plain, p)
		case streamReaders[p]:
			g.streams = append(g.streams, p)
		default:
			g.racy = append(g.racy, p)
		}
	}
	return g, nil
}

// step is one command of the run: argv (leading NAME=value words add to its
// environment), then the commands in then, one after the other. A live step streams
// its output; the others' output is printed whole when they end, so that steps running
// side by side do not interleave.
type step struct {
	argv []string
	then [][]string
	env  []string
	live bool
	// quiet drops the commands' standard output (go list's blank lines); their errors
	// still show.
	quiet bool
}

// together runs steps side by side and returns the first failing status.
func together(ctx context.Context, steps []step) int {
	codes := make([]int, len(steps))
	var wg sync.WaitGroup
	for i, s := range steps {
		wg.Go(func() {
			if s.live {
				codes[i] = s.run(ctx, os.Stderr)
				return
			}
			var out bytes.Buffer
			codes[i] = s.run(ctx, &syncWriter{w: &out})
			printMu.Lock()
			os.Stdout.Write(out.Bytes()) //nolint:errcheck // the terminal
			printMu.Unlock()
		})
	}
	wg.Wait()
	for _, c := range codes {
		if c != 0 {
			return c
		}
	}
	return 0
}

// printMu keeps one buffered step's output whole on the terminal.
var printMu sync.Mutex

// run runs the step's commands in order, stopping at the first that fails; its
// output goes to out (stdout too, for a live step), its start and end lines to stderr.
func (s step) run(ctx context.Context, out io.Writer) int {
	for _, argv := range append([][]string{s.argv}, s.then...) {
		if ctx.Err() != nil {
			return 130
		}
		began := time.Now()
		fmt.Fprintf(os.Stderr, "testrun: %s\n", strings.Join(argv, " "))
		code, cpu := runCommand(ctx, s.env, argv, out, s.quiet)
		verdict := "ok"
		if code != 0 {
			verdict = "FAIL"
		}
		fmt.Fprintf(os.Stderr, "testrun: %s %s in %s (%s of CPU)\n", verdict, short(argv), time.Since(began).Round(100*time.Millisecond), cpu.Round(100*time.Millisecond))
		if code != 0 {
			return code
		}
	}
	return 0
}

// short names a command in a line: its words up to the first package.
func short(argv []string) string {
	var w []string
	for _, a := range argv {
		w = append(w, a)
		if strings.HasPrefix(a, "gatepass/") || strings.HasPrefix(a, "./") {
			if len(argv) > len(w) {
				w = append(w, "...")
			}
			break
		}
	}
	return strings.Join(w, " ")
}

// runCommand runs one command with its output going to out and returns its status and
// the CPU time it and the processes it waited for used (go test's compiles and test
// binaries); on Ctrl-C it is interrupted and, if it lingers, killed. Leading NAME=value
// words of argv are added to its environment.
func runCommand(ctx context.Context, env, argv []string, out io.Writer, quiet bool) (int, time.Duration) {
	for len(argv) > 1 && strings.Contains(argv[0], "=") {
		env = append(slices.Clip(env), argv[0])
		argv = argv[1:]
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, out, out
	if out == os.Stderr {
		cmd.Stdout = os.Stdout
	}
	if quiet {
		cmd.Stdout = io.Discard
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var cpu time.Duration
	if ps := cmd.ProcessState; ps != nil {
		cpu = ps.UserTime() + ps.SystemTime()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, cpu
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode(), cpu
	default:
		fmt.Fprintf(os.Stderr, "testrun: %s: %v\n", argv[1], err)
		return 1, cpu
	}
}

// syncWriter serialises writes from a command's two streams (and from several
// emulators to one log).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// splitArgs separates package patterns from go test flags.
func splitArgs(args []string) (flags, pkgs []string) {
	for _, a := range args {
		if strings.HasPrefix(a, "./") || strings.HasPrefix(a, "../") || a == "all" {
			pkgs = append(pkgs, a)
		} else {
			flags = append(flags, a)
		}
	}
	if len(pkgs) == 0 {
		pkgs = []string{"./..."}
	}
	return flags, pkgs
}

func hasFlag(flags []string, name string) bool {
	for _, f := range flags {
		if f == name || f == "-"+name || strings.HasPrefix(f, name+"=") || strings.HasPrefix(f, "-"+name+"=") {
			return true
		}
	}
	return false
}

// emulatorLog is where DynamoDB Local's own output goes: a file in the cache (ddblocal
// also quotes its last lines when the emulator fails to start). Nil when the cache is
// not writable.
func emulatorLog() *os.File {
	dir, err := ddblocal.DefaultCacheDir()
	if err != nil || os.MkdirAll(dir, 0o755) != nil {
		return nil
	}
	f, err := os.Create(filepath.Join(dir, "testrun-ddblocal.log"))
	if err != nil {
		return nil
	}
	return f
}
