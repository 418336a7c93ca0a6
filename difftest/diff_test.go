package difftest

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

// handwritten are queries for each feature, beside the generated ones.
var handwritten = []query{
	{stream: "SELECT k, a, b, d, s, f FROM t", sqlite: "SELECT k, a, b, d, s, f FROM t"},
	{stream: "SELECT a + b AS x, a - b AS y, a * b AS z FROM t WHERE a IS NOT NULL", sqlite: "SELECT a + b AS x, a - b AS y, a * b AS z FROM t WHERE a IS NOT NULL"},
	{stream: "SELECT a / b AS q, a % b AS r FROM t", sqlite: "SELECT CAST(a AS REAL) / b AS q, a % b AS r FROM t"},
	{stream: "SELECT s FROM t WHERE s LIKE 'a%'", sqlite: "SELECT s FROM t WHERE s LIKE 'a%'"},
	{stream: "SELECT s FROM t WHERE s NOT LIKE '%e%'", sqlite: "SELECT s FROM t WHERE s NOT LIKE '%e%'"},
	{stream: "SELECT s FROM t WHERE s LIKE 'x\\_y'", sqlite: "SELECT s FROM t WHERE s LIKE 'x\\_y' ESCAPE '\\'"},
	{stream: "SELECT a FROM t WHERE a IN (1, 5, -3)", sqlite: "SELECT a FROM t WHERE a IN (1, 5, -3)"},
	{stream: "SELECT a, a NOT IN (1, NULL) AS x FROM t", sqlite: "SELECT a, a NOT IN (1, NULL) AS x FROM t"},
	{stream: "SELECT a FROM t WHERE a BETWEEN -5 AND 5", sqlite: "SELECT a FROM t WHERE a BETWEEN -5 AND 5"},
	{stream: "SELECT a FROM t WHERE a NOT BETWEEN -5 AND 5", sqlite: "SELECT a FROM t WHERE a NOT BETWEEN -5 AND 5"},
	{stream: "SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' END AS sign FROM t", sqlite: "SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' END AS sign FROM t"},
	{stream: "SELECT CASE k WHEN 'a' THEN 1 WHEN 'b' THEN 2 ELSE 0 END AS n FROM t", sqlite: "SELECT CASE k WHEN 'a' THEN 1 WHEN 'b' THEN 2 ELSE 0 END AS n FROM t"},
	{stream: "SELECT coalesce(s, k, 'none') AS c FROM t", sqlite: "SELECT coalesce(s, k, 'none') AS c FROM t"},
	{stream: "SELECT nullif(a, 0) AS n, if(f, a, b) AS i FROM t", sqlite: "SELECT nullif(a, 0) AS n, CASE WHEN f THEN a ELSE b END AS i FROM t"},
	{stream: "SELECT length(s), upper(s), lower(s), substring(s, 2, 3), substring(s, 3) FROM t", sqlite: "SELECT length(s), upper(s), lower(s), substr(s, 2, 3), substr(s, 3) FROM t"},
	{stream: "SELECT replace(s, 'a', 'A') AS r, instr(s, 'an') AS i FROM t", sqlite: "SELECT replace(s, 'a', 'A') AS r, instr(s, 'an') AS i FROM t"},
	{stream: "SELECT concat_ws('-', k, s) AS c, mod(a, 7) AS m FROM t", sqlite: "SELECT concat_ws('-', k, s) AS c, a % 7 AS m FROM t"},
	{stream: "SELECT left(s, 2) AS l, right(s, 3) AS r, octet_length(s) AS o, bit_length(k) AS bl FROM t", sqlite: "SELECT substr(s, 1, 2) AS l, substr(s, -3) AS r, octet_length(s) AS o, octet_length(k) * 8 AS bl FROM t"},
	{stream: "SELECT s FROM t WHERE s LIKE 'a\\\\%%' OR s LIKE 'x\\_%' OR s = 'it\\'s'", sqlite: "SELECT s FROM t WHERE s LIKE 'a\\%%' ESCAPE '\\' OR s LIKE 'x\\_%' ESCAPE '\\' OR s = 'it''s'"},
	{stream: "SELECT s || '-' || k AS j FROM t", sqlite: "SELECT s || '-' || k AS j FROM t"},
	{stream: "SELECT abs(a), abs(d), round(d), CAST(d AS BIGINT) AS i FROM t", sqlite: "SELECT abs(a), abs(d), round(d), CAST(d AS INTEGER) AS i FROM t"},
	{stream: "SELECT CAST(a AS STRING) AS x, CAST(a AS DOUBLE) AS y FROM t", sqlite: "SELECT CAST(a AS TEXT) AS x, CAST(a AS REAL) AS y FROM t"},
	{stream: "SELECT a FROM t WHERE NOT f OR f IS NULL", sqlite: "SELECT a FROM t WHERE NOT f OR f IS NULL"},
	{stream: "SELECT a FROM t WHERE (a > 0 AND b > 0) OR (a < 0 AND s IS NOT NULL)", sqlite: "SELECT a FROM t WHERE (a > 0 AND b > 0) OR (a < 0 AND s IS NOT NULL)"},
	{stream: "SELECT DISTINCT k FROM t", sqlite: "SELECT DISTINCT k FROM t"},
	{stream: "SELECT DISTINCT k, f FROM t", sqlite: "SELECT DISTINCT k, f FROM t"},
	{stream: "SELECT DISTINCT ON (k) k, f FROM t WHERE f IS NULL", sqlite: "SELECT DISTINCT k, f FROM t WHERE f IS NULL"},
	{stream: "SELECT count(*) AS n, count(a) AS na, count(DISTINCT k) AS nk FROM t", sqlite: "SELECT count(*) AS n, count(a) AS na, count(DISTINCT k) AS nk FROM t", agg: true},
	{stream: "SELECT k, sum(a), avg(a), min(a), max(a) FROM t GROUP BY k", sqlite: "SELECT k, sum(a), avg(a), min(a), max(a) FROM t GROUP BY k", agg: true},
	{stream: "SELECT k, sum(d), avg(d), min(d), max(d) FROM t GROUP BY k", sqlite: "SELECT k, sum(d), avg(d), min(d), max(d) FROM t GROUP BY k", agg: true},
	{stream: "SELECT k, min(s), max(s), count(DISTINCT s) FROM t GROUP BY k", sqlite: "SELECT k, min(s), max(s), count(DISTINCT s) FROM t GROUP BY k", agg: true},
	{stream: "SELECT DISTINCT k, f FROM t", sqlite: "SELECT DISTINCT k, f FROM t", agg: true},
	{stream: "SELECT f, count(*) FROM t GROUP BY f", sqlite: "SELECT f, count(*) FROM t GROUP BY f", agg: true},
	// An integer key from -1500 to 1500 and NULL: groups in the workers' array of small keys
	// and in their maps, merged.
	{stream: "SELECT a * 30 AS g, count(*), sum(b) FROM t GROUP BY g", sqlite: "SELECT a * 30 AS g, count(*), sum(b) FROM t GROUP BY g", agg: true},
	{stream: "SELECT CAST(a AS INT) * 21 AS g, count(*) FROM t GROUP BY g", sqlite: "SELECT a * 21 AS g, count(*) FROM t GROUP BY g", agg: true},
	{stream: "SELECT k, f, count(*) AS n FROM t GROUP BY k, f HAVING count(*) > 3", sqlite: "SELECT k, f, count(*) AS n FROM t GROUP BY k, f HAVING count(*) > 3", agg: true},
	{stream: "SELECT a % 3 AS m, sum(b) FROM t GROUP BY m", sqlite: "SELECT a % 3 AS m, sum(b) FROM t GROUP BY a % 3", agg: true},
	{stream: "SELECT length(s) AS len, count(*) FROM t GROUP BY 1", sqlite: "SELECT length(s) AS len, count(*) FROM t GROUP BY 1", agg: true},
	{stream: "SELECT k, sum(a * b) AS p, sum(a) / count(*) AS m FROM t GROUP BY k", sqlite: "SELECT k, sum(a * b) AS p, CAST(sum(a) AS REAL) / count(*) AS m FROM t GROUP BY k", agg: true},
	{stream: "SELECT k, count(*) AS n FROM t WHERE a > 0 GROUP BY k HAVING sum(a) > 20", sqlite: "SELECT k, count(*) AS n FROM t WHERE a > 0 GROUP BY k HAVING sum(a) > 20", agg: true},
	{stream: "SELECT upper(s) AS u, count(*) AS n FROM t GROUP BY u ORDER BY n DESC, u LIMIT 3", sqlite: "SELECT upper(s) AS u, count(*) AS n FROM t GROUP BY u ORDER BY n DESC, u NULLS FIRST LIMIT 3", agg: true},
	{stream: "SELECT k, max(d) AS m FROM t GROUP BY k ORDER BY m DESC NULLS LAST LIMIT 2", sqlite: "SELECT k, max(d) AS m FROM t GROUP BY k ORDER BY m DESC NULLS LAST LIMIT 2", agg: true},
	{stream: "SELECT x, count(*) FROM (SELECT coalesce(k, '?') AS x FROM t WHERE a IS NOT NULL) AS q GROUP BY x", sqlite: "SELECT x, count(*) FROM (SELECT coalesce(k, '?') AS x FROM t WHERE a IS NOT NULL) AS q GROUP BY x", agg: true},
	{stream: "SELECT k, count(*) FROM v GROUP BY k", sqlite: "SELECT k, count(*) FROM (SELECT k, a FROM t WHERE a > 2) GROUP BY k", agg: true},
	{stream: "SELECT a, k FROM v", sqlite: "SELECT a, k FROM t WHERE a > 2"},
}

