package difftest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// The static tables of the join tests. users has NULL keys, duplicate keys (ids 0 and 3,
// name pear), keys the stream never has (42, 99) and misses keys the stream has (-5, -4,
// -2, 4); its names are lower case where the stream's words are not all (Banana, Pear), for
// expression keys. kinds is JSON and keyed by two columns (k, b), with a NULL in either
// part, a duplicate key, and a double column given as a JSON integer (3) and -0.0, which
// is a key equal to 0 (Spark normalises -0.0 in join keys). sizes is small,
// for CROSS JOIN.
var (
	usersCols = []string{"id", "name", "country", "age"}
	usersRows = [][]any{
		{0, "apple", "FR", 30},
		{0, "banana", "DE", 41},
		{1, "cherry", "US", 25},
		{2, nil, "FR", nil},
		{3, "pear", nil, 19},
		{3, "pear", "DE", 52},
		{3, "kiwi", "US", 33},
		{-1, "apricot", "FR", 60},
		{-3, "plum", "US", 45},
		{5, "peach", "DE", 28},
		{nil, "banana", "FR", 22},
		{nil, nil, nil, nil},
		{42, "mango", "US", 70},
		{99, "x_y", "DE", 15},
	}
	kindsCols = []string{"k", "b", "label", "w"}
	kindsRows = [][]any{
		{"a", 1, "a1", 1.5},
		{"a", 1, "a1bis", -2.25},
		{"a", -2, "a-2", 0.1},
		{"b", 0, "b0", nil},
		{"b", 3, nil, 3.0},
		{"c", 5, "c5", 10.75},
		{"c", nil, "cnull", 1.0},
		{nil, 2, "null2", 2.0},
		{"z", 1, "z1", 7.0},
		{"c", -5, "c-5", -1.0},
		{"a", 4, "a4", 0.5},
		{nil, -1, "nok", 4.0},
		{"d", 9, "negzero", math.Copysign(0, -1)},
	}
	sizesRows = [][]any{{"x", 1}, {"y", 2}, {"z", nil}}
)

// data2 are the rows of t2, the JSON stream beside the CSV stream t, for unions.
func data2() [][]any {
	r := rand.New(rand.NewPCG(3, 5))
	maybe := func(v any) any {
		if r.IntN(6) == 0 {
			return nil
		}
		return v
	}
	var rows [][]any
	for range 90 {
		rows = append(rows, []any{
			maybe([]string{"a", "b", "d"}[r.IntN(3)]),
			maybe(int64(r.IntN(21) - 10)),
			maybe(int64(r.IntN(11) - 5)),
			maybe(float64(r.IntN(401)-200) / 8),
			maybe([]string{"apple", "Banana", "fig", "kiwi"}[r.IntN(4)]),
			maybe(r.IntN(2) == 0),
		})
	}
	return rows
}

const joinDecls = `CREATE SOURCE t (k STRING, a BIGINT, b BIGINT, d DOUBLE, s STRING, f BOOLEAN)
WITH (connector = 'files', path = '%[1]s/t', format = 'csv', max_files_per_trigger = 2);
CREATE SOURCE t2 (k STRING, a BIGINT, b BIGINT, d DOUBLE, s STRING, f BOOLEAN)
WITH (connector = 'files', path = '%[1]s/t2', format = 'json', max_files_per_trigger = 1);
CREATE TABLE users (id INT, name STRING, country STRING, age INT)
WITH (connector = 'files', path = '%[1]s/users', format = 'csv', header = true);
CREATE TABLE kinds (k STRING, b BIGINT, label STRING, w DOUBLE)
WITH (connector = 'files', path = '%[1]s/kinds', format = 'json');
CREATE TABLE sizes (code STRING, mult INT)
WITH (connector = 'files', path = '%[1]s/sizes', format = 'csv');
CREATE VIEW tv AS SELECT k, a + 1 AS a, b, d, s, f FROM t WHERE d > 0;
`

