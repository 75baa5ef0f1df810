package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"gatepass/infra/emulators/eventbus"
	"gatepass/infra/emulators/rie"
	tpl "gatepass/infra/emulators/template"
)

// coldStart is one function's figures under the Lambda RIE.
type coldStart struct {
	Name    string
	Event   string
	Size    int64
	Cold    time.Duration // RIE start → first answer (median of the tries)
	Warm    time.Duration // the second invocation of the same process
	FnError bool          // the function answered with an error document
}

// measureColdStarts builds every functions/<name> for the host as `make build` builds
// it for arm64 (-tags lambda.norpc, -trimpath, -s -w, CGO off) and times each under
// the RIE with the first sample event of events/<name>/, the environment pointing at
// the bench table and a local event bus.
func measureColdStarts(ctx context.Context, root, endpoint, table string, tries int) ([]coldStart, time.Duration, error) {
	out, err := os.MkdirTemp("", "gatepass-bench-fn-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(out)
	t := time.Now()
	names, err := buildFunctions(ctx, root, out)
	if err != nil {
		return nil, 0, err
	}
	buildTime := time.Since(t)

	t0, err := tpl.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, 0, err
	}
	busURL, stopBus, err := startBus()
	if err != nil {
		return nil, 0, err
	}
	defer stopBus()
	rieBin, err := rie.Install(ctx, filepath.Join(root, ".cache"))
	if err != nil {
		return nil, 0, err
	}
	var res []coldStart
	for _, name := range names {
		cs := coldStart{Name: name}
		bin := filepath.Join(out, name)
		fi, err := os.Stat(bin)
		if err != nil {
			return nil, 0, err
		}
		cs.Size = fi.Size()
		event, evName, err := sampleEvent(root, name)
		if err != nil {
			return nil, 0, err
		}
		cs.Event = evName
		env := map[string]string{}
		if fn, ok := t0.Function(name); ok {
			maps.Copy(env, fn.Env)
		}
		maps.Copy(env, map[string]string{
			"TABLE_NAME": table, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
			"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
			"AWS_ENDPOINT_URL_DYNAMODB": endpoint, "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": endpoint,
			"AWS_ENDPOINT_URL_EVENTBRIDGE": busURL,
		})
		if err := timeStarts(ctx, &cs, bin, event, env, rieBin, tries); err != nil {
			return nil, 0, err
		}
		res = append(res, cs)
	}
	return res, buildTime, nil
}

// buildFunctions builds every functions/<name> into out and returns the names, sorted.
func buildFunctions(ctx context.Context, root, out string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return nil, err
	}
	var names, pkgs []string
	for _, e := range entries { // ReadDir sorts by name
		if e.IsDir() {
			names = append(names, e.Name())
			pkgs = append(pkgs, "./functions/"+e.Name())
		}
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out + "/"}, pkgs...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build functions: %v\n%s", err, b)
	}
	return names, nil
}

// timeStarts starts bin under the RIE tries times and invokes it twice each time: cs
// gets the median first answer and the fastest second one.
func timeStarts(ctx context.Context, cs *coldStart, bin string, event []byte, env map[string]string, rieBin string, tries int) error {
	var colds []time.Duration
	for range tries {
		var logs bytes.Buffer
		start := time.Now()
		em, err := rie.StartWith(ctx, bin, env, rie.Options{RIEPath: rieBin, Stdout: &logs, Stderr: &logs})
		if err != nil {
			return fmt.Errorf("%s: %w", cs.Name, err)
		}
		ictx, cancel := context.WithTimeout(ctx, time.Minute)
		_, err = em.Invoke(ictx, event)
		cold := time.Since(start)
		var fnErr *rie.InvokeError
		if err != nil && !errors.As(err, &fnErr) {
			cancel()
			em.Stop()
			return fmt.Errorf("%s: %w\n%s", cs.Name, err, tail(logs.String(), 2000))
		}
		cs.FnError = cs.FnError || fnErr != nil
		start = time.Now()
		_, _ = em.Invoke(ictx, event)
		warm := time.Since(start)
		cancel()
		em.Stop()
		colds = append(colds, cold)
		if cs.Warm == 0 || warm < cs.Warm {
			cs.Warm = warm
		}
	}
	slices.Sort(colds)
	cs.Cold = colds[len(colds)/2]
	return nil
}

// sampleEvent is the first sample event of the function (by file name).
func sampleEvent(root, name string) ([]byte, string, error) {
	files, err := filepath.Glob(filepath.Join(root, "events", name, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, "", fmt.Errorf("no sample event in events/%s/", name)
	}
	slices.Sort(files)
	b, err := os.ReadFile(files[0])
	return b, filepath.Base(files[0]), err
}

// startBus serves a local EventBridge endpoint, so that the publish function's first
// answer is not an SDK retrying an address where nothing listens.
func startBus() (string, func(), error) {
	bus, err := eventbus.New(eventbus.Config{Logger: discardLogger()})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: bus, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close(); bus.Close() }, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
