// Package randsql writes random sqlstream queries for the fuzzers and the robustness tests:
// expressions over a column of every type, NULL, extreme constants, every operator and every
// built-in function of the checker's registry, in every clause that takes an expression.
package randsql

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/sqlstream/sqlstream/compiler/funcs"
)

// Schema declares the source t (a column of every type, nullable and NOT NULL) that the
// queries read, a second source t2 like it for UNION ALL, and the table u joined to them,
// whose columns are t's with a u in front (so t's stay unambiguous). $INPUT is the path of
// all three: the table reads the same records, where its columns are missing (NULL).
const Schema = `CREATE SOURCE t (s STRING, n INT, b BIGINT, d DOUBLE, f BOOLEAN, ts TIMESTAMP, dt DATE, bin BYTES,
                 sn STRING NOT NULL, nn INT NOT NULL, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE)
WITH (connector = 'files', path = '$INPUT', format = 'json');
CREATE SOURCE t2 (s STRING, n INT, b BIGINT, d DOUBLE, f BOOLEAN, ts TIMESTAMP, dt DATE, bin BYTES,
                  sn STRING, nn INT, WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH (connector = 'files', path = '$INPUT', format = 'json');
CREATE TABLE u (us STRING, un INT, ub BIGINT, ud DOUBLE, uf BOOLEAN, uts TIMESTAMP, udt DATE, ubin BYTES, usn STRING, unn INT)
WITH (path = '$INPUT', format = 'json');
`

// Gen makes the choices of a random query. Its choices come from a random seed or from a
// fuzzer's bytes, so that a coverage-guided fuzzer steers the grammar, not the characters.
type Gen struct {
	pick func(n int) int
	qual string // when set, columns are qualified with it (the sides of a join of two streams)
}

// FromSeed chooses pseudo-randomly, the same way for the same seed.
func FromSeed(seed uint64) *Gen {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return &Gen{pick: r.IntN}
}

// FromBytes takes each choice from the next byte of b; when b is used up every choice is
// the first (the shortest) one, so any input makes a finite query.
func FromBytes(b []byte) *Gen {
	return &Gen{pick: func(n int) int {
		if len(b) == 0 {
			return 0
		}
		c := int(b[0])
		b = b[1:]
		return c % n
	}}
}

func (g *Gen) one(options ...string) string { return options[g.pick(len(options))] }

// Column types, and the columns of t of each.
var columns = map[string][]string{
	"STRING": {"s", "sn"}, "INT": {"n", "nn"}, "BIGINT": {"b"}, "DOUBLE": {"d"}, "BOOLEAN": {"f"},
	"TIMESTAMP": {"ts"}, "DATE": {"dt"}, "BYTES": {"bin"},
}

var types = []string{"BOOLEAN", "INT", "BIGINT", "DOUBLE", "STRING", "TIMESTAMP", "DATE", "BYTES"}

// Constants a hostile user writes: the edges of every type, NULL, patterns and text that are
// special to the functions reading them.
var literals = map[string][]string{
	"BOOLEAN":   {"TRUE", "FALSE"},
	"INT":       {"0", "1", "-1", "7", "2147483647", "-2147483648", "-2147483647"},
	"BIGINT":    {"2147483648", "9223372036854775807", "-9223372036854775807", "4294967296"},
	"DOUBLE":    {"0.0", "-0.0", "1.5", "1e308", "-1e308", "4.9e-324", "1e-10"},
	"STRING":    {"''", "'a'", "'('", "'%'", "'_x\\\\'", "'[0-9]+'", "'2024-02-29'", "'2024-01-01 12:30:00'", "'NaN'", "'Infinity'", "'yyyy-MM-dd'", "'  7 '", "'é'"},
	"TIMESTAMP": {"CAST('2024-01-01 00:00:00' AS TIMESTAMP)", "CAST(0 AS TIMESTAMP)"},
	"DATE":      {"CAST('1970-01-01' AS DATE)", "CAST('2024-02-29' AS DATE)"},
	"BYTES":     {"CAST('xy' AS BYTES)"},
}

var intervals = []string{"INTERVAL '1' DAY", "INTERVAL '10' MINUTE", "INTERVAL '1' SECOND"}

