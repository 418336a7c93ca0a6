package difftest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// query is one differential case: the SQL for sqlstream, the same query for SQLite, and
// whether it aggregates (COMPLETE mode) or not (APPEND mode). name, when set, says which
// template and variant made it.
type query struct {
	stream, sqlite string
	agg            bool
	name           string
}

// expr is a generated expression in both dialects, with its type.
type expr struct {
	s, q string // sqlstream, SQLite
	t    string // int, double, string, bool
}

func e(s, q, t string) expr { return expr{s, q, t} }

// same is an expression written identically in both dialects.
func same(s, t string) expr { return expr{s, s, t} }

type gen struct{ r *rand.Rand }

func (g *gen) pick(n int) int { return g.r.IntN(n) }

func (g *gen) expr(t string, depth int) expr {
	if depth <= 0 || g.pick(3) == 0 {
		return g.leaf(t)
	}
	switch t {
	case "int":
		x, y := g.expr("int", depth-1), g.expr("int", depth-1)
		switch g.pick(9) {
		case 0:
			return e("("+x.s+" + "+y.s+")", "("+x.q+" + "+y.q+")", "int")
		case 1:
			return e("("+x.s+" - "+y.s+")", "("+x.q+" - "+y.q+")", "int")
		case 2:
			return e("("+x.s+" * "+y.s+")", "("+x.q+" * "+y.q+")", "int")
		case 3:
			return e("("+x.s+" % "+y.s+")", "("+x.q+" % "+y.q+")", "int")
		case 4:
			return e("abs("+x.s+")", "abs("+x.q+")", "int")
		case 5:
			s := g.expr("string", depth-1)
			return e("length("+s.s+")", "length("+s.q+")", "int")
		case 6:
			return e("coalesce("+x.s+", "+y.s+", 0)", "coalesce("+x.q+", "+y.q+", 0)", "int")
		case 7:
			return e("nullif("+x.s+", "+y.s+")", "nullif("+x.q+", "+y.q+")", "int")
		default:
			c := g.expr("bool", depth-1)
			return e("CASE WHEN "+c.s+" THEN "+x.s+" ELSE "+y.s+" END", "CASE WHEN "+c.q+" THEN "+x.q+" ELSE "+y.q+" END", "int")
		}
	case "double":
		x := g.expr("double", depth-1)
		i := g.expr("int", depth-1)
		switch g.pick(5) {
		case 0:
			return e("("+x.s+" + "+i.s+")", "("+x.q+" + "+i.q+")", "double")
		case 1:
			return e("("+x.s+" * 2.5)", "("+x.q+" * 2.5)", "double")
		case 2:
			// Spark's / is fractional; SQLite's is integer division for integers.
			j := g.expr("int", depth-1)
			return e("("+i.s+" / "+j.s+")", "(CAST("+i.q+" AS REAL) / "+j.q+")", "double")
		case 3:
			return e("abs("+x.s+")", "abs("+x.q+")", "double")
		default:
			return e("CAST("+i.s+" AS DOUBLE)", "CAST("+i.q+" AS REAL)", "double")
		}
	case "string":
		x := g.expr("string", depth-1)
		switch g.pick(6) {
		case 0:
			return e("upper("+x.s+")", "upper("+x.q+")", "string")
		case 1:
			return e("lower("+x.s+")", "lower("+x.q+")", "string")
		case 2:
			y := g.expr("string", depth-1)
			return e("("+x.s+" || "+y.s+")", "("+x.q+" || "+y.q+")", "string")
		case 3:
			p, n := 1+g.pick(3), 1+g.pick(4)
			return e(fmt.Sprintf("substring(%s, %d, %d)", x.s, p, n), fmt.Sprintf("substr(%s, %d, %d)", x.q, p, n), "string")
		case 4:
			return e("coalesce("+x.s+", 'none')", "coalesce("+x.q+", 'none')", "string")
		default:
			i := g.expr("int", depth-1)
			return e("CAST("+i.s+" AS STRING)", "CAST("+i.q+" AS TEXT)", "string")
		}
	}
	// bool
	switch g.pick(8) {
	case 0:
		x, y := g.expr("int", depth-1), g.expr("int", depth-1)
		op := []string{"=", "<>", "<", "<=", ">", ">="}[g.pick(6)]
		return e(x.s+" "+op+" "+y.s, x.q+" "+op+" "+y.q, "bool")
	case 1:
		x, y := g.expr("bool", depth-1), g.expr("bool", depth-1)
		op := []string{"AND", "OR"}[g.pick(2)]
		return e("("+x.s+" "+op+" "+y.s+")", "("+x.q+" "+op+" "+y.q+")", "bool")
	case 2:
		x := g.expr("bool", depth-1)
		return e("NOT ("+x.s+")", "NOT ("+x.q+")", "bool")
	case 3:
		x := g.expr("int", depth-1)
		return e(x.s+" IN (1, 2, 3, NULL)", x.q+" IN (1, 2, 3, NULL)", "bool")
	case 4:
		x := g.expr("int", depth-1)
		return e(x.s+" BETWEEN -10 AND 10", x.q+" BETWEEN -10 AND 10", "bool")
	case 5:
		x := g.expr("string", depth-1)
		p := []string{"a%", "%e", "%an%", "_p%", "B%"}[g.pick(5)]
		return e(x.s+" LIKE '"+p+"'", x.q+" LIKE '"+p+"'", "bool")
	case 6:
		x := g.expr([]string{"int", "string", "double"}[g.pick(3)], depth-1)
		not := []string{"", "NOT "}[g.pick(2)]
		return e(x.s+" IS "+not+"NULL", x.q+" IS "+not+"NULL", "bool")
	default:
		x, y := g.expr("double", depth-1), g.expr("double", depth-1)
		return e(x.s+" < "+y.s, x.q+" < "+y.q, "bool")
	}
}

