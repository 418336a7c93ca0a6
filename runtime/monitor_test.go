package runtime

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// testMonitor is the monitor of a program with query q over sources a and b (a "weird"
// query name, to exercise label escaping), fed two batches.
func testMonitor(t *testing.T) *monitor {
	t.Helper()
	name := `q"1\n`
	p := Program{Queries: []QuerySpec{{Name: name, Sink: Endpoint{Name: "out"},
		Sources: []SourceSpec{{Endpoint: Endpoint{Name: "a"}}, {Endpoint: Endpoint{Name: "b"}}}}}}
	m := newMonitor(p, &flags{})
	for i, rows := range [][2]int64{{3, 4}, {10, 0}} {
		pr := Progress{Name: name, BatchID: int64(i), NumInputRows: rows[0] + rows[1], Sink: SinkProgress{NumOutputRows: 2},
			Sources:        []SourceProgress{{NumInputRows: rows[0], MalformedRows: 1}, {NumInputRows: rows[1]}},
			StateOperators: []StateOperator{{OperatorName: "stateStoreSave", NumRowsTotal: 5 + i, MemoryUsedBytes: 100, NumRowsDroppedByWatermark: 2}},
			EventTime:      map[string]string{"watermark": "2024-01-01T12:04:00.000Z"}}
		m.progress(pr, 30*time.Millisecond, 2*time.Millisecond, []int64{7, -1})
	}
	return m
}

// TestMetricsExposition parses /metrics back with Prometheus's own text parser and checks the
// values the batches added up to.
func TestMetricsExposition(t *testing.T) {
	m := testMonitor(t)
	var b bytes.Buffer
	if err := m.writeMetrics(&b); err != nil {
		t.Fatal(err)
	}
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("not valid Prometheus text: %v\n%s", err, b.String())
	}
	value := func(name string, labels ...string) float64 {
		t.Helper()
		f := fams[name]
		if f == nil {
			t.Fatalf("no %s in\n%s", name, b.String())
		}
	next:
		for _, mt := range f.Metric {
			for i := 0; i < len(labels); i += 2 {
				if labelOf(mt, labels[i]) != labels[i+1] {
					continue next
				}
			}
			switch {
			case mt.Counter != nil:
				return mt.Counter.GetValue()
			case mt.Gauge != nil:
				return mt.Gauge.GetValue()
			case mt.Histogram != nil:
				return float64(mt.Histogram.GetSampleCount())
			}
		}
		t.Fatalf("no %s%v in\n%s", name, labels, b.String())
		return 0
	}
	q := `q"1\n`
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"sqlstream_input_rows_total", []string{"query", q, "source", "a"}, 13},
		{"sqlstream_input_rows_total", []string{"query", q, "source", "b"}, 4},
		{"sqlstream_malformed_records_total", []string{"query", q, "source", "a"}, 2},
		{"sqlstream_output_rows_total", []string{"query", q, "sink", "out"}, 4},
		{"sqlstream_batches_total", []string{"query", q}, 2},
		{"sqlstream_batch_duration_seconds", []string{"query", q}, 2},
		{"sqlstream_checkpoint_duration_seconds", []string{"query", q}, 2},
		{"sqlstream_state_rows", []string{"query", q, "operator", "stateStoreSave"}, 6},
		{"sqlstream_state_bytes", []string{"query", q, "operator", "stateStoreSave"}, 100},
		{"sqlstream_watermark_seconds", []string{"query", q}, 1704110640},
		{"sqlstream_late_rows_total", []string{"query", q}, 4},
		{"sqlstream_source_lag", []string{"query", q, "source", "a"}, 7},
		{"sqlstream_query_active", []string{"query", q}, 0},
	} {
		if got := value(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if f := fams["sqlstream_batch_duration_seconds"]; f.GetType() != dto.MetricType_HISTOGRAM {
		t.Errorf("batch duration is a %v", f.GetType())
	} else {
		h := f.Metric[0].Histogram
		if h.GetSampleSum() < 0.059 || h.GetSampleSum() > 0.061 {
			t.Errorf("sum of two 30ms batches: %v", h.GetSampleSum())
		}
		for _, bk := range h.Bucket {
			if want := map[bool]uint64{true: 2, false: 0}[bk.GetUpperBound() >= 0.03]; bk.GetCumulativeCount() != want {
				t.Errorf("bucket le=%v: %d, want %d", bk.GetUpperBound(), bk.GetCumulativeCount(), want)
			}
		}
	}
	// Source b cannot tell its lag: no sample rather than a made-up 0.
	for _, mt := range fams["sqlstream_source_lag"].Metric {
		if labelOf(mt, "source") == "b" {
			t.Errorf("a lag for source b, which has none")
		}
	}
	for _, g := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "go_info", "process_start_time_seconds"} {
		if value(g) <= 0 {
			t.Errorf("%s is not positive", g)
		}
	}
	value("go_gc_cycles_total") // there, if maybe 0 this early
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestHTTPDefaultsToLoopback: a bare :PORT serves on 127.0.0.1 only, another interface only
// when named.
func TestHTTPDefaultsToLoopback(t *testing.T) {
	for in, want := range map[string]string{":4040": "127.0.0.1:4040", "0.0.0.0:4040": "0.0.0.0:4040", "[::1]:80": "[::1]:80", "localhost:9": "localhost:9"} {
		if got, err := httpAddress(in); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"4040", "host", ":http", ":70000"} {
		if _, err := httpAddress(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	addr, _ := httpAddress(":0")
	var out bytes.Buffer
	stop, err := testMonitor(t).serveHTTP(addr, &out)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	served := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(out.String()), "serving metrics and the web UI on http://"), "/")
	host, port, err := net.SplitHostPort(served)
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("serves on %q (%v), want 127.0.0.1:PORT", out.String(), err)
	}
	resp, err := http.Get("http://" + served + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok\n" {
		t.Errorf("/healthz: %q", body)
	}
	// The same port on the host's other addresses is not served.
	ifaces, _ := net.InterfaceAddrs()
	others := 0
	for _, a := range ifaces {
		ip, ok := a.(*net.IPNet)
		if !ok || ip.IP.IsLoopback() || ip.IP.To4() == nil {
			continue
		}
		others++
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.IP.String(), port), time.Second); err == nil {
			c.Close()
			t.Errorf("reachable on %s", ip.IP)
		}
	}
	if others == 0 {
		t.Logf("the host has no other IPv4 address to try")
	}
	// The API serves what the monitor holds.
	resp, err = http.Get("http://" + served + "/api/v1/progress?n=1")
	if err != nil {
		t.Fatal(err)
	}
	var recent map[string][]Progress
	err = json.NewDecoder(resp.Body).Decode(&recent)
	resp.Body.Close()
	if err != nil || len(recent[`q"1\n`]) != 1 || recent[`q"1\n`][0].BatchID != 1 {
		t.Errorf("/api/v1/progress?n=1: %v %+v", err, recent)
	}
	resp, err = http.Get("http://" + served + "/api/v1/progress?query=nope")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown query: %s", resp.Status)
		}
	}
}

