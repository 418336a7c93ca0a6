package check

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/funcs"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/grammar"
	"github.com/sqlstream/sqlstream/runtime/sqlfn"
)

// scope is what names in an expression can refer to: the input columns, or, after an
// aggregation, the group keys and aggregates.
type scope struct {
	cols []plan.Column
	qual string // the qualifier of every column, when refs is nil
	// refs name the columns, in the order * lists them; nil: each column under qual. A
	// join's scope has a qualifier per relation.
	refs []colName
	agg  *aggScope
	// staged: the columns are the rows a stage of a chain emits (see checker.stage)
	staged bool
}

// colName is a way to name column idx of a scope: qual.name, and name alone when bare.
type colName struct {
	idx  int
	qual string
	bare bool // found by its name alone (not the right side's USING columns)
	star bool // listed by * and qual.*
}

// names returns the scope's refs, or the default ones.
func (s *scope) names() []colName {
	if s.refs != nil {
		return s.refs
	}
	out := make([]colName, len(s.cols))
	for i := range s.cols {
		out[i] = colName{idx: i, qual: s.qual, bare: true, star: true}
	}
	return out
}

// find returns the first column named name without a qualifier, or -1.
func (s *scope) find(name string) int {
	for _, r := range s.names() {
		if r.bare && strings.EqualFold(s.cols[r.idx].Name, name) {
			return r.idx
		}
	}
	return -1
}

// quals lists the relation names of the scope, in order, once each.
func (s *scope) quals() []string {
	var out []string
	for _, r := range s.names() {
		if r.qual != "" && !slices.ContainsFunc(out, func(q string) bool { return strings.EqualFold(q, r.qual) }) {
			out = append(out, r.qual)
		}
	}
	return out
}

// lookup resolves [qual.]name: the column's index, or -1 with what went wrong ("" when
// no column has the name, "ambiguous" or "table" for an unknown qualifier).
func (s *scope) lookup(qual, name string) (int, string) {
	found := -1
	if qual != "" && !slices.ContainsFunc(s.quals(), func(q string) bool { return strings.EqualFold(q, qual) }) {
		return -1, "table"
	}
	for _, r := range s.names() {
		if !strings.EqualFold(s.cols[r.idx].Name, name) || qual == "" && !r.bare || qual != "" && !strings.EqualFold(r.qual, qual) {
			continue
		}
		if found >= 0 && found != r.idx {
			return -1, "ambiguous"
		}
		found = r.idx
	}
	return found, ""
}

// aggScope resolves expressions after GROUP BY: an expression written like a group key is
// that key; an aggregate call becomes a new aggregate column.
type aggScope struct {
	input  *scope
	window int // the key that is a window() or session_window(), or -1
	agg    *plan.Aggregate
	keys   []string // canonical text of each key expression
	aggs   []string // canonical text of each aggregate call
}

func (a *aggScope) keyIndex(text string) int {
	for i, k := range a.keys {
		if k == text {
			return i
		}
	}
	return -1
}

type exprChecker struct {
	c    *checker
	errs *diag.List
	// joinWindows: checking the ON of a join of two streams, where equal tumbling windows
	// may join (window(a.t, '1 hour') = window(b.t, '1 hour')).
	joinWindows bool
}

// null is the NULL of NULL type (Spark's NullType), which takes the type its context needs.
// After checking, it is the only expression of that type: an expression that is NULL
// whatever its input (coalesce(NULL, NULL), a CASE whose branches are all NULL) becomes it.
func null() plan.Expr { return &plan.Const{T: sqltype.Null, IsNull: true} }

// bad is the placeholder for an expression with an error: the NULL of NULL type, which
// widens to anything, so one mistake is reported once.
func bad() plan.Expr { return null() }

func isAgg(e grammar.Expr) bool {
	f, ok := e.(*grammar.FuncCall)
	if !ok {
		return false
	}
	_, agg := funcs.LookupAggregate(strings.ToLower(f.Name.Name))
	return agg
}

// containsAgg reports whether e has an aggregate call anywhere.
func containsAgg(e grammar.Expr) bool {
	found := false
	inspect(e, func(n grammar.Expr) {
		if isAgg(n) {
			found = true
		}
	})
	return found
}

// inspect calls fn for e and every expression below it.
func inspect(e grammar.Expr, fn func(grammar.Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *grammar.BinaryExpr:
		inspect(e.Left, fn)
		inspect(e.Right, fn)
	case *grammar.UnaryExpr:
		inspect(e.X, fn)
	case *grammar.IsNullExpr:
		inspect(e.X, fn)
	case *grammar.InExpr:
		inspect(e.X, fn)
		for _, x := range e.List {
			inspect(x, fn)
		}
	case *grammar.BetweenExpr:
		inspect(e.X, fn)
		inspect(e.Low, fn)
		inspect(e.High, fn)
	case *grammar.LikeExpr:
		inspect(e.X, fn)
		inspect(e.Pattern, fn)
	case *grammar.CaseExpr:
		inspect(e.Operand, fn)
		for _, w := range e.Whens {
			inspect(w.Cond, fn)
			inspect(w.Result, fn)
		}
		inspect(e.Else, fn)
	case *grammar.CastExpr:
		inspect(e.X, fn)
	case *grammar.FuncCall:
		for _, x := range e.Args {
			inspect(x, fn)
		}
	}
}

// canonical is e's text with names lower-cased, used to match expressions against GROUP BY keys.
func canonical(e grammar.Expr) string {
	if ref, ok := e.(*grammar.ColumnRef); ok {
		return strings.ToLower(ref.Parts[len(ref.Parts)-1])
	}
	return strings.ToLower(e.String())
}

