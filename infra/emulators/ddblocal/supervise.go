package ddblocal

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Supervisor keeps a DynamoDB Local running on one port: when the emulator exits (it
// crashed, or someone killed it), it is started again on the same port, so that the
// clients' endpoint stays valid, and Ready runs again (to re-create what is missing).
type Supervisor struct {
	opts  Options
	ready func(ctx context.Context, endpoint string) error
	log   *slog.Logger

	mu       sync.Mutex
	cur      *Server
	restarts int
	cancel   context.CancelFunc
	done     chan struct{}
}

// Supervise starts DynamoDB Local with opts, calls ready once it answers, and then
// restarts it whenever it exits until Stop. ready may be nil. The first start's error
// is returned; later failures are logged and retried with a backoff (up to 5 s).
func Supervise(ctx context.Context, opts Options, log *slog.Logger, ready func(ctx context.Context, endpoint string) error) (*Supervisor, error) {
	if log == nil {
		log = slog.Default()
	}
	if ready == nil {
		ready = func(context.Context, string) error { return nil }
	}
	srv, err := Start(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := ready(ctx, srv.Endpoint()); err != nil {
		_ = srv.Stop()
		return nil, err
	}
	opts.Port = srv.Port() // every restart takes the same port
	sctx, cancel := context.WithCancel(context.Background())
	s := &Supervisor{opts: opts, ready: ready, log: log, cur: srv, cancel: cancel, done: make(chan struct{})}
	go s.watch(sctx)
	return s, nil
}

// Endpoint is the emulator's URL; it does not change across restarts.
func (s *Supervisor) Endpoint() string { return "http://127.0.0.1:" + strconv.Itoa(s.opts.Port) }

// Current is the emulator running now (tests kill it to play a crash).
func (s *Supervisor) Current() *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Restarts is how many times the emulator was started again.
func (s *Supervisor) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}

// Stop ends the supervision and the emulator.
func (s *Supervisor) Stop() error {
	s.cancel()
	<-s.done
	if cur := s.Current(); cur != nil {
		_ = cur.Stop()
	}
	return nil
}

func (s *Supervisor) watch(ctx context.Context) {
	defer close(s.done)
	for {
		cur := s.Current()
		select {
		case <-ctx.Done():
			return
		case <-cur.Done():
		}
		s.log.Warn("DynamoDB Local exited; restarting it", "endpoint", s.Endpoint(), "status", errString(cur.err))
		backoff := 100 * time.Millisecond
		for {
			srv, err := Start(ctx, s.opts)
			if err == nil {
				if err = s.ready(ctx, srv.Endpoint()); err == nil {
					s.mu.Lock()
					s.cur = srv
					s.restarts++
					s.mu.Unlock()
					s.log.Info("DynamoDB Local restarted", "endpoint", srv.Endpoint())
					break
				}
				_ = srv.Stop()
			}
			if ctx.Err() != nil {
				return
			}
			s.log.Error("DynamoDB Local restart failed; retrying", "error", err.Error(), "backoff_ms", backoff.Milliseconds())
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return "exited"
	}
	return err.Error()
}