// Expr is a random expression of roughly type t ("" for any type) at most depth levels deep.
// It is often ill-typed on purpose: the checker must reject it with a position, or accept
// it and generate Go that builds.
func (g *Gen) Expr(t string, depth int) string {
	if t == "" {
		t = types[g.pick(len(types))]
	}
	if depth <= 0 || g.pick(4) == 0 {
		return g.leaf(t)
	}
	d := depth - 1
	switch g.pick(8) {
	case 0:
		return g.call(d)
	case 1:
		return fmt.Sprintf("CAST(%s AS %s)", g.Expr("", d), t)
	case 2:
		return g.caseExpr(t, d)
	}
	switch t {
	case "BOOLEAN":
		switch g.pick(7) {
		case 0:
			return fmt.Sprintf("(%s %s %s)", g.Expr("BOOLEAN", d), g.one("AND", "OR"), g.Expr("BOOLEAN", d))
		case 1:
			return "NOT " + g.Expr("BOOLEAN", d)
		case 2:
			return fmt.Sprintf("%s IS %sNULL", g.Expr("", d), g.one("", "NOT "))
		case 3:
			ct := types[g.pick(len(types))]
			items := make([]string, 1+g.pick(3))
			for i := range items {
				items[i] = g.Expr(ct, d-1)
			}
			return fmt.Sprintf("%s %sIN (%s)", g.Expr(ct, d), g.one("", "NOT "), strings.Join(items, ", "))
		case 4:
			ct := types[g.pick(len(types))]
			return fmt.Sprintf("%s %sBETWEEN %s AND %s", g.Expr(ct, d), g.one("", "NOT "), g.Expr(ct, d-1), g.Expr(ct, d-1))
		case 5:
			return fmt.Sprintf("%s %sLIKE %s", g.Expr("STRING", d), g.one("", "NOT "), g.Expr("STRING", d))
		}
		ct := types[g.pick(len(types))]
		return fmt.Sprintf("(%s %s %s)", g.Expr(ct, d), g.one("=", "<>", "<", "<=", ">", ">="), g.Expr(ct, d))
	case "INT", "BIGINT", "DOUBLE":
		if g.pick(5) == 0 {
			return fmt.Sprintf("%s(%s)", g.one("-", "+"), g.Expr(t, d))
		}
		return fmt.Sprintf("(%s %s %s)", g.Expr(t, d), g.one("+", "-", "*", "/", "%"), g.Expr(g.one(t, "INT", "DOUBLE"), d))
	case "STRING":
		return fmt.Sprintf("(%s || %s)", g.Expr("", d), g.Expr("STRING", d))
	case "TIMESTAMP":
		return fmt.Sprintf("(%s %s %s)", g.Expr("TIMESTAMP", d), g.one("+", "-"), g.one(intervals...))
	}
	return g.leaf(t)
}

func (g *Gen) leaf(t string) string {
	switch g.pick(5) {
	case 0:
		return "NULL"
	case 1, 2:
		if cols := columns[t]; len(cols) > 0 {
			if g.qual != "" {
				return g.qual + "." + cols[g.pick(len(cols))]
			}
			return cols[g.pick(len(cols))]
		}
	}
	return literals[t][g.pick(len(literals[t]))]
}

func (g *Gen) caseExpr(t string, d int) string {
	var b strings.Builder
	b.WriteString("CASE")
	simple := g.pick(3) == 0
	ct := types[g.pick(len(types))]
	if simple {
		b.WriteString(" " + g.Expr(ct, d))
	}
	for range 1 + g.pick(2) {
		cond := g.Expr("BOOLEAN", d)
		if simple {
			cond = g.Expr(ct, d)
		}
		fmt.Fprintf(&b, " WHEN %s THEN %s", cond, g.Expr(g.one(t, t, "INT", ""), d))
	}
	if g.pick(2) == 0 {
		fmt.Fprintf(&b, " ELSE %s", g.Expr(t, d))
	}
	b.WriteString(" END")
	return b.String()
}

// scalars are the registry's scalar functions, in a fixed order so that seeds replay.
var scalars, aggregates = func() (s, a []string) {
	for _, name := range funcs.Names() {
		if _, _, agg, ok := funcs.Arity(name); ok && agg {
			a = append(a, name)
		} else if ok {
			s = append(s, name)
		}
	}
	return s, a
}()