// joinData writes the streams and the tables under dir: t as 8 files read two a batch, so
// that each of its 4 batches has two chunks that workers probe in parallel; t2 as 3 files,
// one a batch.
func joinData(t *testing.T, dir string) string {
	streamCols := []string{"k", "a", "b", "d", "s", "f"}
	writeFiles(t, filepath.Join(dir, "t"), "csv", nil, data(), 8)
	writeFiles(t, filepath.Join(dir, "t2"), "json", streamCols, data2(), 3)
	// Tables are read whole: several files each, to be sure all of them are.
	writeFiles(t, filepath.Join(dir, "users"), "csv", usersCols, usersRows, 2)
	writeFiles(t, filepath.Join(dir, "kinds"), "json", kindsCols, kindsRows, 2)
	writeFiles(t, filepath.Join(dir, "sizes"), "csv", nil, sizesRows, 1)
	return fmt.Sprintf(joinDecls, dir)
}

// joinDB is SQLite with the rows joinData writes, as tables of the same names.
func joinDB(t *testing.T) *sql.DB {
	db := sqliteDB(t)
	stream := "k TEXT, a INTEGER, b INTEGER, d REAL, s TEXT, f INTEGER"
	sqliteTable(t, db, "t", stream, data())
	sqliteTable(t, db, "t2", stream, data2())
	joinTables(t, db)
	if _, err := db.Exec("CREATE VIEW tv AS SELECT k, a + 1 AS a, b, d, s, f FROM t WHERE d > 0"); err != nil {
		t.Fatal(err)
	}
	return db
}

// joinTables creates the static tables in db.
func joinTables(t *testing.T, db *sql.DB) {
	sqliteTable(t, db, "users", "id INTEGER, name TEXT, country TEXT, age INTEGER", usersRows)
	sqliteTable(t, db, "kinds", "k TEXT, b INTEGER, label TEXT, w REAL", kindsRows)
	sqliteTable(t, db, "sizes", "code TEXT, mult INTEGER", sizesRows)
}

// pair is a piece of SQL in both dialects.
type pair struct{ s, q string }

// both is SQL that both dialects write alike.
func both(s string) pair { return pair{s, s} }

// joinFrom is one FROM clause with joins. SQLite has no semi or anti join: there the
// FROM is the rest and cond is the [NOT] EXISTS that the join becomes, ANDed to the WHERE.
type joinFrom struct {
	name   string
	s, q   string
	cond   string
	family string // the tables the shapes read: see joinShapes
	star   string // SQLite's spelling of SELECT * in Spark's column order; "" leaves * out
}

// joinShape is a SELECT over a join of one family: its items, WHERE and what follows.
type joinShape struct {
	name  string
	items pair
	where string
	tail  string
	agg   bool
}