func span(e grammar.Expr) (lexer.Position, lexer.Position) {
	return e.Span()
}

// boolean returns the condition e as a BOOLEAN (a NULL takes that type), reporting one of
// another type.
func (x *exprChecker) boolean(e plan.Expr, at grammar.Expr, clause string) plan.Expr {
	if t := e.Type(); t != sqltype.Boolean && t != sqltype.Null {
		pos, end := span(at)
		x.errs.Errorf(pos, "%s condition must be BOOLEAN, not %s", clause, t).WithEnd(end).
			WithHelp("compare it, e.g. %s = ...", at.String())
		return coerce(bad(), sqltype.Boolean)
	}
	return coerce(e, sqltype.Boolean)
}

// expr checks e in scope s; clause names where it appears, for messages.
func (x *exprChecker) expr(e grammar.Expr, s *scope, clause string) plan.Expr {
	if s.agg != nil {
		if w := x.windowField(e, s.agg); w != nil {
			return w
		}
		if i := s.agg.keyIndex(canonical(e)); i >= 0 {
			kc := s.agg.agg.KeyCols[i]
			return &plan.ColRef{Idx: i, Name: kc.Name, T: kc.Type, Null: kc.Nullable}
		}
		if isAgg(e) {
			return x.aggCall(e.(*grammar.FuncCall), s.agg)
		}
	} else if isAgg(e) {
		pos, end := span(e)
		d := x.errs.Errorf(pos, "aggregate functions are not allowed in %s", clause).WithEnd(end)
		switch clause {
		case "WHERE":
			d.WithHelp("filter groups with HAVING instead")
		case "aggregate argument":
			d.WithHelp("aggregates cannot be nested")
		}
		return bad()
	}
	switch e := e.(type) {
	case *grammar.Literal:
		return x.literal(e)
	case *grammar.ColumnRef:
		return x.column(e, s)
	case *grammar.Star:
		x.errs.Errorf(e.Pos, "* is only allowed in the select list and in count(*)").WithEnd(e.EndPos)
		return bad()
	case *grammar.UnaryExpr:
		return x.unary(e, s, clause)
	case *grammar.BinaryExpr:
		return x.binary(e, s, clause)
	case *grammar.IsNullExpr:
		return &plan.IsNull{X: x.expr(e.X, s, clause), Not: e.Not}
	case *grammar.InExpr:
		return x.in(e, s, clause)
	case *grammar.BetweenExpr:
		v := x.expr(e.X, s, clause)
		lo := x.compare(">=", v, x.expr(e.Low, s, clause), e.X, e.Low)
		hi := x.compare("<=", v, x.expr(e.High, s, clause), e.X, e.High)
		var out plan.Expr = logic("AND", lo, hi)
		if e.Not {
			out = &plan.Unary{Op: "NOT", X: out, Null: out.Nullable()}
		}
		return out
	case *grammar.LikeExpr:
		v := x.stringArg(x.expr(e.X, s, clause), e.X, "LIKE")
		p := x.stringArg(x.expr(e.Pattern, s, clause), e.Pattern, "LIKE")
		if c, ok := p.(*plan.Const); ok && !c.IsNull {
			if _, err := sqlfn.CompileLike(c.Str); err != nil {
				pos, end := span(e.Pattern)
				x.errs.Errorf(pos, "invalid LIKE pattern: %v", err).WithEnd(end)
			}
		}
		return &plan.Like{X: v, Pattern: p, Not: e.Not, Null: v.Nullable() || p.Nullable()}
	case *grammar.CaseExpr:
		return x.caseExpr(e, s, clause)
	case *grammar.CastExpr:
		v := x.expr(e.X, s, clause)
		to, ok := sqltype.Parse(e.Type.Name)
		if !ok {
			d := x.errs.Errorf(e.Type.Pos, "unknown type %q", e.Type.Name).WithEnd(e.Type.EndPos)
			if h := diag.Closest(e.Type.Name, sqltype.Spellings()); h != "" {
				d.WithHelp("did you mean %s?", h)
			}
			return bad()
		}
		if !sqltype.CanCast(v.Type(), to) {
			pos, end := span(e)
			x.errs.Errorf(pos, "cannot cast %s to %s", v.Type(), to).WithEnd(end)
			return bad()
		}
		null := v.Nullable() || (v.Type() != to && (v.Type() == sqltype.String))
		return &plan.Cast{X: v, To: to, Null: null}
	case *grammar.FuncCall:
		return x.call(e, s, clause)
	}
	pos, end := span(e)
	x.errs.Errorf(pos, "unsupported expression").WithEnd(end)
	return bad()
}

func (x *exprChecker) literal(l *grammar.Literal) plan.Expr {
	switch l.Kind {
	case grammar.LitNull:
		return null()
	case grammar.LitBool:
		return &plan.Const{T: sqltype.Boolean, Bool: strings.EqualFold(l.Text, "true")}
	case grammar.LitInt:
		n, err := strconv.ParseInt(l.Text, 10, 64)
		if err != nil {
			x.errs.Errorf(l.Pos, "integer %s is out of range for BIGINT", l.Text).WithEnd(l.EndPos).
				WithHelp("write it as a decimal (%s.0) to get a DOUBLE", l.Text)
			return bad()
		}
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			return &plan.Const{T: sqltype.Int, Int: n}
		}
		return &plan.Const{T: sqltype.BigInt, Int: n}
	case grammar.LitDecimal:
		f, err := strconv.ParseFloat(l.Text, 64)
		if err != nil {
			x.errs.Errorf(l.Pos, "invalid number %s", l.Text).WithEnd(l.EndPos)
			return bad()
		}
		return &plan.Const{T: sqltype.Double, Float: f}
	case grammar.LitInterval:
		us, err := intervalMicros(l)
		if err != nil {
			x.errs.Errorf(l.Pos, "invalid interval %q", l.Text).WithEnd(l.EndPos).
				WithHelp("write INTERVAL '10' MINUTE or INTERVAL '10 minutes'")
			return bad()
		}
		return &plan.Const{T: sqltype.Interval, Int: us}
	}
	return &plan.Const{T: sqltype.String, Str: l.Text}
}

