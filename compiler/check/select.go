package check

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/grammar"
)

// rel is a relation being built: a source and the pipeline steps applied to it so far, or
// a table (src nil) about to be joined.
type rel struct {
	src   *plan.Source
	table *plan.Source
	joins []*plan.Join
	union []*plan.Input // the branches of a UNION ALL; then pre runs over their columns
	// sides are the two streams of a join of streams, joined by streamJoin; then pre runs
	// over the joined columns
	sides      []*plan.Input
	streamJoin *plan.StreamJoin
	pre        []plan.Step
	agg        *plan.Aggregate
	post       []plan.Step
	cols       []plan.Column // schema after the last step
	visible    int           // cols[:visible] are the output; the rest are hidden sort columns
	qual       string        // the name columns can be qualified with
	refs       []colName     // after a join: the names of cols (see scope.refs)

	distinct *grammar.Select // the SELECT DISTINCT of this relation
	dedup    *plan.Dedup
	explode  *plan.Explode
	// stage is the stateful query whose emitted rows src describes (see stage)
	stage *plan.Query
	pos   lexer.Position // the SELECT that made the relation

	sort     []plan.SortKey
	sortPos  *lexer.Position
	limit    int64
	limitPos *lexer.Position
}

func (r *rel) add(s plan.Step) {
	if r.agg == nil {
		r.pre = append(r.pre, s)
	} else {
		r.post = append(r.post, s)
	}
	if p, ok := s.(*plan.Project); ok {
		r.cols = p.Columns
		r.visible = len(p.Columns)
		r.refs = nil
	}
}

// from resolves the FROM clause, joins included, into the relation the SELECT reads.
func (c *checker) from(f *grammar.From, errs *diag.List) *rel {
	if f == nil {
		return nil
	}
	r := c.fromItem(f, errs)
	for _, j := range f.Joins {
		r = c.join(r, j, errs)
	}
	if r != nil && r.src == nil && r.table != nil {
		errs.Errorf(f.Pos, "%q is a table: a query reads a stream", r.table.Name).WithEnd(f.EndPos).
			WithHelp("join the table to a source: FROM source JOIN %s ON ...", r.table.Name)
		return nil
	}
	return r
}

// fromItem resolves one relation of FROM, without its joins.
func (c *checker) fromItem(f *grammar.From, errs *diag.List) *rel {
	if f.Subquery != nil {
		r := c.selectRel(f.Subquery, errs)
		if r != nil {
			if r.sortPos != nil || r.limitPos != nil {
				errs.Errorf(f.Subquery.Pos, "a subquery cannot have ORDER BY or LIMIT").WithHelp("put them in the outer query")
			}
			r.qual, r.refs = "", nil
			if f.Alias != nil {
				r.qual = f.Alias.Name
			}
			r.sortPos, r.limitPos, r.sort = nil, nil, nil
		}
		return r
	}
	name := f.Name.Name
	qual := name
	if f.Alias != nil {
		qual = f.Alias.Name
	}
	if s := c.sources[key(name)]; s != nil {
		cols := s.plan.Columns
		return &rel{src: s.plan, cols: cols, visible: len(cols), qual: qual, limit: -1}
	}
	if t := c.tables[key(name)]; t != nil {
		cols := t.plan.Columns
		return &rel{table: t.plan, cols: cols, visible: len(cols), qual: qual, limit: -1}
	}
	if v := c.views[key(name)]; v != nil {
		if v.broken {
			return nil
		}
		var discard diag.List // reported once, at the view
		r := c.selectRel(v.decl.Query, &discard)
		if r != nil {
			r.qual, r.refs = qual, nil
		}
		return r
	}
	if c.sinks[key(name)] != nil {
		errs.Errorf(f.Name.Pos, "%q is a sink; a query reads from a source, table or view", name).WithEnd(f.Name.EndPos)
		return nil
	}
	d := errs.Errorf(f.Name.Pos, "unknown source %q", name).WithEnd(f.Name.EndPos)
	var names []string
	for _, s := range c.sources {
		names = append(names, s.plan.Name)
	}
	for _, t := range c.tables {
		names = append(names, t.plan.Name)
	}
	for _, v := range c.views {
		names = append(names, v.decl.Name.Name)
	}
	if s := diag.Closest(name, names); s != "" {
		d.WithHelp("did you mean %q?", s)
	} else {
		d.WithHelp("declare it first with CREATE SOURCE %s (...) WITH (connector = 'files', ...)", name)
	}
	return nil
}

