package physical_test

import (
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/physical"

	_ "github.com/sqlstream/sqlstream/golden" // go test -update is accepted
)

const header = `CREATE SOURCE web (user_name STRING, amount INT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = 'web', format = 'json');
CREATE SOURCE shop (user_name STRING, amount BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = 'shop', format = 'csv', dead_letter = 'bad');
CREATE TABLE users (name STRING, country STRING) WITH (connector = 'files', path = 'users', format = 'csv');
CREATE SINK out WITH (connector = 'console');
CREATE SINK bad WITH (connector = 'console');
`

func build(t *testing.T, query string) *physical.Plan {
	t.Helper()
	res, errs := compiler.Compile("q.sql", []byte(header+query))
	if errs.HasErrors() {
		t.Fatalf("compile: %v", errs)
	}
	return physical.Build(res.Plan.Queries[0])
}

func explain(p *physical.Plan) string {
	var b strings.Builder
	p.Explain(&b)
	return b.String()
}

func TestExplainUnionJoinWindow(t *testing.T) {
	p := build(t, `INSERT INTO out
SELECT window(ts, INTERVAL '10' MINUTE) AS w, country, count(*) AS n
FROM (SELECT w.user_name, w.ts, u.country FROM web w JOIN users u ON w.user_name = u.name
      UNION ALL
      SELECT s.user_name, s.ts, u.country FROM shop s LEFT JOIN users u ON s.amount > 10)
GROUP BY window(ts, INTERVAL '10' MINUTE), country
OUTPUT MODE APPEND;`)
	got := explain(p)
	// The tree, root first: each line is indented under the one that consumes its rows.
	want := []string{
		"  SinkWrite out [console]",
		"    Sort by all columns (stable output)",
		"Emit APPEND: groups the watermark passed, then evict them (watermark on key window)",
		"FinalAggregate merge into state key (STRUCT<start: TIMESTAMP, end: TIMESTAMP> NOT NULL, STRING) value (count(*): BIGINT NOT NULL)",
		"*PartialAggregate",
		"*Union (2 inputs)",
		"*HashProbe Inner broadcast table users AS u#3 keys=[user_name#0 = u.name#0]",
		"*LoopJoin LeftOuter broadcast table users AS u#3 residual=[(amount#1 > 10)]",
		"*Scan web [files, json] watermark ts - 1m0s",
		"  DeadLetterWrite malformed records of shop to bad [console]",
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("explain lacks %q:\n%s", w, got)
		}
	}
	// Both inputs hang under the union, one level below it.
	lines := strings.Split(got, "\n")
	depth := func(prefix string) int {
		for _, l := range lines {
			if t := strings.TrimLeft(l, " "); strings.HasPrefix(t, prefix) {
				return len(l) - len(t)
			}
		}
		return -1
	}
	if u, a, b := depth("*Union"), depth("*Scan web"), depth("*Scan shop"); a != b || a <= u || u < 0 {
		t.Errorf("scans at %d and %d, union at %d:\n%s", a, b, u, got)
	}
	var ops []string
	for _, s := range p.States() {
		ops = append(ops, s.Operator)
	}
	if strings.Join(ops, " ") != "Aggregate Watermark" {
		t.Errorf("states %v, want the aggregate's and the watermark's", ops)
	}
}

// states is the query's state schemas, as the checkpoint compares them.
func states(t *testing.T, query string) string {
	var ss []string
	for _, s := range build(t, query).States() {
		ss = append(ss, s.String())
	}
	return strings.Join(ss, "; ")
}

func TestStateIsTypesNotExpressions(t *testing.T) {
	base := states(t, `INSERT INTO out SELECT user_name, sum(amount) AS total FROM web GROUP BY user_name;`)
	if want := "Aggregate key (STRING) value (sum(INT): BIGINT)"; base != want {
		t.Fatalf("state %q, want %q", base, want)
	}
	same := []string{
		`INSERT INTO out SELECT upper(user_name) AS who, sum(amount * 2) AS s FROM web GROUP BY upper(user_name);`,
		`INSERT INTO out SELECT user_name, sum(amount) AS total FROM web WHERE amount > 3 GROUP BY user_name;`,
	}
	for _, q := range same {
		if got := states(t, q); got != base {
			t.Errorf("%s\nstate %q, want the same as %q", q, got, base)
		}
	}
	other := []string{
		`INSERT INTO out SELECT user_name, max(amount) AS total FROM web GROUP BY user_name;`,
		`INSERT INTO out SELECT user_name, sum(CAST(amount AS BIGINT)) AS total FROM web GROUP BY user_name;`,
		`INSERT INTO out SELECT amount, sum(amount) AS total FROM web GROUP BY amount;`,
		`INSERT INTO out SELECT user_name, sum(amount) AS total, count(*) AS n FROM web GROUP BY user_name;`,
	}
	for _, q := range other {
		if got := states(t, q); got == base {
			t.Errorf("%s\nstate %q, want another than the base query's", q, got)
		}
	}
}

