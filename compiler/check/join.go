package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/grammar"
)

// inputCols are the columns the relation's steps start from: the source's, the exploded
// piece, and the joined tables'.
func (r *rel) inputCols() []plan.Column {
	return r.input().Columns()
}

// input is the relation's one input: its source, explode and joins.
func (r *rel) input() *plan.Input {
	return &plan.Input{Source: r.src, Explode: r.explode, Joins: r.joins, Stage: r.stage}
}

// join checks one join of FROM and returns the joined relation: the stream's, probing the
// table. Spark's rules for a stream and a static relation decide what is allowed.
func (c *checker) join(left *rel, j *grammar.Join, errs *diag.List) *rel {
	right := c.fromItem(j.Right, errs)
	if left == nil || right == nil {
		return nil
	}
	stream, tbl, tableFirst := left, right, false
	if left.union != nil || right.union != nil {
		errs.Errorf(j.Pos, "a join of a UNION ALL is not supported").WithEnd(j.Right.EndPos).
			WithHelp("join the table in each SELECT of the union")
		return nil
	}
	if left.sides != nil || right.sides != nil {
		errs.Errorf(j.Pos, "a join of a join of two streams is not supported yet").WithEnd(j.Right.EndPos).
			WithHelp("join tables to each stream in a subquery of its own, then join the two")
		return nil
	}
	switch {
	case left.src != nil && right.src != nil:
		return c.streamJoin(left, right, j, errs)
	case left.src == nil && right.src == nil:
		errs.Errorf(j.Pos, "a join of two tables is not supported").WithEnd(j.Right.EndPos).
			WithHelp("join each table to the stream: FROM stream JOIN %s ON ... JOIN %s ON ...", left.table.Name, right.table.Name)
		return nil
	case left.src == nil:
		stream, tbl, tableFirst = right, left, true
	}
	tableSide := "right"
	if tableFirst {
		tableSide = "left"
	}
	fail := func(format, help string, a ...any) *rel {
		errs.Errorf(j.Pos, format, a...).WithEnd(j.Right.EndPos).WithHelp("%s", help)
		return nil
	}
	kind := plan.InnerJoin
	switch j.Kind {
	case "FULL":
		return fail("FULL OUTER JOIN between a stream and a table is not supported",
			"as in Spark: the table's unmatched rows would never be final; use a LEFT JOIN with the stream on the left")
	case "RIGHT":
		if !tableFirst {
			return fail("RIGHT OUTER JOIN with the stream on the left and a table on the right is not supported",
				"as in Spark: the table's unmatched rows would never be final; write FROM stream LEFT JOIN table, or table RIGHT JOIN stream")
		}
		kind = plan.LeftOuterJoin
	case "LEFT", "SEMI", "ANTI":
		what := map[string]string{"LEFT": "LEFT OUTER JOIN", "SEMI": "LEFT SEMI JOIN", "ANTI": "LEFT ANTI JOIN"}[j.Kind]
		if tableFirst {
			return fail("%s with a table on the left and the stream on the right is not supported",
				"as in Spark: put the stream on the left, FROM stream "+what+" table, or use table RIGHT JOIN stream", what)
		}
		kind = map[string]plan.JoinKind{"LEFT": plan.LeftOuterJoin, "SEMI": plan.LeftSemiJoin, "ANTI": plan.LeftAntiJoin}[j.Kind]
	}
	if tbl.table == nil || len(tbl.pre) > 0 || tbl.agg != nil {
		return fail("the %s side of this join must be a table named directly",
			"join the table by its name and put its conditions in ON or WHERE: JOIN users u ON ... AND u.active", tableSide)
	}
	if stream.agg != nil || stream.dedup != nil {
		return fail("a join after an aggregation or DISTINCT is not supported",
			"join first and aggregate in the query that reads the join")
	}

	x := &exprChecker{c: c, errs: errs}
	in := stream.inputCols()
	offset := len(in)
	filters, flat := plan.Flatten(in, stream.pre)
	n := len(stream.cols)
	j2 := &plan.Join{Pos: j.Pos, Kind: kind, Table: tbl.table, Alias: tbl.qual, Offset: offset}
	tcols := j2.Columns()
	cols := append(slices.Clip(stream.cols), tcols...)
	// The row's columns over the input (for Left and Residual) and a table column over the
	// table's own columns (for Right and Build).
	toInput := slices.Clone(flat)
	toTable := make([]plan.Expr, len(cols))
	for k, col := range tcols {
		toInput = append(toInput, &plan.ColRef{Idx: offset + k, Name: col.Name, T: col.Type, Null: col.Nullable})
		own := tbl.table.Columns[k]
		toTable[n+k] = &plan.ColRef{Idx: k, Name: own.Name, T: own.Type, Null: own.Nullable}
	}
	streamRefs := (&scope{cols: stream.cols, qual: stream.qual, refs: stream.refs}).names()
	tableRefs := make([]colName, len(tcols))
	for k := range tcols {
		tableRefs[k] = colName{idx: n + k, qual: tbl.qual, bare: true, star: kind != plan.LeftSemiJoin && kind != plan.LeftAntiJoin}
	}
	on := &scope{cols: cols, refs: append(slices.Clone(streamRefs), tableRefs...)}
	var conds []plan.Expr
	switch {
	case j.Using != nil:
		conds = c.using(j, x, on, streamRefs, tableRefs)
		if conds == nil {
			return nil
		}
		// The USING columns once, the stream's (they are equal, or the table's are NULL),
		// first; the table's only by qualified name (Spark's output).
		isKey := func(name string) bool {
			return slices.ContainsFunc(j.Using, func(u grammar.Ident) bool { return strings.EqualFold(u.Name, name) })
		}
		var keys, streamRest, tableRest []colName
		for _, r := range streamRefs {
			if isKey(cols[r.idx].Name) {
				keys = append(keys, r)
			} else {
				streamRest = append(streamRest, r)
			}
		}
		for _, r := range tableRefs {
			if isKey(cols[r.idx].Name) {
				r.bare, r.star = false, false
			}
			tableRest = append(tableRest, r)
		}
		if tableFirst {
			on.refs = slices.Concat(keys, tableRest, streamRest)
		} else {
			on.refs = slices.Concat(keys, streamRest, tableRest)
		}
	case j.On != nil:
		if containsAgg(j.On) {
			pos, end := span(j.On)
			errs.Errorf(pos, "aggregate functions are not allowed in ON").WithEnd(end)
			return nil
		}
		for _, w := range conjuncts(j.On) {
			conds = append(conds, x.boolean(x.expr(w, on, "ON"), w, "ON"))
		}
		if tableFirst {
			on.refs = append(tableRefs, streamRefs...)
		}
	default: // CROSS JOIN
		if tableFirst {
			on.refs = append(tableRefs, streamRefs...)
		}
	}
	for _, cond := range conds {
		if l, r, ok := equiKey(cond, n); ok {
			j2.Left = append(j2.Left, plan.Subst(l, toInput))
			j2.Right = append(j2.Right, plan.Subst(r, toTable))
			continue
		}
		if s, _ := colSides(cond, n); !s {
			j2.Build = append(j2.Build, plan.Subst(cond, toTable))
		} else {
			j2.Residual = append(j2.Residual, plan.Subst(cond, toInput))
		}
	}
	if slices.ContainsFunc(stream.pre, func(s plan.Step) bool { _, ok := s.(*plan.Project); return ok }) {
		// Steps run over the input columns, and the table's are among them only from here:
		// the stream side's projection is inlined into one that adds them.
		var pre []plan.Step
		for _, f := range filters {
			pre = append(pre, &plan.Filter{Cond: f})
		}
		stream.pre = append(pre, &plan.Project{Exprs: toInput, Columns: cols})
	}
	if tbl.table.Options["lookup"] == "true" && !c.lookupJoin(j, j2, len(stream.src.Columns), errs) {
		return nil
	}
	stream.cols, stream.visible, stream.refs = cols, len(cols), on.refs
	stream.joins = append(stream.joins, j2)
	return stream
}

