package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// workload is one of the shared yardstick's workloads: its id, the generator's arguments,
// the baseline's -q and the query.
type workload struct{ id, gen, q, sql string }

// The workloads of the shared yardstick (../shared/bench/README.md): the query, the
// generator's arguments and the baseline's -q.
var workloads = []workload{
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

// measureEnv, when set, makes this test binary a measuring parent (see TestMain).
const measureEnv = "SQLSTREAM_BENCH_MEASURE"

// TestMain runs the tests, or, as runProcess starts it, the program of its arguments.
//
// A child's peak RSS (rusage's ru_maxrss) counts the memory of the process that forked it:
// Go starts a program with vfork, so until exec the child shares the parent's address
// space, and Linux keeps that space's high-water mark as the child's. Started from the
// benchmark, which holds the outputs of earlier runs, every program measured the
// benchmark's own few hundred MiB (W2 and W3 showed an RSS ratio of exactly 1). So
// runProcess starts this binary afresh, small, and it starts the program and reports the
// program's wall time and peak RSS on file descriptor 3.
func TestMain(m *testing.M) {
	if os.Getenv(measureEnv) == "" {
		os.Exit(m.Run())
	}
	cmd := exec.Command(os.Args[1], os.Args[2:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		fmt.Fprintf(os.NewFile(3, "measure"), "%d %d", wall.Nanoseconds(), ru.Maxrss*1024)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runProcess runs bin with args through this binary (TestMain) and returns its wall time,
// peak RSS and standard output.
func runProcess(t testing.TB, bin string, args ...string) process {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(self, append([]string{bin}, args...)...)
	cmd.Env = append(os.Environ(), measureEnv+"=1")
	cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = &stdout, &stderr, []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	report, _ := io.ReadAll(r)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, stderr.String())
	}
	p := process{out: stdout.Bytes()}
	var ns int64
	if _, err := fmt.Sscan(string(report), &ns, &p.rss); err != nil {
		t.Fatalf("%s: no measurement (%q): %v", bin, report, err)
	}
	p.wall = time.Duration(ns)
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

// yardstick is the shared yardstick's generator and baseline, built, and the workloads'
// inputs, generated as they are first asked for.
type yardstick struct {
	tmp, gen, base string
	rows           int
	data           map[string]string // input directories by the generator's arguments
}

// newYardstick builds the generator and the baseline for inputs of 10M rows, or
// SQLSTREAM_BENCH_ROWS.
func newYardstick(b *testing.B) *yardstick {
	shared := sharedBench(b)
	tmp := b.TempDir()
	y := &yardstick{tmp: tmp, gen: filepath.Join(tmp, "gen"), base: filepath.Join(tmp, "baseline"), rows: 10_000_000, data: map[string]string{}}
	goBuild(b, filepath.Join(shared, "gen"), y.gen)
	goBuild(b, filepath.Join(shared, "baseline"), y.base)
	if s := os.Getenv("SQLSTREAM_BENCH_ROWS"); s != "" {
		y.rows, _ = strconv.Atoi(s)
	}
	return y
}

// prepare generates workload w's input (kept under SQLSTREAM_BENCH_DATA for the next run
// when set) and builds its query; it returns the program, the input files and their pattern.
func (y *yardstick) prepare(b *testing.B, w workload) (bin string, files []string, pattern string) {
	dir, ok := y.data[w.gen]
	if !ok {
		dir = inputDir(y.tmp, w.gen, y.rows, len(y.data))
		if _, err := os.Stat(filepath.Join(dir, "manifest.json")); err != nil {
			args := append(strings.Fields(w.gen), "-rows", strconv.Itoa(y.rows), "-files", "8", "-out", dir)
			if out, err := exec.Command(y.gen, args...).CombinedOutput(); err != nil {
				b.Fatalf("gen: %v\n%s", err, out)
			}
		}
		y.data[w.gen] = dir
	}
	files, _ = filepath.Glob(filepath.Join(dir, "part-*"))
	res, errs := compiler.Compile(w.id+".sql", []byte(w.sql))
	if errs.HasErrors() {
		b.Fatal(errs.Err())
	}
	bin = filepath.Join(y.tmp, w.id)
	if err := gobuild.Build(context.Background(), res.Go, bin, gobuild.Options{}); err != nil {
		b.Fatal(err)
	}
	return bin, files, filepath.Join(dir, "part-*"+filepath.Ext(files[0]))
}

// run runs workload w's program and the baseline once each, and checks that their results
// are equal row for row.
func (y *yardstick) run(b *testing.B, w workload, bin string, files []string, pattern string) (prog, base process) {
	g := runProcess(b, bin, "--trigger", "once", "--set", "src.path="+pattern)
	h := runProcess(b, y.base, append([]string{"-q", w.q}, files...)...)
	if got, want := consoleCSV(g.out), sortedLines(h.out); !slices.Equal(got, want) {
		b.Fatalf("results differ: %d rows against the baseline's %d; first %.3q against %.3q", len(got), len(want), got, want)
	}
	return g, h
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
	y := newYardstick(b)
	for _, w := range workloads {
		b.Run(w.id, func(b *testing.B) {
			bin, files, pattern := y.prepare(b, w)
			var tGen, tBase time.Duration
			var rssGen, rssBase int64
			b.ResetTimer()
			for range b.N {
				g, h := y.run(b, w, bin, files, pattern)
				tGen, tBase = tGen+g.wall, tBase+h.wall
				rssGen, rssBase = max(rssGen, g.rss), max(rssBase, h.rss)
			}
			b.ReportMetric(float64(y.rows*b.N)/tGen.Seconds()/1e6, "Mrows/s")
			b.ReportMetric(float64(y.rows*b.N)/tBase.Seconds()/1e6, "Mrows/s-baseline")
			b.ReportMetric(tBase.Seconds()/tGen.Seconds(), "ratio")
			b.ReportMetric(float64(rssGen)/float64(rssBase), "rss-ratio")
		})
	}
}

// BenchmarkTwoCores measures W2's speedup from one core to two (GOMAXPROCS=1 and 2, in turn
// within each iteration), the program's and the baseline's in the same runs.
//
//	go test ./bench -run '^$' -bench TwoCores -benchtime 5x
func BenchmarkTwoCores(b *testing.B) {
	if runtime.NumCPU() < 2 {
		b.Skip("one CPU")
	}
	y := newYardstick(b)
	w := workloads[slices.IndexFunc(workloads, func(w workload) bool { return w.id == "W2" })]
	bin, files, pattern := y.prepare(b, w)
	var gen, base [2]time.Duration // by GOMAXPROCS-1
	b.ResetTimer()
	for range b.N {
		for p := range 2 {
			b.Setenv("GOMAXPROCS", strconv.Itoa(p+1))
			g, h := y.run(b, w, bin, files, pattern)
			gen[p], base[p] = gen[p]+g.wall, base[p]+h.wall
		}
	}
	b.ReportMetric(gen[0].Seconds()/gen[1].Seconds(), "speedup")
	b.ReportMetric(base[0].Seconds()/base[1].Seconds(), "speedup-baseline")
}

// TestRunProcessMeasuresTheProgram checks that a program's peak RSS is its own, not the
// benchmark's: with 256 MiB touched here, a small program must measure far less.
func TestRunProcessMeasuresTheProgram(t *testing.T) {
	held := bytes.Repeat([]byte{1}, 256<<20)
	p := runProcess(t, "/bin/true")
	if p.rss <= 0 || p.rss > 64<<20 {
		t.Fatalf("/bin/true measured %d MiB of peak RSS with 256 MiB held by the benchmark", p.rss>>20)
	}
	t.Logf("/bin/true: %d KiB (the measuring parent's own floor)", p.rss>>10)
	runtime.KeepAlive(held)
}