func (x *exprChecker) column(ref *grammar.ColumnRef, s *scope) plan.Expr {
	name := ref.Parts[len(ref.Parts)-1]
	base := s
	if s.agg != nil {
		base = s.agg.input
	}
	if len(ref.Parts) > 2 {
		if len(ref.Parts) == 3 {
			if e := x.windowColumnField(ref, s); e != nil {
				return e
			}
		}
		x.errs.Errorf(ref.Pos, "unknown column %q", strings.Join(ref.Parts, ".")).WithEnd(ref.EndPos)
		return bad()
	}
	qual := ""
	if len(ref.Parts) == 2 {
		qual = ref.Parts[0]
	}
	i, why := base.lookup(qual, name)
	if why == "table" {
		if e := x.windowColumnField(ref, s); e != nil {
			return e
		}
	}
	switch why {
	case "table":
		x.errs.Errorf(ref.Pos, "unknown table %q", ref.Parts[0]).WithEnd(ref.EndPos).
			WithHelp("the query reads %s", quoteList(base.quals()))
		return bad()
	case "ambiguous":
		var in []string
		for _, r := range base.names() {
			if strings.EqualFold(base.cols[r.idx].Name, name) && r.qual != "" {
				in = append(in, r.qual+"."+base.cols[r.idx].Name)
			}
		}
		x.errs.Errorf(ref.Pos, "column %q is ambiguous", name).WithEnd(ref.EndPos).
			WithHelp("qualify it: %s", strings.Join(in, " or "))
		return bad()
	}
	if i < 0 && len(ref.Parts) == 1 && (strings.EqualFold(name, "current_timestamp") || strings.EqualFold(name, "current_date")) {
		// SQL's CURRENT_TIMESTAMP and CURRENT_DATE, without parentheses, when no column has that name.
		return x.call(&grammar.FuncCall{Pos: ref.Pos, EndPos: ref.EndPos, Name: grammar.Ident{Pos: ref.Pos, EndPos: ref.EndPos, Name: name}}, s, "")
	}
	if i < 0 {
		d := x.errs.Errorf(ref.Pos, "unknown column %q", name).WithEnd(ref.EndPos)
		var names []string
		for _, r := range base.names() {
			if qual == "" && r.bare || qual != "" && strings.EqualFold(r.qual, qual) {
				names = append(names, base.cols[r.idx].Name)
			}
		}
		if h := diag.Closest(name, names); h != "" {
			d.WithHelp("did you mean %q?", h)
		} else {
			d.WithHelp("the columns are: %s", strings.Join(names, ", "))
		}
		return bad()
	}
	if s.agg != nil {
		x.errs.Errorf(ref.Pos, "column %q must appear in GROUP BY or be used in an aggregate function", name).WithEnd(ref.EndPos).
			WithHelp("add %s to GROUP BY, or aggregate it, e.g. max(%s)", name, name)
		return bad()
	}
	c := base.cols[i]
	return &plan.ColRef{Idx: i, Name: c.Name, T: c.Type, Null: c.Nullable}
}

// quoteList is "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	if len(q) > 1 {
		return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
	}
	return strings.Join(q, "")
}

func (x *exprChecker) unary(e *grammar.UnaryExpr, s *scope, clause string) plan.Expr {
	v := x.expr(e.X, s, clause)
	switch strings.ToUpper(e.Op) {
	case "NOT":
		v = x.boolean(v, e.X, "NOT")
		return plan.Fold(&plan.Unary{Op: "NOT", X: v, Null: v.Nullable()})
	case "+":
		if !v.Type().IsNumeric() && v.Type() != sqltype.Null {
			x.errs.Errorf(e.Pos, "unary + needs a number, not %s", v.Type()).WithEnd(e.EndPos)
			return bad()
		}
		return v
	}
	if v.Type() == sqltype.Null {
		v = coerce(v, sqltype.Double) // Spark: a NULL takes a numeric context's default type
	}
	if !v.Type().IsNumeric() && v.Type() != sqltype.Interval {
		x.errs.Errorf(e.Pos, "cannot negate a %s value", v.Type()).WithEnd(e.EndPos)
		return bad()
	}
	return plan.Fold(&plan.Unary{Op: "-", X: v, Null: v.Nullable()})
}

// coerce converts e to type t, which e widens to implicitly; a constant is converted here.
func coerce(e plan.Expr, t sqltype.Type) plan.Expr {
	if e.Type() == t {
		return e
	}
	return plan.Fold(&plan.Cast{X: e, To: t, Null: e.Nullable()})
}

func logic(op string, l, r plan.Expr) plan.Expr {
	return &plan.Binary{Op: op, L: coerce(l, sqltype.Boolean), R: coerce(r, sqltype.Boolean), T: sqltype.Boolean, Null: l.Nullable() || r.Nullable()}
}

