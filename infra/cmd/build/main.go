// Command build compiles every functions/<name> as deployed (linux/arm64, -tags
// lambda.norpc, -trimpath, stripped, CGO off) into build/<name>/bootstrap, at most two
// at a time, and prints a table of binary sizes.
//
//	go run ./infra/cmd/build [-root DIR] [-out DIR] [-arch arm64]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"sync"
	"text/tabwriter"
	"time"
)

// parallel is how many builds run at once: the machines this runs on have two cores.
const parallel = 2

func main() {
	root := flag.String("root", ".", "repository root")
	out := flag.String("out", "build", "output directory, relative to the root")
	arch := flag.String("arch", "arm64", "GOARCH (functions deploy as arm64)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	results, err := buildAll(ctx, *root, *out, *arch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(2)
	}
	failed := report(os.Stdout, results, *arch)
	if failed > 0 {
		for _, r := range results {
			if r.Err != nil {
				fmt.Fprintf(os.Stderr, "--- %s: %v\n%s", r.Name, r.Err, r.Log)
			}
		}
		os.Exit(1)
	}
}

// result is one function's build.
type result struct {
	Name string
	Path string
	Size int64
	Took time.Duration
	Err  error
	Log  []byte
}

// functions lists the directories under functions/ that hold Go files.
func functions(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if m, _ := filepath.Glob(filepath.Join(root, "functions", e.Name(), "*.go")); len(m) > 0 {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func buildAll(ctx context.Context, root, out, arch string) ([]result, error) {
	names, err := functions(root)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no functions under %s", filepath.Join(root, "functions"))
	}
	results := make([]result, len(names))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = buildOne(ctx, root, out, arch, name)
		}()
	}
	wg.Wait()
	return results, nil
}

func buildOne(ctx context.Context, root, out, arch, name string) result {
	r := result{Name: name, Path: filepath.Join(out, name, "bootstrap")}
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-trimpath",
		"-ldflags=-s -w", "-o", r.Path, "./functions/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	r.Err = cmd.Run()
	r.Log = log.Bytes()
	r.Took = time.Since(start)
	if r.Err == nil {
		fi, err := os.Stat(filepath.Join(root, r.Path))
		if err != nil {
			r.Err = err
		} else {
			r.Size = fi.Size()
		}
	}
	return r
}

// report prints the size table and returns how many builds failed.
func report(w io.Writer, results []result, arch string) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "function\tbinary (linux/%s)\tbytes\tMiB\tbuild\t\n", arch)
	var total int64
	failed := 0
	for _, r := range results {
		if r.Err != nil {
			failed++
			fmt.Fprintf(tw, "%s\t%s\t-\t-\tFAILED\t\n", r.Name, r.Path)
			continue
		}
		total += r.Size
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.2f\t%.1fs\t\n", r.Name, r.Path, r.Size, float64(r.Size)/(1<<20), r.Took.Seconds())
	}
	fmt.Fprintf(tw, "total\t\t%d\t%.2f\t\t\n", total, float64(total)/(1<<20))
	tw.Flush()
	return failed
}