// selectRel checks a SELECT and returns the relation it produces, or nil when its input
// could not be resolved (the problem is reported).
func (c *checker) selectRel(sel *grammar.Select, errs *diag.List) *rel {
	return c.selectRelAs(sel, errs, false)
}

// selectRelAs is selectRel; distinctAgg makes a SELECT DISTINCT an aggregation grouped by
// every select item, as Spark plans a Distinct: what COMPLETE output mode needs to emit the
// whole distinct set every batch.
func (c *checker) selectRelAs(sel *grammar.Select, errs *diag.List, distinctAgg bool) *rel {
	if len(sel.Unions) > 0 {
		return c.union(sel, errs, distinctAgg)
	}
	r := c.from(sel.From, errs)
	if r == nil {
		return nil
	}
	return c.selectOn(sel, r, errs, distinctAgg)
}

// selectOn checks sel over the relation r of its FROM clause (see selectRelAs).
func (c *checker) selectOn(sel *grammar.Select, r *rel, errs *diag.List, distinctAgg bool) *rel {
	x := &exprChecker{c: c, errs: errs}
	hasAgg := len(sel.GroupBy) > 0 || sel.Having != nil
	for _, it := range sel.Items {
		hasAgg = hasAgg || containsAgg(it.Expr)
	}
	for _, o := range sel.OrderBy {
		hasAgg = hasAgg || containsAgg(o.Expr)
	}
	if distinctAgg && sel.Distinct && len(sel.DistinctOn) == 0 && !hasAgg && r.agg == nil && r.dedup == nil &&
		!slices.ContainsFunc(sel.Items, isExplode) {
		sel = groupByItems(sel, &scope{cols: r.cols})
		hasAgg = true
	}
	if r.dedup != nil || hasAgg && r.agg != nil {
		// An aggregation over an aggregation, or anything over a deduplication: the
		// relation read becomes a stage of its own (Spark 3.4's chained stateful operators).
		r = c.stage(r)
	}
	in := &scope{cols: r.cols, qual: r.qual, refs: r.refs, staged: r.stage != nil}
	// A row passes WHERE only when every conjunct is TRUE, so each becomes its own filter:
	// the generated loop tests them one by one, with no three-valued AND.
	for _, w := range conjuncts(sel.Where) {
		cond := x.boolean(x.expr(w, in, "WHERE"), w, "WHERE")
		r.add(&plan.Filter{Cond: cond})
	}
	items := sel.Items
	if i := slices.IndexFunc(items, isExplode); i >= 0 {
		if items, in = c.explode(sel, i, r, x, in, hasAgg); items == nil {
			return nil
		}
	}
	var outNames []string
	var out []plan.Expr
	var outAST []grammar.Expr
	var post *scope
	if hasAgg {
		post = c.aggregate(sel, r, x, in)
		if post == nil {
			return nil
		}
		out, outNames, outAST = x.items(items, post)
		if sel.Distinct {
			r.distinct = sel // over the groups: see aggregateDistinct
		}
		for _, h := range conjuncts(sel.Having) {
			cond := x.boolean(x.expr(h, post, "HAVING"), h, "HAVING")
			r.add(&plan.Filter{Cond: cond})
		}
	} else {
		out, outNames, outAST = x.items(items, in)
		if sel.Distinct {
			r.distinct = sel
			r.dedup = &plan.Dedup{}
			for i := range out {
				r.dedup.Cols = append(r.dedup.Cols, i)
			}
		}
	}
	nItems := len(out)
	if r.dedup != nil && len(sel.DistinctOn) > 0 {
		// The key columns: select items written the same way, or hidden columns.
		r.dedup.Cols = nil
		for _, e := range sel.DistinctOn {
			k := x.expr(e, in, "DISTINCT ON")
			idx := slices.IndexFunc(out, func(o plan.Expr) bool { return o.String() == k.String() })
			if idx < 0 {
				name := "distinct_on"
				if ref, ok := e.(*grammar.ColumnRef); ok {
					name = ref.Parts[len(ref.Parts)-1]
				}
				out = append(out, k)
				outNames = append(outNames, name)
				idx = len(out) - 1
			}
			r.dedup.Cols = append(r.dedup.Cols, idx)
		}
	} else if len(sel.DistinctOn) > 0 {
		pos, end := span(sel.DistinctOn[0])
		errs.Errorf(pos, "DISTINCT ON cannot be combined with an aggregation").WithEnd(end).
			WithHelp("DISTINCT ON keeps the first row of each key; aggregate with GROUP BY instead, e.g. first(x)")
	}
	cols := make([]plan.Column, len(out))
	for i, e := range out {
		cols[i] = plan.Column{Name: outNames[i], Type: e.Type(), Nullable: e.Nullable()}
		if ref, ok := e.(*plan.ColRef); ok && e.Type() == sqltype.Window && post != nil {
			cols[i].Size = post.agg.agg.KeyCols[ref.Idx].Size
		}
	}
	visible := nItems
	if len(sel.OrderBy) > 0 {
		p := sel.OrderBy[0].Pos
		r.sortPos = &p
		scope := post
		if scope == nil {
			scope = in
		}
		for _, o := range sel.OrderBy {
			idx := x.orderIndex(o.Expr, outNames, outAST, len(sel.Items))
			if idx < 0 {
				e := x.expr(o.Expr, scope, "ORDER BY")
				if !e.Type().Orderable() && e.Type() != sqltype.Null {
					pos, end := span(o.Expr)
					errs.Errorf(pos, "cannot sort by a %s value", e.Type()).WithEnd(end)
				}
				out = append(out, e)
				cols = append(cols, plan.Column{Name: "sort", Type: e.Type(), Nullable: e.Nullable()})
				idx = len(out) - 1
			}
			nullsFirst := !o.Desc
			switch strings.ToUpper(o.Nulls) {
			case "FIRST":
				nullsFirst = true
			case "LAST":
				nullsFirst = false
			}
			r.sort = append(r.sort, plan.SortKey{Col: idx, Desc: o.Desc, NullsFirst: nullsFirst})
		}
	}
	if r.explode != nil && post == nil {
		// Show the piece under its name in explain, not the scope's internal one.
		for _, e := range out {
			plan.Walk(e, func(e plan.Expr) {
				if ref, ok := e.(*plan.ColRef); ok && ref.Name == generated {
					ref.Name = r.explode.Name
				}
			})
		}
	}
	r.add(&plan.Project{Exprs: out, Columns: cols})
	r.visible = visible
	if sel.Limit != nil {
		p := sel.Limit.Pos
		r.limitPos = &p
		n, err := strconv.ParseInt(sel.Limit.Text, 10, 64)
		if sel.Limit.Kind != grammar.LitInt || err != nil || n < 0 {
			errs.Errorf(sel.Limit.Pos, "LIMIT needs a non-negative integer, got %s", sel.Limit.Text).WithEnd(sel.Limit.EndPos)
		}
		r.limit = n
	}
	r.pos = sel.Pos
	return r
}

