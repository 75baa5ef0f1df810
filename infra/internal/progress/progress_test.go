package progress

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestRun_SaysWhatAndHowItEnded(t *testing.T) {
	var b bytes.Buffer
	if err := Run(&b, "installing x", func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.HasPrefix(got, "installing x (first run only)...\n") || !strings.Contains(got, "installing x: done in ") {
		t.Errorf("got %q", got)
	}
	b.Reset()
	boom := errors.New("boom")
	if err := Run(&b, "installing y", func() error { return boom }); err != boom {
		t.Errorf("got %v, want the step's error", err)
	}
	if !strings.Contains(b.String(), "installing y: failed after ") {
		t.Errorf("got %q", b.String())
	}
}
