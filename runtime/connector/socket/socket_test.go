package socket_test

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/socket"

	_ "github.com/sqlstream/sqlstream/golden"
)

// TestPeerThatClosedBeforeFreezeEndsTheInput: a peer that sends its lines and hangs up before
// the engine calls Freeze (a loaded machine, a fast peer) has ended a bounded run. The source
// used to reconnect, and a peer that serves one connection left it waiting forever on the
// second, which its listen backlog had accepted.
func TestPeerThatClosedBeforeFreezeEndsTheInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("apple\npear\n"))
		c.Close() // and never accept again
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	src, err := socket.OpenSource(context.Background(), rt.Endpoint{Name: "lines", Connector: "socket",
		Options: map[string]string{"host": "127.0.0.1", "port": strconv.Itoa(port)}})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	time.Sleep(300 * time.Millisecond) // past the first reconnection (100 ms backoff)
	if err := src.(interface{ Freeze(context.Context) error }).Freeze(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var off rt.Offset = rt.CountOffset(0)
	for {
		next, err := src.Next(ctx, off, true)
		if errors.Is(err, rt.ErrEndOfInput) {
			break
		}
		if err != nil {
			t.Fatalf("the input did not end: %v", err)
		}
		off = next
	}
	if n, _ := rt.ParseCount(off); n != 2 {
		t.Errorf("read %d lines before the end, want 2", n)
	}
}