var joinFroms = []joinFrom{
	// users: a key of another width (INT = BIGINT), expression keys, residuals.
	{name: "inner INT=BIGINT", s: "t JOIN users u ON t.b = u.id", q: "t JOIN users u ON t.b = u.id", family: "u", star: "t.*, u.*"},
	{name: "left INT=BIGINT", s: "t LEFT JOIN users u ON t.b = u.id", q: "t LEFT JOIN users u ON t.b = u.id", family: "u", star: "t.*, u.*"},
	{name: "left outer, table key first", s: "t LEFT OUTER JOIN users AS u ON u.id = t.b", q: "t LEFT JOIN users u ON u.id = t.b", family: "u", star: "t.*, u.*"},
	{name: "inner bare names", s: "t INNER JOIN users AS u ON b = id", q: "t JOIN users u ON t.b = u.id", family: "u", star: "t.*, u.*"},
	{name: "inner expression key", s: "t JOIN users u ON lower(t.s) = u.name", q: "t JOIN users u ON lower(t.s) = u.name", family: "u", star: "t.*, u.*"},
	{name: "left expression key", s: "t LEFT JOIN users u ON lower(t.s) = u.name", q: "t LEFT JOIN users u ON lower(t.s) = u.name", family: "u", star: "t.*, u.*"},
	{name: "inner arithmetic key", s: "t JOIN users u ON t.b + 1 = u.id", q: "t JOIN users u ON t.b + 1 = u.id", family: "u", star: "t.*, u.*"},
	{name: "inner two keys", s: "t JOIN users u ON t.b = u.id AND lower(t.s) = u.name", q: "t JOIN users u ON t.b = u.id AND lower(t.s) = u.name", family: "u", star: "t.*, u.*"},
	{name: "inner expression keys on both sides", s: "t JOIN users u ON upper(t.s) = upper(u.name)", q: "t JOIN users u ON upper(t.s) = upper(u.name)", family: "u", star: "t.*, u.*"},
	{name: "inner table filter in ON", s: "t JOIN users u ON t.b = u.id AND u.age IS NOT NULL AND u.country <> 'US'", q: "t JOIN users u ON t.b = u.id AND u.age IS NOT NULL AND u.country <> 'US'", family: "u", star: "t.*, u.*"},
	// The stream side as a subquery and as a view: its filter and projection run before the
	// probe, over the columns the join adds to.
	{name: "subquery JOIN", s: "(SELECT k, a * 2 AS a, b, d, upper(s) AS s, f FROM t WHERE d > 0) AS t JOIN users u ON lower(t.s) = u.name",
		q: "(SELECT k, a * 2 AS a, b, d, upper(s) AS s, f FROM t WHERE d > 0) AS t JOIN users u ON lower(t.s) = u.name", family: "u", star: "t.*, u.*"},
	{name: "view LEFT JOIN", s: "tv AS t LEFT JOIN users u ON t.b = u.id", q: "tv AS t LEFT JOIN users u ON t.b = u.id", family: "u", star: "t.*, u.*"},
	{name: "inner residual", s: "t JOIN users u ON t.b = u.id AND u.age > t.a", q: "t JOIN users u ON t.b = u.id AND u.age > t.a", family: "u", star: "t.*, u.*"},
	{name: "left residual", s: "t LEFT JOIN users u ON t.b = u.id AND u.age > t.a", q: "t LEFT JOIN users u ON t.b = u.id AND u.age > t.a", family: "u", star: "t.*, u.*"},
	{name: "inner OR residual", s: "t JOIN users u ON t.b = u.id AND (u.country = 'US' OR t.f)", q: "t JOIN users u ON t.b = u.id AND (u.country = 'US' OR t.f)", family: "u", star: "t.*, u.*"},
	// In a LEFT JOIN's ON, a condition on either side decides matches only: it drops no
	// stream row.
	{name: "left table filter in ON", s: "t LEFT JOIN users u ON t.b = u.id AND u.country <> 'FR'", q: "t LEFT JOIN users u ON t.b = u.id AND u.country <> 'FR'", family: "u", star: "t.*, u.*"},
	{name: "left stream filter in ON", s: "t LEFT JOIN users u ON t.b = u.id AND t.a > 0", q: "t LEFT JOIN users u ON t.b = u.id AND t.a > 0", family: "u", star: "t.*, u.*"},
	{name: "table RIGHT JOIN stream", s: "users u RIGHT JOIN t ON t.b = u.id", q: "t LEFT JOIN users u ON t.b = u.id", family: "u", star: "u.*, t.*"},
	{name: "table RIGHT OUTER JOIN stream, residual", s: "users AS u RIGHT OUTER JOIN t ON u.id = t.b AND u.age < 40", q: "t LEFT JOIN users u ON u.id = t.b AND u.age < 40", family: "u", star: "u.*, t.*"},
	{name: "left, then semi", s: "t LEFT JOIN users u ON t.b = u.id LEFT SEMI JOIN kinds kd ON t.k = kd.k", q: "t LEFT JOIN users u ON t.b = u.id", cond: "EXISTS (SELECT 1 FROM kinds kd WHERE t.k = kd.k)", family: "u", star: "t.*, u.*"},

	// semi and anti joins: the stream's columns only.
	{name: "semi", s: "t LEFT SEMI JOIN users u ON t.b = u.id", q: "t", cond: "EXISTS (SELECT 1 FROM users u WHERE t.b = u.id)", family: "t", star: "t.*"},
	{name: "anti", s: "t LEFT ANTI JOIN users u ON t.b = u.id", q: "t", cond: "NOT EXISTS (SELECT 1 FROM users u WHERE t.b = u.id)", family: "t", star: "t.*"},
	{name: "semi expression key", s: "t LEFT SEMI JOIN users u ON lower(t.s) = u.name", q: "t", cond: "EXISTS (SELECT 1 FROM users u WHERE lower(t.s) = u.name)", family: "t", star: "t.*"},
	{name: "anti two keys", s: "t LEFT ANTI JOIN kinds kd ON t.k = kd.k AND t.b = kd.b", q: "t", cond: "NOT EXISTS (SELECT 1 FROM kinds kd WHERE t.k = kd.k AND t.b = kd.b)", family: "t", star: "t.*"},
	{name: "semi residual", s: "t LEFT SEMI JOIN users u ON t.b = u.id AND u.age > t.a", q: "t", cond: "EXISTS (SELECT 1 FROM users u WHERE t.b = u.id AND u.age > t.a)", family: "t", star: "t.*"},
	{name: "anti table filter", s: "t LEFT ANTI JOIN users u ON t.b = u.id AND u.country = 'FR'", q: "t", cond: "NOT EXISTS (SELECT 1 FROM users u WHERE t.b = u.id AND u.country = 'FR')", family: "t", star: "t.*"},
	// Spark's * after a semi join USING puts the USING columns first too (the Analyzer's
	// commonNaturalJoinProcessing: leftKeys ++ lUniqueOutput).
	{name: "semi USING", s: "t LEFT SEMI JOIN kinds USING (k, b)", q: "t", cond: "EXISTS (SELECT 1 FROM kinds kd WHERE t.k = kd.k AND t.b = kd.b)", family: "t", star: "t.k, t.b, t.a, t.d, t.s, t.f"},

	// kinds: two key columns from JSON, USING.
	{name: "inner two keys (json)", s: "t JOIN kinds kd ON t.k = kd.k AND t.b = kd.b", q: "t JOIN kinds kd ON t.k = kd.k AND t.b = kd.b", family: "kd"},
	{name: "left two keys (json)", s: "t LEFT JOIN kinds kd ON kd.b = t.b AND kd.k = t.k", q: "t LEFT JOIN kinds kd ON kd.b = t.b AND kd.k = t.k", family: "kd"},
	// Spark's * after USING: the USING columns once, then the rest of each side.
	{name: "inner USING (k, b)", s: "t JOIN kinds kd USING (k, b)", q: "t JOIN kinds kd ON t.k = kd.k AND t.b = kd.b", family: "kd", star: "t.k, t.b, t.a, t.d, t.s, t.f, kd.label, kd.w"},
	{name: "left USING (k)", s: "t LEFT JOIN kinds AS kd USING (k)", q: "t LEFT JOIN kinds kd ON t.k = kd.k", family: "kd"},
	{name: "inner key and residual on doubles", s: "t JOIN kinds kd ON t.k = kd.k AND kd.w > t.d", q: "t JOIN kinds kd ON t.k = kd.k AND kd.w > t.d", family: "kd"},
	{name: "inner BIGINT=DOUBLE", s: "t JOIN kinds kd ON t.b = kd.w", q: "t JOIN kinds kd ON t.b = kd.w", family: "kd"},
	{name: "table RIGHT JOIN stream USING (k)", s: "kinds kd RIGHT JOIN t USING (k)", q: "t LEFT JOIN kinds kd ON t.k = kd.k", family: "kd"},

	// sizes: CROSS JOIN with a small table.
	{name: "cross", s: "t CROSS JOIN sizes z", q: "t CROSS JOIN sizes z", family: "z", star: "t.*, z.*"},
	{name: "cross AS", s: "t CROSS JOIN sizes AS z", q: "t CROSS JOIN sizes z", family: "z"},

	// Two joins in a chain; the second's key may read the first table.
	{name: "inner then left", s: "t JOIN users u ON t.b = u.id LEFT JOIN kinds kd ON t.k = kd.k AND t.b = kd.b", q: "t JOIN users u ON t.b = u.id LEFT JOIN kinds kd ON t.k = kd.k AND t.b = kd.b", family: "ukd"},
	{name: "left then inner USING", s: "t LEFT JOIN users u ON lower(t.s) = u.name JOIN kinds kd USING (k)", q: "t LEFT JOIN users u ON lower(t.s) = u.name JOIN kinds kd ON t.k = kd.k", family: "ukd"},
	{name: "second key from the first table", s: "t JOIN users u ON t.b = u.id LEFT JOIN kinds kd ON t.k = kd.k AND u.id = kd.b", q: "t JOIN users u ON t.b = u.id LEFT JOIN kinds kd ON t.k = kd.k AND u.id = kd.b", family: "ukd"},
	{name: "left then cross", s: "t LEFT JOIN users u ON t.b = u.id CROSS JOIN sizes z", q: "t LEFT JOIN users u ON t.b = u.id CROSS JOIN sizes z", family: "uz"},
}

