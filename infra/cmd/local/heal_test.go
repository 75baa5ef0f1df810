package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatepass/infra/emulators/ddblocal"
	"gatepass/shared/localjwt"
)

// TestRun_HealsAndKeepsItsData is make run as a developer lives with it: DynamoDB Local
// killed under the running stack comes back by itself with its data, and a second run
// on the same cache has the first run's data and publishes what is new, repeating no
// event (the defects: 503 forever after a crash, and every restart lost the data).
func TestRun_HealsAndKeepsItsData(t *testing.T) {
	if _, err := exec.LookPath("java"); err != nil {
		if ddblocal.Required() {
			t.Fatalf("java is required (CI or GATEPASS_REQUIRE_DDB is set): %v", err)
		}
		t.Skipf("DynamoDB Local needs java: %v", err)
	}
	cache := shareInstall(t)
	tok, err := localjwt.Mint("heal", map[string]any{"sub": "u-heal", "tenant_id": "t-heal", "roles": []string{"tenant_admin"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	call := func(st stack, method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, st.APIEndpoint+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		if method != "GET" { // a retry of a change that did commit replays its answer
			sum := sha256.Sum256([]byte(method + " " + path + " " + body))
			req.Header.Set("Idempotency-Key", hex.EncodeToString(sum[:16]))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	// A 503 says "retry later" (the contract): a cold DynamoDB Local on a busy machine
	// can miss the function's deadline on its first writes. What the test asserts is
	// the answer once the stack serves, so a 503 is retried for a while, as a client would.
	settled := func(st stack, method, path, body string) int {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for {
			got := call(st, method, path, body)
			if got != http.StatusServiceUnavailable || time.Now().After(deadline) {
				return got
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	events := func(st stack) []string {
		t.Helper()
		var out []string
		for k, n := range eventIDs(t, st.EventBridgeEndpoint, "tenant_id", "t-heal") {
			if n > 1 {
				t.Fatalf("event %s published %d times", k, n)
			}
			out = append(out, k)
		}
		return out
	}

	st, stop := startOwnStack(t, cache)
	if got := settled(st, "PUT", "/v1/apis/api-heal", `{"workspace_id":"ws-a","name":"Heal","path":"/heal","protocols":["HTTPS"],"fields":["id"],"operation":"READ"}`); got != 201 {
		t.Fatalf("put api: got %d", got)
	}
	if got := settled(st, "POST", "/v1/workspaces", `{"id":"ws-b","name":"Heal"}`); got != 201 && got != 409 { // R29: the app's workspace
		t.Fatalf("register workspace: got %d", got)
	}
	waitFor(t, "the API's and the workspace's events", func() bool { return len(events(st)) == 2 })

	// DynamoDB Local dies under the running stack; it comes back with the data.
	pid := emulatorPid(t, cache)
	p, err := os.FindProcess(pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for call(st, "GET", "/v1/apis/api-heal", "") != 200 {
		if time.Now().After(deadline) {
			t.Fatal("the stack did not heal within 90s of DynamoDB Local's death")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if got := settled(st, "PUT", "/v1/apps/app-heal", `{"workspace_id":"ws-b","name":"Heal"}`); got != 201 {
		t.Fatalf("put app after the heal: got %d", got)
	}
	waitFor(t, "the app's event after the heal", func() bool { return len(events(st)) == 3 })
	stop()

	// A new run on the same cache: the data is there, nothing is published again, and
	// a new change is.
	st, stop = startOwnStack(t, cache)
	defer stop()
	if got := settled(st, "GET", "/v1/apis/api-heal", ""); got != 200 {
		t.Fatalf("the API after a restart: got %d, want 200", got)
	}
	if got := settled(st, "PUT", "/v1/apps/app-heal", `{"workspace_id":"ws-b","name":"Healed"}`); got != 200 {
		t.Fatalf("update the app after a restart: got %d, want 200", got)
	}
	waitFor(t, "the new change's event", func() bool { return len(events(st)) == 1 })
	time.Sleep(500 * time.Millisecond)
	if got := events(st); len(got) != 1 {
		t.Fatalf("after a restart the bus got %d events, want only the new change's", len(got))
	}
}

// shareInstall is a new cache folder whose DynamoDB Local is the one make test
// installed: the stack's data is the test's own, the npm install is not repeated (it
// took most of a minute on a busy machine).
func shareInstall(t *testing.T) string {
	t.Helper()
	shared, err := ddblocal.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ddblocal.Install(t.Context(), shared); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	if err := os.Symlink(filepath.Join(shared, "ddb"), filepath.Join(cache, "ddb")); err != nil {
		t.Fatal(err)
	}
	return cache
}

// startOwnStack runs the development server with its own file-backed DynamoDB Local
// under cache; stop ends it (also when the test ends).
func startOwnStack(t *testing.T, cache string) (stack, func()) {
	t.Helper()
	return startServer(t, config{Secret: "heal", CacheDir: cache})
}

// emulatorPid finds the DynamoDB Local whose data lives under cache.
func emulatorPid(t *testing.T, cache string) int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil || !bytes.Contains(b, []byte("DynamoDBLocal.jar")) || !bytes.Contains(b, []byte(cache)) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if err == nil {
			return pid
		}
	}
	t.Fatal("no DynamoDB Local process with data under " + cache)
	return 0
}
