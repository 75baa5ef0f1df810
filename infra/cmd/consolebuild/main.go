// Command consolebuild is `make console`: it builds the console's front end
// (shared/console/web) into shared/console/dist, which the console function embeds.
//
//  1. npm ci (pinned by package-lock.json, no install scripts) into web/node_modules,
//     when the lock file changed since the last install;
//  2. openapi-typescript regenerates the API types from infra/openapi.yaml and the
//     result must equal the committed web/src/api.gen.ts (-generate writes it instead,
//     as `make generate` does for shared/client);
//  3. tsc type-checks the sources against them;
//  4. esbuild bundles and minifies src/main.tsx into dist/assets/app.js and app.css,
//     and index.html is written with each asset's content hash in its URL.
//
// Node 20 and npm are prerequisites; nothing is fetched at run time by the console.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"gatepass/infra/emulators/ddblocal"
)

func main() {
	generate := flag.Bool("generate", false, "write web/src/api.gen.ts from infra/openapi.yaml instead of checking it")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := build(ctx, *generate); err != nil {
		fmt.Fprintf(os.Stderr, "consolebuild: %v\n", err)
		os.Exit(1)
	}
}

func build(ctx context.Context, generate bool) error {
	root, err := ddblocal.RepoRoot()
	if err != nil {
		return err
	}
	start := time.Now()
	web := filepath.Join(root, "shared", "console", "web")
	dist := filepath.Join(root, "shared", "console", "dist")
	if err := install(ctx, web); err != nil {
		return err
	}
	bin := func(name string) string { return filepath.Join(web, "node_modules", ".bin", name) }

	gen := filepath.Join(web, "src", "api.gen.ts")
	tmp, err := os.CreateTemp("", "api.gen.*.ts")
	if err != nil {
		return err
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := run(ctx, web, bin("openapi-typescript"), filepath.Join(root, "infra", "openapi.yaml"), "-o", tmp.Name()); err != nil {
		return err
	}
	want, err := os.ReadFile(tmp.Name())
	if err != nil {
		return err
	}
	if generate {
		if err := os.WriteFile(gen, want, 0o644); err != nil {
			return err
		}
	} else if got, _ := os.ReadFile(gen); !bytes.Equal(got, want) {
		return errors.New("shared/console/web/src/api.gen.ts is not what infra/openapi.yaml generates: run make generate")
	}

	if err := run(ctx, web, bin("tsc"), "-p", "."); err != nil {
		return fmt.Errorf("type check: %w", err)
	}
	assets := filepath.Join(dist, "assets")
	if err := os.RemoveAll(assets); err != nil {
		return err
	}
	if err := run(ctx, web, bin("esbuild"), "src/main.tsx", "--bundle", "--minify", "--format=esm", "--target=es2020",
		"--legal-comments=none", "--log-level=warning", "--outfile="+filepath.Join(assets, "app.js")); err != nil {
		return err
	}
	page, err := os.ReadFile(filepath.Join(web, "index.html"))
	if err != nil {
		return err
	}
	var sizes []string
	for _, name := range []string{"app.js", "app.css"} {
		b, err := os.ReadFile(filepath.Join(assets, name))
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ref := "/console/assets/" + name
		if !bytes.Contains(page, []byte(`"`+ref+`"`)) {
			return fmt.Errorf("web/index.html does not load %s", ref)
		}
		page = bytes.ReplaceAll(page, []byte(`"`+ref+`"`), []byte(`"`+ref+"?v="+hex.EncodeToString(sum[:6])+`"`))
		sizes = append(sizes, fmt.Sprintf("%s %.1f KB (%.1f KB gzip)", name, float64(len(b))/1024, float64(gzipSize(b))/1024))
	}
	if err := os.WriteFile(filepath.Join(dist, "index.html"), page, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "consolebuild: shared/console/dist built in %s: %s\n", time.Since(start).Round(100*time.Millisecond), strings.Join(sizes, ", "))
	return nil
}

// install runs npm ci when node_modules is missing or older than package-lock.json
// (npm records what it installed in node_modules/.package-lock.json).
func install(ctx context.Context, web string) error {
	lock, err := os.Stat(filepath.Join(web, "package-lock.json"))
	if err != nil {
		return err
	}
	if got, err := os.Stat(filepath.Join(web, "node_modules", ".package-lock.json")); err == nil && !got.ModTime().Before(lock.ModTime()) {
		return nil
	}
	fmt.Fprintln(os.Stderr, "consolebuild: npm ci (shared/console/web/package-lock.json)")
	return run(ctx, web, "npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		os.Stderr.Write(out.Bytes())
		return fmt.Errorf("%s: %w", filepath.Base(name), err)
	}
	return nil
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Len()
}
