package golden_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// sparkProgress is the part of a progress line these tests add up.
type sparkProgress struct {
	BatchID        int64 `json:"batchId"`
	NumInputRows   int64 `json:"numInputRows"`
	StateOperators []struct {
		Total   int64 `json:"numRowsTotal"`
		Updated int64 `json:"numRowsUpdated"`
		Removed int64 `json:"numRowsRemoved"`
		Memory  int64 `json:"memoryUsedBytes"`
	} `json:"stateOperators"`
	Sources []struct {
		Description  string          `json:"description"`
		EndOffset    json.RawMessage `json:"endOffset"`
		LatestOffset json.RawMessage `json:"latestOffset"`
		NumInputRows int64           `json:"numInputRows"`
	} `json:"sources"`
	Sink struct {
		NumOutputRows int64 `json:"numOutputRows"`
	} `json:"sink"`
}

// runProgress runs bin with --progress json and returns its progress records.
func runProgress(t *testing.T, bin string, args ...string) []sparkProgress {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"--progress", "json"}, args...)...)
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr.String())
	}
	var ps []sparkProgress
	for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var p sparkProgress
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("progress line %q: %v", l, err)
		}
		ps = append(ps, p)
	}
	return ps
}

// checkAddsUp checks what holds for every batch: the sources' rows are the batch's, the
// state's rows are the last batch's plus the groups written, minus those evicted; it
// returns the input rows, the output rows and the state rows evicted over the run.
func checkAddsUp(t *testing.T, ps []sparkProgress) (in, out, removed int64) {
	t.Helper()
	var total int64
	for i, p := range ps {
		var sum int64
		for _, s := range p.Sources {
			sum += s.NumInputRows
		}
		if sum != p.NumInputRows {
			t.Errorf("batch %d: the sources' rows add up to %d, the batch has %d", p.BatchID, sum, p.NumInputRows)
		}
		if len(p.StateOperators) != 1 {
			t.Fatalf("batch %d: %d state operators", p.BatchID, len(p.StateOperators))
		}
		s := p.StateOperators[0]
		if added := s.Total - total + s.Removed; added < 0 || added > s.Updated || i == 0 && added != s.Updated {
			t.Errorf("batch %d: %d state rows after %d, with %d updated and %d removed", p.BatchID, s.Total, total, s.Updated, s.Removed)
		}
		if s.Total > 0 && s.Memory <= 0 {
			t.Errorf("batch %d: %d state rows in %d bytes", p.BatchID, s.Total, s.Memory)
		}
		total = s.Total
		in, out, removed = in+p.NumInputRows, out+p.Sink.NumOutputRows, removed+s.Removed
	}
	return in, out, removed
}

// TestProgressValuesAddUp reads two files sources, one a file per trigger, into a windowed
// count in APPEND mode: the sources' rows add up to each batch's, every window emitted is a
// state row removed, latestOffset lists the files left for later batches, and the state's
// size without a checkpoint is the size of its snapshot with one.
func TestProgressValuesAddUp(t *testing.T) {
	in := t.TempDir()
	a := writeBatches(t, []string{`{"ts":"2024-01-01 00:00:01"}` + "\n" + `{"ts":"2024-01-01 00:00:12"}` + "\n",
		`{"ts":"2024-01-01 00:00:25"}` + "\n", `{"ts":"2024-01-01 00:00:41"}` + "\n"})
	b := writeBatches(t, []string{"2024-01-01 00:00:02\n2024-01-01 00:00:13\n2024-01-01 00:00:45\n"})
	bin := buildQuery(t, fmt.Sprintf(`CREATE SOURCE a (ts TIMESTAMP, WATERMARK FOR ts AS ts)
WITH (connector = 'files', path = '%s', format = 'json', max_files_per_trigger = 1);
CREATE SOURCE b (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'files', path = '%s', format = 'csv');
CREATE SINK out WITH (connector = 'files', path = '%s', format = 'json');
INSERT INTO out SELECT window.start AS start, count(*) AS n
FROM (SELECT ts FROM a UNION ALL SELECT ts FROM b) GROUP BY window(ts, INTERVAL '10' SECOND);`, a, b, filepath.Join(in, "out")))
	ps := runProgress(t, bin, "--trigger", "available-now")
	rows, out, removed := checkAddsUp(t, ps)
	if rows != 7 {
		t.Errorf("%d input rows in all, want the 7 of the files", rows)
	}
	if out == 0 || removed != out {
		t.Errorf("%d windows written and %d state rows removed: APPEND mode evicts each window it writes", out, removed)
	}
	// Batch 0 writes windows 00:00, 00:10 and 00:40 and evicts none (no watermark yet).
	if s := ps[0].StateOperators[0]; s.Updated != 3 || s.Removed != 0 || s.Total != 3 {
		t.Errorf("batch 0: %+v", s)
	}
	src := ps[0].Sources[0]
	for _, f := range []string{"0.csv", "1.csv", "2.csv"} {
		if !strings.Contains(string(src.LatestOffset), f) {
			t.Errorf("batch 0: latestOffset %s does not list %s", src.LatestOffset, f)
		}
	}
	if strings.Contains(string(src.EndOffset), "1.csv") {
		t.Errorf("batch 0: endOffset %s goes past the one file of max_files_per_trigger", src.EndOffset)
	}
	if last := ps[len(ps)-1].Sources[0]; string(last.LatestOffset) != string(last.EndOffset) && last.NumInputRows > 0 {
		t.Errorf("the last batch with files: latestOffset %s, endOffset %s", last.LatestOffset, last.EndOffset)
	}
	os.RemoveAll(filepath.Join(in, "out"))
	cp := runProgress(t, bin, "--trigger", "available-now", "--checkpoint", filepath.Join(in, "cp"))
	if len(cp) != len(ps) {
		t.Fatalf("%d batches with a checkpoint, %d without", len(cp), len(ps))
	}
	for i := range ps {
		if got, want := ps[i].StateOperators[0].Memory, cp[i].StateOperators[0].Memory; got != want {
			t.Errorf("batch %d: memoryUsedBytes %d without a checkpoint, %d with one", i, got, want)
		}
	}
}

