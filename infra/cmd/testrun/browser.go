package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
)

// browserNames are what the browser tests (infra/cmd/local TestConsole) look for in PATH.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// consolePackages are the packages whose tests need the console built into
// shared/console/dist (the console function embeds it at compile time).
var consolePackages = []string{"gatepass/infra/cmd/local", "gatepass/shared/console"}

// needsConsole reports whether any package of the run embeds the console.
func needsConsole(g groups) bool {
	for _, list := range [][]string{g.racy, g.streams, g.plain} {
		for _, p := range list {
			if slices.Contains(consolePackages, p) {
				return true
			}
		}
	}
	return false
}

// ensureBrowser finds Chrome or Chromium for the browser tests, or installs Debian's
// chromium package when apt-get is there and we are root, and says which. Without one
// the browser tests fail under CI=true and skip elsewhere.
func ensureBrowser(ctx context.Context) {
	if p := os.Getenv("GATEPASS_BROWSER"); p != "" {
		fmt.Fprintf(os.Stderr, "testrun: browser tests use %s (GATEPASS_BROWSER)\n", p)
		return
	}
	for _, n := range browserNames {
		if p, err := exec.LookPath(n); err == nil {
			fmt.Fprintf(os.Stderr, "testrun: browser tests use %s\n", p)
			return
		}
	}
	if _, err := exec.LookPath("apt-get"); err != nil || os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "testrun: no Chrome or Chromium found and no apt-get as root to install one: the browser tests will fail under CI=true, skip otherwise")
		return
	}
	fmt.Fprintln(os.Stderr, "testrun: no Chrome or Chromium found: installing Debian's chromium (apt-get install -y chromium)")
	for _, argv := range [][]string{{"apt-get", "update", "-qq"}, {"apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"}} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			os.Stderr.Write(out)
			fmt.Fprintf(os.Stderr, "testrun: %v: the browser tests will fail under CI=true, skip otherwise\n", err)
			return
		}
	}
	fmt.Fprintln(os.Stderr, "testrun: installed chromium for the browser tests")
}