var joinShapes = map[string][]joinShape{
	"u": {
		{name: "columns", items: both("t.k, t.a, t.b, u.id, u.name, u.country, u.age")},
		{name: "expressions", items: both("t.a + u.age AS x, coalesce(u.country, 'none') AS c, u.name || '-' || t.k AS j, u.id IS NULL AS miss")},
		// A WHERE on the table's columns drops a LEFT JOIN's NULL-extended rows.
		{name: "WHERE on the table", items: both("t.a, u.name"), where: "u.country = 'FR'"},
		{name: "WHERE table IS NULL", items: both("t.b, t.s"), where: "u.id IS NULL"},
		{name: "COMPLETE by country", items: both("u.country, count(*) AS n, sum(t.a) AS sa, count(u.age) AS na"), tail: " GROUP BY u.country", agg: true},
		{name: "COMPLETE by stream key", items: both("t.k, count(DISTINCT u.name) AS dn, max(u.age) AS ma, min(u.name) AS mn"), tail: " GROUP BY t.k", agg: true},
		{name: "*", items: both("*")},
		// DISTINCT in APPEND mode: each distinct row once, so the rows written are the set.
		{name: "DISTINCT", items: both("DISTINCT u.country, t.k")},
		{name: "COMPLETE with HAVING", items: both("u.name, count(*) AS n, avg(t.d) AS ad"), tail: " GROUP BY u.name HAVING count(*) > 5", agg: true},
	},
	"t": {
		{name: "columns", items: both("t.k, t.a, t.b, t.s")},
		{name: "WHERE", items: both("a, d"), where: "t.a > 0"},
		{name: "COMPLETE by k", items: both("t.k, count(*) AS n, sum(t.b) AS sb"), tail: " GROUP BY t.k", agg: true},
		{name: "*", items: both("*")},
	},
	"kd": {
		{name: "columns", items: both("t.k, t.b, t.a, kd.label, kd.w")},
		{name: "expressions", items: both("t.a * kd.b AS p, coalesce(kd.label, t.s) AS l, kd.w + t.d AS wd")},
		{name: "WHERE on the table", items: both("t.s, kd.label"), where: "kd.w > 0"},
		{name: "COMPLETE by label", items: both("kd.label, count(*) AS n, sum(kd.w) AS sw, avg(t.a) AS aa"), tail: " GROUP BY kd.label", agg: true},
		{name: "COMPLETE top 3", items: both("kd.label, count(*) AS n"), tail: " GROUP BY kd.label ORDER BY n DESC, kd.label LIMIT 3", agg: true},
		{name: "*", items: both("*")},
	},
	"z": {
		{name: "columns", items: both("t.k, t.a, z.code, z.mult")},
		{name: "WHERE across", items: both("t.a * z.mult AS m, z.code"), where: "t.b = z.mult"},
		{name: "COMPLETE by code", items: both("z.code, count(*) AS n, sum(t.a * z.mult) AS s"), tail: " GROUP BY z.code", agg: true},
		{name: "*", items: both("*")},
	},
	"ukd": {
		{name: "columns", items: both("t.a, u.name, kd.label, kd.w")},
		{name: "COMPLETE by country", items: both("u.country, count(*) AS n, count(kd.label) AS nl, sum(kd.w) AS sw"), tail: " GROUP BY u.country", agg: true},
	},
	"uz": {
		{name: "columns", items: both("t.a, u.name, z.code")},
		{name: "COMPLETE by country and code", items: both("u.country, z.code, count(*) AS n, sum(z.mult) AS sm"), tail: " GROUP BY u.country, z.code", agg: true},
	},
}