// groupByItems rewrites SELECT DISTINCT items FROM ... into SELECT items FROM ... GROUP BY
// items: ordinals for the items, and every column for a *.
func groupByItems(sel *grammar.Select, in *scope) *grammar.Select {
	g := *sel
	g.Distinct = false
	g.GroupBy = nil
	for i, it := range sel.Items {
		if _, ok := it.Expr.(*grammar.Star); ok {
			for _, col := range in.cols {
				g.GroupBy = append(g.GroupBy, &grammar.ColumnRef{Pos: it.Pos, Parts: []string{col.Name}})
			}
			continue
		}
		g.GroupBy = append(g.GroupBy, &grammar.Literal{Pos: it.Pos, EndPos: it.EndPos, Kind: grammar.LitInt, Text: strconv.Itoa(i + 1)})
	}
	return &g
}

// generated names the exploded piece in the scope of its SELECT: not a name SQL can write.
const generated = "explode()"

func isExplode(it *grammar.SelectItem) bool {
	f, ok := it.Expr.(*grammar.FuncCall)
	return ok && strings.EqualFold(f.Name.Name, "explode")
}

// explode checks explode(split(str, pattern)), item i of sel: a generator, Spark's word-count
// idiom. It records it in r and returns the items with the call replaced by a reference to the
// generated column, and the scope that has it; nil items after an error.
func (c *checker) explode(sel *grammar.Select, i int, r *rel, x *exprChecker, in *scope, hasAgg bool) ([]*grammar.SelectItem, *scope) {
	it := sel.Items[i]
	f := it.Expr.(*grammar.FuncCall)
	fail := func(format string, help string, a ...any) ([]*grammar.SelectItem, *scope) {
		x.errs.Errorf(f.Pos, format, a...).WithEnd(f.EndPos).WithHelp("%s", help)
		return nil, nil
	}
	if slices.IndexFunc(sel.Items[i+1:], isExplode) >= 0 {
		return fail("a SELECT can have one explode", "explode in a subquery, then again in the query reading it")
	}
	if hasAgg {
		return fail("explode cannot be combined with an aggregation in one SELECT",
			"explode in a subquery or view and aggregate in the query reading it: SELECT word, count(*) FROM (SELECT explode(split(value, ' ')) AS word FROM lines) GROUP BY word")
	}
	if r.union != nil {
		return fail("explode cannot be applied to a UNION ALL", "explode in each SELECT of the union")
	}
	if len(r.joins) > 0 {
		return fail("explode cannot be in a SELECT with a join", "explode in a subquery and join its rows: FROM (SELECT explode(split(value, ' ')) AS word FROM lines) l JOIN dict d ON l.word = d.word")
	}
	if r.agg != nil || r.explode != nil || slices.ContainsFunc(r.pre, func(s plan.Step) bool { _, ok := s.(*plan.Project); return ok }) {
		return fail("explode must be in a SELECT that reads a source directly", "move it into the innermost SELECT")
	}
	split, ok := (*grammar.FuncCall)(nil), len(f.Args) == 1
	if ok {
		split, ok = f.Args[0].(*grammar.FuncCall)
	}
	if !ok || !strings.EqualFold(split.Name.Name, "split") || len(split.Args) != 2 {
		return fail("explode takes split(string, pattern)", "sqlstream has no array type; e.g. explode(split(value, ' ')) makes a row per word")
	}
	str := x.expr(split.Args[0], in, "explode")
	if t := str.Type(); t != sqltype.String && t != sqltype.Null {
		pos, end := span(split.Args[0])
		x.errs.Errorf(pos, "split needs a STRING, not %s", t).WithEnd(end)
		return nil, nil
	}
	lit, ok := split.Args[1].(*grammar.Literal)
	if !ok || lit.Kind != grammar.LitString {
		pos, end := span(split.Args[1])
		x.errs.Errorf(pos, "the pattern of split must be a string literal").WithEnd(end)
		return nil, nil
	}
	if _, err := regexp.Compile(lit.Text); err != nil {
		x.errs.Errorf(lit.Pos, "bad regular expression: %v", err).WithEnd(lit.EndPos)
		return nil, nil
	}
	name := "col" // Spark's name for explode's output
	if it.Alias != nil {
		name = it.Alias.Name
	}
	r.explode = &plan.Explode{Str: str, Pattern: lit.Text, Name: name}
	items := slices.Clone(sel.Items)
	items[i] = &grammar.SelectItem{Pos: it.Pos, EndPos: it.EndPos, Alias: &grammar.Ident{Pos: f.Pos, EndPos: f.EndPos, Name: name},
		Expr: &grammar.ColumnRef{Pos: f.Pos, EndPos: f.EndPos, Parts: []string{generated}}}
	cols := append(slices.Clip(in.cols), plan.Column{Name: generated, Type: sqltype.String})
	refs := append(slices.Clip(in.names()), colName{idx: len(in.cols), bare: true, star: true})
	return items, &scope{cols: cols, qual: in.qual, refs: refs}
}

