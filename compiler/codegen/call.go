package codegen

import (
	"strings"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/funcs"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// call emits a built-in scalar function: the registry's Go function (funcs.Scalar.Go), or
// its emitter. Every function here is NULL when an argument is NULL (COALESCE, NULLIF and IF
// were rewritten to CASE by the checker).
func (g *exprGen) call(e *plan.Call) val {
	if e.UDF != nil {
		return g.udfCall(e)
	}
	if e.Name == "window" {
		// Not a function of the registry but GROUP BY's construct, which is a value only as
		// a key of a join of two streams, a tumbling window: its start.
		ts := g.compile(e.Args[0])
		return val{v: Qual(pkgSQLFn, "WindowStart").Call(ts.v, Lit(int(e.Args[2].(*plan.Const).Int))), null: ts.null}
	}
	fn := funcs.Call(e.Name)
	if fn == nil || fn.Go == "" {
		emit, ok := emitters[e.Name]
		if !ok {
			panic("codegen: no emitter for function " + e.Name)
		}
		return emit(g, e)
	}
	args, null := g.args(e)
	if e.Name == "length" && args[0].line {
		// The chunk was checked for ASCII once: then a line's length is its byte count.
		g.q.asciiChunk = true
		return val{v: Qual(pkgSQLFn, "LengthIn").Call(args[0].v, Id("ascii")), null: null}
	}
	pkg, name := pkgSQLFn, fn.Go
	if i := strings.LastIndexByte(fn.Go, '.'); i >= 0 {
		pkg, name = fn.Go[:i], fn.Go[i+1:] // the standard library
	}
	call := Qual(pkg, name).Call(values(args)...)
	if !fn.MayFail {
		return val{v: call, null: null}
	}
	// The function says with a second result that it has no value for these arguments.
	local := g.q.name("f")
	g.emit(List(Id(local), Id(local+"OK")).Op(":=").Add(call))
	return val{v: Id(local), null: union(null, one(Op("!").Id(local+"OK")))}
}

// args compiles the arguments of e; null is when any of them is NULL.
func (g *exprGen) args(e *plan.Call) (args []val, null nulls) {
	args = make([]val, len(e.Args))
	for i, a := range e.Args {
		args[i] = g.compile(a)
		null = union(null, args[i].null)
	}
	return args, null
}

// values is the Go expressions of args.
func values(args []val) []Code {
	vs := make([]Code, len(args))
	for i := range args {
		vs[i] = args[i].v
	}
	return vs
}

// emitters generate the built-in functions that are more than a call of their Go function
// (funcs.Scalar.Go is ""), by plan name.
var emitters map[string]func(g *exprGen, e *plan.Call) val

func init() {
	sameAsArg := func(g *exprGen, e *plan.Call) val {
		args, _ := g.args(e)
		return args[0] // a timestamp is its microseconds
	}
	regexpFn := func(g *exprGen, e *plan.Call) val {
		args, null := g.args(e)
		if !dynamicPattern(e) {
			return regexpCall(e.Name, Id(g.q.patternVar("Regexp", e.Args[1].(*plan.Const).Str)), args, null, g.emit, g.q.name)
		}
		return g.dynamicRegexp(e, args, null)
	}
	roundDown := func(g *exprGen, e *plan.Call) val {
		args, null := g.args(e)
		if e.Args[0].Type() != sqltype.Double {
			return val{v: Int64().Call(args[0].v), null: null}
		}
		name := "Floor"
		if e.Name != "floor" {
			name = "Ceil"
		}
		return val{v: Qual(pkgSQLFn, name).Call(args[0].v), null: null}
	}
	emitters = map[string]func(g *exprGen, e *plan.Call) val{
		"greatest":         (*exprGen).extreme,
		"least":            (*exprGen).extreme,
		"concat_ws":        (*exprGen).concatWS,
		"regexp_extract":   regexpFn,
		"regexp_replace":   regexpFn,
		"rlike":            regexpFn,
		"unix_micros":      sameAsArg,
		"timestamp_micros": sameAsArg,
		"floor":            roundDown,
		"ceil":             roundDown,
		"window_start": func(g *exprGen, e *plan.Call) val {
			args, null := g.args(e)
			return val{v: args[0].v, null: null}
		},
		"window_end": func(g *exprGen, e *plan.Call) val {
			args, null := g.args(e)
			return val{v: args[0].operand().Op("+").Add(args[1].v), null: null, op: true}
		},
		"window_time": func(g *exprGen, e *plan.Call) val { // its second argument is the size less 1µs
			args, null := g.args(e)
			return val{v: args[0].operand().Op("+").Add(args[1].v), null: null, op: true}
		},
		"current_timestamp": func(g *exprGen, e *plan.Call) val {
			return val{v: Id("c").Dot("Time")} // the batch's start, stamped on every chunk
		},
		"current_date": func(g *exprGen, e *plan.Call) val {
			return val{v: Qual(pkgSQLFn, "DateOf").Call(Id("c").Dot("Time"))}
		},
		"substring": func(g *exprGen, e *plan.Call) val {
			args, null := g.args(e)
			name := "Substring"
			if len(args) == 2 {
				name = "SubstringFrom"
			}
			return val{v: Qual(pkgSQLFn, name).Call(values(args)...), null: null}
		},
		"concat": func(g *exprGen, e *plan.Call) val {
			args, null := g.args(e)
			var c *Statement
			for i := range args {
				if c == nil {
					c = args[i].operand()
				} else {
					c = c.Op("+").Add(args[i].operand())
				}
			}
			return val{v: c, null: null, op: len(args) > 1}
		},
		"abs": func(g *exprGen, e *plan.Call) val {
			args, null := g.args(e)
			switch e.T {
			case sqltype.Double:
				return val{v: Qual(pkgMath, "Abs").Call(args[0].v), null: null}
			case sqltype.Int:
				return val{v: Qual(pkgSQLFn, "AbsInt32").Call(args[0].v), null: null}
			}
			return val{v: Qual(pkgSQLFn, "AbsInt64").Call(args[0].v), null: null}
		},
		"round": func(g *exprGen, e *plan.Call) val {
			args, null := g.args(e)
			var digits Code = Int32().Call(Lit(0))
			if len(args) == 2 {
				digits = args[1].v
			}
			switch e.T {
			case sqltype.Double:
				return val{v: Qual(pkgSQLFn, "RoundHalfUp").Call(args[0].v, digits), null: null}
			case sqltype.Int:
				return val{v: Int32().Call(Qual(pkgSQLFn, "RoundInt64").Call(Int64().Call(args[0].v), digits)), null: null}
			}
			return val{v: Qual(pkgSQLFn, "RoundInt64").Call(args[0].v, digits), null: null}
		},
	}
}

// udfCall calls a Go function from CREATE FUNCTION directly. It is not called when an
// argument is NULL (the result is NULL); an error it returns goes to g.onErr.
func (g *exprGen) udfCall(e *plan.Call) val {
	u := e.UDF
	g.q.f.ImportName(u.ImportPath, u.Package)
	args := make([]Code, len(e.Args))
	var null nulls
	for i, a := range e.Args {
		x := g.compile(a)
		null = union(null, x.null)
		args[i] = toGo(u.Params[i].Go, x.v)
	}
	res := g.q.name("u")
	call := Qual(u.ImportPath, u.Name).Call(args...)
	var body []Code
	if u.Err {
		r, err := res+"R", res+"Err"
		body = []Code{
			List(Id(r), Id(err)).Op(":=").Add(call),
			If(Id(err).Op("!=").Nil()).Block(g.onErr(Lit(e.Name + ": ").Op("+").Id(err).Dot("Error").Call())...),
			Id(res).Op("=").Add(fromGo(u.Result.Go, Id(r))),
		}
	} else {
		body = []Code{Id(res).Op("=").Add(fromGo(u.Result.Go, call))}
	}
	g.emit(Var().Id(res).Add(goType(e.T)))
	if len(null) > 0 {
		g.emit(If(not(val{null: null}.isNull())).Block(body...))
	} else {
		g.emit(body...)
	}
	return val{v: Id(res), null: null}
}

// toGo converts a value of generated code to the Go type a function parameter has.
func toGo(goType string, v Code) Code {
	switch goType {
	case "int":
		return Int().Call(v)
	case "[]byte":
		return Index().Byte().Call(v)
	case "time.Time":
		return Qual("time", "UnixMicro").Call(v).Dot("UTC").Call()
	}
	return v
}

// fromGo converts a function result to the representation of generated code.
func fromGo(goType string, v Code) Code {
	switch goType {
	case "int":
		return Int64().Call(v)
	case "[]byte":
		return String().Call(v)
	case "time.Time":
		return Add(v).Dot("UnixMicro").Call()
	}
	return v
}

// regexpCall applies rlike, regexp_replace or regexp_extract with the compiled regexp re to
// args (the pattern, args[1], is already in re).
func regexpCall(name string, re Code, args []val, null nulls, emit func(...Code), local func(string) string) val {
	switch name {
	case "regexp_replace":
		return val{v: Qual(pkgSQLFn, "RegexpReplace").Call(re, args[0].v, args[2].v), null: null}
	case "rlike":
		return val{v: Add(re).Dot("MatchString").Call(args[0].v), null: null}
	}
	f := local("f")
	emit(List(Id(f), Id(f+"OK")).Op(":=").Qual(pkgSQLFn, "RegexpExtract").Call(re, args[0].v, args[2].v))
	return val{v: Id(f), null: union(null, one(Op("!").Id(f+"OK")))}
}

// dynamicPattern reports whether e takes its regexp or LIKE pattern from data: the pattern is
// then compiled (and cached) at run time, and an invalid one is a bad record.
func dynamicPattern(e plan.Expr) bool {
	switch e := e.(type) {
	case *plan.Like:
		c, ok := e.Pattern.(*plan.Const)
		return !ok || c.IsNull
	case *plan.Call:
		if fn := funcs.Call(e.Name); e.UDF == nil && fn != nil && fn.Regexp {
			c, ok := e.Args[1].(*plan.Const)
			return !ok || c.IsNull
		}
	}
	return false
}

// anyDynamicPattern reports whether an expression of es takes a pattern from data, so the
// code running them needs a sqlfn.Patterns cache.
func anyDynamicPattern(es []plan.Expr) bool {
	found := false
	for _, e := range es {
		plan.Walk(e, func(x plan.Expr) { found = found || dynamicPattern(x) })
	}
	return found
}

// dynamicRegexp applies a regexp function whose pattern comes from data. Like Spark, it
// compiles the pattern only when no argument is NULL (the result is NULL then); a pattern
// that does not compile goes to g.onErr, where Spark fails the query.
func (g *exprGen) dynamicRegexp(e *plan.Call, args []val, null nulls) val {
	res, re, err := g.q.name("r"), g.q.name("re"), g.q.name("err")
	var body []Code
	emit := func(c ...Code) { body = append(body, c...) }
	body = append(body,
		List(Id(re), Id(err)).Op(":=").Add(g.patterns).Dot("Regexp").Call(args[1].v),
		If(Id(err).Op("!=").Nil()).Block(g.onErr(Lit(e.Name+": ").Op("+").Id(err).Dot("Error").Call())...))
	x := regexpCall(e.Name, Id(re), args, nil, emit, g.q.name)
	g.emit(Var().Id(res).Add(goType(e.T)))
	body = append(body, Id(res).Op("=").Add(x.v))
	if !x.nullable() {
		g.guard(null, body)
		return val{v: Id(res), null: null}
	}
	// regexp_extract of a group the pattern does not have is NULL too.
	g.emit(Id(res + "Null").Op(":=").True())
	body = append(body, Id(res+"Null").Op("=").Add(x.isNull()))
	g.guard(null, body)
	return val{v: Id(res), null: one(Id(res + "Null"))}
}

// dynamicLike is s LIKE pattern for a pattern from data (see dynamicRegexp).
func (g *exprGen) dynamicLike(s, pattern val) val {
	res, l, err := g.q.name("r"), g.q.name("like"), g.q.name("err")
	null := union(s.null, pattern.null)
	g.emit(Var().Id(res).Bool())
	g.guard(null, []Code{
		List(Id(l), Id(err)).Op(":=").Add(g.patterns).Dot("Like").Call(pattern.v),
		If(Id(err).Op("!=").Nil()).Block(g.onErr(Lit("LIKE: ").Op("+").Id(err).Dot("Error").Call())...),
		Id(res).Op("=").Id(l).Dot("Match").Call(s.v),
	})
	return val{v: Id(res), null: null}
}

// guard emits body, run only when none of null holds.
func (g *exprGen) guard(null nulls, body []Code) {
	if len(null) > 0 {
		g.emit(If(not(val{null: null}.isNull())).Block(body...))
	} else {
		g.emit(body...)
	}
}

// extreme is greatest or least: the largest (smallest) non-NULL argument.
func (g *exprGen) extreme(e *plan.Call) val {
	res := g.q.name("x")
	resNull := res + "Null"
	g.emit(Var().Id(res).Add(goType(e.T)), Id(resNull).Op(":=").True())
	for _, a := range e.Args {
		x := g.compile(a)
		better := Id(resNull).Op("||").Add(betterThan(e.Name == "greatest", e.T, x.v, Id(res)))
		cond := better
		if x.nullable() {
			cond = not(x.isNull()).Op("&&").Parens(better)
		}
		g.emit(If(cond).Block(List(Id(res), Id(resNull)).Op("=").List(x.v, False())))
	}
	if !e.Null {
		return val{v: Id(res)}
	}
	return val{v: Id(res), null: one(Id(resNull))}
}

// concatWS joins the non-NULL strings with the separator.
func (g *exprGen) concatWS(e *plan.Call) val {
	sep := g.compile(e.Args[0])
	var parts, nulls []Code
	for _, a := range e.Args[1:] {
		x := g.compile(a)
		parts = append(parts, x.v)
		nulls = append(nulls, x.isNull())
	}
	return val{v: Qual(pkgSQLFn, "ConcatWS").Call(sep.v, Index().String().Values(parts...), Index().Bool().Values(nulls...)), null: sep.null}
}
