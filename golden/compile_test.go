package golden_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

const schema = `
CREATE SOURCE t (s STRING, n INT, b BIGINT, d DOUBLE, f BOOLEAN, ts TIMESTAMP, dt DATE, bin BYTES,
                 sn STRING NOT NULL, nn INT NOT NULL)
WITH (connector = 'files', path = '/in', format = 'json');
CREATE SOURCE c (s STRING, n INT, d DOUBLE) WITH (connector = 'files', path = '/in', format = 'csv', delimiter = ';');
CREATE SOURCE g (s STRING, n INT, b BIGINT, d DOUBLE, f BOOLEAN, ts TIMESTAMP, dt DATE) WITH (connector = 'generator');
CREATE SOURCE r (timestamp TIMESTAMP, value BIGINT) WITH (connector = 'rate');
CREATE SOURCE w1 (k STRING, n BIGINT, s STRING, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = '/in', format = 'json');
CREATE SOURCE w2 (k STRING, d DOUBLE, s STRING, ts TIMESTAMP NOT NULL, WATERMARK FOR ts AS ts)
WITH (connector = 'files', path = '/in2', format = 'csv');
CREATE TABLE pl (id STRING, k INT, name STRING, w DOUBLE) WITH (connector = 'postgres', dsn = 'env:DB', lookup = true);
CREATE TABLE sl (k INT, id STRING, at TIMESTAMP) WITH (connector = 'sqlite', path = '/t.db', lookup = true, lookup_cache_ttl = '1 minute');
CREATE TABLE pt (id STRING, name STRING) WITH (connector = 'postgres', dsn = 'env:DB', query = 'SELECT id, name FROM users', refresh = '5 minutes');
CREATE SINK con WITH (connector = 'console');
CREATE SINK mem WITH (connector = 'memory');
CREATE SINK dir WITH (connector = 'files', path = '/out', format = 'csv');
`

