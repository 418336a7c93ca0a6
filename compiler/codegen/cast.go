package codegen

import (
	"fmt"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// cast converts with Spark's non-ANSI rules: input that does not convert gives NULL.
func (g *exprGen) cast(e *plan.Cast) val {
	from, to := e.X.Type(), e.To
	x := g.compile(e.X)
	if from == to || from == sqltype.Null {
		if from == sqltype.Null {
			return typedNull(to)
		}
		return x
	}
	conv := func(c Code) val { return val{v: c, null: x.null} }
	// op is a conversion written as an operator expression, parenthesised as an operand.
	op := func(c Code) val { return val{v: c, null: x.null, op: true} }
	// parsed calls a (T, ok) function and is NULL when it fails.
	parsed := func(fn string) val {
		name := g.q.name("p")
		g.emit(List(Id(name), Id(name+"OK")).Op(":=").Qual(pkgSQLFn, fn).Call(x.v))
		if g.q.q.StrictCast {
			// cast = 'strict': invalid input is an error (the record is malformed), not NULL.
			bad := Op("!").Id(name + "OK")
			if x.nullable() {
				bad = not(x.isNull()).Op("&&").Add(bad)
			}
			msg := Qual("fmt", "Sprintf").Call(Lit(fmt.Sprintf("CAST(%%q AS %s): invalid input", to)), x.v)
			g.emit(If(bad).Block(g.onErr(msg)...))
			return val{v: Id(name), null: x.null}
		}
		return val{v: Id(name), null: union(x.null, one(Op("!").Id(name+"OK")))}
	}
	switch to {
	case sqltype.String:
		switch from {
		case sqltype.Boolean:
			return conv(Qual("strconv", "FormatBool").Call(x.v))
		case sqltype.Int, sqltype.BigInt:
			return conv(Qual("strconv", "FormatInt").Call(Int64().Call(x.v), Lit(10)))
		case sqltype.Double:
			return conv(Qual(pkgCodec, "FormatDouble").Call(x.v))
		case sqltype.Timestamp:
			return conv(Qual(pkgCodec, "FormatTimestamp").Call(x.v))
		case sqltype.Date:
			return conv(Qual(pkgCodec, "FormatDate").Call(x.v))
		case sqltype.Bytes:
			return x
		}
	case sqltype.Bytes:
		return x // BYTES are strings inside generated code
	case sqltype.Boolean:
		switch from {
		case sqltype.String:
			return parsed("CastToBoolean")
		case sqltype.Int, sqltype.BigInt, sqltype.Double:
			return op(x.operand().Op("!=").Lit(0))
		}
	case sqltype.Int, sqltype.BigInt:
		goT := Int64()
		if to == sqltype.Int {
			goT = Int32()
		}
		switch from {
		case sqltype.String:
			if to == sqltype.Int {
				return parsed("CastToInt32")
			}
			return parsed("CastToInt64")
		case sqltype.Boolean:
			return conv(goT.Call(Qual(pkgSQLFn, "BoolToInt").Call(x.v)))
		case sqltype.Int, sqltype.BigInt:
			return conv(goT.Call(x.v))
		case sqltype.Double:
			if to == sqltype.Int {
				return conv(Qual(pkgSQLFn, "DoubleToInt32").Call(x.v))
			}
			return conv(Qual(pkgSQLFn, "DoubleToInt64").Call(x.v))
		case sqltype.Timestamp:
			// seconds since the epoch, rounded down, as Spark does
			return conv(goT.Call(Qual(pkgSQLFn, "FloorDiv").Call(x.v, Lit(1000000))))
		}
	case sqltype.Double:
		switch from {
		case sqltype.String:
			return parsed("CastToDouble")
		case sqltype.Boolean:
			return conv(Float64().Call(Qual(pkgSQLFn, "BoolToInt").Call(x.v)))
		case sqltype.Int, sqltype.BigInt:
			return conv(Float64().Call(x.v))
		case sqltype.Timestamp:
			return op(Float64().Call(x.v).Op("/").Lit(1e6))
		}
	case sqltype.Timestamp:
		switch from {
		case sqltype.String:
			return parsed("CastToTimestamp")
		case sqltype.Int, sqltype.BigInt:
			return op(Int64().Call(x.v).Op("*").Lit(1000000))
		case sqltype.Double:
			return conv(Qual(pkgSQLFn, "DoubleToInt64").Call(x.operand().Op("*").Lit(1e6)))
		case sqltype.Date:
			return op(Int64().Call(x.v).Op("*").Lit(86400000000))
		}
	case sqltype.Date:
		switch from {
		case sqltype.String:
			return parsed("CastToDate")
		case sqltype.Timestamp:
			return conv(Qual(pkgSQLFn, "DateOf").Call(x.v))
		}
	}
	panic("codegen: no cast from " + from.String() + " to " + to.String())
}