// conjuncts splits a condition at its top-level ANDs.
func conjuncts(e grammar.Expr) []grammar.Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*grammar.BinaryExpr); ok && strings.EqualFold(b.Op, "AND") {
		return append(conjuncts(b.Left), conjuncts(b.Right)...)
	}
	return []grammar.Expr{e}
}

// orderIndex resolves an ORDER BY item to an output column: an ordinal, an output name, or
// an expression written like a select item. It returns -1 when the item is something else.
func (x *exprChecker) orderIndex(e grammar.Expr, names []string, items []grammar.Expr, n int) int {
	if l, ok := e.(*grammar.Literal); ok && l.Kind == grammar.LitInt {
		i, err := strconv.Atoi(l.Text)
		if err != nil || i < 1 || i > n {
			x.errs.Errorf(l.Pos, "ORDER BY position %s is not in the select list", l.Text).WithEnd(l.EndPos).
				WithHelp("positions count select items from 1 to %d", n)
			return 0
		}
		return i - 1
	}
	if ref, ok := e.(*grammar.ColumnRef); ok && len(ref.Parts) == 1 {
		for i, name := range names[:n] {
			if strings.EqualFold(name, ref.Parts[0]) {
				return i
			}
		}
	}
	text := canonical(e)
	for i, it := range items {
		if it != nil && canonical(it) == text {
			return i
		}
	}
	return -1
}

