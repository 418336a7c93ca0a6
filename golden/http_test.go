package golden_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
)

// httpQuery is a windowed count over generated clicks with a watermark: its progress has
// input, state, late rows and a watermark that moves, every 200ms.
const httpQuery = `CREATE SOURCE clicks (ts TIMESTAMP, user STRING, ms DOUBLE, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'generator', rows_per_second = 2000, cardinality = 20, disorder = '500ms');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT window.start AS start, count(*) AS clicks
FROM clicks GROUP BY window(ts, INTERVAL '1' SECOND) TRIGGER EVERY '200 milliseconds';`

// httpProgram is a running program started with --http :0: its address and its progress
// lines as they come.
type httpProgram struct {
	addr     string
	progress chan string
}

// startHTTP builds httpQuery and runs it with --http :0 until the test ends.
func startHTTP(t *testing.T, extra ...string) *httpProgram {
	t.Helper()
	return runHTTP(t, buildQuery(t, httpQuery), extra...)
}

// runHTTP runs the program bin with --http :0 and --progress json until the test ends.
func runHTTP(t *testing.T, bin string, extra ...string) *httpProgram {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--http", ":0", "--progress", "json", "--timeout", "2m"}, extra...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	p := &httpProgram{progress: make(chan string, 1000)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			l := sc.Text()
			if a, ok := strings.CutPrefix(l, "serving metrics and the web UI on http://"); ok {
				addr <- strings.TrimSuffix(a, "/")
			} else if strings.HasPrefix(l, "{") {
				select {
				case p.progress <- l:
				default:
				}
			}
		}
		close(p.progress)
	}()
	select {
	case p.addr = <-addr:
	case <-time.After(time.Minute):
		t.Fatal("the program did not say where it serves")
	}
	if !strings.HasPrefix(p.addr, "127.0.0.1:") {
		t.Fatalf("--http :0 serves on %s, want 127.0.0.1 only", p.addr)
	}
	return p
}

// waitBatches waits for n more progress lines and returns the last.
func (p *httpProgram) waitBatches(t *testing.T, n int) string {
	t.Helper()
	var last string
	for range n {
		select {
		case l, ok := <-p.progress:
			if !ok {
				t.Fatal("the program stopped")
			}
			last = l
		case <-time.After(time.Minute):
			t.Fatal("no progress for a minute")
		}
	}
	return last
}

func (p *httpProgram) get(t *testing.T, path string) (string, http.Header) {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v\n%s", path, resp.Status, err, b)
	}
	return string(b), resp.Header
}