// rows of the input: k, a, b, d, s, f (NULL as nil).
func data() [][]any {
	r := rand.New(rand.NewPCG(7, 11))
	words := []string{"apple", "Banana", "cherry", "apricot", "peach", "Pear", "x_y", "a%b", "kiwi", "plum"}
	maybe := func(v any) any {
		if r.IntN(8) == 0 {
			return nil
		}
		return v
	}
	var rows [][]any
	for range 240 {
		rows = append(rows, []any{
			maybe([]string{"a", "b", "c"}[r.IntN(3)]),
			maybe(int64(r.IntN(101) - 50)),
			maybe(int64(r.IntN(11) - 5)),
			maybe(float64(r.IntN(2001)-1000) / 100),
			maybe(words[r.IntN(len(words))]),
			maybe(r.IntN(2) == 0),
		})
	}
	return rows
}

func csvCell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

const source = `CREATE SOURCE t (k STRING, a BIGINT, b BIGINT, d DOUBLE, s STRING, f BOOLEAN)
WITH (connector = 'files', path = '%s', format = 'csv', max_files_per_trigger = 1);
CREATE VIEW v AS SELECT k, a FROM t WHERE a > 2;
`

func TestAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds hundreds of programs")
	}
	rows := data()
	work := t.TempDir()
	in := filepath.Join(work, "in")
	writeFiles(t, in, "csv", nil, rows, 4)
	db := sqliteDB(t)
	sqliteTable(t, db, "t", "k TEXT, a INTEGER, b INTEGER, d REAL, s TEXT, f INTEGER", rows)

	g := &gen{r: rand.New(rand.NewPCG(1, 2))}
	qs := append([]query{}, handwritten...)
	for len(qs) < 300 {
		if g.pick(3) == 0 {
			qs = append(qs, g.aggregation())
		} else {
			qs = append(qs, g.projection())
		}
	}
	for i := range qs {
		if qs[i].name == "" {
			qs[i].name = fmt.Sprintf("query %d", i)
		}
	}
	compare(t, db, runProgram(t, work, fmt.Sprintf(source, in), qs), qs)
}