// using checks USING (cols): each names a column of both sides; it returns the equality
// conditions, or nil after an error.
func (c *checker) using(j *grammar.Join, x *exprChecker, on *scope, streamRefs, tableRefs []colName) []plan.Expr {
	var conds []plan.Expr
	find := func(refs []colName, name string) int {
		for _, r := range refs {
			if strings.EqualFold(on.cols[r.idx].Name, name) {
				return r.idx
			}
		}
		return -1
	}
	ok := true
	for _, u := range j.Using {
		l, r := find(streamRefs, u.Name), find(tableRefs, u.Name)
		if l < 0 || r < 0 {
			side := "left"
			if l >= 0 {
				side = "right"
			}
			x.errs.Errorf(u.Pos, "USING column %q is not in the %s side of the join", u.Name, side).WithEnd(u.EndPos).
				WithHelp("USING names columns both sides have; use ON a.x = b.y for columns named differently")
			ok = false
			continue
		}
		ref := func(i int) plan.Expr {
			col := on.cols[i]
			return &plan.ColRef{Idx: i, Name: col.Name, T: col.Type, Null: col.Nullable}
		}
		at := &grammar.ColumnRef{Pos: u.Pos, EndPos: u.EndPos, Parts: []string{u.Name}}
		conds = append(conds, x.compare("=", ref(l), ref(r), at, at))
	}
	if !ok {
		return nil
	}
	return conds
}