func (x *exprChecker) binary(e *grammar.BinaryExpr, s *scope, clause string) plan.Expr {
	l, r := x.expr(e.Left, s, clause), x.expr(e.Right, s, clause)
	op := strings.ToUpper(e.Op)
	null := l.Nullable() || r.Nullable()
	switch op {
	case "AND", "OR":
		return logic(op, x.boolean(l, e.Left, op), x.boolean(r, e.Right, op))
	case "=", "<>", "<", "<=", ">", ">=":
		return x.compare(op, l, r, e.Left, e.Right)
	case "||":
		return &plan.Binary{Op: "||", L: x.stringArg(l, e.Left, "||"), R: x.stringArg(r, e.Right, "||"), T: sqltype.String, Null: null}
	}
	return x.arith(op, l, r, e)
}

// arith types + - * / % on numbers: both sides widen to a common type; / is fractional.
func (x *exprChecker) arith(op string, l, r plan.Expr, at grammar.Node) plan.Expr {
	null := l.Nullable() || r.Nullable()
	lt, rt := l.Type(), r.Type()
	// A timestamp moves by an interval: ts - INTERVAL '10' MINUTE, INTERVAL '1' DAY + ts.
	switch {
	case lt == sqltype.Timestamp && rt == sqltype.Interval && (op == "+" || op == "-"):
		return &plan.Binary{Op: op, L: l, R: r, T: sqltype.Timestamp, Null: null}
	case lt == sqltype.Interval && rt == sqltype.Timestamp && op == "+":
		return &plan.Binary{Op: op, L: r, R: l, T: sqltype.Timestamp, Null: null}
	}
	switch {
	case lt == sqltype.Null && rt == sqltype.Null:
		// Spark: NULLs in arithmetic take the numeric default type, DOUBLE.
		lt, rt = sqltype.Double, sqltype.Double
	case lt == sqltype.Timestamp && rt == sqltype.Null && (op == "+" || op == "-"):
		return &plan.Binary{Op: op, L: l, R: coerce(r, sqltype.Interval), T: sqltype.Timestamp, Null: true}
	case lt == sqltype.Null && rt == sqltype.Timestamp && op == "+":
		return &plan.Binary{Op: op, L: r, R: coerce(l, sqltype.Interval), T: sqltype.Timestamp, Null: true}
	case lt == sqltype.Null && rt == sqltype.Interval && (op == "+" || op == "-"):
		// Only a timestamp moves by an interval: the NULL is one.
		return &plan.Binary{Op: op, L: coerce(l, sqltype.Timestamp), R: r, T: sqltype.Timestamp, Null: true}
	case lt == sqltype.Interval && rt == sqltype.Null && op == "+":
		return &plan.Binary{Op: op, L: coerce(r, sqltype.Timestamp), R: l, T: sqltype.Timestamp, Null: true}
	}
	t, ok := sqltype.Common(lt, rt)
	if !ok || !t.IsNumeric() {
		pos, end := at.Span()
		d := x.errs.Errorf(pos, "operator %s needs numbers, not %s and %s", op, lt, rt).WithEnd(end)
		if op == "+" && (lt == sqltype.String || rt == sqltype.String) {
			d.WithHelp("use || or concat() to join strings")
		} else if lt == sqltype.String || rt == sqltype.String {
			d.WithHelp("CAST the string to a number, e.g. CAST(x AS BIGINT)")
		}
		return bad()
	}
	if op == "/" {
		// Spark: / is always fractional division.
		t = sqltype.Double
	}
	return plan.Fold(&plan.Binary{Op: op, L: coerce(l, t), R: coerce(r, t), T: t, Null: null || op == "/" || op == "%"})
}

// compare types a comparison, widening numbers and reading string literals compared with
// timestamps or dates as such.
func (x *exprChecker) compare(op string, l, r plan.Expr, le, re grammar.Expr) plan.Expr {
	lt, rt := l.Type(), r.Type()
	t, ok := sqltype.Common(lt, rt)
	if !ok {
		if lit := x.temporalLiteral(l, r, re); lit != nil {
			r, t, ok = lit, lt, true
		} else if lit := x.temporalLiteral(r, l, le); lit != nil {
			l, t, ok = lit, rt, true
		}
	}
	if !ok {
		pos, _ := span(le)
		_, end := span(re)
		x.errs.Errorf(pos, "cannot compare %s with %s", lt, rt).WithEnd(end).
			WithHelp("CAST one side to the other's type, e.g. CAST(%s AS %s)", re.String(), lt)
		return bad()
	}
	if t == sqltype.Null {
		t = sqltype.Boolean
	}
	if op != "=" && op != "<>" && !t.Orderable() {
		pos, _ := span(le)
		_, end := span(re)
		x.errs.Errorf(pos, "%s values cannot be ordered with %s", t, op).WithEnd(end)
		return bad()
	}
	return &plan.Binary{Op: op, L: coerce(l, t), R: coerce(r, t), T: sqltype.Boolean, Null: l.Nullable() || r.Nullable()}
}