// queries exercise every expression form and type in every position, to check that whatever
// the checker accepts generates Go that compiles.
var queries = []string{
	`INSERT INTO con SELECT * FROM t`,
	`INSERT INTO dir SELECT s, n + b, b * d, d / n, n % 3, b % nn, -d, -n, f AND s IS NULL, NOT f OR sn = 'x' FROM t`,
	`INSERT INTO con SELECT s || sn, concat(s, n, d, f), length(bin), lower(s), upper(sn), trim(s), ltrim(s), rtrim(s) FROM t`,
	`INSERT INTO con SELECT substring(s, 2), substr(s, n, 3), abs(n), abs(b), abs(d), round(d), round(d, 2), round(n, -1), round(b), floor(d), ceil(n) FROM t`,
	`INSERT INTO con SELECT coalesce(s, sn), coalesce(n, b, 0), nullif(n, 3), if(f, d, n), CASE n WHEN 1 THEN 'a' WHEN 2 THEN NULL END FROM t`,
	`INSERT INTO con SELECT CASE WHEN f THEN s ELSE sn END, CASE WHEN n > 1 THEN d WHEN b < 0 THEN n ELSE b END FROM t`,
	`INSERT INTO con SELECT CAST(s AS INT), CAST(s AS BIGINT), CAST(s AS DOUBLE), CAST(s AS BOOLEAN), CAST(s AS TIMESTAMP), CAST(s AS DATE), CAST(s AS BYTES) FROM t`,
	`INSERT INTO con SELECT CAST(n AS STRING), CAST(d AS STRING), CAST(f AS STRING), CAST(ts AS STRING), CAST(dt AS STRING), CAST(bin AS STRING) FROM t`,
	`INSERT INTO con SELECT CAST(d AS INT), CAST(d AS BIGINT), CAST(n AS DOUBLE), CAST(f AS INT), CAST(f AS DOUBLE), CAST(n AS BOOLEAN), CAST(ts AS BIGINT), CAST(b AS TIMESTAMP), CAST(d AS TIMESTAMP), CAST(dt AS TIMESTAMP), CAST(ts AS DATE), CAST(ts AS DOUBLE) FROM t`,
	`INSERT INTO con SELECT n IN (1, 2, NULL), s NOT IN ('a', sn), d BETWEEN n AND b, s LIKE 'a%', s NOT LIKE sn, ts > '2024-01-01', dt = '2024-01-02', f < f, f >= NULL FROM t`,
	`INSERT INTO con SELECT s, count(*), count(n), count(DISTINCT s), count(DISTINCT d), sum(n), sum(d), avg(b), min(s), max(ts), min(f), max(dt), min(bin) FROM t GROUP BY s`,
	`INSERT INTO con SELECT n % 10 AS k, f, sum(d) AS total FROM t WHERE d > 0 GROUP BY 1, f HAVING sum(d) > 10 AND count(*) > 1 ORDER BY total DESC NULLS LAST, k LIMIT 5 OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT ts, dt, bin, count(*) FROM t GROUP BY ts, dt, bin OUTPUT MODE UPDATE`,
	`INSERT INTO mem SELECT DISTINCT s, n FROM t`,
	`INSERT INTO mem SELECT count(*) AS rows, max(length(s)) FROM t`,
	`INSERT INTO con SELECT x, y FROM (SELECT s AS x, n * 2 AS y FROM t WHERE n > 0) AS q WHERE y < 10 LIMIT 3`,
	`INSERT INTO con SELECT upper(x) AS u, count(*) AS c FROM (SELECT coalesce(s, '?') AS x FROM c) q GROUP BY u ORDER BY c DESC LIMIT 2 OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT s, n, d FROM c WHERE n IS NOT NULL OR d IS NULL TRIGGER EVERY '500 milliseconds'`,
	`INSERT INTO con SELECT sn, nn FROM t TRIGGER ONCE`,
	`INSERT INTO con SELECT s FROM t WHERE (n > 1 AND b > 1) OR (f AND NOT f) OR d IS NULL TRIGGER AVAILABLE NOW`,
	`INSERT INTO con SELECT sum(n) / count(*) AS mean, avg(n) - 1 AS m1, max(d) * 2 AS dd, min(n) + min(b) AS s FROM t HAVING count(*) > 0`,
	`INSERT INTO con SELECT s, count(*) FROM t GROUP BY s HAVING s IS NOT NULL AND s LIKE '%x%' OUTPUT MODE UPDATE`,
	`INSERT INTO con SELECT 1, 2.5, 'lit', TRUE, NULL, 9999999999 FROM t`,
	`INSERT INTO con SELECT CAST(s AS INT), CAST(s AS DOUBLE), CAST(sn AS DATE) FROM t WITH (cast = 'strict')`,
	`INSERT INTO con SELECT max(s) AS m, CAST(max(s) AS BIGINT) AS b FROM t HAVING CAST(min(s) AS INT) > 0 WITH (cast = 'strict')`,
	`INSERT INTO con SELECT n + n + n + n, (n + 1) * (n + 1), length(s) + length(s) FROM t`,
	`INSERT INTO con SELECT year(ts), month(dt), day(ts), hour(ts), minute(ts), second(ts), date_trunc('hour', ts), unix_timestamp(ts), date_format(ts, 'yyyy/MM/dd'), from_unixtime(b), from_unixtime(b, 'HH:mm'), to_timestamp(s), to_timestamp(s, 'dd.MM.yyyy') FROM t`,
	`INSERT INTO con SELECT date_trunc('day', ts) AS d, count(*) FROM t GROUP BY 1`,
	`INSERT INTO mem SELECT window, window.start, window.end, s, count(*) FROM t GROUP BY window(ts, '5 minutes', INTERVAL '1' MINUTE), s`,
	`INSERT INTO con SELECT window.end AS e, max(d) FROM t GROUP BY window(dt, INTERVAL '1' DAY) ORDER BY e DESC LIMIT 3 OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT EXTRACT(MINUTE FROM ts), current_timestamp(), CURRENT_TIMESTAMP, now() - INTERVAL '1' HOUR > ts FROM t`,
	`INSERT INTO con SELECT regexp_extract(s, '(a+)(b*)', 2), regexp_extract(s, sn), regexp_replace(s, '[0-9]+', '#'), rlike(s, 'x'), regexp_like(sn, s), concat_ws('-', s, sn, NULL), concat_ws(s, 'a'), greatest(n, b, 3), least(d, n), greatest(s, sn), mod(n, 3), mod(d, 2) FROM t`,
	`INSERT INTO con SELECT f, approx_count_distinct(s), approx_count_distinct(n), approx_count_distinct(d), approx_count_distinct(f), approx_count_distinct(ts) FROM t GROUP BY f`,
	`INSERT INTO con SELECT s, stddev(d), stddev_samp(n), stddev_pop(b), std(d), variance(n), var_samp(d), var_pop(nn) FROM t GROUP BY s`,
	`INSERT INTO con SELECT s, first(f), last(f, true), first_value(ts, false), last_value(d), first(bin), last(n, TRUE), first(NULL), last(dt) FROM t GROUP BY s`,
	`INSERT INTO con SELECT explode(split(s, '[,;]')) AS part, n, * FROM t WHERE n > 0`,
	`INSERT INTO con SELECT DISTINCT ON (s, ts) s, n, upper(s) FROM t`,
	`INSERT INTO con SELECT NOT NULL, NULL AND f, f OR NULL, -NULL, NULL IN (1), NULL NOT IN (1, NULL), CAST(NULL AS INT) IN (1), coalesce(NULL, NULL), CASE WHEN f THEN NULL END, if(f, NULL, NULL), nullif(NULL, 1), greatest(NULL, NULL), NULL + NULL, ts + NULL, NULL || NULL, upper(NULL), abs(NULL), round(NULL, NULL) FROM t WHERE NOT NULL OR NULL OR coalesce(NULL, NULL) OR NULL IS NULL`,
	`INSERT INTO con SELECT 2147483647 + 1, 9223372036854775807 * 2, -(-2147483647 - 1), -(-9223372036854775807 - 1), CAST(2147483648 AS INT), CAST(1e20 AS INT), CAST(9223372036854775807 AS TIMESTAMP), 1e308 * 10.0, -(1e308 * 10.0), 0.0 * -1.0, CAST(NULL AS DATE) FROM t`,
	`INSERT INTO con SELECT x + 1, y * 2 FROM (SELECT 2147483647 AS x, NULL AS y FROM t) q`,
	`INSERT INTO con SELECT s, sum(NULL), avg(NULL), stddev(NULL), var_samp(NULL), min(NULL), max(NULL), count(NULL), count(DISTINCT NULL), approx_count_distinct(NULL), first(NULL) FROM t GROUP BY s HAVING NULL OR count(*) > 0`,
	`INSERT INTO con SELECT NULL AS k, count(*) FROM t GROUP BY k ORDER BY k OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT timestamp_seconds(b), timestamp_seconds(d), timestamp_seconds(n), timestamp_millis(b), timestamp_micros(nn), unix_seconds(ts), unix_millis(dt), unix_micros(ts), to_date(s), to_date(ts), to_date(s, 'dd.MM.yyyy'), date_add(dt, n), date_sub(ts, 1), date_add(s, nn), datediff(dt, s), date_diff(ts, dt), make_date(n, 2, nn), make_date(NULL, 1, 1), make_timestamp(n, 1, 1, 0, 0, d), make_timestamp(2024, 1, 1, 0, 0, 30) FROM t`,
	`INSERT INTO con SELECT current_date(), CURRENT_DATE, dayofweek(dt), weekday(ts), dayofyear(s), weekofyear(dt), quarter(dt), last_day(ts), add_months(dt, n), months_between(ts, dt), months_between(ts, s, f), months_between(dt, dt, FALSE) FROM t`,
	`INSERT INTO con SELECT left(s, n), right(sn, 2), ascii(s), chr(b), char(nn), translate(s, 'abc', sn), btrim(s), btrim(s, 'x'), locate('a', s), locate(s, sn, n), locate('a', sn, 2), octet_length(s), bit_length(sn), format_number(d, n), format_number(b, 2), format_number(nn, NULL), 'tab\there', 'a\\%' FROM t WHERE s LIKE 'a\%' OR sn LIKE 'a\\%'`,
	`INSERT INTO con SELECT DISTINCT s, n FROM t ORDER BY n DESC LIMIT 3 OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT DISTINCT * FROM c OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT s, session_window.start, session_window.end, count(*), first(d) FROM t GROUP BY s, session_window(ts, '5 minutes')`,
	// Typed sources: no column read, a constant exploded, first/last's row positions, every type.
	`INSERT INTO con SELECT count(*) FROM g OUTPUT MODE COMPLETE`,
	`INSERT INTO con SELECT explode(split('a b', ' ')) AS w FROM g`,
	`INSERT INTO con SELECT s, first(n), last(ts), count(DISTINCT dt) FROM g GROUP BY s`,
	`INSERT INTO con SELECT s, n, b, d, f, ts, dt, upper(s) FROM g WHERE f`,
	`INSERT INTO con SELECT value % 10 AS k, max(timestamp) FROM r GROUP BY value % 10`,
	`INSERT INTO con SELECT t.s, p.name, p.w FROM t JOIN pl p ON p.id = upper(t.s) AND p.k = t.n AND p.w > t.d WHERE t.f`,
	`INSERT INTO con SELECT t.b, l.id, l.at, q.name FROM t LEFT JOIN sl l ON l.k = t.b LEFT JOIN pt q ON q.id = l.id`,
	`INSERT INTO con SELECT p.name, count(*), sum(c.d) FROM c LEFT JOIN pl p ON p.id = c.s GROUP BY p.name`,
	`INSERT INTO con SELECT p.name FROM c JOIN pl p ON p.id = regexp_extract(c.s, c.s, 0)`,
	// Joins of two streams: every kind, a pattern from data (an emit that can fail) in ON,
	// WHERE and an aggregation over the join, first/last over pairs, equal windows, DISTINCT.
	`INSERT INTO con SELECT x.k, y.d, x.s FROM w1 x FULL JOIN w2 y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + INTERVAL '1' MINUTE AND rlike(x.s, y.s) WHERE regexp_extract(y.s, x.s, 0) <> ''`,
	`INSERT INTO con SELECT window.start AS w, first(y.d), last(x.s), count(*) FROM w1 x RIGHT JOIN w2 y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + INTERVAL '1' MINUTE GROUP BY window(y.ts, INTERVAL '1' MINUTE)`,
	`INSERT INTO con SELECT window.start AS w, x.k, max(regexp_extract(x.s, x.k, 0)) AS m FROM w1 x LEFT JOIN w2 y ON x.k = y.k AND y.ts BETWEEN x.ts AND x.ts + INTERVAL '1' MINUTE AND rlike(x.s, y.s) GROUP BY window(x.ts, INTERVAL '5' MINUTE), x.k`,
	`INSERT INTO con SELECT x.k, count(*) AS n, window.start AS w FROM w1 x LEFT SEMI JOIN w2 y ON x.k = y.k AND window(x.ts, INTERVAL '1' MINUTE) = window(y.ts, INTERVAL '1' MINUTE) GROUP BY window(x.ts, INTERVAL '1' MINUTE), x.k`,
	`INSERT INTO con SELECT DISTINCT x.k, y.ts FROM w1 x JOIN w2 y ON x.k = y.k AND y.ts >= x.ts AND y.ts < x.ts + INTERVAL '1' MINUTE`,
	`INSERT INTO con SELECT x.k, y.k AS k2 FROM w1 x JOIN w2 y ON x.k = y.k AND x.n = CAST(y.d AS BIGINT) WITH (cast = 'strict')`,
}

// TestGeneratedProgramsCompile compiles every query above and builds all the programs
// with one go build.
func TestGeneratedProgramsCompile(t *testing.T) {
	mod := t.TempDir()
	if err := gobuild.WriteModule(mod); err != nil {
		t.Fatal(err)
	}
	for i, q := range queries {
		src := schema + q + ";\n"
		res, errs := compiler.Compile("q.sql", []byte(src))
		if errs.HasErrors() {
			t.Errorf("query %d does not check:\n%s\n%v", i, q, errs.Err())
			continue
		}
		dir := filepath.Join(mod, fmt.Sprintf("q%02d", i))
		os.Mkdir(dir, 0o755)
		if err := os.WriteFile(filepath.Join(dir, "main.go"), res.Go, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generated programs do not compile or vet:\n%s", out)
	}
}