// streamJoin checks a join of two streams: an inner join (Spark's stream-stream join) with at
// least one equality between the sides, each side a source read directly.
func (c *checker) streamJoin(left, right *rel, j *grammar.Join, errs *diag.List) *rel {
	fail := func(format, help string, a ...any) *rel {
		errs.Errorf(j.Pos, format, a...).WithEnd(j.Right.EndPos).WithHelp("%s", help)
		return nil
	}
	kind, ok := map[string]plan.StreamJoinKind{"": plan.StreamInner, "INNER": plan.StreamInner, "LEFT": plan.StreamLeftOuter,
		"RIGHT": plan.StreamRightOuter, "FULL": plan.StreamFullOuter, "SEMI": plan.StreamLeftSemi}[j.Kind]
	if !ok {
		what := map[string]string{"ANTI": "LEFT ANTI"}[j.Kind]
		if what == "" {
			what = j.Kind
		}
		return fail("%s JOIN between two streams is not supported", "as in Spark: a row of one stream would be final only once the other stream ended; use INNER, LEFT, RIGHT, FULL or LEFT SEMI", what)
	}
	for _, side := range []*rel{left, right} {
		if len(side.joins) > 0 || side.explode != nil || len(side.pre) > 0 || side.agg != nil || side.dedup != nil || side.stage != nil {
			return fail("each side of a join of two streams must be a source named directly, for now",
				"join the sources and filter or project in the SELECT over the join: FROM a JOIN b ON a.k = b.k WHERE ...")
		}
	}
	if j.Using != nil || j.On == nil {
		return fail("a join of two streams needs ON with an equality between them",
			"write ON a.key = b.key (USING is not supported between streams yet)")
	}
	if containsAgg(j.On) {
		pos, end := span(j.On)
		errs.Errorf(pos, "aggregate functions are not allowed in ON").WithEnd(end)
		return nil
	}
	n := len(left.cols)
	cols := append(slices.Clip(left.cols), right.cols...)
	// The joined row as the SELECT reads it: a semi join's holds the left columns only, and
	// an outer join's other side is NULL for the rows that matched nothing.
	joined := slices.Clone(cols)
	for k := range joined {
		if kind.Outer(0) && k >= n || kind.Outer(1) && k < n {
			joined[k].Nullable = true
		}
	}
	leftRefs := (&scope{cols: left.cols, qual: left.qual, refs: left.refs}).names()
	var refs []colName
	refs = append(refs, leftRefs...)
	for _, r := range (&scope{cols: right.cols, qual: right.qual, refs: right.refs}).names() {
		r.idx += n
		refs = append(refs, r)
	}
	on := &scope{cols: cols, refs: refs}
	x := &exprChecker{c: c, errs: errs, joinWindows: true}
	before := len(*errs)
	sj := &plan.StreamJoin{Pos: j.Pos, Kind: kind}
	// Keys and conditions go through Subst, which also folds their constants as every other
	// expression of a plan is folded: the left side's and the residuals over the joined
	// columns as they are, the right side's onto its own columns.
	same, toRight := make([]plan.Expr, len(cols)), make([]plan.Expr, len(cols))
	for k, col := range cols {
		same[k] = &plan.ColRef{Idx: k, Name: col.Name, T: col.Type, Null: col.Nullable}
		if k >= n {
			toRight[k] = &plan.ColRef{Idx: k - n, Name: col.Name, T: col.Type, Null: col.Nullable}
		}
	}
	for _, w := range conjuncts(j.On) {
		cond := x.boolean(x.expr(w, on, "ON"), w, "ON")
		if l, r, ok := equiKey(cond, n); ok {
			sj.LeftKeys = append(sj.LeftKeys, plan.Subst(l, same))
			sj.RightKeys = append(sj.RightKeys, plan.Subst(r, toRight))
			continue
		}
		sj.Residual = append(sj.Residual, plan.Subst(cond, same))
	}
	for i, l := range sj.LeftKeys {
		lw, ok1 := l.(*plan.Call)
		rw, ok2 := sj.RightKeys[i].(*plan.Call)
		if ok1 && ok2 && lw.Name == "window" && rw.Name == "window" && lw.Args[1].(*plan.Const).Int != rw.Args[1].(*plan.Const).Int {
			return fail("the windows this join compares differ in size: equal windows never match",
				"join on windows of one size, e.g. window(a.t, INTERVAL '1' HOUR) = window(b.t, INTERVAL '1' HOUR)")
		}
	}
	if (*errs)[before:].HasErrors() {
		return nil
	}
	if len(sj.LeftKeys) == 0 {
		return fail("a join of two streams needs an equality between a column of each side in ON",
			"a join without one would pair every row with every other row of the other stream, forever")
	}
	sj.DeriveExpiry(left.src, right.src, n)
	if !c.streamJoinBounds(sj, [2]*rel{left, right}, j, errs) {
		return nil
	}
	out := &rel{
		sides:      []*plan.Input{left.input(), right.input()},
		streamJoin: sj,
		cols:       joined, visible: len(joined), refs: refs, limit: -1,
	}
	if kind == plan.StreamLeftSemi {
		out.cols, out.visible, out.refs = joined[:n], n, leftRefs
	}
	return out
}

