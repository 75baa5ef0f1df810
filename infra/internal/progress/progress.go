// Package progress says what a long first-time step is doing (an npm install, a build
// from the module proxy), so that a first `make run` or `make test` is never silent for
// a minute.
package progress

import (
	"fmt"
	"io"
	"os"
	"time"
)

// Every is how often a step still running says so.
const Every = 10 * time.Second

// Run prints what is starting, a line every Every while fn runs, and how long it took.
// A nil w means os.Stderr.
func Run(w io.Writer, what string, fn func() error) error {
	if w == nil {
		w = os.Stderr
	}
	start := time.Now()
	fmt.Fprintf(w, "%s (first run only)...\n", what)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(Every)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fmt.Fprintf(w, "%s: still running (%s)\n", what, time.Since(start).Round(time.Second))
			}
		}
	}()
	err := fn()
	close(done)
	<-stopped // no line after the last one
	if err != nil {
		fmt.Fprintf(w, "%s: failed after %s\n", what, time.Since(start).Round(time.Second))
		return err
	}
	fmt.Fprintf(w, "%s: done in %s\n", what, time.Since(start).Round(time.Second))
	return nil
}