// TestKafkaProgressAndBar runs an AVAILABLE NOW count per user over a Kafka topic that
// max_offsets_per_trigger splits into batches: latestOffset is the partitions' ends, past
// endOffset until the last batch; the counts add up; on a terminal the progress bar counts
// offsets to 100%.
func TestKafkaProgressAndBar(t *testing.T) {
	bin, brokers := countPerUser(t)
	args := []string{"--trigger", "available-now", "--set", "ev.brokers=" + brokers, "--set", "out.brokers=" + brokers}
	ps := runProgress(t, bin, args...)
	if rows, _, _ := checkAddsUp(t, ps); rows != 100 {
		t.Errorf("%d input rows, want 100", rows)
	}
	if len(ps) < 4 {
		t.Fatalf("%d batches for 100 records at 30 per trigger", len(ps))
	}
	ends := map[string]int64{}
	for i, p := range ps {
		src := p.Sources[0]
		var latest map[string]map[string]int64
		if err := json.Unmarshal(src.LatestOffset, &latest); err != nil {
			t.Fatalf("batch %d: latestOffset %s: %v", i, src.LatestOffset, err)
		}
		if latest["ev"]["0"] != 50 || latest["ev"]["1"] != 50 {
			t.Errorf("batch %d: latestOffset %s, want the partitions' ends (50 each)", i, src.LatestOffset)
		}
		last := i == len(ps)-1
		if (string(src.LatestOffset) == string(src.EndOffset)) != last {
			t.Errorf("batch %d of %d: endOffset %s, latestOffset %s", i, len(ps), src.EndOffset, src.LatestOffset)
		}
		s := p.StateOperators[0]
		if s.Updated < 1 || s.Updated > 5 || s.Removed != 0 || s.Total != 5 && i > 0 {
			t.Errorf("batch %d: %+v (5 users, each in every batch)", i, s)
		}
		ends[string(src.EndOffset)]++
	}
	if len(ends) != len(ps) {
		t.Errorf("batches repeat an end offset: %v", ends)
	}
	if ps[0].StateOperators[0].Updated != 5 {
		t.Errorf("batch 0 writes the 5 users: %+v", ps[0].StateOperators[0])
	}

	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed (Debian's bsdutils, which is essential)")
	}
	cmd := exec.Command(script, "-qfec", strings.Join(append([]string{bin}, args...), " "), os.DevNull)
	cmd.Env = append(os.Environ(), "TERM=dumb")
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%q", err, got)
	}
	if s := string(got); !strings.Contains(s, "\r[") || !strings.Contains(s, "100% 100/100 offsets") || !strings.Contains(s, "rows/s") {
		t.Errorf("no progress bar over the offsets on the terminal: %q", s)
	}
}