// scrape reads /metrics with Prometheus's parser and returns each counter and gauge's value
// and each histogram's count, by "name,label=value,..." with the labels sorted.
func (p *httpProgram) scrape(t *testing.T) map[string]float64 {
	t.Helper()
	body, h := p.get(t, "/metrics")
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	var parser expfmt.TextParser
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics is not Prometheus text: %v\n%s", err, body)
	}
	out := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.Metric {
			var labels []string
			for _, l := range m.Label {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			key := strings.Join(append([]string{name}, labels...), ",")
			switch {
			case m.Counter != nil:
				out[key] = m.Counter.GetValue()
			case m.Gauge != nil:
				out[key] = m.Gauge.GetValue()
			case m.Histogram != nil:
				out[key] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return out
}

// TestHTTPEndToEnd runs a built program with --http: /metrics is valid Prometheus text whose
// counters grow between two scrapes, the progress API carries Spark's field names, the
// queries API the query's status.
func TestHTTPEndToEnd(t *testing.T) {
	p := startHTTP(t)
	// A window is written once the watermark (1s behind) passes its end: the first after
	// about 2s, then one a second.
	p.waitBatches(t, 12)
	first := p.scrape(t)
	p.waitBatches(t, 8)
	second := p.scrape(t)
	for _, k := range []string{"sqlstream_input_rows_total,query=out,source=clicks", "sqlstream_batches_total,query=out",
		"sqlstream_batch_duration_seconds,query=out", "sqlstream_output_rows_total,query=out,sink=out"} {
		if second[k] <= first[k] {
			t.Errorf("%s: %v then %v, want it to grow", k, first[k], second[k])
		}
	}
	for _, k := range []string{"sqlstream_watermark_seconds,query=out", "sqlstream_state_rows,operator=stateStoreSave,query=out", "go_goroutines"} {
		if second[k] <= 0 {
			t.Errorf("%s = %v, want positive", k, second[k])
		}
	}
	if second["sqlstream_query_active,query=out"] != 1 {
		t.Errorf("the query is active: %v", second["sqlstream_query_active,query=out"])
	}

	body, _ := p.get(t, "/api/v1/progress")
	var recent map[string][]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &recent); err != nil {
		t.Fatalf("/api/v1/progress: %v\n%s", err, body)
	}
	ps := recent["out"]
	if len(ps) < 5 {
		t.Fatalf("/api/v1/progress: %d records of query out, want at least 5", len(ps))
	}
	for _, f := range []string{"id", "runId", "name", "timestamp", "batchId", "batchDuration", "numInputRows", "inputRowsPerSecond",
		"processedRowsPerSecond", "durationMs", "eventTime", "stateOperators", "sources", "sink"} {
		if _, ok := ps[len(ps)-1][f]; !ok {
			t.Errorf("/api/v1/progress: no %s in %v", f, ps[len(ps)-1])
		}
	}
	var last struct {
		BatchID      int64 `json:"batchId"`
		NumInputRows int64 `json:"numInputRows"`
		Sources      []struct {
			NumInputRows int64 `json:"numInputRows"`
		} `json:"sources"`
	}
	b, _ := json.Marshal(ps[len(ps)-1])
	json.Unmarshal(b, &last)
	if len(last.Sources) != 1 || last.Sources[0].NumInputRows != last.NumInputRows {
		t.Errorf("the source's rows are the batch's: %s", b)
	}
	body, _ = p.get(t, "/api/v1/progress?query=out&n=2")
	if err := json.Unmarshal([]byte(body), &recent); err != nil || len(recent["out"]) != 2 {
		t.Errorf("n=2: %v %d records", err, len(recent["out"]))
	}

	body, _ = p.get(t, "/api/v1/queries")
	var qs []struct {
		Name, ID, Trigger, Watermark string
		Active                       bool
		LastBatch                    *int64
	}
	if err := json.Unmarshal([]byte(body), &qs); err != nil || len(qs) != 1 {
		t.Fatalf("/api/v1/queries: %v\n%s", err, body)
	}
	if q := qs[0]; q.Name != "out" || !q.Active || q.Trigger != "interval 200ms" || q.LastBatch == nil || q.Watermark == "" || q.ID == "" {
		t.Errorf("/api/v1/queries: %s", body)
	}
	if body, _ := p.get(t, "/healthz"); body != "ok\n" {
		t.Errorf("/healthz: %q", body)
	}
	if body, h := p.get(t, "/"); !strings.Contains(body, "<svg") && !strings.Contains(body, "sqlstream") || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("/ is not the UI page: %s", h.Get("Content-Type"))
	}
}

// TestWebUIInChromium loads the web UI of a running program in headless Chromium: the page
// draws, from the progress API, the six charts with data points and the table of recent
// batches. A screenshot goes into the test's temporary directory.
func TestWebUIInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (.ci/run installs Debian's chromium package)")
		}
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	p := startHTTP(t)
	p.waitBatches(t, 8)
	tmp := t.TempDir()
	browse := func(args ...string) string {
		t.Helper()
		// The virtual time budget lets the page's fetches and first polls run before the DOM
		// is dumped or the screenshot taken.
		cmd := exec.Command(chromium, append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + filepath.Join(tmp, "profile"),
			"--virtual-time-budget=5000", "--window-size=1300,1400"}, append(args, "http://"+p.addr+"/")...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, stderr.String())
		}
		return stdout.String()
	}
	dom := browse("--dump-dom")
	if !strings.Contains(dom, `data-query="out"`) {
		t.Fatalf("no section for query out in the page:\n%s", dom)
	}
	points := regexp.MustCompile(`class="chart-svg"[^>]*data-points="(\d+)"`).FindAllStringSubmatch(dom, -1)
	if len(points) != 6 {
		t.Errorf("%d charts, want 6 (input rate, process rate, input rows, batch duration, watermark gap, state rows)", len(points))
	}
	for i, m := range points {
		if n, _ := strconv.Atoi(m[1]); n < 8 {
			t.Errorf("chart %d has %d data points, want at least the 8 batches run before the page loaded", i, n)
		}
	}
	for _, want := range []string{"Input rate", "Process rate", "Input rows", "Batch duration", "Global watermark gap", "Aggregated state rows",
		"1 query, 1 active", `class="series"`, "addBatch"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if rows := strings.Count(dom, "<tr>"); rows < 9 {
		t.Errorf("the recent batches table has %d rows, want a header and at least 8 batches", rows)
	}
	shot := filepath.Join(tmp, "ui.png")
	browse("--screenshot=" + shot)
	b, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("no screenshot: %v", err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(b))
}