// temporalLiteral converts a string literal lit compared with a TIMESTAMP or DATE column.
func (x *exprChecker) temporalLiteral(col, lit plan.Expr, at grammar.Expr) plan.Expr {
	c, ok := lit.(*plan.Const)
	if !ok || c.T != sqltype.String || c.IsNull {
		return nil
	}
	switch col.Type() {
	case sqltype.Timestamp:
		us, ok := sqlfn.CastToTimestamp(c.Str)
		if !ok {
			pos, end := span(at)
			x.errs.Errorf(pos, "%q is not a timestamp", c.Str).WithEnd(end).WithHelp("write it as '2024-01-02 03:04:05'")
			return bad()
		}
		return &plan.Const{T: sqltype.Timestamp, Int: us}
	case sqltype.Date:
		d, ok := sqlfn.CastToDate(c.Str)
		if !ok {
			pos, end := span(at)
			x.errs.Errorf(pos, "%q is not a date", c.Str).WithEnd(end).WithHelp("write it as '2024-01-02'")
			return bad()
		}
		return &plan.Const{T: sqltype.Date, Int: int64(d)}
	}
	return nil
}

// stringArg accepts a STRING, and implicitly casts numbers, booleans and temporal values to
// STRING as Spark does for string functions.
func (x *exprChecker) stringArg(e plan.Expr, at grammar.Expr, what string) plan.Expr {
	switch e.Type() {
	case sqltype.String:
		return e
	case sqltype.Null:
		return coerce(e, sqltype.String)
	case sqltype.Interval:
		pos, end := span(at)
		x.errs.Errorf(pos, "%s needs a STRING, not %s", what, e.Type()).WithEnd(end)
		return bad()
	}
	return &plan.Cast{X: e, To: sqltype.String, Null: e.Nullable()}
}

func (x *exprChecker) in(e *grammar.InExpr, s *scope, clause string) plan.Expr {
	v := x.expr(e.X, s, clause)
	t := v.Type()
	list := make([]plan.Expr, len(e.List))
	null := v.Nullable()
	for i, it := range e.List {
		list[i] = x.expr(it, s, clause)
		nt, ok := sqltype.Common(t, list[i].Type())
		if !ok {
			pos, end := span(it)
			x.errs.Errorf(pos, "IN list item is %s but the value is %s", list[i].Type(), t).WithEnd(end)
			return bad()
		}
		t = nt
		null = null || list[i].Nullable()
	}
	if t == sqltype.Null {
		t = sqltype.Boolean
	}
	for i := range list {
		list[i] = coerce(list[i], t)
	}
	return &plan.In{X: coerce(v, t), List: list, Not: e.Not, Null: null}
}

func (x *exprChecker) caseExpr(e *grammar.CaseExpr, s *scope, clause string) plan.Expr {
	var operand plan.Expr
	if e.Operand != nil {
		operand = x.expr(e.Operand, s, clause)
	}
	out := &plan.Case{}
	var results []plan.Expr
	for _, w := range e.Whens {
		var cond plan.Expr
		if operand != nil {
			cond = x.compare("=", operand, x.expr(w.Cond, s, clause), e.Operand, w.Cond)
		} else {
			cond = x.boolean(x.expr(w.Cond, s, clause), w.Cond, "WHEN")
		}
		res := x.expr(w.Result, s, clause)
		out.Whens = append(out.Whens, plan.When{Cond: cond, Result: res})
		results = append(results, res)
	}
	if e.Else != nil {
		out.Else = x.expr(e.Else, s, clause)
		results = append(results, out.Else)
	}
	t, ok := x.commonOf(results, func(i int) grammar.Expr {
		if i < len(e.Whens) {
			return e.Whens[i].Result
		}
		return e.Else
	}, "CASE branches")
	if !ok {
		return bad()
	}
	if t == sqltype.Null {
		return null()
	}
	out.T = t
	out.Null = e.Else == nil
	for i := range out.Whens {
		out.Whens[i].Cond = coerce(out.Whens[i].Cond, sqltype.Boolean)
		out.Whens[i].Result = coerce(out.Whens[i].Result, t)
		out.Null = out.Null || out.Whens[i].Result.Nullable()
	}
	if out.Else != nil {
		out.Else = coerce(out.Else, t)
		out.Null = out.Null || out.Else.Nullable()
	}
	return out
}

// commonOf finds the type every expression widens to, reporting the first that does not.
func (x *exprChecker) commonOf(es []plan.Expr, at func(int) grammar.Expr, what string) (sqltype.Type, bool) {
	t := sqltype.Null
	for i, e := range es {
		nt, ok := sqltype.Common(t, e.Type())
		if !ok {
			pos, end := span(at(i))
			x.errs.Errorf(pos, "%s have different types: %s and %s", what, t, e.Type()).WithEnd(end).
				WithHelp("CAST them to one type")
			return t, false
		}
		t = nt
	}
	return t, true
}