// aggregate plans GROUP BY and returns the scope that select items, HAVING and ORDER BY are
// checked in after it: group keys and aggregates.
func (c *checker) aggregate(sel *grammar.Select, r *rel, x *exprChecker, in *scope) *scope {
	agg := &plan.Aggregate{SessionEnd: -1}
	as := &aggScope{input: in, window: -1}
	for _, g := range sel.GroupBy {
		if w, ok := g.(*grammar.FuncCall); ok && (strings.EqualFold(w.Name.Name, "window") || strings.EqualFold(w.Name.Name, "session_window")) {
			session := strings.EqualFold(w.Name.Name, "session_window")
			var e plan.Expr
			var col plan.Column
			if session {
				e, col = x.sessionWindow(w, in)
			} else {
				e, col = x.window(w, in)
			}
			if e == nil {
				continue
			}
			if as.window >= 0 {
				x.errs.Errorf(w.Pos, "GROUP BY can have one window() or session_window()").WithEnd(w.EndPos)
				continue
			}
			as.window = len(agg.Keys)
			agg.Keys = append(agg.Keys, e)
			agg.KeyCols = append(agg.KeyCols, col)
			as.keys = append(as.keys, canonical(g))
			if session {
				// The session's end is its last row's time plus the gap: a hidden max(ts).
				ts := e.(*plan.Call).Args[0]
				agg.SessionEnd = len(agg.Aggs)
				agg.Aggs = append(agg.Aggs, &plan.AggCall{Func: plan.Max, Arg: ts, Type: sqltype.Timestamp, Nullable: true})
				as.aggs = append(as.aggs, "session end")
			}
			continue
		}
		e, name, ast := c.groupKey(g, sel, x, in)
		if e == nil {
			continue
		}
		if containsAgg(ast) {
			pos, end := span(g)
			x.errs.Errorf(pos, "aggregate functions are not allowed in GROUP BY").WithEnd(end)
			continue
		}
		e = materialize(e)
		col := plan.Column{Name: name, Type: e.Type(), Nullable: e.Nullable()}
		col.Size, _ = x.windowSize(e, in) // a subquery's window, grouped by as it is
		agg.Keys = append(agg.Keys, e)
		agg.KeyCols = append(agg.KeyCols, col)
		as.keys = append(as.keys, canonical(ast))
	}
	r.agg = agg
	as.agg = agg
	post := &scope{cols: nil, agg: as}
	post.cols = agg.KeyCols // refreshed as aggregates are added; see aggScope.col
	return post
}

// materialize gives an expression that is NULL in every row (of NULL type) a concrete type
// where a value is stored: a group key, an output column. Spark calls the type void and
// refuses to write it to files; sqlstream stores it as a STRING that is always NULL.
func materialize(e plan.Expr) plan.Expr {
	if e.Type() == sqltype.Null {
		return coerce(e, sqltype.String)
	}
	return e
}

// materializeOutput gives the query's output columns (the last projection's) concrete types.
func (r *rel) materializeOutput() {
	steps := r.pre
	if r.agg != nil {
		steps = r.post
	}
	if len(steps) == 0 {
		return // a bare UNION ALL: its branches' projections have the union's types
	}
	p := steps[len(steps)-1].(*plan.Project)
	for i, e := range p.Exprs {
		p.Exprs[i] = materialize(e)
		p.Columns[i].Type = p.Exprs[i].Type()
	}
}

