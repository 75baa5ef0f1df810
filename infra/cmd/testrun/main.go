// Command testrun is `make test`: it starts DynamoDB Local (installing it into .cache
// if needed), points every test at it, lints infra/openapi.yaml, validates template.yaml,
// runs go vet and go test -race over the module (the stream readers one package at a
// time, the noRace packages without -race), stops the emulator on success, failure or Ctrl-C,
// prints the wall time and exits with the status of the checks.
//
//	go run ./infra/cmd/testrun [go test flags] [packages]
//
// Arguments that start with "./" (or are "all") are packages, default ./...; all the
// others are passed to go test, e.g. `go run ./infra/cmd/testrun -run TestGrant ./shared/store/...`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
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

// check runs everything with DynamoDB Local up and returns the exit status.
func check(ctx context.Context, flags, pkgs []string) int {
	var opts ddblocal.Options
	if log := emulatorLog(); log != nil {
		defer log.Close()
		opts.Output = log
	}
	began := time.Now()
	srv, err := ddblocal.Start(ctx, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testrun: %v\n", err)
		return 1
	}
	defer srv.Stop() //nolint:errcheck // Stop always returns nil
	fmt.Fprintf(os.Stderr, "testrun: DynamoDB Local at %s (ready in %s)\n", srv.Endpoint(), time.Since(began).Round(10*time.Millisecond))

	env := append(os.Environ(),
		"AWS_ENDPOINT_URL_DYNAMODB="+srv.Endpoint(),
		"AWS_ENDPOINT_URL_DYNAMODB_STREAMS="+srv.Endpoint(),
		"AWS_REGION="+ddblocal.Region,
		"AWS_ACCESS_KEY_ID="+ddblocal.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+ddblocal.SecretAccessKey,
		"AWS_SESSION_TOKEN=",
		"AWS_EC2_METADATA_DISABLED=true",
		"GATEPASS_REQUIRE_DDB=1",
	)
	status := 0
	steps := [][]string{{"go", "vet", "./..."}}
	// It must build where developers work, not only where CI runs: a Linux-only
	// field or call fails here, on Linux, at once.
	for _, target := range crossTargets {
		steps = append(steps, []string{"GOOS=" + target[0], "GOARCH=" + target[1], "go", "build", "./..."})
	}
	if _, err := os.Stat(filepath.Join("infra", "cmd", "validate")); err == nil {
		steps = append([][]string{{"go", "run", "./infra/cmd/validate", "template.yaml"}}, steps...)
	}
	if _, err := os.Stat(filepath.Join("infra", "cmd", "openapilint")); err == nil {
		steps = append([][]string{{"go", "run", "./infra/cmd/openapilint"}}, steps...)
	}
	test := []string{"go", "test", "-count=1"}
	if !hasFlag(flags, "-timeout") {
		test = append(test, "-timeout=9m")
	}
	test = append(test, flags...)
	groups, err := group(ctx, pkgs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testrun: %v\n", err)
		return 1
	}
	if len(groups.racy) > 0 {
		steps = append(steps, append(append(slices.Clone(test), "-race"), groups.racy...))
	}
	if len(groups.streams) > 0 {
		steps = append(steps, append(append(slices.Clone(test), "-race", "-p", "1"), groups.streams...))
	}
	if len(groups.plain) > 0 {
		steps = append(steps, append(slices.Clone(test), groups.plain...))
	}
	for _, argv := range steps {
		if ctx.Err() != nil {
			return 130
		}
		if code := runStep(ctx, env, argv); code != 0 && status == 0 {
			status = code
		}
	}
	if ctx.Err() != nil {
		return 130
	}
	return status
}

// crossTargets are the platforms besides this one that the module must build for:
// macOS on Apple silicon and Windows, where `make run` and `make test` run too.
var crossTargets = [][2]string{{"darwin", "arm64"}, {"windows", "amd64"}}

// noRace lists packages tested without the race detector: single-goroutine, CPU-bound
// code where it finds nothing and costs 30× (compiling the SAM JSON schema takes 7 s
// plain and 210 s under -race on 2 cores).
var noRace = map[string]bool{"gatepass/infra/cmd/validate": true}

// streamReaders lists the packages whose tests read DynamoDB streams. They run one
// package at a time: DynamoDB Local 1.25.1 loses stream records when two processes
// read the streams of different tables at once (seen here: each of these packages
// passes alone, and any two of them fail when they run side by side).
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

// runStep runs one command with its output streamed; on Ctrl-C it is interrupted and,
// if it lingers, killed. Leading NAME=value words of argv are added to its environment.
func runStep(ctx context.Context, env, argv []string) int {
	fmt.Fprintf(os.Stderr, "testrun: %s\n", strings.Join(argv, " "))
	for len(argv) > 1 && strings.Contains(argv[0], "=") {
		env = append(slices.Clip(env), argv[0])
		argv = argv[1:]
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, os.Stdout, os.Stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintf(os.Stderr, "testrun: %s: %v\n", argv[1], err)
		return 1
	}
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
