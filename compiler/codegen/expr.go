package codegen

import (
	"fmt"
	"math"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// val is a compiled expression: a Go expression for the value and one for "is NULL" (nil when
// the value is never NULL). When null is true the value is a harmless placeholder, never
// something that panics.
type val struct {
	v    Code
	null nulls
	op   bool // v is an operator expression, not an atom: parenthesise it as an operand
	// line: v is a text input's record, a view of its chunk, which is all ASCII when the
	// chunk is (asciiChunk).
	line bool
}

// nulls are conditions any of which makes a value NULL; none: never NULL.
type nulls []Code

// one is the single condition c.
func one(c Code) nulls { return nulls{c} }

// union ORs conditions, each once (so no "x || x" reaches go vet).
func union(parts ...nulls) nulls {
	var out nulls
	seen := map[string]bool{}
	for _, p := range parts {
		for _, c := range p {
			k := fmt.Sprintf("%#v", c)
			if !seen[k] {
				seen[k] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func (x val) nullable() bool { return len(x.null) > 0 }

// isNull is the Go condition "x is NULL".
func (x val) isNull() Code {
	switch len(x.null) {
	case 0:
		return False()
	case 1:
		return x.null[0]
	}
	s := Add(x.null[0])
	for _, c := range x.null[1:] {
		s = s.Op("||").Add(c)
	}
	return s
}

// block is a list of statements being generated, with the expressions already computed into
// locals in it or its parents (so a column used twice is computed once).
type block struct {
	stmts  []Code
	memo   map[plan.Expr]val
	parent *block
}

func (b *block) lookup(e plan.Expr) (val, bool) {
	for ; b != nil; b = b.parent {
		if v, ok := b.memo[e]; ok {
			return v, true
		}
	}
	return val{}, false
}

// exprGen compiles plan expressions into statements and Go expressions.
type exprGen struct {
	q    *queryGen
	b    *block
	uses map[plan.Expr]int // how often each node is referenced: shared nodes go to locals
	// onErr returns the statements that handle a Go function's error, given the message.
	onErr func(msg Code) []Code
	// patterns is the sqlfn.Patterns cache of patterns from data (w.patterns or q.patterns).
	patterns Code
}

func (q *queryGen) newExprGen(roots ...plan.Expr) *exprGen {
	g := &exprGen{q: q, b: &block{memo: map[plan.Expr]val{}}, uses: map[plan.Expr]int{}}
	for _, r := range roots {
		g.count(r)
	}
	return g
}

// count registers more roots whose shared subexpressions should be computed once.
func (g *exprGen) count(e plan.Expr) {
	plan.Walk(e, func(x plan.Expr) { g.uses[x]++ })
}

func (g *exprGen) emit(c ...Code) { g.b.stmts = append(g.b.stmts, c...) }

// sub runs fn in a nested block and returns its statements.
func (g *exprGen) sub(fn func()) []Code {
	saved := g.b
	g.b = &block{memo: map[plan.Expr]val{}, parent: saved}
	fn()
	stmts := g.b.stmts
	g.b = saved
	return stmts
}

// local stores x in fresh locals and returns them, so it can be used several times.
func (g *exprGen) local(x val) val {
	name := g.q.name("v")
	if !x.nullable() {
		g.emit(Id(name).Op(":=").Add(x.v))
		return val{v: Id(name)}
	}
	g.emit(List(Id(name), Id(name+"Null")).Op(":=").List(x.v, x.isNull()))
	return val{v: Id(name), null: one(Id(name + "Null"))}
}

// compile returns the Go form of e, computing shared nodes once.
func (g *exprGen) compile(e plan.Expr) val {
	if v, ok := g.b.lookup(e); ok {
		return v
	}
	x := g.compileNode(e)
	if g.uses[e] > 1 && !trivial(e) {
		x = g.local(x)
		g.b.memo[e] = x
	}
	return x
}

func trivial(e plan.Expr) bool {
	switch e.(type) {
	case *plan.ColRef, *plan.Const:
		return true
	}
	return false
}

// cond compiles a BOOLEAN expression to a Go condition that is true exactly when e is TRUE
// (not FALSE, not NULL): the WHERE/HAVING/CASE WHEN test.
func (g *exprGen) cond(e plan.Expr) Code {
	x := g.compile(e)
	if !x.nullable() {
		return x.v
	}
	return not(x.isNull()).Op("&&").Add(x.operand())
}

func (g *exprGen) compileNode(e plan.Expr) val {
	switch e := e.(type) {
	case *plan.ColRef:
		return g.q.col(e)
	case *plan.Const:
		return g.constant(e)
	case *plan.Unary:
		x := g.compile(e.X)
		if e.Op == "NOT" {
			return val{v: Op("!").Add(x.operand()), null: x.null, op: true}
		}
		return val{v: Op("-").Add(x.operand()), null: x.null, op: true}
	case *plan.IsNull:
		x := g.compile(e.X)
		if e.Not {
			return val{v: not(x.isNull()), op: true}
		}
		return val{v: x.isNull(), op: true}
	case *plan.Binary:
		return g.binary(e)
	case *plan.In:
		return g.in(e)
	case *plan.Like:
		return g.like(e)
	case *plan.Case:
		return g.caseExpr(e)
	case *plan.Cast:
		return g.cast(e)
	case *plan.Call:
		return g.call(e)
	}
	panic(fmt.Sprintf("codegen: unknown expression %T", e))
}

func (g *exprGen) constant(e *plan.Const) val {
	if e.IsNull {
		return typedNull(e.T)
	}
	switch e.T {
	case sqltype.Boolean:
		return val{v: Lit(e.Bool)}
	case sqltype.Int, sqltype.Date:
		return val{v: Int32().Call(Lit(int(e.Int)))}
	case sqltype.BigInt, sqltype.Timestamp, sqltype.Interval:
		return val{v: Int64().Call(Lit(int(e.Int)))}
	case sqltype.Double:
		return val{v: float(e.Float)}
	}
	return val{v: Lit(e.Str)}
}

// typedNull is a NULL of type t whose placeholder has t's Go type, so that it can stand as
// an operand or initialise a local (v := 0 would be an int).
func typedNull(t sqltype.Type) val {
	switch t {
	case sqltype.Boolean, sqltype.String, sqltype.Bytes, sqltype.Null:
		return val{v: zero(t), null: one(True())}
	}
	return val{v: goType(t).Call(zero(t)), null: one(True())}
}

// float is a DOUBLE constant; Go constants have no NaN, infinities or negative zero.
func float(f float64) Code {
	switch {
	case math.IsNaN(f):
		return Qual(pkgMath, "NaN").Call()
	case math.IsInf(f, 0):
		return Qual(pkgMath, "Inf").Call(Lit(int(math.Copysign(1, f))))
	case f == 0 && math.Signbit(f):
		return Qual(pkgMath, "Copysign").Call(Lit(0), Lit(-1))
	}
	return Lit(f)
}

func (g *exprGen) binary(e *plan.Binary) val {
	switch e.Op {
	case "AND", "OR":
		return g.logic(e)
	}
	l, r := g.compile(e.L), g.compile(e.R)
	null := union(l.null, r.null)
	t := e.L.Type()
	if t == sqltype.Double {
		if c, ok := doubleCompare(e.Op, l, r, ordinary(e.L), ordinary(e.R)); ok {
			return c
		}
	}
	switch e.Op {
	case "+", "-", "*":
		return val{v: l.operand().Op(e.Op).Add(r.operand()), null: null, op: true}
	case "/":
		// Spark: x / 0 is NULL (non-ANSI mode); operands are DOUBLE here.
		r = g.local(r)
		null = union(l.null, r.null, one(Add(r.v).Op("==").Lit(0)))
		return val{v: l.operand().Op("/").Add(r.v), null: null, op: true}
	case "%":
		r = g.local(r)
		null = union(l.null, r.null, one(Add(r.v).Op("==").Lit(0)))
		if t == sqltype.Double {
			return val{v: Qual(pkgMath, "Mod").Call(l.v, r.v), null: null}
		}
		return val{v: Qual(pkgSQLFn, "Mod").Call(l.v, r.v), null: null}
	case "||":
		return val{v: l.operand().Op("+").Add(r.operand()), null: null, op: true}
	case "=":
		return val{v: l.operand().Op("==").Add(r.operand()), null: null, op: true}
	case "<>":
		return val{v: l.operand().Op("!=").Add(r.operand()), null: null, op: true}
	case "<", "<=", ">", ">=":
		if t == sqltype.Boolean {
			return val{v: boolOrder(e.Op, l, r), null: null, op: true}
		}
		return val{v: l.operand().Op(e.Op).Add(r.operand()), null: null, op: true}
	}
	panic("codegen: unknown operator " + e.Op)
}

// boolOrder compares booleans with FALSE < TRUE.
func boolOrder(op string, a, b val) Code {
	switch op {
	case "<":
		return Op("!").Add(a.operand()).Op("&&").Add(b.operand())
	case "<=":
		return Op("!").Add(a.operand()).Op("||").Add(b.operand())
	case ">":
		return a.operand().Op("&&").Op("!").Add(b.operand())
	}
	return a.operand().Op("||").Op("!").Add(b.operand())
}

// logic implements SQL's three-valued AND/OR: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE.
func (g *exprGen) logic(e *plan.Binary) val {
	l, r := g.compile(e.L), g.compile(e.R)
	op := "&&"
	if e.Op == "OR" {
		op = "||"
	}
	if !l.nullable() && !r.nullable() {
		return val{v: l.operand().Op(op).Add(r.operand()), op: true}
	}
	l, r = g.local(l), g.local(r)
	// decided: an operand that alone fixes the result (FALSE for AND, TRUE for OR).
	decided := func(x val) Code {
		v := x.v
		if e.Op == "AND" {
			v = not(x.v)
		}
		if !x.nullable() {
			return v
		}
		return not(x.isNull()).Op("&&").Add(v)
	}
	null := one(Parens(val{null: union(l.null, r.null)}.isNull()).Op("&&").Op("!").Parens(Add(decided(l)).Op("||").Add(decided(r))))
	return val{v: Add(l.v).Op(op).Add(r.v), null: null, op: true}
}

func (g *exprGen) in(e *plan.In) val {
	x := g.local(g.compile(e.X))
	var match Code
	var anyNull []Code
	for _, it := range e.List {
		y := g.compile(it)
		eq := Add(x.v).Op("==").Add(y.operand())
		if e.X.Type() == sqltype.Double {
			c, _ := doubleCompare("=", x, y, false, ordinary(it))
			eq = Add(c.v) // == and the calls bind tighter than the && and || around them
		}
		if y.nullable() {
			eq = not(y.isNull()).Op("&&").Add(eq)
			anyNull = append(anyNull, y.isNull())
		}
		if match == nil {
			match = eq
		} else {
			match = Add(match).Op("||").Add(eq)
		}
	}
	m := g.local(val{v: match})
	// NULL when x is NULL, or when nothing matched and the list holds a NULL.
	var null nulls
	if len(anyNull) > 0 {
		null = one(Op("!").Add(m.v).Op("&&").Parens(val{null: union(anyNull)}.isNull()))
	}
	null = union(x.null, null)
	if e.Not {
		return val{v: Op("!").Add(m.v), null: null, op: true}
	}
	return val{v: m.v, null: null}
}

func (g *exprGen) like(e *plan.Like) val {
	x := g.compile(e.X)
	var v Code
	null := x.null
	if c, ok := e.Pattern.(*plan.Const); ok && !c.IsNull {
		v = Id(g.q.patternVar("Like", c.Str)).Dot("Match").Call(x.v)
	} else {
		l := g.dynamicLike(x, g.compile(e.Pattern))
		v, null = l.v, l.null
	}
	if e.Not {
		return val{v: Op("!").Add(v), null: null, op: true}
	}
	return val{v: v, null: null}
}

// caseExpr evaluates only the arm that is taken, like SQL.
func (g *exprGen) caseExpr(e *plan.Case) val {
	res := g.q.name("c")
	resNull := res + "Null"
	g.emit(Var().Id(res).Add(goType(e.T)))
	if e.Null {
		g.emit(Var().Id(resNull).Bool())
	}
	assign := func(x plan.Expr) []Code {
		return g.sub(func() {
			var v val
			if x == nil {
				v = val{v: zero(e.T), null: one(True())}
			} else {
				v = g.compile(x)
			}
			g.emit(Id(res).Op("=").Add(v.v))
			if e.Null {
				g.emit(Id(resNull).Op("=").Add(v.isNull()))
			}
		})
	}
	var arms func(i int) []Code
	arms = func(i int) []Code {
		if i == len(e.Whens) {
			return assign(e.Else)
		}
		return g.sub(func() {
			c := g.cond(e.Whens[i].Cond)
			g.emit(If(c).Block(assign(e.Whens[i].Result)...).Else().Block(arms(i + 1)...))
		})
	}
	g.emit(arms(0)...)
	if e.Null {
		return val{v: Id(res), null: one(Id(resNull))}
	}
	return val{v: Id(res)}
}
