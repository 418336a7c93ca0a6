package codegen

import (
	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// doubleCompare is the comparison op of two DOUBLEs in Spark's order (sqlfn.DoubleEq and
// friends: NaN equals NaN and is above every other value); ok is false for an operator that
// is not a comparison. Other types keep Go's operators, which agree with Spark for them.
//
// lOrd and rOrd say that an operand is a constant other than NaN: Go's operator then agrees
// with Spark whenever NaN can only be on the side it makes no difference to (x = 1.0,
// x < 1.0, 1.0 > x), and the comparison stays a plain operator.
func doubleCompare(op string, l, r val, lOrd, rOrd bool) (val, bool) {
	c, isOp, ok := doubleCompareCode(op, l, r, lOrd, rOrd)
	return val{v: c, null: union(l.null, r.null), op: isOp}, ok
}

// doubleCompareCode is doubleCompare's Go expression, and whether it is an operator
// expression (parenthesised as an operand) rather than a call.
func doubleCompareCode(op string, l, r val, lOrd, rOrd bool) (*Statement, bool, bool) {
	fn := func(name string, a, b val) *Statement { return Qual(pkgSQLFn, name).Call(a.v, b.v) }
	goOp := map[string]string{"=": "==", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[op]
	switch {
	case goOp == "":
		return nil, false, false
	case lOrd && rOrd, (lOrd || rOrd) && (op == "=" || op == "<>"),
		rOrd && (op == "<" || op == "<="), lOrd && (op == ">" || op == ">="):
		return l.operand().Op(goOp).Add(r.operand()), true, true
	}
	switch op {
	case "=":
		return fn("DoubleEq", l, r), false, true
	case "<>":
		return Op("!").Add(fn("DoubleEq", l, r)), true, true
	case "<":
		return fn("DoubleLess", l, r), false, true
	case "<=":
		return fn("DoubleLessEq", l, r), false, true
	case ">":
		return fn("DoubleLess", r, l), false, true
	case ">=":
		return fn("DoubleLessEq", r, l), false, true
	}
	return nil, false, false
}

// ordinary reports whether e is a DOUBLE constant other than NaN.
func ordinary(e plan.Expr) bool {
	c, ok := e.(*plan.Const)
	return ok && !c.IsNull && c.T == sqltype.Double && c.Float == c.Float
}
