package runtime

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
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
	srv := &http.Server{Handler: m.handler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stderr, "serving metrics and the web UI on http://%s/\n", ln.Addr())
	go srv.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if srv.Shutdown(ctx) != nil {
			srv.Close()
		}
	}, nil
}

func (m *monitor) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.writeMetrics(w)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /api/v1/queries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, m.statuses())
	})
	mux.HandleFunc("GET /api/v1/progress", func(w http.ResponseWriter, r *http.Request) {
		n := keepProgress
		if s := r.URL.Query().Get("n"); s != "" {
			v, err := strconv.Atoi(s)
			if err != nil || v < 1 {
				http.Error(w, "n: expected a positive number", http.StatusBadRequest)
				return
			}
			n = v
		}
		out, err := m.recent(r.URL.Query().Get("query"), n)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(uiPage)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
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