// joinQueries is every join with every shape of its family.
func joinQueries() []query {
	var qs []query
	for _, j := range joinFroms {
		for _, sh := range joinShapes[j.family] {
			items := sh.items
			if items.s == "*" {
				if j.star == "" {
					continue
				}
				items.q = j.star
			}
			var conds []string
			where := ""
			if j.cond != "" {
				conds = append(conds, j.cond)
			}
			if sh.where != "" {
				where = " WHERE " + sh.where
				conds = append(conds, "("+sh.where+")")
			}
			qwhere := ""
			if len(conds) > 0 {
				qwhere = " WHERE " + strings.Join(conds, " AND ")
			}
			qs = append(qs, query{
				name:   j.name + " × " + sh.name,
				stream: "SELECT " + items.s + " FROM " + j.s + where + sh.tail,
				sqlite: "SELECT " + items.q + " FROM " + j.q + qwhere + sh.tail,
				agg:    sh.agg,
			})
		}
	}
	return qs
}

func TestJoinsAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of many joins")
	}
	work := t.TempDir()
	decls := joinData(t, filepath.Join(work, "data"))
	qs := joinQueries()
	compare(t, joinDB(t), runProgram(t, work, decls, qs), qs)
}

// compare checks each query's rows against SQLite's (got[i] nil: it did not run).
func compare(t *testing.T, db *sql.DB, got [][][]string, qs []query) {
	t.Helper()
	for i, q := range qs {
		if got[i] == nil {
			continue
		}
		want, err := runSQLite(db, q.sqlite)
		if err != nil {
			t.Errorf("%s: sqlite: %s\n%v", q.name, q.sqlite, err)
			continue
		}
		if d := diff(want, got[i]); d != "" {
			t.Errorf("%s: differs from SQLite\nsqlstream: %s\nsqlite:    %s\n%s", q.name, strings.ReplaceAll(q.stream, mark, ""), q.sqlite, d)
		}
	}
	t.Logf("%d queries compared", len(qs))
}

