package runtime

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"
)

// httpServer is the --http server: HTTP/1.1 GET and HEAD of a handful of read-only paths,
// one request per connection. It stands in for net/http, which would add about 5 MB to every
// generated program and double its warm build (DESIGN.md, Observability): what it serves is
// small, answered from memory, and read by Prometheus, curl and browsers, for which
// "Connection: close" and a Content-Length are all HTTP asks.
type httpServer struct {
	ln     net.Listener
	handle func(path string, q url.Values) response
	conns  chan struct{} // a slot per connection being served
	wg     sync.WaitGroup
}

const (
	maxConns       = 32
	maxHeaderBytes = 16 << 10
	requestTimeout = 10 * time.Second
)

func (s *httpServer) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // out of file descriptors, say: try again
			continue
		}
		select {
		case s.conns <- struct{}{}:
		default:
			c.Close() // too many at once: a scraper retries
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-s.conns }()
			s.serveConn(c)
		}()
	}
}

func (s *httpServer) close() {
	s.ln.Close()
	s.wg.Wait()
}

// serveConn answers the connection's first request and closes it.
func (s *httpServer) serveConn(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(requestTimeout))
	method, target, err := readRequest(bufio.NewReaderSize(c, 4096))
	w := bufio.NewWriter(c)
	defer w.Flush()
	if err != nil {
		writeResponse(w, "GET", textResponse(400, err.Error()))
		return
	}
	if method != "GET" && method != "HEAD" {
		writeResponse(w, method, textResponse(405, "only GET and HEAD"))
		return
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		writeResponse(w, method, textResponse(400, "bad request target"))
		return
	}
	writeResponse(w, method, s.handle(u.Path, u.Query()))
}

// readRequest reads a request line and its header fields (which are not needed), at most
// maxHeaderBytes of them.
func readRequest(r *bufio.Reader) (method, target string, err error) {
	n := 0
	line := func() (string, error) {
		l, err := r.ReadString('\n')
		n += len(l)
		if err != nil {
			return "", fmt.Errorf("incomplete request: %w", err)
		}
		if n > maxHeaderBytes {
			return "", errors.New("request header too large")
		}
		return strings.TrimRight(l, "\r\n"), nil
	}
	first, err := line()
	if err != nil {
		return "", "", err
	}
	parts := strings.Split(first, " ")
	if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") {
		return "", "", fmt.Errorf("malformed request line %q", first)
	}
	for {
		l, err := line()
		if err != nil {
			return "", "", err
		}
		if l == "" {
			return parts[0], parts[1], nil
		}
	}
}

var statusText = map[int]string{200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 500: "Internal Server Error"}

func writeResponse(w *bufio.Writer, method string, r response) {
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
		r.status, statusText[r.status], r.contentType, len(r.body))
	if r.status == 405 {
		w.WriteString("Allow: GET, HEAD\r\n")
	}
	w.WriteString("\r\n")
	if method != "HEAD" {
		w.Write(r.body)
	}
}
