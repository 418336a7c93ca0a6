package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// The workloads of the shared yardstick (../shared/bench/README.md): the query, the
// generator's arguments and the baseline's -q.
var workloads = []struct {
	id, gen, q, sql string
}{
	{"W1", "-kind lines -seed 1", "w1", `CREATE SOURCE src (value STRING) WITH (connector = 'files', path = 'in', format = 'text');
CREATE SINK out WITH (connector = 'console', num_rows = 100000000);
INSERT INTO out SELECT length(value) AS len, count(*) AS count FROM src GROUP BY len OUTPUT MODE COMPLETE;`},
	{"W2", "-kind events -seed 2", "w2", w2},
	{"W3", "-kind events -seed 2", "w3", `CREATE SOURCE src (ts BIGINT, user STRING, url STRING, bytes BIGINT, status INT) WITH (connector = 'files', path = 'in', format = 'json');
CREATE SINK out WITH (connector = 'console', num_rows = 100000000);
INSERT INTO out SELECT unix_timestamp(window.start) * 1000 AS ws, status, count(*) AS count FROM src
GROUP BY window(CAST(ts / 1000.0 AS TIMESTAMP), INTERVAL '1' MINUTE), status OUTPUT MODE COMPLETE;`},
	{"W4", "-kind events -seed 4 -users 1000000", "w2", w2},
}

const w2 = `CREATE SOURCE src (ts BIGINT, user STRING, url STRING, bytes BIGINT, status INT) WITH (connector = 'files', path = 'in', format = 'json');
CREATE SINK out WITH (connector = 'console', num_rows = 100000000);
INSERT INTO out SELECT user, count(*) AS count, sum(bytes) AS sum_bytes FROM src WHERE status = 200 GROUP BY user OUTPUT MODE COMPLETE;`

// sharedBench finds the shared yardstick beside the repository (CI lays shared/ there too),
// or skips.
func sharedBench(t testing.TB) string {
	dir := os.Getenv("SQLSTREAM_SHARED_BENCH")
	if dir == "" {
		dir, _ = filepath.Abs("../../shared/bench")
	}
	if _, err := os.Stat(filepath.Join(dir, "baseline", "main.go")); err != nil {
		t.Skipf("the shared yardstick is not at %s (set SQLSTREAM_SHARED_BENCH)", dir)
	}
	return dir
}

// goBuild builds the main package in dir (a module of its own) into out.
func goBuild(t testing.TB, dir, out string) {
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", dir, err, b)
	}
}

// process is one whole-process run: its wall time, peak RSS and output.
type process struct {
	wall time.Duration
	rss  int64 // bytes
	out  []byte
}

func runProcess(t testing.TB, bin string, args ...string) process {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	p := process{wall: time.Since(start), out: stdout.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.rss = ru.Maxrss * 1024
	}
	return p
}

// consoleCSV turns the console's last table into the baseline's canonical rows: cells
// comma-separated, numbers that are integers printed as integers, rows sorted.
func consoleCSV(out []byte) []string {
	var rows []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	header := true
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "Batch: "):
			rows, header = rows[:0], true
		case strings.HasPrefix(l, "|"):
			if header {
				header = false
				continue
			}
			cells := strings.Split(strings.Trim(l, "|"), "|")
			for i, c := range cells {
				c = strings.TrimSpace(c)
				if f, err := strconv.ParseFloat(c, 64); err == nil && f == float64(int64(f)) && strings.ContainsAny(c, ".eE") {
					c = strconv.FormatInt(int64(f), 10)
				}
				cells[i] = c
			}
			rows = append(rows, strings.Join(cells, ","))
		}
	}
	slices.Sort(rows)
	return rows
}

func sortedLines(out []byte) []string {
	rows := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(rows)
	return rows
}

// inputDir is where the input of the generator's arguments gen goes: under
// SQLSTREAM_BENCH_DATA when set, named by the arguments and rows so that later runs reuse
// it (the generator is deterministic; its manifest.json is written last), else the i-th
// directory under the benchmark's own temporary one.
func inputDir(tmp, gen string, rows, i int) string {
	if keep := os.Getenv("SQLSTREAM_BENCH_DATA"); keep != "" {
		name := strings.NewReplacer(" ", "", "-", "_").Replace(gen)
		return filepath.Join(keep, fmt.Sprintf("%s_rows%d", name, rows))
	}
	return filepath.Join(tmp, fmt.Sprintf("data%d", i))
}

// BenchmarkWorkloads runs W1–W4 of the shared yardstick: each workload's query built by the
// compiler and the hand-written baseline, alternately over the same generated files (10M
// rows, or SQLSTREAM_BENCH_ROWS; kept under SQLSTREAM_BENCH_DATA for the next run when
// set), whole processes; the results must be equal row for row.
// It reports per workload the throughput ratio (sqlstream / baseline: above 1 is faster)
// and the peak RSS ratio.
//
//	go test ./bench -run '^$' -bench Workloads -benchtime 3x
func BenchmarkWorkloads(b *testing.B) {
	shared := sharedBench(b)
	tmp := b.TempDir()
	gen, base := filepath.Join(tmp, "gen"), filepath.Join(tmp, "baseline")
	goBuild(b, filepath.Join(shared, "gen"), gen)
	goBuild(b, filepath.Join(shared, "baseline"), base)
	rows := 10_000_000
	if s := os.Getenv("SQLSTREAM_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	data := map[string]string{}
	for _, w := range workloads {
		b.Run(w.id, func(b *testing.B) {
			dir, ok := data[w.gen]
			if !ok {
				dir = inputDir(tmp, w.gen, rows, len(data))
				if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
					args := append(strings.Fields(w.gen), "-rows", strconv.Itoa(rows), "-files", "8", "-out", dir)
					if out, err := exec.Command(gen, args...).CombinedOutput(); err != nil {
						b.Fatalf("gen: %v\n%s", err, out)
					}
				}
				data[w.gen] = dir
			}
			files, _ := filepath.Glob(filepath.Join(dir, "part-*"))
			res, errs := compiler.Compile(w.id+".sql", []byte(w.sql))
			if errs.HasErrors() {
				b.Fatal(errs.Err())
			}
			bin := filepath.Join(tmp, w.id)
			if err := gobuild.Build(context.Background(), res.Go, bin, gobuild.Options{}); err != nil {
				b.Fatal(err)
			}
			pattern := filepath.Join(dir, "part-*"+filepath.Ext(files[0]))
			var tGen, tBase time.Duration
			var rssGen, rssBase int64
			b.ResetTimer()
			for range b.N {
				g := runProcess(b, bin, "--trigger", "once", "--set", "src.path="+pattern)
				h := runProcess(b, base, append([]string{"-q", w.q}, files...)...)
				if got, want := consoleCSV(g.out), sortedLines(h.out); !slices.Equal(got, want) {
					b.Fatalf("results differ: %d rows against the baseline's %d; first %.3q against %.3q", len(got), len(want), got, want)
				}
				tGen, tBase = tGen+g.wall, tBase+h.wall
				rssGen, rssBase = max(rssGen, g.rss), max(rssBase, h.rss)
			}
			b.ReportMetric(float64(rows*b.N)/tGen.Seconds()/1e6, "Mrows/s")
			b.ReportMetric(float64(rows*b.N)/tBase.Seconds()/1e6, "Mrows/s-baseline")
			b.ReportMetric(tBase.Seconds()/tGen.Seconds(), "ratio")
			b.ReportMetric(float64(rssGen)/float64(rssBase), "rss-ratio")
		})
	}
}
