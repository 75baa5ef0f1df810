// Command openapilint is `make lint`, and a step of `make test`: it lints
// infra/openapi.yaml with Redocly's recommended rules, every warning an error
// (infra/redocly.yaml extends recommended-strict). The pinned @redocly/cli is installed
// once from npm into $GATEPASS_CACHE/redocly/<version> (default .cache/); Node.js 22 or
// 24 (LTS) and npm are prerequisites.
//
//	go run ./infra/cmd/openapilint [document]
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/infra/internal/progress"
)

// version of @redocly/cli; a new one installs next to the old in the cache.
const version = "2.77.0"

func main() {
	doc := "infra/openapi.yaml"
	if len(os.Args) > 1 {
		doc = os.Args[1]
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := lint(ctx, doc); err != nil {
		fmt.Fprintf(os.Stderr, "openapilint: %v\n", err)
		os.Exit(1)
	}
}

func lint(ctx context.Context, doc string) error {
	root, err := ddblocal.RepoRoot()
	if err != nil {
		return err
	}
	cache, err := ddblocal.DefaultCacheDir()
	if err != nil {
		return err
	}
	bin, err := install(ctx, filepath.Join(cache, "redocly", version))
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "lint", "--config", filepath.Join(root, "infra", "redocly.yaml"), "--format", "summary", doc)
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		os.Stderr.Write(out.Bytes())
		return fmt.Errorf("redocly lint %s: %w", doc, err)
	}
	// Its success output is a banner (and, under an old Node, a deprecation notice): one line will do.
	fmt.Fprintf(os.Stderr, "%s: no problem under Redocly's recommended rules (@redocly/cli %s)\n", doc, version)
	return nil
}

// install puts @redocly/cli@version under prefix unless it is there, and returns its binary.
func install(ctx context.Context, prefix string) (string, error) {
	bin := filepath.Join(prefix, "node_modules", ".bin", "redocly")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("npm not found on PATH: install Node.js 22 or 24 (LTS) with npm (e.g. apt-get install nodejs npm)")
	}
	if err := os.MkdirAll(prefix, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--prefix", prefix, "@redocly/cli@"+version)
	var out []byte
	if err := progress.Run(nil, "openapilint: installing @redocly/cli@"+version+" from npm", func() (err error) {
		out, err = cmd.CombinedOutput()
		return err
	}); err != nil {
		return "", fmt.Errorf("npm install @redocly/cli@%s: %w\n%s", version, err, out)
	}
	return bin, nil
}
