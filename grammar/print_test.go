package grammar

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sqlstream/sqlstream/golden"
)

// corpus covers every statement form, clause and expression node; it feeds the
// round-trip test and seeds FuzzParse.
var corpus = []string{
	// statements
	"CREATE SOURCE lines (value STRING) WITH (connector = 'files', path = '/tmp/text', format = 'text')",
	"CREATE SOURCE clicks (user STRING NOT NULL, url STRING, ts TIMESTAMP NOT NULL, WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE) WITH (connector = 'kafka', topic = 'clicks')",
	"CREATE SOURCE r (WATERMARK FOR timestamp AS timestamp - INTERVAL '5 seconds', timestamp TIMESTAMP, value BIGINT) WITH (connector = 'rate', rows_per_second = 10)",
	"create source s (a bool, b boolean, c int, d integer, e bigint, f long, g double, h float, i real, j string, k varchar(10), l text, m bytes, n binary, o timestamp, p date)",
	"CREATE SOURCE k (key BYTES, value BYTES) WITH (kafka.bootstrap.servers = 'localhost:9092', 'scan.startup.mode' = 'earliest', \"group id\" = 'g')",
	"CREATE SOURCE n (x INT) WITH (num = -5, ratio = -0.25, plus = +3, big = 1e6, yes = TRUE, no = false)",
	"CREATE TABLE users (id BIGINT NOT NULL, name STRING) WITH (connector = 'files', path = '/data/users', format = 'csv', header = true)",
	"CREATE SINK out WITH (connector = 'console', num_rows = 50, truncate = false)",
	"CREATE SINK typed (len INT, count BIGINT) WITH (connector = 'memory')",
	"CREATE SINK bare",
	"CREATE VIEW lengths AS SELECT length(value) AS len FROM lines",
	"CREATE VIEW v AS SELECT DISTINCT user, url FROM clicks WHERE url LIKE 'https://%'",
	"CREATE FUNCTION slug AS 'example.com/udf.Slug'",
	"CREATE FUNCTION \"Mixed\" AS 'example.com/udf/v2.Mixed'",
	// queries and INSERT clauses
	"INSERT INTO out SELECT length(value) AS len, count(*) AS count FROM lines GROUP BY len OUTPUT MODE UPDATE TRIGGER EVERY '2 seconds'",
	"INSERT INTO out SELECT * FROM lines",
	"INSERT INTO out SELECT l.* FROM lines l",
	"INSERT INTO out SELECT a FROM t TRIGGER ONCE OUTPUT MODE APPEND",
	"INSERT INTO out SELECT a FROM t TRIGGER AVAILABLE NOW",
	"INSERT INTO out SELECT a FROM t OUTPUT MODE COMPLETE TRIGGER EVERY INTERVAL '2' SECOND WITH (checkpoint = '/tmp/ck')",
	"INSERT INTO out SELECT a FROM t WITH (checkpoint = '/tmp/ck')",
	"INSERT INTO out SELECT window.start, window.end, user, count(*) AS n FROM clicks GROUP BY window(ts, INTERVAL '10' MINUTE, INTERVAL '5' MINUTE), user OUTPUT MODE APPEND",
	"INSERT INTO out SELECT session_window(ts, INTERVAL '5' MINUTE) AS w, count(*) FROM clicks GROUP BY session_window(ts, INTERVAL '5' MINUTE)",
	"INSERT INTO out SELECT user, sum(bytes) AS total FROM clicks GROUP BY user HAVING sum(bytes) > 1000 AND count(*) >= 2",
	"INSERT INTO out SELECT a, b FROM t ORDER BY a DESC NULLS LAST, b NULLS FIRST, c ASC LIMIT 10",
	"INSERT INTO out SELECT x FROM (SELECT a + 1 AS x FROM t WHERE a > 0) AS sub WHERE x < 100",
	"INSERT INTO out SELECT x FROM (SELECT y AS x FROM (SELECT 1 AS y FROM t) u) v",
	"INSERT INTO out SELECT count(DISTINCT user), approx_count_distinct(url) FROM clicks",
	"INSERT INTO out SELECT now(), f(), g(a, b, c) FROM t",
	"INSERT INTO \"Sink\" SELECT \"select\", \"end\", \"Mixed Case\", `back``tick` AS \"a\"\"b\" FROM \"from\" AS \"where\"",
	"INSERT INTO output SELECT first, last, mode, output, trigger, source, sink, start, end, key, value, date, year FROM t output OUTPUT MODE UPDATE",
	// expressions
	"INSERT INTO o SELECT a OR b AND c, (a OR b) AND c, NOT a = b, (NOT a) = b, NOT (a AND b) FROM t",
	"INSERT INTO o SELECT -x * y, -(x * y), - -x, -(-1), +x, a - (b - c), (a - b) - c, a / (b * c) FROM t",
	"INSERT INTO o SELECT a || b + c, (a || b) + c, a || b || c, a || (b || c) FROM t",
	"INSERT INTO o SELECT a = b, a == b, a <> b, a != b, a < b, a <= b, a > b, a >= b, (a = b) = c, a = (b = c) FROM t",
	"INSERT INTO o SELECT a IS NULL, a IS NOT NULL, (a + 1) IS NULL, (a IS NULL) IS NULL, NOT a IS NULL FROM t",
	"INSERT INTO o SELECT a IN (1, 2, 3), a NOT IN ('x', 'y'), (a IN (1)) IN (TRUE) FROM t WHERE b IN (c + 1, d)",
	"INSERT INTO o SELECT a BETWEEN 1 AND 10, a NOT BETWEEN b - 1 AND b + 1, a BETWEEN (b AND c) AND d, (a BETWEEN 1 AND 2) AND b FROM t",
	"INSERT INTO o SELECT a LIKE 'x%', a NOT LIKE b || '%', (a LIKE b) = FALSE, a LIKE (b = c) FROM t",
	"INSERT INTO o SELECT CASE WHEN a > 0 THEN 'pos' WHEN a < 0 THEN 'neg' ELSE 'zero' END AS sign FROM t",
	"INSERT INTO o SELECT CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, CASE WHEN x THEN CASE WHEN y THEN 1 END END FROM t",
	"INSERT INTO o SELECT CAST(a AS BIGINT), CAST(b AS varchar(3)), CAST(c + 1 AS DOUBLE) * 2, CAST(ts AS DATE) FROM t",
	"INSERT INTO o SELECT INTERVAL '10' MINUTE, INTERVAL '10 minutes', INTERVAL '1' HOUR, INTERVAL 3 DAYS, ts + INTERVAL '1' SECOND FROM t",
	"INSERT INTO o SELECT 1, 1.5, .5, 1e3, 2.5E-3, 99999999999999999999999, 'it''s', '', NULL, TRUE, FALSE FROM t",
	"INSERT INTO o SELECT a % b, a / b * c, a * (b / c), a + b * c, (a + b) * c, a - b + c, a - (b + c) FROM t",
	"INSERT INTO o SELECT t.a, t.b.c, window.start, t.\"Odd Col\", x.select FROM t WHERE t.a IS NOT NULL OR t.b BETWEEN 1 AND 2 AND NOT t.c LIKE 'z'",
	"INSERT INTO o SELECT year(ts) AS year, month(ts) month, day(ts), hour(ts), minute(ts), second(ts), date(ts), timestamp FROM t",
	// several statements with comments
	"-- comment\nCREATE SINK a WITH (connector = 'console'); /* c */ INSERT INTO a SELECT x FROM y; ;",
}