func sqliteDB(t *testing.T) *sql.DB {
	db, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("PRAGMA case_sensitive_like = ON"); err != nil { // Spark's LIKE is case-sensitive
		t.Fatal(err)
	}
	return db
}

// sqliteTable creates table name (SQLite columns cols) holding rows.
func sqliteTable(t *testing.T, db *sql.DB, name, cols string, rows [][]any) {
	if _, err := db.Exec("CREATE TABLE " + name + " (" + cols + ")"); err != nil {
		t.Fatal(err)
	}
	n := strings.Count(cols, ",") + 1
	ins := "INSERT INTO " + name + " VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
	for _, r := range rows {
		if _, err := db.Exec(ins, r...); err != nil {
			t.Fatalf("%s %v: %v", ins, r, err)
		}
	}
}

// writeFiles writes rows into dir as files of the format (csv or json; names are the json
// keys and, when given for csv, its header line), split into the given number of files, so
// that a stream with max_files_per_trigger = 1 reads them as that many batches. A JSON NULL
// is written as null in even rows and left out in odd ones: both are NULL to the reader.
func writeFiles(t *testing.T, dir, format string, names []string, rows [][]any, files int) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	per := (len(rows) + files - 1) / files
	for f := range files {
		var b strings.Builder
		if format == "csv" && names != nil {
			b.WriteString(strings.Join(names, ",") + "\n")
		}
		for r, row := range rows[min(f*per, len(rows)):min((f+1)*per, len(rows))] {
			if format == "json" {
				var fields []string
				for i, v := range row {
					if v == nil && r%2 == 1 {
						continue
					}
					val, _ := json.Marshal(v)
					fields = append(fields, fmt.Sprintf("%q: %s", names[i], val))
				}
				b.WriteString("{" + strings.Join(fields, ", ") + "}\n")
				continue
			}
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = csvCell(v)
			}
			b.WriteString(strings.Join(cells, ",") + "\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.%s", f, format)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// consoleTable is one batch the console sink printed: its header and rows (NULL as "NULL").
type consoleTable struct {
	header []string
	rows   [][]string
}

// consoleTables parses every batch the console sinks printed, in the order printed.
func consoleTables(s string) []consoleTable {
	var ts []consoleTable
	for _, batch := range strings.Split(s, "Batch: ")[1:] {
		var t consoleTable
		sc := bufio.NewScanner(strings.NewReader(batch))
		for sc.Scan() {
			line := sc.Text()
			if !strings.HasPrefix(line, "|") {
				continue
			}
			cells := strings.Split(strings.Trim(line, "|"), "|")
			row := make([]string, len(cells))
			for j, c := range cells {
				c = strings.TrimRight(c, " ")
				switch {
				case t.header == nil:
					row[j] = c
				case c == "null":
					row[j] = "NULL"
				default:
					row[j] = norm(c)
				}
			}
			if t.header == nil {
				t.header = row
			} else {
				t.rows = append(t.rows, row)
			}
		}
		ts = append(ts, t)
	}
	return ts
}

// jsonRows reads the files sink's JSON lines into rows of the given columns; a field the
// writer omitted is NULL.
func jsonRows(dir string, cols []string) ([][]string, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "part-*.json"))
	var rows [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			dec := json.NewDecoder(strings.NewReader(line))
			dec.UseNumber()
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				return nil, fmt.Errorf("%s: %v", line, err)
			}
			row := make([]string, len(cols))
			for i, c := range cols {
				if v, ok := m[c]; ok {
					row[i] = norm(fmt.Sprint(v))
				} else {
					row[i] = "NULL"
				}
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

func runSQLite(db *sql.DB, q string) ([][]string, error) {
	rs, err := db.Query(q)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out [][]string
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = sqliteCell(v)
		}
		out = append(out, row)
	}
	return out, rs.Err()
}

