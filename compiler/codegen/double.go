package codegen

import (
	. "github.com/dave/jennifer/jen"
)

// doubleCompare is the comparison op of two DOUBLEs in Spark's order (sqlfn.DoubleEq and
// friends: NaN equals NaN and is above every other value); ok is false for an operator that
// is not a comparison. Other types keep Go's operators, which agree with Spark for them.
func doubleCompare(op string, l, r val) (*Statement, bool) {
	fn := func(name string, a, b val) *Statement { return Qual(pkgSQLFn, name).Call(a.v, b.v) }
	switch op {
	case "=":
		return fn("DoubleEq", l, r), true
	case "<>":
		return Op("!").Add(fn("DoubleEq", l, r)), true
	case "<":
		return fn("DoubleLess", l, r), true
	case "<=":
		return fn("DoubleLessEq", l, r), true
	case ">":
		return fn("DoubleLess", r, l), true
	case ">=":
		return fn("DoubleLessEq", r, l), true
	}
	return nil, false
}
