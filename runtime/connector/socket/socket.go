// Package socket is the socket source: it connects to host:port as a client and reads one
// row per line (Spark's socket source, fed for example by nc -lk 9999).
//
// When the peer closes the connection the source says so and reconnects with backoff, except
// under a bounded trigger (once, available-now), where the closed connection ends the query.
// Lines cannot be re-read, so the source is not replayable: a batch that fails is lost.
package socket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
	"github.com/sqlstream/sqlstream/runtime/connector/internal/linebuf"
)

type source struct {
	name, addr string
	log        io.Writer
	buf        *linebuf.Buffer
	cancel     context.CancelFunc

	mu      sync.Mutex
	bounded bool // set by Freeze: a closed connection ends the input
	closed  bool // a connection has ended (and receive has gone on to reconnect)
	conn    net.Conn
}

// OpenSource connects to the endpoint's host and port; failing to connect is an error.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	host := e.Options["host"]
	if host == "" {
		host = "localhost"
	}
	addr := net.JoinHostPort(host, strconv.FormatInt(connector.Int(e.Options, "port", 0), 10))
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("socket source %q: %w (is something listening, e.g. nc -lk %s?)", e.Name, err, e.Options["port"])
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &source{name: e.Name, addr: addr, log: e.Stderr, buf: linebuf.New("socket " + addr), cancel: cancel, conn: conn}
	go s.receive(ctx, conn)
	return s, nil
}

// receive fills the buffer from conn, and after the peer closes, reconnects with backoff.
func (s *source) receive(ctx context.Context, conn net.Conn) {
	backoff := 100 * time.Millisecond
	for {
		err := s.buf.Fill(conn)
		conn.Close()
		s.mu.Lock()
		bounded := s.bounded
		s.closed = true
		s.mu.Unlock()
		if ctx.Err() != nil || bounded {
			s.buf.End()
			return
		}
		why := "closed by the peer"
		if err != nil {
			why = err.Error()
		}
		for {
			s.say("warning: socket source %q: connection to %s %s; reconnecting in %v", s.name, s.addr, why, backoff)
			select {
			case <-ctx.Done():
				s.buf.End()
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 30*time.Second)
			c, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
			if err == nil {
				s.mu.Lock()
				if ctx.Err() != nil { // Freeze or Close came while dialling
					s.mu.Unlock()
					c.Close()
					s.buf.End()
					return
				}
				s.conn = c
				s.mu.Unlock()
				s.say("socket source %q: reconnected to %s", s.name, s.addr)
				conn, backoff = c, 100*time.Millisecond
				break
			}
			why = "failed: " + err.Error()
		}
	}
}

func (s *source) say(format string, args ...any) {
	if s.log != nil {
		fmt.Fprintf(s.log, format+"\n", args...)
	}
}

// Freeze makes a closed connection the end of the input (trigger once or available-now).
// When the first connection closed before Freeze (a peer that sends and hangs up at once),
// that was the end: receive is stopped rather than left on a reconnection that a peer which
// serves one connection never answers.
func (s *source) Freeze(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bounded = true
	if s.closed {
		s.cancel()
		s.conn.Close()
	}
	return nil
}

func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	s.mu.Lock()
	bounded := s.bounded
	s.mu.Unlock()
	return s.buf.Next(ctx, start, bounded)
}

// Wake wakes the trigger when a read returns lines (rt.Waker).
func (s *source) Wake() <-chan struct{} { return s.buf.Wake() }

func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	return s.buf.Read(ctx, start, end, emit)
}

// Unreplayable marks the source as one whose lines cannot be read again (rt.Unreplayable).
func (s *source) Unreplayable() {}

func (s *source) Close() error {
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
