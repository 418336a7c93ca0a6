package codegen

import (
	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// call emits a built-in scalar function. Every function here is NULL when an argument is
// NULL (COALESCE, NULLIF and IF were rewritten to CASE by the checker).
func (g *exprGen) call(e *plan.Call) val {
	switch {
	case e.UDF != nil:
		return g.udfCall(e)
	case e.Name == "greatest" || e.Name == "least":
		return g.extreme(e)
	case e.Name == "concat_ws":
		return g.concatWS(e)
	}
	args := make([]val, len(e.Args))
	var null nulls
	for i, a := range e.Args {
		args[i] = g.compile(a)
		null = union(null, args[i].null)
	}
	v := func(i int) Code { return args[i].v }
	fn := func(name string) Code {
		vs := make([]Code, len(args))
		for i := range args {
			vs[i] = v(i)
		}
		return Qual(pkgSQLFn, name).Call(vs...)
	}
	switch e.Name {
	case "length", "char_length", "character_length":
		return val{v: fn("Length"), null: null}
	case "lower", "lcase":
		return val{v: fn("Lower"), null: null}
	case "upper", "ucase":
		return val{v: fn("Upper"), null: null}
	case "initcap":
		return val{v: fn("InitCap"), null: null}
	case "reverse":
		return val{v: fn("Reverse"), null: null}
	case "replace":
		return val{v: fn("Replace"), null: null}
	case "instr":
		return val{v: fn("InStr"), null: null}
	case "starts_with":
		return val{v: Qual("strings", "HasPrefix").Call(v(0), v(1)), null: null}
	case "ends_with":
		return val{v: Qual("strings", "HasSuffix").Call(v(0), v(1)), null: null}
	case "contains":
		return val{v: Qual("strings", "Contains").Call(v(0), v(1)), null: null}
	case "power":
		return val{v: fn("Pow"), null: null}
	case "sqrt":
		return val{v: fn("Sqrt"), null: null}
	case "exp":
		return val{v: fn("Exp"), null: null}
	case "sign":
		return val{v: fn("Sign"), null: null}
	case "regexp_extract", "regexp_replace", "rlike":
		if !dynamicPattern(e) {
			return regexpCall(e.Name, Id(g.q.patternVar("Regexp", e.Args[1].(*plan.Const).Str)), args, null, g.emit, g.q.name)
		}
		return g.dynamicRegexp(e, args, null)
	case "year", "month", "day", "hour", "minute", "second":
		return val{v: fn(map[string]string{"year": "Year", "month": "Month", "day": "Day", "hour": "Hour", "minute": "Minute", "second": "Second"}[e.Name]), null: null}
	case "window_start":
		return val{v: v(0), null: null}
	case "window_end":
		return val{v: args[0].operand().Op("+").Add(v(1)), null: null, op: true}
	case "current_timestamp":
		return val{v: Id("c").Dot("Time")} // the batch's start, stamped on every chunk
	case "unix_timestamp":
		return val{v: fn("UnixTimestamp"), null: null}
	case "date_format":
		return val{v: fn("DateFormat"), null: null}
	case "from_unixtime":
		return val{v: fn("FromUnixtime"), null: null}
	case "current_date":
		return val{v: Qual(pkgSQLFn, "DateOf").Call(Id("c").Dot("Time"))}
	case "unix_micros", "timestamp_micros":
		return args[0] // a timestamp is its microseconds
	case "repeat", "lpad", "rpad", "split_part", "ln", "log10", "log2", "date_trunc", "to_timestamp",
		"make_date", "make_timestamp", "add_months", "to_date", "timestamp_seconds", "timestamp_seconds_double", "timestamp_millis",
		"format_number", "format_number_int":
		// These are NULL for some inputs: the function says so with a second result.
		name := map[string]string{"repeat": "Repeat", "lpad": "LPad", "rpad": "RPad", "split_part": "SplitPart",
			"ln": "Ln", "log10": "Log10", "log2": "Log2", "date_trunc": "DateTrunc", "to_timestamp": "ToTimestamp",
			"make_date": "MakeDate", "make_timestamp": "MakeTimestamp", "add_months": "AddMonths", "to_date": "ToDate",
			"timestamp_seconds": "TimestampSeconds", "timestamp_seconds_double": "TimestampSecondsDouble", "timestamp_millis": "TimestampMillis",
			"format_number": "FormatNumber", "format_number_int": "FormatNumberInt"}[e.Name]
		local := g.q.name("f")
		g.emit(List(Id(local), Id(local+"OK")).Op(":=").Add(fn(name)))
		return val{v: Id(local), null: union(null, one(Op("!").Id(local+"OK")))}
	case "left", "right", "ascii", "chr", "translate", "octet_length", "bit_length", "btrim", "locate",
		"date_add", "date_sub", "datediff", "last_day", "dayofweek", "weekday", "dayofyear", "weekofyear", "quarter",
		"months_between", "unix_millis":
		name := map[string]string{"left": "Left", "right": "Right", "ascii": "ASCII", "chr": "Chr", "translate": "Translate",
			"octet_length": "OctetLength", "bit_length": "BitLength", "btrim": "TrimChars", "locate": "Locate",
			"date_add": "DateAdd", "date_sub": "DateSub", "datediff": "DateDiff", "last_day": "LastDay", "dayofweek": "DayOfWeek",
			"weekday": "WeekDay", "dayofyear": "DayOfYear", "weekofyear": "WeekOfYear", "quarter": "Quarter",
			"months_between": "MonthsBetween", "unix_millis": "UnixMillis"}[e.Name]
		return val{v: fn(name), null: null}
	case "trim":
		return val{v: fn("Trim"), null: null}
	case "ltrim":
		return val{v: fn("LTrim"), null: null}
	case "rtrim":
		return val{v: fn("RTrim"), null: null}
	case "substring", "substr":
		if len(args) == 2 {
			return val{v: fn("SubstringFrom"), null: null}
		}
		return val{v: fn("Substring"), null: null}
	case "concat":
		var c *Statement
		for i := range args {
			if c == nil {
				c = args[i].operand()
			} else {
				c = c.Op("+").Add(args[i].operand())
			}
		}
		return val{v: c, null: null, op: len(args) > 1}
	case "abs":
		switch e.T {
		case sqltype.Double:
			return val{v: Qual(pkgMath, "Abs").Call(v(0)), null: null}
		case sqltype.Int:
			return val{v: Qual(pkgSQLFn, "AbsInt32").Call(v(0)), null: null}
		}
		return val{v: Qual(pkgSQLFn, "AbsInt64").Call(v(0)), null: null}
	case "round":
		var digits Code = Int32().Call(Lit(0))
		if len(args) == 2 {
			digits = v(1)
		}
		switch e.T {
		case sqltype.Double:
			return val{v: Qual(pkgSQLFn, "RoundHalfUp").Call(v(0), digits), null: null}
		case sqltype.Int:
			return val{v: Int32().Call(Qual(pkgSQLFn, "RoundInt64").Call(Int64().Call(v(0)), digits)), null: null}
		}
		return val{v: Qual(pkgSQLFn, "RoundInt64").Call(v(0), digits), null: null}
	case "floor", "ceil", "ceiling":
		if e.Args[0].Type() != sqltype.Double {
			return val{v: Int64().Call(v(0)), null: null}
		}
		name := "Floor"
		if e.Name != "floor" {
			name = "Ceil"
		}
		return val{v: Qual(pkgSQLFn, name).Call(v(0)), null: null}
	}
	panic("codegen: no emitter for function " + e.Name)
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
		switch e.Name {
		case "regexp_extract", "regexp_replace", "rlike":
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
	op := ">"
	if e.Name == "least" {
		op = "<"
	}
	g.emit(Var().Id(res).Add(goType(e.T)), Id(resNull).Op(":=").True())
	for _, a := range e.Args {
		x := g.compile(a)
		better := Id(resNull).Op("||").Add(betterThan(&plan.AggCall{Func: map[string]plan.AggFunc{">": plan.Max, "<": plan.Min}[op], Type: e.T}, x.v, Id(res)))
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