func TestStatelessQueryHasNoState(t *testing.T) {
	p := build(t, `INSERT INTO out SELECT user_name, amount FROM web WHERE amount > 1;`)
	if ss := p.States(); len(ss) != 0 {
		t.Errorf("states %v, want none", ss)
	}
	// The whole query is one fused loop and the write.
	if len(p.Batch) != 1 {
		t.Errorf("per batch %v, want only the sink write", p.Batch)
	}
}

func TestDeduplicateAndLimitState(t *testing.T) {
	got := states(t, `INSERT INTO out SELECT DISTINCT user_name, ts FROM web;`)
	if want := "Deduplicate key (STRING, TIMESTAMP) value (max event time: TIMESTAMP NOT NULL)"; got != want {
		t.Errorf("state %q, want %q", got, want)
	}
	p := build(t, `INSERT INTO out SELECT user_name FROM web LIMIT 5;`)
	if got, want := explain(p), "Limit 5 (rows emitted so far kept in state)"; !strings.Contains(got, want) {
		t.Errorf("explain lacks %q:\n%s", want, got)
	}
	if ss := p.States(); len(ss) != 1 || ss[0].String() != "Limit value (rows emitted: BIGINT NOT NULL)" {
		t.Errorf("states %v, want the count of rows emitted", ss)
	}
}

// TestFiltersPushedToTheirProbe checks the planner's rewrites of the fused loop: a condition
// on the stream's columns runs before the table is probed, one on the table's after, and a
// projection of a subquery is inlined into the conditions above it.
func TestFiltersPushedToTheirProbe(t *testing.T) {
	p := build(t, `INSERT INTO out
SELECT name, doubled FROM (SELECT w.user_name AS name, w.amount * 2 AS doubled, u.country FROM web w JOIN users u ON w.user_name = u.name)
WHERE doubled > 10 AND country = 'DE';`)
	if len(p.Inputs) != 1 {
		t.Fatalf("%d inputs, want 1", len(p.Inputs))
	}
	var ops []string
	for _, op := range p.Inputs[0].Ops {
		ops = append(ops, strings.Fields(op.Explain())[0])
	}
	if got, want := strings.Join(ops, " "), "Scan Decode Filter HashProbe Filter Project"; got != want {
		t.Fatalf("pipeline %s, want %s:\n%s", got, want, explain(p))
	}
	if got := p.Inputs[0].Ops[2].Explain(); got != "Filter ((amount#1 * 2) > 10)" {
		t.Errorf("first filter %q, want the stream's condition with the projection inlined", got)
	}
	if got := p.Inputs[0].Ops[4].Explain(); !strings.Contains(got, "country") {
		t.Errorf("second filter %q, want the table's condition", got)
	}
	if _, ok := p.Chunk[len(p.Chunk)-1].(*physical.Collect); !ok {
		t.Errorf("chunk %v, want it to end in Collect", p.Chunk)
	}
}

// TestGroupsNumberedByTable checks when the partial aggregate takes its groups from the
// table's numbered keys: every key a column of one inner-joined table, and only then.
func TestGroupsNumberedByTable(t *testing.T) {
	byTable := func(q string) bool {
		for _, op := range build(t, q).Chunk {
			if pa, ok := op.(*physical.PartialAggregate); ok {
				return pa.ByTable != nil
			}
		}
		t.Fatalf("no partial aggregate in %s", q)
		return false
	}
	yes := []string{
		`INSERT INTO out SELECT u.country, count(*) AS n FROM web w JOIN users u ON w.user_name = u.name GROUP BY u.country;`,
		`INSERT INTO out SELECT c, sum(amount) AS s FROM (SELECT u.country AS c, w.amount FROM web w JOIN users u ON w.user_name = u.name) GROUP BY c;`,
		`INSERT INTO out SELECT u.country, u.name, count(*) AS n FROM web w JOIN users u ON w.amount > 3 GROUP BY u.country, u.name;`,
	}
	no := []string{
		`INSERT INTO out SELECT u.country, count(*) AS n FROM web w LEFT JOIN users u ON w.user_name = u.name GROUP BY u.country;`,
		`INSERT INTO out SELECT upper(u.country) AS c, count(*) AS n FROM web w JOIN users u ON w.user_name = u.name GROUP BY upper(u.country);`,
		`INSERT INTO out SELECT u.country, w.user_name, count(*) AS n FROM web w JOIN users u ON w.user_name = u.name GROUP BY u.country, w.user_name;`,
		`INSERT INTO out SELECT user_name, count(*) AS n FROM web GROUP BY user_name;`,
	}
	for _, q := range yes {
		if !byTable(q) {
			t.Errorf("groups not numbered by the table: %s", q)
		}
	}
	for _, q := range no {
		if byTable(q) {
			t.Errorf("groups numbered by the table: %s", q)
		}
	}
}
