package check

import (
	"slices"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/grammar"
)

// inputs are the query's inputs: the union's branches, or the relation's one input.
func (r *rel) inputs() []*plan.Input {
	if r.union != nil {
		return r.union
	}
	if r.sides != nil {
		return r.sides
	}
	return []*plan.Input{r.input()}
}

// union checks SELECT ... UNION [ALL] SELECT ... [ORDER BY ...] [LIMIT n]: every SELECT reads
// rows of its own input and projects them onto the union's columns, named as the first
// SELECT's and typed by widening each column across the SELECTs. UNION without ALL is a
// distinct over the union, which Spark plans as an aggregation grouped by every column.
func (c *checker) union(sel *grammar.Select, errs *diag.List, distinctAgg bool) *rel {
	first := *sel
	first.Unions, first.OrderBy, first.Limit = nil, nil, nil
	first.EndPos = sel.Unions[0].Pos
	queries := []*grammar.Select{&first}
	distinct := false
	for _, u := range sel.Unions {
		queries = append(queries, u.Query)
		if !u.All {
			distinct = true
		} else if distinct {
			errs.Errorf(u.Pos, "UNION ALL after UNION is not supported").WithEnd(u.EndPos).
				WithHelp("UNION is an aggregation of the SELECTs before it; use UNION ALL throughout, or UNION throughout")
			return nil
		}
	}
	var branches []*rel
	for _, q := range queries {
		r := c.selectRel(q, errs)
		if r == nil {
			continue
		}
		if r.agg != nil || r.dedup != nil || r.union != nil || r.sides != nil || r.stage != nil {
			errs.Errorf(q.Pos, "a SELECT of a UNION cannot aggregate, deduplicate or be a union itself").WithEnd(q.EndPos).
				WithHelp("aggregate over the union: SELECT k, count(*) FROM (SELECT k FROM a UNION ALL SELECT k FROM b) GROUP BY k")
			return nil
		}
		branches = append(branches, r)
	}
	if len(branches) < len(queries) {
		return nil
	}
	head := branches[0]
	n := head.visible
	cols := slices.Clone(head.cols[:n])
	ok := true
	for i, b := range branches[1:] {
		q := queries[i+1]
		if b.visible != n {
			errs.Errorf(q.Pos, "this SELECT of the UNION has %d columns and the first has %d", b.visible, n).WithEnd(q.EndPos).
				WithHelp("every SELECT of a UNION selects as many columns, matched by position")
			ok = false
			continue
		}
		for k := range cols {
			t, same := sqltype.Common(cols[k].Type, b.cols[k].Type)
			if !same {
				pos, end := q.Pos, q.EndPos
				if len(q.Items) == n {
					pos, end = q.Items[k].Pos, q.Items[k].EndPos
				}
				errs.Errorf(pos, "column %d of the UNION is %s in the first SELECT and %s here", k+1, cols[k].Type, b.cols[k].Type).WithEnd(end).
					WithHelp("CAST one of them, e.g. CAST(... AS %s)", cols[k].Type)
				ok = false
				continue
			}
			cols[k].Type = t
			cols[k].Nullable = cols[k].Nullable || b.cols[k].Nullable
		}
	}
	if !ok {
		return nil
	}
	var inputs []*plan.Input
	for _, b := range branches {
		p := b.pre[len(b.pre)-1].(*plan.Project) // a SELECT ends in its projection
		for k := range cols {
			if cols[k].Type == sqltype.Null {
				cols[k].Type = sqltype.String // as materialize does
			}
			p.Exprs[k] = coerce(p.Exprs[k], cols[k].Type)
			p.Columns[k].Type, p.Columns[k].Nullable = cols[k].Type, cols[k].Nullable
		}
		in := b.input()
		in.Steps = b.pre
		inputs = append(inputs, in)
	}
	r := &rel{union: inputs, cols: cols, visible: n, limit: -1, pos: sel.Pos}
	if !distinct && sel.OrderBy == nil && sel.Limit == nil {
		return r
	}
	// The union's ORDER BY, LIMIT and distinct apply as they would to a SELECT * over it.
	star := &grammar.SelectItem{Pos: sel.Pos, EndPos: sel.Pos, Expr: &grammar.Star{Pos: sel.Pos, EndPos: sel.Pos}}
	outer := &grammar.Select{Pos: sel.Pos, EndPos: sel.EndPos, Distinct: distinct, Items: []*grammar.SelectItem{star}, OrderBy: sel.OrderBy, Limit: sel.Limit}
	return c.selectOn(outer, r, errs, distinctAgg || distinct)
}
