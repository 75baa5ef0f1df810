package faultproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// echo is the target: it answers every line with the same line.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func start(t *testing.T) *Proxy {
	t.Helper()
	p, err := Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func dial(t *testing.T, p *Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends a line and reads the echo within wait.
func roundTrip(c net.Conn, wait time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

func TestPass(t *testing.T) {
	p := start(t)
	if got, err := roundTrip(dial(t, p), time.Second); err != nil || got != "ping\n" {
		t.Fatalf("got %q %v, want ping", got, err)
	}
}

func TestCut_ClosesOpenAndNewConnections(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	if _, err := roundTrip(c, time.Second); err != nil {
		t.Fatal(err)
	}
	p.Cut()
	if _, err := roundTrip(c, time.Second); err == nil {
		t.Fatal("an open connection still answered after Cut")
	}
	if _, err := roundTrip(dial(t, p), time.Second); err == nil {
		t.Fatal("a new connection answered during Cut")
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(dial(t, p), time.Second); err != nil {
		t.Fatalf("after Restore: %v", err)
	}
}

func TestRefuse_NothingListensUntilRestore(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	p.Refuse()
	if _, err := net.Dial("tcp", p.Addr()); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial during Refuse: got %v, want connection refused", err)
	}
	if _, err := roundTrip(c, time.Second); err == nil {
		t.Fatal("an open connection still answered after Refuse")
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(dial(t, p), time.Second); err != nil {
		t.Fatalf("after Restore: %v", err)
	}
}

func TestPause_HoldsBytesUntilRestore(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	p.Pause()
	if _, err := roundTrip(c, 200*time.Millisecond); err == nil {
		t.Fatal("answered while paused")
	}
	fresh := dial(t, p) // accepted, but held
	if _, err := roundTrip(fresh, 200*time.Millisecond); err == nil {
		t.Fatal("a new connection answered while paused")
	}
	if err := p.Restore(); err != nil {
		t.Fatal(err)
	}
	// The paused line arrives now (the deadline of the failed read is lifted first).
	_ = fresh.SetDeadline(time.Now().Add(time.Second))
	if got, err := bufio.NewReader(fresh).ReadString('\n'); err != nil || got != "ping\n" {
		t.Fatalf("after Restore: got %q %v, want the held ping", got, err)
	}
}

func TestSlow_DelaysEveryChunk(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	p.SlowDown(100 * time.Millisecond)
	began := time.Now()
	if _, err := roundTrip(c, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(began); took < 200*time.Millisecond {
		t.Fatalf("round trip took %s, want at least 2×100ms (request and answer)", took)
	}
	_ = p.Restore()
	began = time.Now()
	if _, err := roundTrip(c, time.Second); err != nil || time.Since(began) > 100*time.Millisecond {
		t.Fatalf("after Restore: %v in %s", err, time.Since(began))
	}
}

func TestReset_ResetsOpenConnectionsOnly(t *testing.T) {
	p := start(t)
	c := dial(t, p)
	if _, err := roundTrip(c, time.Second); err != nil {
		t.Fatal(err)
	}
	p.Reset()
	_, err := roundTrip(c, time.Second)
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("got %v, want connection reset", err)
	}
	if _, err := roundTrip(dial(t, p), time.Second); err != nil {
		t.Fatalf("a new connection after Reset: %v", err)
	}
}

func TestClose_LeavesNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	p, err := Start(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for range 5 {
		c, err := net.Dial("tcp", p.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := roundTrip(c, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	p.Pause()
	_ = p.Close()
	for _, c := range conns {
		c.Close()
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+1 && time.Now().Before(deadline) { // +1: the echo listener
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Fatalf("%d goroutines after Close, want at most %d", n, before+1)
	}
}
