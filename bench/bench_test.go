// Package bench measures generated programs against hand-written Go doing the same job.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// lines writes n random lines (words, some non-ASCII) into files in dir and returns the
// count per length in characters, computed independently of both programs.
func lines(t testing.TB, dir string, n, files int) map[int]int64 {
	words := []string{"the", "quick", "brown", "fox", "stream", "batch", "café", "naïve", "日本", "über", "sql", "go"}
	r := rand.New(rand.NewPCG(1, 2))
	want := map[int]int64{}
	for f := range files {
		var b bytes.Buffer
		for range n / files {
			start := b.Len()
			for i := range 1 + r.IntN(14) {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(words[r.IntN(len(words))])
			}
			want[utf8.RuneCount(b.Bytes()[start:])]++
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%03d.txt", f)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// build compiles the seed example and the hand-written baseline.
func build(t testing.TB, dir string) (generated, handwritten string) {
	src, err := os.ReadFile("../examples/line_lengths.sql")
	if err != nil {
		t.Fatal(err)
	}
	res, errs := compiler.Compile("line_lengths.sql", src)
	if errs.HasErrors() {
		t.Fatal(errs.Err())
	}
	generated = filepath.Join(dir, "generated")
	if err := gobuild.Build(context.Background(), res.Go, generated, gobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	handwritten = filepath.Join(dir, "handwritten")
	if out, err := exec.Command("go", "build", "-o", handwritten, "./handwritten").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return generated, handwritten
}

var row = regexp.MustCompile(`^\|\s*(\d+)\|\s*(\d+)\|$`)

// parseConsole reads the counts of the last complete table the console sink printed.
func parseConsole(out []byte) map[int]int64 {
	got := map[int]int64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := row.FindStringSubmatch(sc.Text()); m != nil {
			k, _ := strconv.Atoi(m[1])
			v, _ := strconv.ParseInt(m[2], 10, 64)
			got[k] = v
		}
	}
	return got
}

func runGenerated(t testing.TB, bin, in string) map[int]int64 {
	out, err := exec.Command(bin, "--trigger", "once", "--set", "lines.path="+in, "--set", "out.num_rows=1000000").Output()
	if err != nil {
		t.Fatal(err)
	}
	return parseConsole(out)
}

func runHandwritten(t testing.TB, bin, in string) map[int]int64 {
	out, err := exec.Command(bin, in).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := map[int]int64{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var k int
		var v int64
		fmt.Sscan(l, &k, &v)
		got[k] = v
	}
	return got
}

// TestSeedQueryAgreesWithIndependentCount runs the seed example over UTF-8 input and checks
// its counts against a count made here, and against the hand-written program.
func TestSeedQueryAgreesWithIndependentCount(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	want := lines(t, in, 30000, 3)
	gen, hand := build(t, dir)
	if got := runGenerated(t, gen, in); !maps.Equal(got, want) {
		t.Errorf("generated program: got %v, want %v", got, want)
	}
	if got := runHandwritten(t, hand, in); !maps.Equal(got, want) {
		t.Errorf("hand-written program: got %v, want %v", got, want)
	}
}

// BenchmarkSeedQuery runs the generated seed query and the hand-written baseline over the
// same 2M lines, alternating, and reports each one's throughput and their ratio.
func BenchmarkSeedQuery(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	const n = 2_000_000
	want := lines(b, in, n, 8)
	gen, hand := build(b, dir)
	var tGen, tHand time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		got := runGenerated(b, gen, in)
		tGen += time.Since(start)
		start = time.Now()
		got2 := runHandwritten(b, hand, in)
		tHand += time.Since(start)
		if !maps.Equal(got, want) || !maps.Equal(got2, want) {
			b.Fatal("wrong counts")
		}
	}
	b.ReportMetric(float64(n*b.N)/tGen.Seconds()/1e6, "Mlines/s-generated")
	b.ReportMetric(float64(n*b.N)/tHand.Seconds()/1e6, "Mlines/s-handwritten")
	b.ReportMetric(tHand.Seconds()/tGen.Seconds(), "ratio")
}

// BenchmarkCheckpointOverhead runs the generated seed query over 2M lines in 8 files, one
// file per batch, with and without --checkpoint (fsynced offset log, state snapshot and
// commit per batch), alternating, and reports the checkpointed run's throughput relative to
// the plain one.
func BenchmarkCheckpointOverhead(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	const n = 2_000_000
	lines(b, in, n, 8)
	gen, _ := build(b, dir)
	run := func(extra ...string) time.Duration {
		start := time.Now()
		args := append([]string{"--trigger", "available-now", "--set", "lines.path=" + in, "--set", "lines.max_files_per_trigger=1",
			"--set", "out.num_rows=1"}, extra...)
		if out, err := exec.Command(gen, args...).CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
		return time.Since(start)
	}
	var plain, checkpointed time.Duration
	b.ResetTimer()
	for i := range b.N {
		plain += run()
		checkpointed += run("--checkpoint", filepath.Join(dir, fmt.Sprintf("cp%d", i)))
	}
	b.ReportMetric(float64(n*b.N)/plain.Seconds()/1e6, "Mlines/s-plain")
	b.ReportMetric(float64(n*b.N)/checkpointed.Seconds()/1e6, "Mlines/s-checkpointed")
	b.ReportMetric(plain.Seconds()/checkpointed.Seconds(), "ratio")
}