// call is a call of any built-in scalar function with arguments of random types, mostly
// as many as it takes.
func (g *Gen) call(d int) string {
	name := scalars[g.pick(len(scalars))]
	lo, hi, _, _ := funcs.Arity(name)
	if hi < 0 {
		hi = lo + 2
	}
	n := lo + g.pick(hi-lo+1)
	if g.pick(16) == 0 {
		n = g.pick(4) // a wrong count now and then
	}
	args := make([]string, n)
	for i := range args {
		args[i] = g.Expr("", d)
	}
	return fmt.Sprintf("%s(%s)", name, strings.Join(args, ", "))
}

// Agg is a random aggregate call, with a random argument.
func (g *Gen) Agg(depth int) string {
	name := aggregates[g.pick(len(aggregates))]
	a, _ := funcs.LookupAggregate(name)
	switch {
	case a.Star && g.pick(3) == 0:
		return name + "(*)"
	case a.Distinct != "" && a.Distinct != a.Func && g.pick(2) == 0:
		return fmt.Sprintf("%s(DISTINCT %s)", name, g.Expr("", depth))
	case a.IgnoreNulls:
		if g.pick(2) == 0 {
			return fmt.Sprintf("%s(%s, %s)", name, g.Expr("", depth), g.one("TRUE", "FALSE"))
		}
	case a.By:
		return fmt.Sprintf("%s(%s, %s)", name, g.Expr("", depth), g.Expr(g.one("INT", "DOUBLE"), depth))
	}
	return fmt.Sprintf("%s(%s)", name, g.Expr(g.one("", "INT", "DOUBLE"), depth))
}

// Query is one INSERT into sink: a projection with a filter, an aggregation with HAVING and
// an output mode, a subquery, DISTINCT or ORDER BY/LIMIT, over random expressions.
func (g *Gen) Query(sink string, depth int) string {
	exprs := func(n int) string {
		items := make([]string, n)
		for i := range items {
			items[i] = fmt.Sprintf("%s AS c%d", g.Expr("", depth), i)
		}
		return strings.Join(items, ", ")
	}
	where := ""
	if g.pick(2) == 0 {
		where = " WHERE " + g.Expr("BOOLEAN", depth)
	}
	switch g.pick(8) {
	case 6:
		if g.pick(3) == 0 {
			return g.streamJoin(sink, depth)
		}
		// A stream-static join: a key of each type, a residual condition, the table's columns.
		t := types[g.pick(len(types))]
		col := columns[t][g.pick(len(columns[t]))]
		on := fmt.Sprintf("%s = u.u%s", g.Expr(t, depth-1), col)
		if g.pick(2) == 0 {
			on += " AND " + g.Expr("BOOLEAN", depth-1)
		}
		kind := g.one("JOIN", "LEFT JOIN", "LEFT SEMI JOIN", "LEFT ANTI JOIN", "CROSS JOIN")
		if kind == "CROSS JOIN" {
			return fmt.Sprintf("INSERT INTO %s SELECT %s, u.us FROM t CROSS JOIN u%s;", sink, exprs(1+g.pick(2)), where)
		}
		cols := ""
		if kind == "JOIN" || kind == "LEFT JOIN" {
			cols = ", u.*"
		}
		return fmt.Sprintf("INSERT INTO %s SELECT %s%s FROM t %s u ON %s%s;", sink, exprs(1+g.pick(2)), cols, kind, on, where)
	case 7:
		// UNION ALL of the two sources, aggregated or not.
		// Columns of one type each side, mostly (widening and mismatches are tried too).
		var left, right []string
		for i := range 1 + g.pick(2) {
			t := types[g.pick(len(types))]
			left = append(left, fmt.Sprintf("%s AS c%d", g.Expr(t, depth), i))
			right = append(right, g.Expr(t, depth))
		}
		union := fmt.Sprintf("SELECT %s FROM t%s UNION ALL SELECT %s FROM t2", strings.Join(left, ", "), where, strings.Join(right, ", "))
		if g.pick(2) == 0 {
			return fmt.Sprintf("INSERT INTO %s %s;", sink, union)
		}
		return fmt.Sprintf("INSERT INTO %s SELECT c0, count(*) AS n FROM (%s) GROUP BY c0 OUTPUT MODE UPDATE;", sink, union)
	case 0, 1:
		return fmt.Sprintf("INSERT INTO %s SELECT %s FROM t%s;", sink, exprs(1+g.pick(3)), where)
	case 2:
		having := ""
		if g.pick(2) == 0 {
			having = fmt.Sprintf(" HAVING %s %s %s", g.Agg(depth-1), g.one("=", "<", ">", "<>"), g.Expr("", 1))
		}
		return fmt.Sprintf("INSERT INTO %s SELECT %s AS k, %s AS a0, %s AS a1 FROM t%s GROUP BY k%s OUTPUT MODE %s;",
			sink, g.Expr("", depth), g.Agg(depth-1), g.Agg(depth-1), where, having, g.one("UPDATE", "COMPLETE"))
	case 3:
		// The subquery's column x is inlined into the outer expressions (a NULL or a
		// constant there meets the operators only after inlining).
		return fmt.Sprintf("INSERT INTO %s SELECT %s AS y, x, (x %s %s) AS z FROM (SELECT %s AS x, * FROM t%s) q;",
			sink, g.Expr("", depth), g.one("=", "+", "*", "||", "AND", "<"), g.Expr("", depth-1), g.Expr("", depth), where)
	case 4:
		return fmt.Sprintf("INSERT INTO %s SELECT DISTINCT %s FROM t%s;", sink, exprs(1+g.pick(2)), where)
	}
	return fmt.Sprintf("INSERT INTO %s SELECT %s AS k, count(*) AS n FROM t%s GROUP BY k ORDER BY %s LIMIT %d OUTPUT MODE COMPLETE;",
		sink, g.Expr("", depth), where, g.one("k", "n DESC", "k DESC, n"), g.pick(5))
}

