// Command local is the development server behind `make run`: the whole of gatepass on
// this machine, without an AWS account. It starts DynamoDB Local (or reuses the one at
// AWS_ENDPOINT_URL_DYNAMODB) with the gatepass table, serves every HTTP route of
// template.yaml on 127.0.0.1:3000 through an API Gateway emulation with the JWT check,
// hosts an EventBridge-compatible bus on 127.0.0.1:3001 that routes events by the
// template's rules, polls the table's stream into the publish function, and fires the
// scheduled functions at their template rates. Which handler serves which function is
// the table in mount.go. It records its endpoints in $GATEPASS_CACHE/run/stack.json
// while it runs, and stops everything it started on Ctrl-C or SIGTERM.
//
// Flags and variables: -port (GATEPASS_PORT, 3000), -bus-port (GATEPASS_BUS_PORT,
// 3001), -template (template.yaml at the repository root), -schedule-rate
// (LOCAL_SCHEDULE_RATE: fire every schedule at this Go duration instead), and
// LOCAL_JWT_SECRET (default gatepass-local-dev-secret).
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/localjwt"
)

// DefaultSecret signs and verifies local tokens unless LOCAL_JWT_SECRET is set.
const DefaultSecret = localjwt.DevSecret

func main() {
	started := time.Now()
	cfg, err := configure(os.Args[1:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(2)
	}
	cfg.Started = started
	cfg.Logger = slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg.Out = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills at once
	}()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func configure(args []string, getenv func(string) string) (config, error) {
	cfg := config{
		DynamoDB: getenv("AWS_ENDPOINT_URL_DYNAMODB"),
		Secret:   getenv("LOCAL_JWT_SECRET"),
		CacheDir: getenv("GATEPASS_CACHE"),
		Region:   getenv("AWS_REGION"),
		InMemory: getenv("LOCAL_IN_MEMORY") != "",
		Mounts:   mounts,
	}
	if cfg.Secret == "" {
		cfg.Secret = DefaultSecret
	}
	httpPort, err := envInt(getenv, "GATEPASS_PORT", 3000)
	if err != nil {
		return cfg, err
	}
	busPort, err := envInt(getenv, "GATEPASS_BUS_PORT", 3001)
	if err != nil {
		return cfg, err
	}
	var rate time.Duration
	if v := getenv("LOCAL_SCHEDULE_RATE"); v != "" {
		if rate, err = time.ParseDuration(v); err != nil {
			return cfg, fmt.Errorf("LOCAL_SCHEDULE_RATE %q: %w", v, err)
		}
	}
	defTemplate := "template.yaml"
	if root, err := ddblocal.RepoRoot(); err == nil {
		defTemplate = filepath.Join(root, "template.yaml")
	}
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.IntVar(&cfg.HTTPPort, "port", httpPort, "port of the HTTP API on 127.0.0.1 (GATEPASS_PORT)")
	fs.IntVar(&cfg.BusPort, "bus-port", busPort, "port of the EventBridge endpoint on 127.0.0.1 (GATEPASS_BUS_PORT)")
	fs.StringVar(&cfg.Template, "template", defTemplate, "the SAM template")
	fs.DurationVar(&cfg.ScheduleAt, "schedule-rate", rate, "fire every schedule at this rate instead of the template's (LOCAL_SCHEDULE_RATE)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	return cfg, nil
}

func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("%s %q: want a port number", name, v)
	}
	return n, nil
}