// streamJoinBounds applies Spark's rules on the watermarks and time bounds of a join of two
// streams: an outer side's rows are emitted with NULLs when they expire, so each outer side
// (and a semi join's left side) needs an expiry, which needs a watermark on the other side
// and a condition in ON bounding that side's time; a side without one keeps its rows for
// ever, which is a warning.
func (c *checker) streamJoinBounds(sj *plan.StreamJoin, sides [2]*rel, j *grammar.Join, errs *diag.List) bool {
	name := func(i int) string { return sides[i].src.Name }
	// lacks says what side i lacks for its rows to expire, and how to give it.
	lacks := func(i int) (string, string) {
		other := sides[1-i].src
		if other.Watermark < 0 {
			return "a watermark on " + other.Name,
				fmt.Sprintf("declare one in CREATE SOURCE %s (..., WATERMARK FOR t AS t - INTERVAL '10' MINUTE)", other.Name)
		}
		wm := other.Columns[other.Watermark].Name
		example := fmt.Sprintf("%s.%s <= %s.t + INTERVAL '1' HOUR", sides[1-i].qual, wm, sides[i].qual)
		if i == 1 {
			example = fmt.Sprintf("%s.%s >= %s.t - INTERVAL '1' HOUR", sides[1-i].qual, wm, sides[i].qual)
		}
		return fmt.Sprintf("a time bound in ON on %s.%s, the watermarked column", other.Name, wm),
			fmt.Sprintf("bound how far apart matching rows can be, e.g. ON ... AND %s (a BETWEEN gives both bounds)", example)
	}
	ok := true
	var kept, whats, helps []string
	for i := range 2 {
		if sj.Expiry[i] != nil {
			continue
		}
		what, help := lacks(i)
		if sj.Kind.Outer(i) || i == 0 && sj.Kind == plan.StreamLeftSemi {
			why := fmt.Sprintf("a row of %s that matches nothing is emitted once no later row of %s can match it", name(i), name(1-i))
			if sj.Kind == plan.StreamLeftSemi {
				why = fmt.Sprintf("as in Spark, a row of %s is kept until no later row of %s can match it", name(i), name(1-i))
			}
			errs.Errorf(j.Pos, "%s JOIN between two streams needs %s: %s", joinWords(sj.Kind), what, why).WithEnd(j.Right.EndPos).WithHelp("%s", help)
			ok = false
			continue
		}
		kept, whats, helps = append(kept, name(i)), append(whats, what), append(helps, help)
	}
	if len(kept) == 2 && sides[0].src.Watermark < 0 && sides[1].src.Watermark < 0 {
		whats = []string{"a watermark on each stream and a time bound in ON"}
		helps = []string{fmt.Sprintf("declare WATERMARK FOR t AS t - INTERVAL '10' MINUTE in CREATE SOURCE %s and %s, and bound how far apart matching rows can be in ON", name(0), name(1))}
	}
	if ok && len(kept) > 0 {
		errs.Warnf(j.Pos, "this join keeps every row of %s in state, which grows without bound: evicting them needs %s",
			strings.Join(kept, " and of "), strings.Join(slices.Compact(whats), " and ")).
			WithEnd(j.Right.EndPos).WithHelp("%s", strings.Join(slices.Compact(helps), "; "))
	}
	return ok
}