// TestHTTPServerRefusesWhatItDoesNotServe: the small server answers other methods, unknown
// paths, malformed requests and oversized headers with an error status, and HEAD without a
// body.
func TestHTTPServerRefusesWhatItDoesNotServe(t *testing.T) {
	var out bytes.Buffer
	stop, err := testMonitor(t).serveHTTP("127.0.0.1:0", &out)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	addr := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(out.String()), "serving metrics and the web UI on http://"), "/")
	raw := func(req string) string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte(req))
		b, _ := io.ReadAll(c)
		return string(b)
	}
	for req, want := range map[string]string{
		"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n":                               "HTTP/1.1 405 ",
		"GET /nope HTTP/1.1\r\n\r\n":                                              "HTTP/1.1 404 ",
		"GET / HTTP/1.1 extra\r\n\r\n":                                            "HTTP/1.1 400 ",
		"GET /metrics\r\n\r\n":                                                    "HTTP/1.1 400 ",
		"GET /api/v1/progress?n=x HTTP/1.1\r\n\r\n":                               "HTTP/1.1 400 ",
		"GET /healthz HTTP/1.1\r\nX: " + strings.Repeat("a", 20<<10) + "\r\n\r\n": "HTTP/1.1 400 ",
	} {
		if got := raw(req); !strings.HasPrefix(got, want) {
			t.Errorf("%.40q: got %.60q, want %s", req, got, want)
		}
	}
	head := raw("HEAD /healthz HTTP/1.1\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || !strings.Contains(head, "Content-Length: 3\r\n") || !strings.HasSuffix(head, "\r\n\r\n") {
		t.Errorf("HEAD: %q", head)
	}
	// Go's client, as Prometheus's, reads a response whose connection closes.
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" || !bytes.Contains(body, []byte("sqlstream_batches_total")) {
		t.Errorf("/metrics: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
}