// aggCall checks an aggregate call and returns a reference to its column after the
// aggregation; the same call written twice is computed once.
func (x *exprChecker) aggCall(f *grammar.FuncCall, as *aggScope) plan.Expr {
	name := strings.ToLower(f.Name.Name)
	text := canonical(f)
	for i, t := range as.aggs {
		if t == text {
			return as.ref(i, text)
		}
	}
	ag, _ := funcs.LookupAggregate(name)
	call := &plan.AggCall{}
	switch {
	case f.Star:
		if !ag.Star {
			x.errs.Errorf(f.Pos, "%s(*) is not allowed; only count(*)", name).WithEnd(f.EndPos)
			return bad()
		}
		call.Func, call.Type = ag.StarFunc, ag.Type(sqltype.Null)
	case ag.IgnoreNulls:
		if !x.firstLast(f, name, as, call) {
			return bad()
		}
	case ag.By:
		if !x.extremeBy(f, ag, as, call) {
			return bad()
		}
	case len(f.Args) != 1:
		x.errs.Errorf(f.Pos, "%s takes exactly one argument, got %d", name, len(f.Args)).WithEnd(f.EndPos)
		return bad()
	default:
		arg := x.expr(f.Args[0], as.input, "aggregate argument")
		if containsAgg(f.Args[0]) {
			return bad()
		}
		if arg.Type() == sqltype.Null {
			// Spark: a NULL argument takes the type the aggregate expects; DOUBLE for the
			// numeric ones, and for the others a STRING, which has every operation they need.
			arg = coerce(arg, nullArgType(ag.Arg))
		}
		t := arg.Type()
		switch {
		case ag.Arg == funcs.NumericArg && !t.IsNumeric():
			pos, end := span(f.Args[0])
			x.errs.Errorf(pos, "%s needs a number, not %s", name, t).WithEnd(end).
				WithHelp("CAST it to a number, e.g. %s(CAST(%s AS DOUBLE))", name, f.Args[0].String())
			return bad()
		case ag.Arg == funcs.OrderableArg && !t.Orderable():
			pos, end := span(f.Args[0])
			x.errs.Errorf(pos, "%s needs a comparable value, not %s", name, t).WithEnd(end)
			return bad()
		}
		call.Func, call.Arg, call.Type, call.Nullable = ag.Func, arg, ag.Type(t), ag.Nullable
		if f.Distinct {
			if ag.Distinct == "" {
				x.errs.Errorf(f.Pos, "%s(DISTINCT ...) is not supported", name).WithEnd(f.EndPos).
					WithHelp("count(DISTINCT x) is; for sums of distinct values aggregate a deduplicated view")
				return bad()
			}
			call.Func = ag.Distinct
		}
	}
	as.agg.Aggs = append(as.agg.Aggs, call)
	as.aggs = append(as.aggs, text)
	return as.ref(len(as.agg.Aggs)-1, text)
}

// ref is the column of aggregate i, written text, after the aggregation.
func (as *aggScope) ref(i int, text string) plan.Expr {
	a := as.agg.Aggs[i]
	return &plan.ColRef{Idx: len(as.agg.KeyCols) + i, Name: text, T: a.Type, Null: a.Nullable}
}

// nullArgType is the type an untyped NULL argument takes for an aggregate of rule r.
func nullArgType(r funcs.ArgRule) sqltype.Type {
	if r == funcs.NumericArg {
		return sqltype.Double
	}
	return sqltype.String
}

// extremeBy checks max_by(x, y) and min_by(x, y) into call: the value of x in a row whose y
// is the group's largest (smallest), as Spark's; ties pick any one of the rows.
func (x *exprChecker) extremeBy(f *grammar.FuncCall, ag *funcs.Aggregate, as *aggScope, call *plan.AggCall) bool {
	name := strings.ToLower(f.Name.Name)
	if len(f.Args) != 2 || f.Distinct {
		x.errs.Errorf(f.Pos, "%s takes a value and what to order the rows by", name).WithEnd(f.EndPos).
			WithHelp("e.g. %s(bidder, price): the bidder of the row with the %s price", name, strings.TrimSuffix(name, "_by")+"imum")
		return false
	}
	arg := materialize(x.expr(f.Args[0], as.input, "aggregate argument"))
	by := x.expr(f.Args[1], as.input, "aggregate argument")
	if containsAgg(f.Args[0]) || containsAgg(f.Args[1]) {
		return false // reported where nested
	}
	if !by.Type().Orderable() || by.Type() == sqltype.Null {
		pos, end := span(f.Args[1])
		x.errs.Errorf(pos, "%s orders the rows by a comparable value, not %s", name, by.Type()).WithEnd(end)
		return false
	}
	call.Func, call.Arg, call.By, call.Type, call.Nullable = ag.Func, arg, by, arg.Type(), true
	return true
}

// firstLast checks first(x[, ignoreNulls]) and last(x[, ignoreNulls]) (also first_value and
// last_value) into call: the value of the group's first or last row in arrival order, Spark's
// semantics with the order a stream defines. It reports whether the call is valid.
func (x *exprChecker) firstLast(f *grammar.FuncCall, name string, as *aggScope, call *plan.AggCall) bool {
	if len(f.Args) < 1 || len(f.Args) > 2 || f.Distinct {
		x.errs.Errorf(f.Pos, "%s takes a value and an optional ignoreNulls flag", name).WithEnd(f.EndPos).
			WithHelp("e.g. %s(x) or %s(x, true) to skip NULLs", name, name)
		return false
	}
	arg := x.expr(f.Args[0], as.input, "aggregate argument")
	if containsAgg(f.Args[0]) {
		return false
	}
	if len(f.Args) == 2 {
		b, ok := f.Args[1].(*grammar.Literal)
		if !ok || b.Kind != grammar.LitBool {
			pos, end := span(f.Args[1])
			x.errs.Errorf(pos, "the second argument of %s must be TRUE or FALSE (ignore NULLs)", name).WithEnd(end)
			return false
		}
		call.IgnoreNulls = strings.EqualFold(b.Text, "TRUE")
	}
	if arg.Type() == sqltype.Null {
		arg = coerce(arg, sqltype.String)
	}
	ag, _ := funcs.LookupAggregate(name)
	call.Func, call.Arg, call.Type, call.Nullable = ag.Func, arg, ag.Type(arg.Type()), ag.Nullable
	return true
}

// maxWindowsPerRow bounds size / slide of a sliding window.
const maxWindowsPerRow = 1000

