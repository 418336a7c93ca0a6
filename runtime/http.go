package runtime

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
)

//go:embed ui/index.html
var uiPage []byte

// httpAddress is the address --http listens on: a bare :PORT is 127.0.0.1:PORT, so that a
// program never serves beyond the host unless an interface is named.
func httpAddress(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("expected [host]:port such as :4040 or 0.0.0.0:4040, got %q", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("port %q: expected a number up to 65535", port)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// serveHTTP starts the --http server; stop shuts it down.
func (m *monitor) serveHTTP(addr string, stderr io.Writer) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--http: %w", err)
	}
	fmt.Fprintf(stderr, "serving metrics and the web UI on http://%s/\n", ln.Addr())
	srv := &httpServer{ln: ln, handle: m.handle, conns: make(chan struct{}, maxConns)}
	go srv.serve()
	return srv.close, nil
}

// response is what a handler answers.
type response struct {
	status      int
	contentType string
	body        []byte
}

func jsonResponse(v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return response{http500, "text/plain; charset=utf-8", []byte(err.Error() + "\n")}
	}
	return response{200, "application/json", append(b, '\n')}
}

func textResponse(status int, text string) response {
	return response{status, "text/plain; charset=utf-8", []byte(text + "\n")}
}

const http500 = 500

// handle answers a GET of path with query q.
func (m *monitor) handle(path string, q url.Values) response {
	switch path {
	case "/metrics":
		var b bytes.Buffer
		m.writeMetrics(&b)
		return response{200, "text/plain; version=0.0.4; charset=utf-8", b.Bytes()}
	case "/healthz":
		return textResponse(200, "ok")
	case "/api/v1/queries":
		return jsonResponse(m.statuses())
	case "/api/v1/progress":
		n := keepProgress
		if s := q.Get("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				return textResponse(400, "n: expected a positive number")
			}
			n = v
		}
		out, err := m.recent(q.Get("query"), n)
		if err != nil {
			return textResponse(404, err.Error())
		}
		return jsonResponse(out)
	case "/":
		return response{200, "text/html; charset=utf-8", uiPage}
	}
	return textResponse(404, "not found: the paths are /, /metrics, /api/v1/progress, /api/v1/queries and /healthz")
}

// QueryStatus is one query in /api/v1/queries.
type QueryStatus struct {
	Name       string `json:"name"`
	ID         string `json:"id"`
	RunID      string `json:"runId"`
	Active     bool   `json:"active"`
	Trigger    string `json:"trigger"`
	StartedAt  string `json:"startedAt,omitempty"`
	LastBatch  *int64 `json:"lastBatch"` // null before the first
	Watermark  string `json:"watermark,omitempty"`
	Checkpoint string `json:"checkpoint,omitempty"`
	Exception  string `json:"exception,omitempty"`
}

func (m *monitor) statuses() []QueryStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []QueryStatus{}
	for _, q := range m.queries {
		s := QueryStatus{Name: q.name, ID: q.id, RunID: q.runID, Active: q.active, Trigger: q.trigger,
			StartedAt: q.startedAt, Checkpoint: q.checkpoint, Exception: q.exception}
		if n := len(q.recent); n > 0 {
			last := q.recent[n-1]
			s.LastBatch, s.Watermark = &last.BatchID, last.EventTime["watermark"]
		}
		out = append(out, s)
	}
	return out
}

// recent is the last n progress records of the query named name, or of every query for "",
// by query name.
func (m *monitor) recent(name string, n int) (map[string][]Progress, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]Progress{}
	for _, q := range m.queries {
		if name != "" && q.name != name {
			continue
		}
		r := q.recent[max(0, len(q.recent)-n):]
		out[q.name] = append([]Progress{}, r...)
	}
	if name != "" && len(out) == 0 {
		return nil, errors.New("no query named " + strconv.Quote(name))
	}
	return out, nil
}
