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
	"strings"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

const (
	joinUsers     = 10_000
	joinCountries = 50
)

// joinData writes n events in files (the bench generator's shape: ts, user, url, bytes,
// status, plus the user's country) and the users table (id, country), and returns the
// expected count per country.
func joinData(t testing.TB, dir string, n, files int) map[string]int64 {
	country := func(u int) string { return fmt.Sprintf("c%02d", (u*7919)%joinCountries) }
	var users bytes.Buffer
	users.WriteString("id,country\n")
	for u := range joinUsers {
		fmt.Fprintf(&users, "u%d,%s\n", u, country(u))
	}
	os.MkdirAll(filepath.Join(dir, "users"), 0o755)
	os.MkdirAll(filepath.Join(dir, "events"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "users", "users.csv"), users.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	want := map[string]int64{}
	ts := int64(1_700_000_000_000)
	for f := range files {
		var b bytes.Buffer
		for range n / files {
			u := r.IntN(joinUsers)
			ts += int64(r.IntN(20))
			fmt.Fprintf(&b, `{"ts":%d,"user":"u%d","url":"/p/%d","bytes":%d,"status":%d,"country":"%s"}`+"\n",
				ts, u, r.IntN(1000), r.IntN(100_000), []int{200, 200, 200, 404, 500}[r.IntN(5)], country(u))
			want[country(u)]++
		}
		if err := os.WriteFile(filepath.Join(dir, "events", fmt.Sprintf("part-%03d.jsonl", f)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return want
}

// joinQueries are the same aggregation by country: through a stream-static join with the
// users table, and over the events' own country column (the join done beforehand).
const joinSources = `CREATE SOURCE events (ts BIGINT, user STRING, url STRING, bytes BIGINT, status INT%s)
WITH (connector = 'files', path = 'events', format = 'json');
CREATE SINK out WITH (connector = 'console', num_rows = 1000);
`

var joinQueries = map[string]string{
	"join": fmt.Sprintf(joinSources, "") + `CREATE TABLE users (id STRING, country STRING) WITH (connector = 'files', path = 'users', format = 'csv', header = true);
INSERT INTO out SELECT u.country, count(*) AS n, sum(e.bytes) AS total
FROM events e JOIN users u ON e.user = u.id GROUP BY u.country OUTPUT MODE COMPLETE;`,
	"nojoin": fmt.Sprintf(joinSources, ", country STRING") + `INSERT INTO out SELECT country, count(*) AS n, sum(bytes) AS total
FROM events GROUP BY country OUTPUT MODE COMPLETE;`,
}

func buildJoin(t testing.TB, dir string) map[string]string {
	bins := map[string]string{}
	for name, src := range joinQueries {
		res, errs := compiler.Compile(name+".sql", []byte(src))
		if errs.HasErrors() {
			t.Fatal(errs.Err())
		}
		bins[name] = filepath.Join(dir, name)
		if err := gobuild.Build(context.Background(), res.Go, bins[name], gobuild.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return bins
}

var countryRow = regexp.MustCompile(`^\|(c\d\d)\|\s*(\d+)\|`)

func runJoin(t testing.TB, bin, dir string) map[string]int64 {
	args := []string{"--trigger", "once", "--set", "events.path=" + filepath.Join(dir, "events")}
	if filepath.Base(bin) == "join" {
		args = append(args, "--set", "users.path="+filepath.Join(dir, "users"))
	}
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	got := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if m := countryRow.FindStringSubmatch(strings.ReplaceAll(sc.Text(), " ", "")); m != nil {
			var n int64
			fmt.Sscan(m[2], &n)
			got[m[1]] = n
		}
	}
	return got
}

// TestJoinBenchQueriesAgree checks that the queries of the join benchmarks (the database
// tables' too) count what the data holds.
func TestJoinBenchQueriesAgree(t *testing.T) {
	dir := t.TempDir()
	want := joinData(t, dir, 20_000, 2)
	for name, bin := range buildDBJoin(t, dir) {
		if got := runJoin(t, bin, dir); !maps.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
}

// BenchmarkStreamStaticJoin runs the events aggregated by country through a join with a
// 10,000-row users table and, alternating, the same aggregation over the events' own country
// column, over the same 2M events; it reports both throughputs and their ratio (the join's
// cost as a fraction of the query without it).
func BenchmarkStreamStaticJoin(b *testing.B) {
	dir := b.TempDir()
	const n = 2_000_000
	want := joinData(b, dir, n, 8)
	bins := buildJoin(b, dir)
	var tJoin, tPlain time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		got := runJoin(b, bins["join"], dir)
		tJoin += time.Since(start)
		start = time.Now()
		got2 := runJoin(b, bins["nojoin"], dir)
		tPlain += time.Since(start)
		if !maps.Equal(got, want) || !maps.Equal(got2, want) {
			b.Fatal("wrong counts")
		}
	}
	b.ReportMetric(float64(n*b.N)/tJoin.Seconds()/1e6, "Mrows/s-join")
	b.ReportMetric(float64(n*b.N)/tPlain.Seconds()/1e6, "Mrows/s-nojoin")
	b.ReportMetric(tPlain.Seconds()/tJoin.Seconds(), "ratio")
}