func TestRoundTrip(t *testing.T) {
	if len(corpus) < 40 {
		t.Fatalf("corpus has %d entries, want at least 40", len(corpus))
	}
	for _, src := range corpus {
		f1 := mustParse(t, src)
		printed := f1.String()
		f2, err := Parse("printed.sql", []byte(printed))
		if err != nil {
			t.Errorf("reparse of printed %q: %v\n(from %q)", printed, err, src)
			continue
		}
		if diff := cmp.Diff(f1, f2, ignorePos); diff != "" {
			t.Errorf("round trip of %q via %q (-first +second):\n%s", src, printed, diff)
		}
		if again := f2.String(); again != printed {
			t.Errorf("printer is not a fixpoint:\n%s\n%s", printed, again)
		}
	}
}

func TestPrint(t *testing.T) {
	tests := []struct{ src, want string }{
		{"insert into o select a or b and c, (a or b) and c from t",
			"INSERT INTO o SELECT a OR b AND c, (a OR b) AND c FROM t;\n"},
		{"insert into o select - -x, -(x+y), not not a, a - -b from t",
			"INSERT INTO o SELECT - -x, -(x + y), NOT NOT a, a - -b FROM t;\n"},
		{"insert into o select count(*) count from t x trigger every interval 2 seconds output mode update",
			"INSERT INTO o SELECT count(*) AS count FROM t AS x OUTPUT MODE UPDATE TRIGGER EVERY INTERVAL '2' SECOND;\n"},
		{"create source s (ts timestamp, watermark for ts as ts - interval '1' minute) with (a.b = 'x', \"c d\" = 1)",
			"CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE) WITH (a.b = 'x', 'c d' = 1);\n"},
		{`insert into o select case when a then "end" end, end from t`, // END is reserved inside CASE only
			"INSERT INTO o SELECT CASE WHEN a THEN \"end\" END, \"end\" FROM t;\n"},
	}
	for _, tt := range tests {
		f := mustParse(t, tt.src)
		if got := f.String(); got != tt.want {
			t.Errorf("%s\n got %q\nwant %q", tt.src, got, tt.want)
		}
	}
}

// TestPrintGolden keeps the canonical form of every corpus entry in testdata/print.golden,
// so that a printer change shows up in review (go test ./grammar -update rewrites it).
func TestPrintGolden(t *testing.T) {
	var b strings.Builder
	for _, src := range corpus {
		b.WriteString("-- " + strings.ReplaceAll(src, "\n", "\n-- ") + "\n")
		b.WriteString(mustParse(t, src).String())
		b.WriteString("\n")
	}
	golden.Check(t, "testdata/print.golden", []byte(b.String()))
}