func sqliteCell(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case float64:
		return norm(strconv.FormatFloat(v, 'g', -1, 64))
	case []byte:
		return norm(string(v))
	}
	return norm(fmt.Sprint(v))
}

// norm is the one place where values of both engines are made comparable: booleans as 1/0
// (SQLite has no boolean type), numbers rounded to 9 significant digits (float sums are
// added in a different order).
func norm(s string) string {
	switch s {
	case "true":
		return "1"
	case "false":
		return "0"
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "xX") {
		if f == math.Trunc(f) && math.Abs(f) < 1e15 {
			return strconv.FormatInt(int64(f), 10)
		}
		return strconv.FormatFloat(f, 'g', 9, 64)
	}
	return s
}

// diff compares two results as multisets of rows (order-insensitive).
func diff(want, got [][]string) string {
	key := func(rows [][]string) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = strings.Join(r, " | ")
		}
		slices.Sort(out)
		return out
	}
	w, g := key(want), key(got)
	if slices.Equal(w, g) {
		return ""
	}
	return fmt.Sprintf("want %d rows:\n  %s\ngot %d rows:\n  %s", len(w), strings.Join(first(w), "\n  "), len(g), strings.Join(first(g), "\n  "))
}

func first(s []string) []string {
	if len(s) > 12 {
		return append(s[:12:12], "...")
	}
	return s
}