// TestKafkaMetricsAgreeWithProgress runs the count per user over Kafka every second, 30
// offsets a batch, with --http: after a batch, /metrics says what its progress says (the
// state rows and bytes, the input rows so far) and the source's lag is the records between
// endOffset and latestOffset.
func TestKafkaMetricsAgreeWithProgress(t *testing.T) {
	bin, brokers := countPerUser(t)
	p := runHTTP(t, bin, "--trigger", "1s", "--set", "ev.brokers="+brokers, "--set", "out.brokers="+brokers)
	var inputs int64
	checked := 0
	for checked < 2 {
		line := p.waitBatches(t, 1)
		var pr sparkProgress
		if err := json.Unmarshal([]byte(line), &pr); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		inputs += pr.NumInputRows
		m := p.scrape(t)
		if m["sqlstream_batches_total,query=out"] != float64(pr.BatchID+1) {
			continue // the next batch ran before the scrape: compare after the next one
		}
		src := pr.Sources[0]
		var end, latest map[string]map[string]int64
		json.Unmarshal(src.EndOffset, &end)
		json.Unmarshal(src.LatestOffset, &latest)
		var lag int64
		for p, hi := range latest["ev"] {
			lag += hi - end["ev"][p]
		}
		s := pr.StateOperators[0]
		for k, want := range map[string]float64{
			"sqlstream_source_lag,query=out,source=ev":                float64(lag),
			"sqlstream_input_rows_total,query=out,source=ev":          float64(inputs),
			"sqlstream_state_rows,operator=stateStoreSave,query=out":  float64(s.Total),
			"sqlstream_state_bytes,operator=stateStoreSave,query=out": float64(s.Memory),
		} {
			if m[k] != want {
				t.Errorf("batch %d: %s = %v, the progress says %v\n%s", pr.BatchID, k, m[k], want, line)
			}
		}
		if pr.BatchID == 0 && lag != 70 {
			t.Errorf("batch 0 reads 30 of 100 records: lag %d\n%s", lag, line)
		}
		checked++
	}
}

// TestSessionStateCounts: session windows merge in Finish, so a batch's numRowsUpdated is
// the sessions it changed after merging (two rows of one session are one row), and APPEND
// mode removes each session it writes.
func TestSessionStateCounts(t *testing.T) {
	in := writeBatches(t, []string{"2024-01-01 00:00:00,ann\n2024-01-01 00:00:02,ann\n",
		"2024-01-01 00:00:04,ann\n2024-01-01 00:00:20,ann\n", "2024-01-01 00:00:40,ann\n"})
	bin := buildQuery(t, fmt.Sprintf(`CREATE SOURCE c (ts TIMESTAMP, user STRING, WATERMARK FOR ts AS ts)
WITH (connector = 'files', path = '%s', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'files', path = '%s', format = 'json');
INSERT INTO out SELECT user, window.start AS start, count(*) AS clicks FROM c GROUP BY session_window(ts, INTERVAL '5' SECOND), user;`,
		in, filepath.Join(t.TempDir(), "out")))
	ps := runProgress(t, bin, "--trigger", "available-now")
	if _, out, removed := checkAddsUp(t, ps); out != 2 || removed != 2 {
		t.Errorf("%d sessions written, %d removed from the state; want 2 and 2", out, removed)
	}
	// Batch 0: one session of two rows; batch 1: that session grows and a new one starts.
	want := [][3]int64{{1, 0, 1}, {2, 0, 2}} // updated, removed, total
	for i, w := range want {
		s := ps[i].StateOperators[0]
		if got := [3]int64{s.Updated, s.Removed, s.Total}; got != w {
			t.Errorf("batch %d: updated, removed, total %v, want %v", i, got, w)
		}
	}
}

// countPerUser produces 100 records of 5 users, alternating between the two partitions of
// topic ev on a Kafka cluster living as long as the test, and builds a count per user
// reading them 30 offsets a trigger into topic counts: the program, and the brokers to
// --set ev.brokers and out.brokers to.
func countPerUser(t *testing.T) (bin, brokers string) {
	t.Helper()
	c, err := kfake.NewCluster(kfake.SeedTopics(2, "ev", "counts"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	brokers = strings.Join(c.ListenAddrs(), ",")
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	var recs []*kgo.Record
	for i := range 100 {
		recs = append(recs, &kgo.Record{Topic: "ev", Partition: int32(i % 2), Value: fmt.Appendf(nil, `{"user":"u%d"}`, i%5)})
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	bin = buildQuery(t, `CREATE SOURCE ev (user STRING) WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'ev',
  format = 'json', starting_offsets = 'earliest', max_offsets_per_trigger = 30);
CREATE SINK out WITH (connector = 'kafka', brokers = 'localhost:9092', topic = 'counts');
INSERT INTO out SELECT user, count(*) AS n FROM ev GROUP BY user OUTPUT MODE UPDATE;`)
	return bin, brokers
}
