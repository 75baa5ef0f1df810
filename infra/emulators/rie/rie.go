// Package rie runs a function binary under the AWS Lambda Runtime Interface Emulator,
// the program `sam local invoke` runs inside its container, so that `make invoke`, the
// benchmark's cold-start timing and tests use the same execution path without Docker.
//
// One Emulator serves sequential invocations only (concurrent ones crash the RIE);
// start several for parallel work. Both of its addresses are bound to 127.0.0.1 on free
// ports (otherwise the RIE listens on 0.0.0.0:8080 and a fixed 9001).
package rie

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"gatepass/infra/internal/proc"
	"gatepass/infra/internal/progress"
)

// Module is the RIE release the project pins (docs/design.md, the local stack).
const Module = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// Install returns the path of aws-lambda-rie in $GATEPASS_CACHE/bin (or cacheDir/bin
// when GATEPASS_CACHE is unset), installing it with `go install` the first time.
func Install(ctx context.Context, cacheDir string) (string, error) {
	if c := os.Getenv("GATEPASS_CACHE"); c != "" {
		cacheDir = c
	}
	if cacheDir == "" {
		return "", errors.New("rie: GATEPASS_CACHE is not set and no cache directory was given")
	}
	bin, err := filepath.Abs(filepath.Join(cacheDir, "bin"))
	if err != nil {
		return "", err
	}
	path := filepath.Join(bin, "aws-lambda-rie")
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		return path, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", fmt.Errorf("rie: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "install", Module)
	cmd.Dir = os.TempDir() // outside any module: `go install pkg@version` must not touch go.mod
	cmd.Env = append(os.Environ(), "GOBIN="+bin, "CGO_ENABLED=0")
	var out []byte
	if err := progress.Run(nil, "rie: building the Lambda Runtime Interface Emulator from the Go module proxy", func() (err error) {
		out, err = cmd.CombinedOutput()
		return err
	}); err != nil {
		return "", fmt.Errorf("rie: go install %s: %v\n%s", Module, err, out)
	}
	return path, nil
}

// Emulator is one running RIE with its function.
type Emulator struct {
	URL  string // the invocation endpoint
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the process's exit error, valid after done is closed

	mu sync.Mutex // one invocation at a time
}

// Options tunes StartWith. The zero value is fine.
type Options struct {
	RIEPath string    // aws-lambda-rie; installed into $GATEPASS_CACHE/bin when empty
	Stdout  io.Writer // the RIE's and the function's output; os.Stderr when nil
	Stderr  io.Writer // os.Stderr when nil
}

// StartWith runs bootstrap under the RIE with exactly env (plus PATH) as its
// environment and returns once the RIE accepts connections.
func StartWith(ctx context.Context, bootstrap string, env map[string]string, opt Options) (*Emulator, error) {
	if opt.RIEPath == "" {
		p, err := Install(ctx, "")
		if err != nil {
			return nil, err
		}
		opt.RIEPath = p
	}
	abs, err := filepath.Abs(bootstrap)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("rie: bootstrap: %w", err)
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// Not CommandContext: the emulator outlives Start's context; Stop ends it.
	cmd := exec.Command(opt.RIEPath,
		"--runtime-interface-emulator-address", apiAddr,
		"--runtime-api-address", runtimeAddr,
		abs)
	cmd.Dir = filepath.Dir(abs)
	proc.OwnGroup(cmd) // Stop ends the RIE and its function together
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = opt.Stdout, opt.Stderr
	if cmd.Stdout == nil {
		cmd.Stdout = os.Stderr
	}
	if cmd.Stderr == nil {
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start: %w", err)
	}
	e := &Emulator{
		URL:  "http://" + apiAddr + "/2015-03-31/functions/function/invocations",
		cmd:  cmd,
		done: make(chan struct{}),
	}
	go func() { e.err = cmd.Wait(); close(e.done) }()
	if err := e.waitReady(ctx, apiAddr); err != nil {
		e.Stop()
		return nil, err
	}
	return e, nil
}

// freeAddr picks a free port on 127.0.0.1. The RIE takes addresses, not listeners, so
// there is a short window in which another process could take the port; Start fails
// then rather than talking to the wrong server.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("rie: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func (e *Emulator) waitReady(ctx context.Context, addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-e.done:
			return fmt.Errorf("rie: exited before it was ready: %v", e.err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rie: not listening on %s after 10s", addr)
		}
	}
}

// Invoke sends one event and returns the function's response: its JSON result, or the
// RIE's error document ({"errorMessage": ..., "errorType": ...}) when the function
// failed, which is returned together with an *InvokeError.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.done:
		return nil, fmt.Errorf("rie: the emulator has exited: %v", e.err)
	default:
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("rie: read response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("rie: invoke: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if t := resp.Header.Get("X-Amz-Function-Error"); t != "" || isErrorDoc(body) {
		return body, &InvokeError{Body: body}
	}
	return body, nil
}

// InvokeError is a function error (a returned error or a panic) as the RIE reports it.
type InvokeError struct {
	Body []byte
}

func (e *InvokeError) Error() string {
	return "rie: function error: " + strings.TrimSpace(string(e.Body))
}

// isErrorDoc recognizes the error document of a failed invocation, which the RIE may
// send with status 200: an object with errorMessage and nothing but errorType and
// stackTrace besides.
func isErrorDoc(b []byte) bool {
	var doc map[string]json.RawMessage
	if json.Unmarshal(b, &doc) != nil {
		return false
	}
	if _, ok := doc["errorMessage"]; !ok {
		return false
	}
	for k := range doc {
		if k != "errorMessage" && k != "errorType" && k != "stackTrace" {
			return false
		}
	}
	return true
}

// Stop ends the emulator and its function and waits for them.
func (e *Emulator) Stop() {
	if e == nil || e.cmd.Process == nil {
		return
	}
	select {
	case <-e.done:
		return
	default:
	}
	// The group Start created: the RIE and the function it runs.
	_ = proc.Terminate(e.cmd.Process)
	select {
	case <-e.done:
	case <-time.After(2 * time.Second):
		_ = proc.Kill(e.cmd.Process)
		<-e.done
	}
}
