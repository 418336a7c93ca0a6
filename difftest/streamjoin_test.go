package difftest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// streamJoinOns are ON conditions between the CSV stream t (x, 4 batches of two files) and
// the JSON stream t2 (y, 3 batches): keys of every type with NULLs in both, several keys,
// expression keys, residual conditions.
var streamJoinOns = []pair{
	both("x.k = y.k"),
	both("x.a = y.a"),
	both("x.b = y.b"),
	both("x.k = y.k AND x.b = y.b"),
	both("x.s = y.s AND x.a > y.a"),
	{"upper(x.s) = upper(y.s)", "upper(x.s) = upper(y.s)"},
	both("x.a + 1 = y.b * 2"),
	both("x.k = y.k AND (x.d = y.d OR x.a = y.a)"),
	both("x.k = y.k AND x.d < y.d AND y.f"),
	both("y.b = x.b AND x.k <> y.k"),
	both("x.f = y.f AND x.b = y.b"),
}

// streamJoinSelects are what is read from the join: columns of both sides, expressions, a
// WHERE, a projection of one side only.
var streamJoinSelects = []struct{ s, q string }{
	{"SELECT x.k, x.a, y.k AS k2, y.a AS a2, y.s FROM t x JOIN t2 y ON %s", "SELECT x.k, x.a, y.k AS k2, y.a AS a2, y.s FROM t x JOIN t2 y ON %s"},
	{"SELECT x.a + y.b AS ab, coalesce(x.s, y.s) AS s FROM t x JOIN t2 y ON %s WHERE x.d > -5", "SELECT x.a + y.b AS ab, coalesce(x.s, y.s) AS s FROM t x JOIN t2 y ON %s WHERE x.d > -5"},
	{"SELECT y.* FROM t2 y JOIN t x ON %s", "SELECT y.* FROM t2 y JOIN t x ON %s"},
}

func streamJoinQueries() []query {
	var qs []query
	for _, on := range streamJoinOns {
		for i, sel := range streamJoinSelects {
			qs = append(qs, query{
				name:   fmt.Sprintf("stream join %d ON %s", i, on.s),
				stream: fmt.Sprintf(sel.s, on.s),
				sqlite: fmt.Sprintf(sel.q, on.q),
			})
		}
	}
	return qs
}

// TestStreamJoinsAgainstSQLite joins the two streams batch by batch (each batch's rows with
// the other stream's rows of all batches so far, and of its own) and compares every pair
// emitted over the run with SQLite's join of all the rows.
func TestStreamJoinsAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of many joins")
	}
	work := t.TempDir()
	decls := joinData(t, filepath.Join(work, "data"))
	qs := streamJoinQueries()
	compare(t, joinDB(t), runProgram(t, work, decls, qs), qs)
}

// timedJoinDecls are two watermarked streams of (k, v, t): e1 as CSV, e2 as JSON. The
// watermarks are close behind the data, so that a row evicted too early would be missed.
const timedJoinDecls = `CREATE SOURCE e1 (k STRING, v BIGINT, t TIMESTAMP, WATERMARK FOR t AS t)
WITH (connector = 'files', path = '%[1]s/e1', format = 'csv', max_files_per_trigger = %[2]d);
CREATE SOURCE e2 (k STRING, v BIGINT, t TIMESTAMP, WATERMARK FOR t AS t)
WITH (connector = 'files', path = '%[1]s/e2', format = 'json', max_files_per_trigger = %[2]d);
`

// timedRows are a stream's rows, file by file (writeFiles splits them into files of per
// rows): file f holds times in [f*2, f*2+2) minutes in random order, so no row is at or
// before a watermark at most the latest time of the files before it, and none is late. The
// last row is 100 hours later under key flush: it moves the watermark past every other row,
// so all of them expire and an outer join emits every unmatched one. It returns the rows as
// the stream's files hold them (t a timestamp) and as SQLite holds them (t in seconds).
func timedRows(seed uint64, files, per int, flush string) (stream, sqlite [][]any) {
	r := rand.New(rand.NewPCG(seed, 1))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	keys := []any{"a", "b", "c", "d", nil}
	add := func(k any, v int, at time.Time) {
		stream = append(stream, []any{k, v, at.Format("2006-01-02 15:04:05")})
		sqlite = append(sqlite, []any{k, v, at.Unix()})
	}
	for f := range files {
		for i := range per {
			if f == files-1 && i == per-1 {
				add(flush, -1, base.Add(100*time.Hour))
				break
			}
			add(keys[r.IntN(len(keys))], f*per+i, base.Add(time.Duration(f*120+r.IntN(120))*time.Second))
		}
	}
	return stream, sqlite
}