// File is a whole SQL file: the schema, a console sink and one random query into it.
func (g *Gen) File(depth int) string {
	return Schema + "CREATE SINK o WITH (connector = 'console');\n" + g.Query("o", depth) + "\n"
}

// streamJoin is a join of the two sources, of any kind: a key of each type (widened across
// the sides), a time bound or equal windows (which outer and semi joins need), a residual
// condition over both, items and a WHERE from either side (a semi join's: the left), or an
// aggregation per window over the joined rows.
func (g *Gen) streamJoin(sink string, depth int) string {
	over := func(qual, t string) string {
		g.qual = qual
		defer func() { g.qual = "" }()
		return g.Expr(t, depth-1)
	}
	kind := g.one("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "LEFT SEMI JOIN")
	side := func() string { return g.one("t", "t2") }
	if kind == "LEFT SEMI JOIN" {
		side = func() string { return "t" }
	}
	t := types[g.pick(len(types))]
	on := over("t", t) + " = " + over("t2", t)
	bounds := 3 // an inner join may go without a time bound; the others are refused without
	if kind != "JOIN" {
		bounds = 2
	}
	switch g.pick(bounds) {
	case 0:
		on += fmt.Sprintf(" AND t2.ts BETWEEN t.ts - INTERVAL '%d' MINUTE AND t.ts + INTERVAL '%d' MINUTE", g.pick(3), 1+g.pick(3))
	case 1:
		on += " AND window(t.ts, INTERVAL '1' MINUTE) = window(t2.ts, INTERVAL '1' MINUTE)"
	}
	if g.pick(2) == 0 {
		on += " AND " + over(side(), "BOOLEAN")
	}
	where := ""
	if g.pick(2) == 0 {
		where = " WHERE " + over(side(), "BOOLEAN")
	}
	if g.pick(4) == 0 {
		return fmt.Sprintf("INSERT INTO %s SELECT window.start AS w, count(*) AS n, max(%s) AS m FROM t %s t2 ON %s%s GROUP BY window(%s.ts, INTERVAL '1' MINUTE);",
			sink, over(side(), "BIGINT"), kind, on, where, side())
	}
	items := make([]string, 1+g.pick(3))
	for i := range items {
		items[i] = fmt.Sprintf("%s AS c%d", over(side(), ""), i)
	}
	return fmt.Sprintf("INSERT INTO %s SELECT %s FROM t %s t2 ON %s%s;", sink, strings.Join(items, ", "), kind, on, where)
}