// groupKey resolves one GROUP BY item: an ordinal or a select alias stands for that select
// item's expression (input columns win over aliases, as in Spark).
func (c *checker) groupKey(g grammar.Expr, sel *grammar.Select, x *exprChecker, in *scope) (plan.Expr, string, grammar.Expr) {
	if l, ok := g.(*grammar.Literal); ok && l.Kind == grammar.LitInt {
		i, err := strconv.Atoi(l.Text)
		if err != nil || i < 1 || i > len(sel.Items) {
			x.errs.Errorf(l.Pos, "GROUP BY position %s is not in the select list", l.Text).WithEnd(l.EndPos).
				WithHelp("positions count select items from 1 to %d", len(sel.Items))
			return nil, "", nil
		}
		it := sel.Items[i-1]
		if _, star := it.Expr.(*grammar.Star); star {
			x.errs.Errorf(l.Pos, "GROUP BY position %d refers to *", i).WithEnd(l.EndPos)
			return nil, "", nil
		}
		return x.expr(it.Expr, in, "GROUP BY"), itemName(it), it.Expr
	}
	if ref, ok := g.(*grammar.ColumnRef); ok && len(ref.Parts) == 1 && in.find(ref.Parts[0]) < 0 {
		for _, it := range sel.Items {
			if it.Alias != nil && strings.EqualFold(it.Alias.Name, ref.Parts[0]) {
				return x.expr(it.Expr, in, "GROUP BY"), it.Alias.Name, it.Expr
			}
		}
	}
	e := x.expr(g, in, "GROUP BY")
	name := canonical(g)
	if ref, ok := g.(*grammar.ColumnRef); ok {
		name = ref.Parts[len(ref.Parts)-1]
	}
	return e, name, g
}

// itemName is the output column name of a select item: its alias, its column name, or the
// expression as written (Spark's naming).
func itemName(it *grammar.SelectItem) string {
	if it.Alias != nil {
		return it.Alias.Name
	}
	if ref, ok := it.Expr.(*grammar.ColumnRef); ok {
		return ref.Parts[len(ref.Parts)-1]
	}
	return it.Expr.String()
}

// items checks the select list; * expands to every column of the scope.
func (x *exprChecker) items(items []*grammar.SelectItem, s *scope) ([]plan.Expr, []string, []grammar.Expr) {
	var exprs []plan.Expr
	var names []string
	var asts []grammar.Expr
	for _, it := range items {
		if star, ok := it.Expr.(*grammar.Star); ok {
			for _, col := range x.star(star, s) {
				exprs = append(exprs, col.e)
				names = append(names, col.name)
				asts = append(asts, nil)
			}
			continue
		}
		e := x.expr(it.Expr, s, "SELECT")
		exprs = append(exprs, e)
		names = append(names, itemName(it))
		asts = append(asts, it.Expr)
	}
	return exprs, names, asts
}

type namedExpr struct {
	e    plan.Expr
	name string
}

func (x *exprChecker) star(st *grammar.Star, s *scope) []namedExpr {
	base := s
	if s.agg != nil {
		base = s.agg.input
	}
	if st.Table != "" && !slices.ContainsFunc(base.quals(), func(q string) bool { return strings.EqualFold(q, st.Table) }) {
		x.errs.Errorf(st.Pos, "unknown table %q in %s.*", st.Table, st.Table).WithEnd(st.EndPos).
			WithHelp("the query reads %s", quoteList(base.quals()))
		return nil
	}
	var out []namedExpr
	for _, r := range base.names() {
		i, col := r.idx, base.cols[r.idx]
		if col.Name == generated || !r.star || st.Table != "" && !strings.EqualFold(st.Table, r.qual) {
			continue
		}
		if s.agg != nil {
			k := s.agg.keyIndex(strings.ToLower(col.Name))
			if k < 0 {
				x.errs.Errorf(st.Pos, "* includes column %q, which is neither grouped nor aggregated", col.Name).WithEnd(st.EndPos).
					WithHelp("list the grouped columns and aggregates instead of *")
				continue
			}
			kc := s.agg.agg.KeyCols[k]
			out = append(out, namedExpr{&plan.ColRef{Idx: k, Name: kc.Name, T: kc.Type, Null: kc.Nullable}, col.Name})
			continue
		}
		out = append(out, namedExpr{&plan.ColRef{Idx: i, Name: col.Name, T: col.Type, Null: col.Nullable}, col.Name})
	}
	return out
}
