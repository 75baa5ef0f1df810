package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuildAll(t *testing.T) {
	root := t.TempDir()
	write := func(path, s string) {
		t.Helper()
		p := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module x\n\ngo 1.22\n")
	for _, name := range []string{"alpha", "beta", "gamma"} {
		write("functions/"+name+"/main.go", "package main\n\nfunc main() {}\n")
	}
	write("functions/broken/main.go", "package main\n\nfunc main() { undefined() }\n")
	write("functions/empty/README", "no Go files: not a function\n")

	results, err := buildAll(context.Background(), root, "build", "arm64")
	if err != nil {
		t.Fatalf("buildAll: %v", err)
	}
	var names []string
	for _, r := range results {
		names = append(names, r.Name)
	}
	if got, want := strings.Join(names, ","), "alpha,beta,broken,gamma"; got != want {
		t.Fatalf("got functions %s, want %s", got, want)
	}
	for _, r := range results {
		if r.Name == "broken" {
			if r.Err == nil {
				t.Errorf("broken: got no error, want a build failure")
			}
			continue
		}
		if r.Err != nil || r.Size == 0 {
			t.Errorf("%s: got err %v size %d, want a binary\n%s", r.Name, r.Err, r.Size, r.Log)
		}
		if _, err := os.Stat(filepath.Join(root, "build", r.Name, "bootstrap")); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
	}
	var out bytes.Buffer
	if failed := report(&out, results, "arm64"); failed != 1 {
		t.Errorf("got %d failed, want 1", failed)
	}
	if !strings.Contains(out.String(), "build/alpha/bootstrap") || !strings.Contains(out.String(), "FAILED") {
		t.Errorf("got table:\n%s\nwant alpha's row and broken's FAILED", out.String())
	}
}