// window checks GROUP BY window(ts, size[, slide]): tumbling windows, or sliding ones when
// slide < size (a row belongs to every window that covers it). Rows whose time is NULL are
// in no window.
func (x *exprChecker) window(w *grammar.FuncCall, in *scope) (plan.Expr, plan.Column) {
	return x.windowIn(w, in, "GROUP BY")
}

// windowIn is window in a clause: GROUP BY, or the ON of a join of two streams, where a
// tumbling window is a value (equal windows join).
func (x *exprChecker) windowIn(w *grammar.FuncCall, in *scope, clause string) (plan.Expr, plan.Column) {
	if len(w.Args) < 2 || len(w.Args) > 3 || w.Star || w.Distinct {
		x.errs.Errorf(w.Pos, "window takes a timestamp, a size and an optional slide").WithEnd(w.EndPos).
			WithHelp("e.g. window(ts, INTERVAL '10' MINUTE) or window(ts, '10 minutes', '5 minutes')")
		return nil, plan.Column{}
	}
	ts := x.expr(w.Args[0], in, clause)
	if size, ok := x.windowSize(ts, in); ok {
		ts = windowTimeOf(ts, size) // a window of windows: of their time, as in Spark
	}
	ts = x.timestampArg(ts, w.Args[0], "window")
	size := x.positiveInterval(w.Args[1], "window size")
	slide := size
	if len(w.Args) == 3 {
		slide = x.positiveInterval(w.Args[2], "window slide")
		if slide > size && size > 0 {
			pos, end := span(w.Args[2])
			x.errs.Errorf(pos, "the window slide is longer than its size").WithEnd(end).
				WithHelp("rows between windows would belong to none; use a slide up to the size")
			return nil, plan.Column{}
		}
		// Every row is copied into each window covering it, before any state is merged: a
		// tiny slide exhausts memory on the first row rather than failing slowly. The window
		// stays usable, so the query's references to it are not reported too.
		if n := (size + slide - 1) / max(slide, 1); slide > 0 && n > maxWindowsPerRow {
			pos, end := span(w.Args[2])
			x.errs.Errorf(pos, "this slide puts every row in %d windows, more than the %d allowed", n, maxWindowsPerRow).WithEnd(end).
				WithHelp("use a slide of at least %v (the size / %d), or a shorter size", time.Duration((size+maxWindowsPerRow-1)/maxWindowsPerRow)*time.Microsecond, maxWindowsPerRow)
		}
	}
	if size <= 0 || slide <= 0 {
		return nil, plan.Column{}
	}
	e := &plan.Call{Name: "window", T: sqltype.Window, Null: false, Args: []plan.Expr{
		ts, &plan.Const{T: sqltype.Interval, Int: size}, &plan.Const{T: sqltype.Interval, Int: slide}}}
	return e, plan.Column{Name: "window", Type: sqltype.Window, Size: size}
}

// positiveInterval reads a window's size, slide or gap: an interval literal or a string
// such as '10 minutes'. 0 after an error.
func (x *exprChecker) positiveInterval(a grammar.Expr, what string) int64 {
	var us int64
	err := strconv.ErrSyntax
	if l, ok := a.(*grammar.Literal); ok && (l.Kind == grammar.LitInterval || l.Kind == grammar.LitString) {
		us, err = intervalMicros(l)
	}
	if err != nil || us <= 0 {
		pos, end := span(a)
		x.errs.Errorf(pos, "the %s must be a positive interval", what).WithEnd(end).
			WithHelp("write INTERVAL '10' MINUTE or '10 minutes'")
		return 0
	}
	return us
}

// windowField resolves window, window.start and window.end after GROUP BY window(...), and
// session_window.start and .end (or window.start and .end) after GROUP BY session_window.
func (x *exprChecker) windowField(e grammar.Expr, as *aggScope) plan.Expr {
	ref, ok := e.(*grammar.ColumnRef)
	if !ok || as.window < 0 {
		return nil
	}
	name := strings.ToLower(ref.Parts[0])
	session := as.agg.SessionEnd >= 0
	if !(name == "window" || session && name == "session_window") {
		return nil
	}
	// An input column of that name wins, but not the window of a subquery: GROUP BY
	// window(window_time(window), ...) makes a new window, which replaces it, as in Spark.
	if i := as.input.find(name); i >= 0 && as.input.cols[i].Type != sqltype.Window {
		return nil
	}
	kc := as.agg.KeyCols[as.window]
	key := &plan.ColRef{Idx: as.window, Name: kc.Name, T: kc.Type}
	switch {
	case len(ref.Parts) == 1 && session:
		x.errs.Errorf(ref.Pos, "select %s.start and %s.end: a session has no fixed size to show it as one value", ref.Parts[0], ref.Parts[0]).WithEnd(ref.EndPos)
		return bad()
	case len(ref.Parts) == 1:
		return key
	case len(ref.Parts) == 2 && strings.EqualFold(ref.Parts[1], "start"):
		return &plan.Call{Name: "window_start", Args: []plan.Expr{key}, T: sqltype.Timestamp}
	case len(ref.Parts) == 2 && strings.EqualFold(ref.Parts[1], "end") && session:
		_, gap, _ := as.agg.Session()
		last := &plan.ColRef{Idx: len(as.agg.KeyCols) + as.agg.SessionEnd, Name: "session end", T: sqltype.Timestamp}
		return &plan.Call{Name: "window_end", Args: []plan.Expr{last, &plan.Const{T: sqltype.Interval, Int: gap}}, T: sqltype.Timestamp}
	case len(ref.Parts) == 2 && strings.EqualFold(ref.Parts[1], "end"):
		return &plan.Call{Name: "window_end", Args: []plan.Expr{key, &plan.Const{T: sqltype.Interval, Int: kc.Size}}, T: sqltype.Timestamp}
	}
	x.errs.Errorf(ref.Pos, "a window has the fields start and end").WithEnd(ref.EndPos)
	return bad()
}

