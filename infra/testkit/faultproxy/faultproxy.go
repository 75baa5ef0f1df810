// Package faultproxy is a TCP proxy that injects the faults a dependency shows when it
// fails: tests put it between the code and DynamoDB Local (or any TCP server) and turn
// the faults on and off while traffic flows.
//
//   - Cut: every open connection is closed (FIN) and new ones are closed on accept.
//   - Refuse: nothing listens (connection refused); open connections are reset.
//   - Pause: connections stay open and new ones are accepted, but no byte moves either
//     way, as with a stopped process or a silent network.
//   - Slow: every chunk is held for a delay before it is passed on.
//   - Reset: every open connection is reset now (RST); new ones pass.
//   - Restore: back to passing everything; paused bytes flow again.
package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Mode is what the proxy does with traffic.
type Mode int

const (
	Pass Mode = iota
	Cut
	Refuse
	Pause
	Slow
)

func (m Mode) String() string {
	return [...]string{"pass", "cut", "refuse", "pause", "slow"}[m]
}

// Proxy forwards 127.0.0.1:<port> to a target address.
type Proxy struct {
	target string
	addr   string // the listening address, kept across Refuse

	mu     sync.Mutex
	ln     net.Listener // nil while refusing
	mode   Mode
	delay  time.Duration
	gate   chan struct{} // closed when traffic may flow; replaced on Pause
	conns  map[*pair]struct{}
	closed bool
	wg     sync.WaitGroup
}

type pair struct{ client, server net.Conn }

// Start listens on a free loopback port and forwards to target (host:port).
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), ln: ln, gate: make(chan struct{}), conns: map[*pair]struct{}{}}
	close(p.gate)
	p.serve(ln)
	return p, nil
}

// Addr is the proxy's host:port; URL is http://Addr.
func (p *Proxy) Addr() string { return p.addr }

// URL is the proxy's address as an http:// endpoint.
func (p *Proxy) URL() string { return "http://" + p.addr }

// Mode is the current mode.
func (p *Proxy) Mode() Mode {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode
}

// Conns is how many connections are open through the proxy.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Cut closes every open connection and every new one until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setMode(Cut)
	p.dropLocked(false)
}

// Refuse stops listening (new connections are refused) and resets the open ones.
func (p *Proxy) Refuse() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setMode(Refuse)
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.dropLocked(true)
}

// Pause holds every byte until Restore.
func (p *Proxy) Pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setMode(Pause)
}

// SlowDown holds every chunk for d before passing it on, until Restore.
func (p *Proxy) SlowDown(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.setMode(Slow)
	p.delay = d
}

// Reset resets every open connection now; the mode does not change.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropLocked(true)
}

// Restore passes traffic again (listening again after Refuse, on the same port).
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("faultproxy: closed")
	}
	p.setMode(Pass)
	if p.ln == nil {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return err
		}
		p.ln = ln
		p.serve(ln)
	}
	return nil
}

// Close stops the proxy, closes every connection and waits for its goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	p.setMode(Pass) // release paused copies so that they see their closed connections
	p.dropLocked(false)
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

// setMode switches modes; the gate is open in every mode but Pause.
func (p *Proxy) setMode(m Mode) {
	wasPaused := p.mode == Pause
	p.mode, p.delay = m, 0
	switch {
	case m == Pause && !wasPaused:
		p.gate = make(chan struct{})
	case m != Pause && wasPaused:
		close(p.gate)
	}
}

func (p *Proxy) dropLocked(rst bool) {
	for c := range p.conns {
		for _, conn := range []net.Conn{c.client, c.server} {
			if tc, ok := conn.(*net.TCPConn); ok && rst {
				_ = tc.SetLinger(0) // close sends RST instead of FIN
			}
			_ = conn.Close()
		}
		delete(p.conns, c)
	}
}

func (p *Proxy) serve(ln net.Listener) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by Refuse or Close
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.handle(c) }()
		}
	}()
}

func (p *Proxy) handle(client net.Conn) {
	p.mu.Lock()
	mode, gate := p.mode, p.gate
	p.mu.Unlock()
	if mode == Cut || mode == Refuse {
		_ = client.Close()
		return
	}
	if mode == Pause {
		<-gate // a paused peer does not even connect onwards
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		if tc, ok := client.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = client.Close()
		return
	}
	c := &pair{client: client, server: server}
	p.mu.Lock()
	if p.closed || p.mode == Cut || p.mode == Refuse {
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(server, client) }()
	go func() { defer wg.Done(); p.pipe(client, server) }()
	wg.Wait()
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = client.Close()
	_ = server.Close()
}

// pipe copies src to dst chunk by chunk, each chunk through the current mode's gate. A
// clean end of src is passed on as a half-close; any other end closes both sides.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate, delay := p.gate, p.delay
			p.mu.Unlock()
			<-gate
			if delay > 0 {
				time.Sleep(delay)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				_ = dst.Close()
				_ = src.Close()
				return
			}
		}
		if err != nil {
			if tc, ok := dst.(*net.TCPConn); ok && errors.Is(err, io.EOF) {
				_ = tc.CloseWrite()
				return
			}
			_ = dst.Close()
			_ = src.Close()
			return
		}
	}
}
