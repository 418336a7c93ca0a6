package plan

import (
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/runtime/sqlfn"
)

// Fold evaluates e when it is an operator or a conversion whose operands are constants, with
// the semantics the generated code has at run time: integer arithmetic wraps at the type's
// width (Spark's non-ANSI mode: 2147483647 + 1 is -2147483648), a NULL operand makes the
// result NULL, a conversion saturates or wraps as its run-time function does. Go rejects a
// constant expression that overflows, so the generated code must never hold one; folding also
// spares the loop the work. Anything else is returned as it is.
func Fold(e Expr) Expr {
	switch e := e.(type) {
	case *Unary:
		if x, ok := e.X.(*Const); ok {
			return foldUnary(e, x)
		}
	case *Binary:
		l, lok := e.L.(*Const)
		r, rok := e.R.(*Const)
		if lok && rok {
			return foldBinary(e, l, r)
		}
	case *Cast:
		if x, ok := e.X.(*Const); ok {
			return foldCast(e, x)
		}
	}
	return e
}

func foldUnary(e *Unary, x *Const) Expr {
	t := e.Type()
	if x.IsNull {
		return &Const{T: t, IsNull: true}
	}
	switch {
	case e.Op == "NOT" && t == sqltype.Boolean:
		return &Const{T: t, Bool: !x.Bool}
	case e.Op == "-" && t == sqltype.Double:
		return &Const{T: t, Float: -x.Float}
	case e.Op == "-" && t == sqltype.Int:
		return &Const{T: t, Int: int64(-int32(x.Int))}
	case e.Op == "-" && (t == sqltype.BigInt || t == sqltype.Interval):
		return &Const{T: t, Int: -x.Int}
	}
	return e
}

func foldBinary(e *Binary, l, r *Const) Expr {
	switch e.Op {
	case "+", "-", "*":
	default:
		return e // the others are never an overflowing Go constant
	}
	if l.IsNull || r.IsNull {
		return &Const{T: e.T, IsNull: true}
	}
	switch e.T {
	case sqltype.Int:
		a, b := int32(l.Int), int32(r.Int)
		return &Const{T: e.T, Int: int64(arith(e.Op, a, b))}
	case sqltype.BigInt, sqltype.Timestamp: // a timestamp ± an interval is microseconds ± microseconds
		return &Const{T: e.T, Int: arith(e.Op, l.Int, r.Int)}
	case sqltype.Double:
		return &Const{T: e.T, Float: arith(e.Op, l.Float, r.Float)}
	}
	return e
}

// arith is +, - or * in Go's arithmetic, which wraps integers as Java (and so Spark) does.
func arith[T int32 | int64 | float64](op string, a, b T) T {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	}
	return a * b
}

// foldCast converts a constant between the numeric, boolean and temporal types as the
// generated code does (compiler/codegen/cast.go); conversions from and to strings stay for
// run time, where a strict cast reports bad input as a malformed record.
func foldCast(e *Cast, x *Const) Expr {
	from, to := x.T, e.To
	if x.IsNull {
		return &Const{T: to, IsNull: true}
	}
	if from == to {
		return x
	}
	// i is the value as an integer (for integral, boolean and temporal types), f as a double.
	var i int64
	var f float64
	switch from {
	case sqltype.Int, sqltype.BigInt:
		i, f = x.Int, float64(x.Int)
	case sqltype.Boolean:
		i = sqlfn.BoolToInt(x.Bool)
		f = float64(i)
	case sqltype.Double:
		f = x.Float
	case sqltype.Timestamp, sqltype.Date:
		i = x.Int
	default:
		return e
	}
	switch to {
	case sqltype.Boolean:
		if from.IsNumeric() {
			return &Const{T: to, Bool: i != 0 || f != 0}
		}
	case sqltype.Int, sqltype.BigInt:
		switch {
		case from == sqltype.Double && to == sqltype.Int:
			return &Const{T: to, Int: int64(sqlfn.DoubleToInt32(f))}
		case from == sqltype.Double:
			return &Const{T: to, Int: sqlfn.DoubleToInt64(f)}
		case from == sqltype.Timestamp:
			i = sqlfn.FloorDiv(i, 1000000) // seconds since the epoch
		case from == sqltype.Date:
			return e
		}
		if to == sqltype.Int {
			i = int64(int32(i)) // Java's (int) of a long: the low 32 bits
		}
		return &Const{T: to, Int: i}
	case sqltype.Double:
		switch from {
		case sqltype.Timestamp:
			return &Const{T: to, Float: float64(i) / 1e6}
		case sqltype.Int, sqltype.BigInt, sqltype.Boolean:
			return &Const{T: to, Float: f}
		}
	case sqltype.Timestamp:
		switch from {
		case sqltype.Int, sqltype.BigInt:
			return &Const{T: to, Int: i * 1000000}
		case sqltype.Double:
			return &Const{T: to, Int: sqlfn.DoubleToInt64(f * 1e6)}
		case sqltype.Date:
			return &Const{T: to, Int: i * 86400000000}
		}
	case sqltype.Date:
		if from == sqltype.Timestamp {
			return &Const{T: to, Int: int64(sqlfn.DateOf(i))}
		}
	}
	return e
}