// timedJoins are joins of two watermarked streams with a time bound (a click within 20
// minutes after or 15 before), in sqlstream and in SQLite over all rows but the flush ones.
func timedJoins() []query {
	on := "x.k = y.k AND y.t BETWEEN x.t - INTERVAL '15' MINUTE AND x.t + INTERVAL '20' MINUTE"
	onQ := "x.k = y.k AND y.t BETWEEN x.t - 900 AND x.t + 1200"
	x, y := "(SELECT * FROM e1 WHERE v >= 0) x", "(SELECT * FROM e2 WHERE v >= 0) y"
	sel := "SELECT x.v, y.v AS v2 FROM "
	qs := []query{
		{name: "inner", stream: sel + "e1 x JOIN e2 y ON " + on, sqlite: sel + x + " JOIN " + y + " ON " + onQ},
		{name: "left outer", stream: sel + "e1 x LEFT JOIN e2 y ON " + on, sqlite: sel + x + " LEFT JOIN " + y + " ON " + onQ},
		{name: "right outer", stream: sel + "e1 x RIGHT JOIN e2 y ON " + on, sqlite: sel + x + " RIGHT JOIN " + y + " ON " + onQ},
		{name: "full outer", stream: sel + "e1 x FULL OUTER JOIN e2 y ON " + on, sqlite: sel + x + " FULL JOIN " + y + " ON " + onQ},
		{name: "left outer with a residual and a WHERE on the NULL side",
			stream: sel + "e1 x LEFT JOIN e2 y ON " + on + " AND x.v % 3 <> y.v % 3 WHERE y.v IS NULL OR y.v > 40",
			sqlite: sel + x + " LEFT JOIN " + y + " ON " + onQ + " AND x.v % 3 <> y.v % 3 WHERE y.v IS NULL OR y.v > 40"},
		{name: "full outer, bounds written with < and >=",
			stream: sel + "e1 x FULL JOIN e2 y ON x.k = y.k AND y.t >= x.t - INTERVAL '15' MINUTE AND x.t + INTERVAL '20' MINUTE > y.t",
			sqlite: sel + x + " FULL JOIN " + y + " ON x.k = y.k AND y.t >= x.t - 900 AND x.t + 1200 > y.t"},
		{name: "inner on equal windows", stream: sel + "e1 x JOIN e2 y ON x.k = y.k AND window(x.t, INTERVAL '5' MINUTE) = window(y.t, INTERVAL '5' MINUTE)",
			sqlite: sel + x + " JOIN " + y + " ON x.k = y.k AND x.t / 300 = y.t / 300"},
		{name: "full outer on equal windows", stream: sel + "e1 x FULL JOIN e2 y ON window(y.t, INTERVAL '5' MINUTE) = window(x.t, INTERVAL '5' MINUTE) AND x.k = y.k",
			sqlite: sel + x + " FULL JOIN " + y + " ON x.k = y.k AND x.t / 300 = y.t / 300"},
		{name: "distinct over an inner join", stream: "SELECT DISTINCT x.k, y.v % 7 AS m FROM e1 x JOIN e2 y ON " + on,
			sqlite: "SELECT DISTINCT x.k, y.v % 7 AS m FROM " + x + " JOIN " + y + " ON " + onQ},
		{name: "left semi", stream: "SELECT x.v, x.k FROM e1 x LEFT SEMI JOIN e2 y ON " + on,
			sqlite: "SELECT x.v, x.k FROM " + x + " WHERE EXISTS (SELECT 1 FROM " + y + " WHERE " + onQ + ")"},
		{name: "left semi with a residual", stream: "SELECT x.v FROM e1 x LEFT SEMI JOIN e2 y ON " + on + " AND y.v > x.v",
			sqlite: "SELECT x.v FROM " + x + " WHERE EXISTS (SELECT 1 FROM " + y + " WHERE " + onQ + " AND y.v > x.v)"},
	}
	return qs
}

// TestTimedStreamJoinsAgainstSQLite runs inner, outer and semi joins of two watermarked
// streams over random rows with no late ones, batched two ways, and compares every row
// emitted with SQLite's join of all the rows: each pair once, each unmatched row of an outer
// side once with NULLs after the watermark passes it, never a row that matched.
func TestTimedStreamJoinsAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of many joins")
	}
	const files = 30
	s1, q1 := timedRows(1, files, 12, "flush1")
	s2, q2 := timedRows(2, files, 12, "flush2")
	db := sqliteDB(t)
	sqliteTable(t, db, "e1", "k TEXT, v INTEGER, t INTEGER", q1)
	sqliteTable(t, db, "e2", "k TEXT, v INTEGER, t INTEGER", q2)
	qs := timedJoins()
	for _, perTrigger := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d files per batch", perTrigger), func(t *testing.T) {
			work := t.TempDir()
			dir := filepath.Join(work, "data")
			writeFiles(t, filepath.Join(dir, "e1"), "csv", nil, s1, files)
			writeFiles(t, filepath.Join(dir, "e2"), "json", []string{"k", "v", "t"}, s2, files)
			compare(t, db, runProgram(t, work, fmt.Sprintf(timedJoinDecls, dir, perTrigger), qs), qs)
		})
	}
}