// windowColumnField resolves [qual.]w.start and [qual.]w.end, where w is a WINDOW column of the
// input (a window that a subquery grouped by and selected), or after an aggregation a group
// key that is one; nil when ref is not one.
func (x *exprChecker) windowColumnField(ref *grammar.ColumnRef, s *scope) plan.Expr {
	n := len(ref.Parts) - 1
	if n < 1 {
		return nil
	}
	var probe diag.List // ref is a column of another kind when w is not found
	wx := &exprChecker{c: x.c, errs: &probe}
	w := wx.expr(&grammar.ColumnRef{Pos: ref.Pos, EndPos: ref.EndPos, Parts: ref.Parts[:n]}, s, "SELECT")
	size, ok := x.windowSize(w, s)
	if !ok || probe.HasErrors() {
		return nil
	}
	col := w.(*plan.ColRef)
	switch strings.ToLower(ref.Parts[n]) {
	case "start":
		return &plan.Call{Name: "window_start", Args: []plan.Expr{col}, T: sqltype.Timestamp, Null: col.Null}
	case "end":
		return &plan.Call{Name: "window_end", Args: []plan.Expr{col, &plan.Const{T: sqltype.Interval, Int: size}}, T: sqltype.Timestamp, Null: col.Null}
	}
	x.errs.Errorf(ref.Pos, "a window has the fields start and end").WithEnd(ref.EndPos)
	return bad()
}

// windowTime checks window_time(w): the time of window w's rows, its end less a microsecond
// (Spark's window_time), by which an aggregation over an aggregation windows the rows it reads.
func (x *exprChecker) windowTime(f *grammar.FuncCall, s *scope, clause string) plan.Expr {
	if len(f.Args) != 1 || f.Star || f.Distinct {
		x.errs.Errorf(f.Pos, "window_time takes one window").WithEnd(f.EndPos).
			WithHelp("e.g. window_time(window), of a subquery's GROUP BY window(ts, ...)")
		return bad()
	}
	w := x.expr(f.Args[0], s, clause)
	size, ok := x.windowSize(w, s)
	if !ok {
		pos, end := span(f.Args[0])
		x.errs.Errorf(pos, "window_time needs a window column of a subquery or view, not %s", w.Type()).WithEnd(end).
			WithHelp("group by window(ts, ...) in a subquery and select its window column")
		return bad()
	}
	return windowTimeOf(w, size)
}

// windowTimeOf is window_time(w) of a window w of the given size.
func windowTimeOf(w plan.Expr, size int64) plan.Expr {
	return &plan.Call{Name: "window_time", Args: []plan.Expr{w, &plan.Const{T: sqltype.Interval, Int: size - 1}}, T: sqltype.Timestamp, Null: w.Nullable()}
}

// windowSize is the size of e when it is a tumbling or sliding window column of s's input.
func (x *exprChecker) windowSize(e plan.Expr, s *scope) (int64, bool) {
	col, ok := e.(*plan.ColRef)
	if !ok || col.T != sqltype.Window {
		return 0, false
	}
	var size int64
	if s.agg != nil { // the aggregation's own window key
		size = s.agg.agg.KeyCols[col.Idx].Size
	} else {
		size = s.cols[col.Idx].Size
	}
	return size, size > 0
}

// sessionWindow checks GROUP BY session_window(ts, gap): per group, rows less than gap apart
// form one session [first row's time, last row's time + gap); sessions merge when a row
// closes the gap between them. Rows whose time is NULL are in no session.
func (x *exprChecker) sessionWindow(w *grammar.FuncCall, in *scope) (plan.Expr, plan.Column) {
	if len(w.Args) != 2 || w.Star || w.Distinct {
		x.errs.Errorf(w.Pos, "session_window takes a timestamp and a gap").WithEnd(w.EndPos).
			WithHelp("e.g. session_window(ts, INTERVAL '5' MINUTE)")
		return nil, plan.Column{}
	}
	ts := x.timestampArg(x.expr(w.Args[0], in, "GROUP BY"), w.Args[0], "session_window")
	gap := x.positiveInterval(w.Args[1], "session gap")
	if gap <= 0 {
		return nil, plan.Column{}
	}
	e := &plan.Call{Name: "session_window", T: sqltype.Window, Args: []plan.Expr{ts, &plan.Const{T: sqltype.Interval, Int: gap}}}
	return e, plan.Column{Name: "session_window", Type: sqltype.Window}
}

// joinWindow checks window(ts, size) in the ON of a join of two streams: a tumbling window as
// a value, its start, so that rows of the same window join; NULL when ts is.
func (x *exprChecker) joinWindow(f *grammar.FuncCall, s *scope) plan.Expr {
	e, _ := x.windowIn(f, s, "ON")
	w, ok := e.(*plan.Call)
	if !ok {
		return bad()
	}
	if w.Args[1].(*plan.Const).Int != w.Args[2].(*plan.Const).Int {
		x.errs.Errorf(f.Pos, "only a tumbling window can be joined on: a row is in several sliding windows").WithEnd(f.EndPos).
			WithHelp("drop the slide: window(ts, size)")
		return bad()
	}
	w.Null = w.Args[0].Nullable()
	return w
}