func (g *gen) leaf(t string) expr {
	switch t {
	case "int":
		return []expr{same("a", "int"), same("b", "int"), same("a", "int"), same(fmt.Sprint(g.pick(7)-3), "int")}[g.pick(4)]
	case "double":
		return []expr{same("d", "double"), same("d", "double"), same("1.5", "double")}[g.pick(3)]
	case "string":
		return []expr{same("s", "string"), same("k", "string"), same("'x'", "string")}[g.pick(3)]
	}
	return []expr{e("f", "f", "bool"), e("a > 0", "a > 0", "bool"), e("s IS NULL", "s IS NULL", "bool")}[g.pick(3)]
}

// projection is a filter/projection query (APPEND mode).
func (g *gen) projection() query {
	n := 1 + g.pick(4)
	var ss, qs []string
	for i := range n {
		x := g.expr([]string{"int", "double", "string", "bool"}[g.pick(4)], 3)
		ss = append(ss, fmt.Sprintf("%s AS c%d", x.s, i))
		qs = append(qs, fmt.Sprintf("%s AS c%d", x.q, i))
	}
	w := g.expr("bool", 2)
	return query{
		stream: "SELECT " + strings.Join(ss, ", ") + " FROM t WHERE " + w.s,
		sqlite: "SELECT " + strings.Join(qs, ", ") + " FROM t WHERE " + w.q,
	}
}

// aggregation is a GROUP BY query (COMPLETE mode).
func (g *gen) aggregation() query {
	key := []expr{same("k", "string"), same("f", "bool"), e("a % 3", "a % 3", "int"), e("upper(k)", "upper(k)", "string"), same("b", "int")}[g.pick(5)]
	aggs := []func() expr{
		func() expr { return same("count(*)", "int") },
		func() expr { x := g.expr("int", 2); return e("count("+x.s+")", "count("+x.q+")", "int") },
		func() expr {
			x := g.leaf("string")
			return e("count(DISTINCT "+x.s+")", "count(DISTINCT "+x.q+")", "int")
		},
		func() expr { x := g.expr("int", 2); return e("sum("+x.s+")", "sum("+x.q+")", "int") },
		func() expr { x := g.expr("double", 1); return e("sum("+x.s+")", "sum("+x.q+")", "double") },
		func() expr { x := g.expr("int", 2); return e("avg("+x.s+")", "avg("+x.q+")", "double") },
		func() expr { x := g.expr("int", 2); return e("min("+x.s+")", "min("+x.q+")", "int") },
		func() expr { x := g.expr("double", 1); return e("max("+x.s+")", "max("+x.q+")", "double") },
		func() expr { x := g.leaf("string"); return e("max("+x.s+")", "max("+x.q+")", "string") },
	}
	ss, qs := []string{key.s + " AS key"}, []string{key.q + " AS key"}
	for i := range 1 + g.pick(3) {
		a := aggs[g.pick(len(aggs))]()
		ss = append(ss, fmt.Sprintf("%s AS v%d", a.s, i))
		qs = append(qs, fmt.Sprintf("%s AS v%d", a.q, i))
	}
	whereS, whereQ, having := "", "", ""
	if g.pick(2) == 0 {
		w := g.expr("bool", 1)
		whereS, whereQ = " WHERE "+w.s, " WHERE "+w.q
	}
	if g.pick(2) == 0 {
		having = " HAVING count(*) > 2"
	}
	return query{
		stream: "SELECT " + strings.Join(ss, ", ") + " FROM t" + whereS + " GROUP BY 1" + having,
		sqlite: "SELECT " + strings.Join(qs, ", ") + " FROM t" + whereQ + " GROUP BY 1" + having,
		agg:    true,
	}
}