// mark is where a COMPLETE query's marker column goes when the query says so (a UNION
// needs it in every SELECT); without it, it goes before the first FROM.
const mark = "{mark}"

// runProgram builds every query into one program (each INSERT into a sink of its own: a
// files sink in APPEND mode, the console in COMPLETE mode), runs it once over all batches
// and returns each query's final rows; a query the checker rejects is reported and has nil.
// The console does not name the query of a table, so each COMPLETE query gets a constant
// column named after it (q<i>, after its items), which tells its tables apart and is
// dropped from the rows.
func runProgram(t *testing.T, work, decls string, qs []query) [][][]string {
	t.Helper()
	type built struct {
		i     int
		sink  string
		cols  []string
		out   string
		index int // of the marker column
	}
	var sinks, inserts []string
	var ok []built
	for i, q := range qs {
		sink := fmt.Sprintf("q%d", i)
		out := filepath.Join(work, "out", sink)
		decl := fmt.Sprintf("CREATE SINK %s WITH (connector = 'files', path = '%s', format = 'json');\n", sink, out)
		insert := fmt.Sprintf("INSERT INTO %s %s;\n", sink, q.stream)
		if q.agg {
			decl = fmt.Sprintf("CREATE SINK %s WITH (connector = 'console', truncate = false, num_rows = 100000);\n", sink)
			text := q.stream
			if !strings.Contains(text, mark) {
				text = strings.Replace(text, " FROM ", mark+" FROM ", 1)
			}
			text = strings.ReplaceAll(text, mark, ", 0 AS "+sink)
			insert = fmt.Sprintf("INSERT INTO %s %s OUTPUT MODE COMPLETE;\n", sink, text)
		}
		res, errs := compiler.Compile("q.sql", []byte(decls+decl+insert))
		if errs.HasErrors() {
			t.Errorf("%s: does not compile: %s\n%v", q.name, insert, errs.Err())
			continue
		}
		b := built{i: i, sink: sink, out: out, index: -1}
		for k, c := range res.Plan.Queries[0].Output {
			b.cols = append(b.cols, c.Name)
			if q.agg && c.Name == sink {
				b.index = k
			}
		}
		sinks, inserts, ok = append(sinks, decl), append(inserts, insert), append(ok, b)
	}
	got := make([][][]string, len(qs))
	if len(ok) == 0 {
		return got
	}
	res, errs := compiler.Compile("q.sql", []byte(decls+strings.Join(sinks, "")+strings.Join(inserts, "")))
	if errs.HasErrors() {
		t.Fatalf("the queries do not compile together: %v", errs.Err())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(work, "program")
	if err := gobuild.Build(ctx, res.Go, bin, gobuild.Options{}); err != nil {
		t.Fatalf("the program does not build: %v", err)
	}
	cmd := exec.CommandContext(ctx, bin, "--trigger", "available-now")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("the program failed: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("unexpected stderr: %s", stderr.String())
	}
	last := map[string][][]string{} // a COMPLETE query's last table, by its marker
	for _, tb := range consoleTables(stdout.String()) {
		for k, h := range tb.header {
			if strings.HasPrefix(h, "q") && k == len(tb.header)-1 {
				last[h] = tb.rows
			}
		}
	}
	for _, b := range ok {
		if !qs[b.i].agg {
			rows, err := jsonRows(b.out, b.cols)
			if err != nil {
				t.Errorf("%s: %v", qs[b.i].name, err)
				continue
			}
			got[b.i] = append([][]string{}, rows...)
			continue
		}
		rows, printed := last[b.sink]
		if !printed {
			t.Errorf("%s: printed no batch", qs[b.i].name)
			continue
		}
		got[b.i] = [][]string{}
		for _, r := range rows {
			got[b.i] = append(got[b.i], append(r[:b.index:b.index], r[b.index+1:]...))
		}
	}
	return got
}

// unionBranches are pairs of SELECTs over the CSV stream t and the JSON stream t2 with the
// same column types, whose columns the union names x and y (the first SELECT's names).
var unionBranches = []struct {
	name string
	a, b pair
}{
	{name: "columns", a: both("SELECT k AS x, a AS y FROM t"), b: both("SELECT k, a FROM t2")},
	{name: "filters", a: both("SELECT s AS x, b AS y FROM t WHERE a > 0"), b: both("SELECT s, b FROM t2 WHERE b < 0 OR b IS NULL")},
	// Spark widens INT and BIGINT to BIGINT across a union.
	{name: "INT and BIGINT", a: both("SELECT k AS x, a AS y FROM t"), b: pair{"SELECT k, CAST(b AS INT) FROM t2", "SELECT k, CAST(b AS INTEGER) FROM t2"}},
	{name: "expressions", a: both("SELECT upper(k) AS x, a + b AS y FROM t"), b: both("SELECT lower(s), a * 2 FROM t2")},
	// A NULL column takes the other SELECT's type (Spark widens NullType to anything).
	{name: "NULL in the first", a: both("SELECT k AS x, NULL AS y FROM t"), b: both("SELECT k, a FROM t2")},
	{name: "NULL in the second", a: both("SELECT s AS x, b AS y FROM tv"), b: both("SELECT NULL, b FROM t2 WHERE f")},
	{name: "a join in a branch", a: both("SELECT u.country AS x, t.a AS y FROM t JOIN users u ON t.b = u.id"), b: both("SELECT 'none', a FROM t2")},
}

// unionShapes put two branches together: %[1]s is the first, %[2]s the second.
var unionShapes = []struct {
	name     string
	s, q     string
	agg      bool
	markEach bool // the COMPLETE marker goes in every SELECT of the union
}{
	{name: "UNION ALL", s: "%[1]s UNION ALL %[2]s", q: "%[1]s UNION ALL %[2]s"},
	// UNION is a Distinct over the union, which Spark plans as an aggregation grouped by
	// every column: COMPLETE mode (APPEND would need a watermark), with the marker column in
	// every SELECT.
	{name: "UNION", s: "%[1]s UNION %[2]s", q: "%[1]s UNION %[2]s", agg: true, markEach: true},
	// Descending puts NULLs last in both engines; (x, y) are distinct, so the order is total.
	{name: "UNION, ORDER BY, LIMIT", s: "%[1]s UNION %[2]s ORDER BY y DESC, x LIMIT 7", q: "%[1]s UNION %[2]s ORDER BY y DESC, x LIMIT 7", agg: true, markEach: true},
	{name: "three branches", s: "%[1]s UNION ALL %[2]s UNION ALL %[1]s", q: "%[1]s UNION ALL %[2]s UNION ALL %[1]s"},
	{name: "aggregated", s: "SELECT x, count(*) AS n, sum(y) AS sy, count(DISTINCT y) AS dy FROM (%[1]s UNION ALL %[2]s) AS v GROUP BY x",
		q: "SELECT x, count(*) AS n, sum(y) AS sy, count(DISTINCT y) AS dy FROM (%[1]s UNION ALL %[2]s) AS v GROUP BY x", agg: true},
	{name: "aggregated, with a literal branch", s: "SELECT x, count(*) AS n, max(y) AS my FROM (%[1]s UNION ALL %[2]s UNION ALL SELECT 'lit', 1 FROM t2) AS v GROUP BY x",
		q: "SELECT x, count(*) AS n, max(y) AS my FROM (%[1]s UNION ALL %[2]s UNION ALL SELECT 'lit', 1 FROM t2) AS v GROUP BY x", agg: true},
}

// unionQueries is every pair of branches in every shape.
func unionQueries() []query {
	var qs []query
	for _, b := range unionBranches {
		for _, sh := range unionShapes {
			a, bs := b.a.s, b.b.s
			if sh.markEach {
				a, bs = strings.Replace(a, " FROM ", mark+" FROM ", 1), strings.Replace(bs, " FROM ", mark+" FROM ", 1)
			}
			qs = append(qs, query{
				name:   "union of " + b.name + " × " + sh.name,
				stream: fmt.Sprintf(sh.s, a, bs),
				sqlite: fmt.Sprintf(sh.q, b.a.q, b.b.q),
				agg:    sh.agg,
			})
		}
	}
	return qs
}

func TestUnionsAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of many unions")
	}
	work := t.TempDir()
	decls := joinData(t, filepath.Join(work, "data"))
	qs := unionQueries()
	compare(t, joinDB(t), runProgram(t, work, decls, qs), qs)
}

