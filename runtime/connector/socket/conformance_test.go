package socket_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
	"github.com/sqlstream/sqlstream/runtime/connector/socket"
)

// TestSourceConformance serves the source from a real TCP listener: Add writes to the
// connection of the instance opened last, End closes it.
func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		accepted := make(chan net.Conn, 16)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
				accepted <- c
			}
		}()
		var conn net.Conn // the connection of the instance opened last
		port := ln.Addr().(*net.TCPAddr).Port
		st := &conformance.Stream{Origin: "socket " + ln.Addr().String()}
		return conformance.Source{
			Open: func(t *testing.T) rt.Source {
				s, err := socket.OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: "socket",
					Options: map[string]string{"host": "127.0.0.1", "port": strconv.Itoa(port)}})
				if err != nil {
					t.Fatal(err)
				}
				select {
				case conn = <-accepted:
				case <-time.After(5 * time.Second):
					t.Fatal("the source did not connect")
				}
				return s
			},
			Add:            func(t *testing.T, n int) []string { return st.Write(t, conn, n) },
			Locate:         st.Locate,
			End:            func(t *testing.T) { conn.Close() },
			FreezeUntilEnd: true,
		}
	})
}
