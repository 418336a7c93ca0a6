package bench

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// dbJoinTables are the users table of the join benchmark as SQLite tables: loaded, looked
// up through a cache that holds every user, and looked up with no cache.
var dbJoinTables = map[string]string{
	"sqlite_loaded":  "",
	"lookup_cached":  ", lookup = true, lookup_cache_rows = 10000",
	"lookup_nocache": ", lookup = true, lookup_cache_rows = 0",
}

// buildDBJoin writes the users of joinData into an SQLite file under dir and builds the
// join query against it for each of dbJoinTables, and the join benchmark's programs.
func buildDBJoin(t testing.TB, dir string) map[string]string {
	path := filepath.Join(dir, "users.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE users (id TEXT PRIMARY KEY, country TEXT)"); err != nil {
		t.Fatal(err)
	}
	for u := range joinUsers {
		if _, err := db.Exec("INSERT INTO users VALUES (?1, ?2)", fmt.Sprintf("u%d", u), fmt.Sprintf("c%02d", (u*7919)%joinCountries)); err != nil {
			t.Fatal(err)
		}
	}
	bins := buildJoin(t, dir)
	for name, opts := range dbJoinTables {
		src := fmt.Sprintf(joinSources, "") + fmt.Sprintf(`CREATE TABLE users (id STRING, country STRING) WITH (connector = 'sqlite', path = '%s'%s);
INSERT INTO out SELECT u.country, count(*) AS n, sum(e.bytes) AS total
FROM events e JOIN users u ON e.user = u.id GROUP BY u.country OUTPUT MODE COMPLETE;`, path, opts)
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

// BenchmarkDatabaseJoin runs the join benchmark's aggregation by country over 1M events in
// 8 files with the users table read from SQLite (loaded; looked up with every user cached;
// looked up with no cache, one query of about 6,000 keys per chunk) and, alternating, from a
// CSV file, the baseline; it reports each throughput and its ratio to the baseline's. The
// loaded joins number the groups by the table's rows at load, which a lookup table cannot
// (there is no whole table): "nojoin", the aggregation over the events' own country column,
// is the fair reference for the lookups, and ratio-nojoin-* are against it.
func BenchmarkDatabaseJoin(b *testing.B) {
	dir := b.TempDir()
	const n = 1_000_000
	want := joinData(b, dir, n, 8)
	bins := buildDBJoin(b, dir)
	names := []string{"join", "nojoin", "sqlite_loaded", "lookup_cached", "lookup_nocache"}
	took := map[string]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for _, name := range names {
			start := time.Now()
			got := runJoin(b, bins[name], dir)
			took[name] += time.Since(start)
			if !maps.Equal(got, want) {
				b.Fatalf("%s: wrong counts", name)
			}
		}
	}
	for _, name := range names {
		b.ReportMetric(float64(n*b.N)/took[name].Seconds()/1e6, "Mrows/s-"+name)
		if name != "join" {
			b.ReportMetric(took["join"].Seconds()/took[name].Seconds(), "ratio-"+name)
		}
		if name == "lookup_cached" || name == "lookup_nocache" {
			b.ReportMetric(took["nojoin"].Seconds()/took[name].Seconds(), "ratio-nojoin-"+name)
		}
	}
}