// joinWords spells a stream join's kind as SQL does.
func joinWords(k plan.StreamJoinKind) string {
	return [...]string{"an INNER", "a LEFT OUTER", "a RIGHT OUTER", "a FULL OUTER", "a LEFT SEMI"}[k]
}

// lookupJoin checks a join with a lookup table: an inner or left join whose equality keys
// are exactly one, on the table's lookup key, computed from the source's own columns (a
// chunk's keys are collected before its rows are probed, so the key cannot read another
// table's columns).
func (c *checker) lookupJoin(j *grammar.Join, j2 *plan.Join, streamCols int, errs *diag.List) bool {
	t := j2.Table
	fail := func(help, format string, a ...any) bool {
		errs.Errorf(j.Pos, format, a...).WithEnd(j.Right.EndPos).WithHelp("%s", help)
		return false
	}
	if j2.Kind != plan.InnerJoin && j2.Kind != plan.LeftOuterJoin {
		return fail("join it with JOIN or LEFT JOIN, or load the table (lookup = false)", "a lookup table (%s) is joined by an inner or left join only", t.Name)
	}
	k := lookupKey(t)
	key := t.Columns[k]
	// The equality on the lookup key is the lookup; the others are checked per candidate.
	toInput := make([]plan.Expr, len(t.Columns))
	for i, col := range j2.Columns() {
		toInput[i] = &plan.ColRef{Idx: j2.Offset + i, Name: col.Name, T: col.Type, Null: col.Nullable}
	}
	var left, right []plan.Expr
	for i, r := range j2.Right {
		if isColumn(r, k) && left == nil {
			left, right = j2.Left[i:i+1], j2.Right[i:i+1]
			continue
		}
		r := plan.Subst(r, toInput)
		j2.Residual = append(j2.Residual, &plan.Binary{Op: "=", L: j2.Left[i], R: r, T: sqltype.Boolean, Null: j2.Left[i].Nullable() || r.Nullable()})
	}
	if left == nil {
		return fail(fmt.Sprintf("a lookup join looks rows up by the table's lookup_key %s: give ON %s.%s = <an expression of the stream's columns>", key.Name, j2.Alias, key.Name),
			"a join with lookup table %s needs an equality between its lookup key %s and the stream", t.Name, key.Name)
	}
	j2.Left, j2.Right = left, right
	own := true
	plan.Walk(j2.Left[0], func(e plan.Expr) {
		if r, ok := e.(*plan.ColRef); ok && r.Idx >= streamCols {
			own = false
		}
	})
	if !own {
		return fail("join the lookup table first, or load it (lookup = false)", "the key of a join with lookup table %s reads columns other than the stream's own", t.Name)
	}
	j2.Lookup = true
	return true
}

// isColumn reports whether e is table column k, or an INT column k widened to the other
// side's BIGINT: the database compares the column with BIGINT keys as well.
func isColumn(e plan.Expr, k int) bool {
	if c, ok := e.(*plan.Cast); ok && c.To == sqltype.BigInt && c.X.Type() == sqltype.Int {
		e = c.X
	}
	r, ok := e.(*plan.ColRef)
	return ok && r.Idx == k
}

// lookupKey is the index of a lookup table's lookup_key column (checked when the table was
// declared): the first declared column by default.
func lookupKey(t *plan.Source) int {
	name := t.Options["lookup_key"]
	for i, col := range t.Columns {
		if strings.EqualFold(col.Name, name) {
			return i
		}
	}
	return 0
}

// colSides reports whether e reads columns before n (the left side of a join) and from n.
func colSides(e plan.Expr, n int) (before, after bool) {
	plan.Walk(e, func(e plan.Expr) {
		if r, ok := e.(*plan.ColRef); ok {
			before = before || r.Idx < n
			after = after || r.Idx >= n
		}
	})
	return before, after
}

// equiKey reads cond as a hash key of a join: an equality between an expression of the
// columns before n only and one of the columns from n only, returned in that order.
func equiKey(cond plan.Expr, n int) (l, r plan.Expr, ok bool) {
	b, isBinary := cond.(*plan.Binary)
	if !isBinary || b.Op != "=" {
		return nil, nil, false
	}
	ll, lr := colSides(b.L, n)
	rl, rr := colSides(b.R, n)
	switch {
	case ll && !lr && rr && !rl:
		return b.L, b.R, true
	case rl && !rr && lr && !ll:
		return b.R, b.L, true
	}
	return nil, nil, false
}