// TestDBTablesAgainstSQLite runs the joins of users (every family "u" form) with the tables
// read from an SQLite database (connector = 'sqlite') instead of files, and those that can
// be lookup joins (an equality on u.id, inner or left) also with users looked up per chunk
// through a cache of 4 keys: each must match SQLite's own join of the same tables.
func TestDBTablesAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of many joins")
	}
	work := t.TempDir()
	path := filepath.Join(work, "tables.db")
	file, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	joinTables(t, file)
	decls := joinData(t, filepath.Join(work, "data"))
	for _, name := range []string{"users", "kinds", "sizes"} {
		// The same table, read from the database.
		i := strings.Index(decls, "CREATE TABLE "+name+" ")
		end := i + strings.Index(decls[i:], ";\n") + 2
		cols := decls[i : i+strings.Index(decls[i:], ")")+1]
		decls = decls[:i] + fmt.Sprintf("%s WITH (connector = 'sqlite', path = '%s');\n", cols, path) + decls[end:]
	}
	decls += fmt.Sprintf("CREATE TABLE users_l (id INT, name STRING, country STRING, age INT) WITH (connector = 'sqlite', path = '%s', table = 'users', lookup = true, lookup_key = 'id', lookup_cache_rows = 4);\n", path)
	var qs []query
	lookups := 0
	for _, q := range joinQueries() {
		if !strings.Contains(q.stream, "users") || strings.Contains(q.stream, "kinds") || strings.Contains(q.stream, "sizes") {
			continue
		}
		qs = append(qs, q)
		_, on, _ := strings.Cut(q.stream, " ON ")
		on, _, _ = strings.Cut(on, " WHERE ")
		if (strings.Contains(on, "= u.id") || strings.Contains(on, "u.id =") || strings.Contains(on, "= id")) && !strings.Contains(q.stream, "SEMI") && !strings.Contains(q.stream, "ANTI") {
			l := q
			l.name += " (lookup)"
			l.stream = strings.ReplaceAll(q.stream, "users", "users_l")
			qs = append(qs, l)
			lookups++
		}
	}
	t.Logf("%d lookup joins", lookups)
	compare(t, joinDB(t), runProgram(t, work, decls, qs), qs)
}
