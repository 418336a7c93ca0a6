package check

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/compiler/udf"
	"github.com/sqlstream/sqlstream/grammar"
)

// scalar describes a built-in scalar function: its arity and how to type a call.
type scalar struct {
	min, max int // max < 0: variadic
	doc      string
	typ      func(x *exprChecker, f *grammar.FuncCall, args []plan.Expr) plan.Expr
}

var scalars map[string]scalar

func init() {
	str := func(name string) scalar {
		return scalar{1, 1, "", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call(name, sqltype.String, x.stringArg(a[0], f.Args[0], name))
		}}
	}
	length := scalar{1, 1, "number of characters (not bytes) of a string", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
		return call("length", sqltype.Int, x.stringArg(a[0], f.Args[0], "length"))
	}}
	floor := func(name string) scalar {
		return scalar{1, 1, "", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], name)
			return call(name, sqltype.BigInt, n)
		}}
	}
	substr := scalar{2, 3, "substring(s, pos[, len]): 1-based, in characters; negative pos counts from the end", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
		args := []plan.Expr{x.stringArg(a[0], f.Args[0], "substring")}
		for i := 1; i < len(a); i++ {
			args = append(args, x.intArg(a[i], f.Args[i], "substring"))
		}
		return call("substring", sqltype.String, args...)
	}}
	strFn := func(name string, t sqltype.Type, kinds ...string) scalar {
		return scalar{len(kinds), len(kinds), "", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := make([]plan.Expr, len(a))
			for i, k := range kinds {
				switch k {
				case "s":
					args[i] = x.stringArg(a[i], f.Args[i], name)
				case "i":
					args[i] = x.intArg(a[i], f.Args[i], name)
				case "d":
					args[i] = coerce(x.numArg(a[i], f.Args[i], name), sqltype.Double)
				case "l":
					args[i] = coerce(x.numArg(a[i], f.Args[i], name), sqltype.BigInt)
				case "t":
					args[i] = x.timestampArg(a[i], f.Args[i], name)
				case "D":
					args[i] = x.dateArg(a[i], f.Args[i], name)
				case "L":
					args[i] = x.integerArg(a[i], f.Args[i], name)
				}
			}
			return call(name, t, args...)
		}}
	}
	// mayFail marks functions that are NULL for some non-NULL inputs.
	mayFail := func(s scalar) scalar {
		typ := s.typ
		s.typ = func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			e := typ(x, f, a)
			if c, ok := e.(*plan.Call); ok {
				c.Null = true
			}
			return e
		}
		return s
	}
	scalars = map[string]scalar{
		"initcap":     strFn("initcap", sqltype.String, "s"),
		"reverse":     strFn("reverse", sqltype.String, "s"),
		"replace":     strFn("replace", sqltype.String, "s", "s", "s"),
		"instr":       strFn("instr", sqltype.Int, "s", "s"),
		"starts_with": strFn("starts_with", sqltype.Boolean, "s", "s"),
		"startswith":  strFn("starts_with", sqltype.Boolean, "s", "s"),
		"ends_with":   strFn("ends_with", sqltype.Boolean, "s", "s"),
		"endswith":    strFn("ends_with", sqltype.Boolean, "s", "s"),
		"contains":    strFn("contains", sqltype.Boolean, "s", "s"),
		"repeat":      mayFail(strFn("repeat", sqltype.String, "s", "i")),
		"lpad":        mayFail(strFn("lpad", sqltype.String, "s", "i", "s")),
		"rpad":        mayFail(strFn("rpad", sqltype.String, "s", "i", "s")),
		"split_part":  mayFail(strFn("split_part", sqltype.String, "s", "s", "i")),
		"power":       strFn("power", sqltype.Double, "d", "d"),
		"pow":         strFn("power", sqltype.Double, "d", "d"),
		"sqrt":        strFn("sqrt", sqltype.Double, "d"),
		"exp":         strFn("exp", sqltype.Double, "d"),
		"sign":        strFn("sign", sqltype.Double, "d"),
		"signum":      strFn("sign", sqltype.Double, "d"),
		"ln":          mayFail(strFn("ln", sqltype.Double, "d")),
		"log10":       mayFail(strFn("log10", sqltype.Double, "d")),
		"log2":        mayFail(strFn("log2", sqltype.Double, "d")),
		"regexp_extract": {2, 3, "regexp_extract(s, pattern[, group]): the group (default 1) of the first match, \"\" when none", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.stringArg(a[0], f.Args[0], "regexp_extract"), x.pattern(a[1], f.Args[1]), &plan.Const{T: sqltype.Int, Int: 1}}
			if len(a) == 3 {
				args[2] = x.intArg(a[2], f.Args[2], "regexp_extract")
			}
			c := call("regexp_extract", sqltype.String, args...)
			c.Null = true
			return c
		}},
		"regexp_replace": {3, 3, "", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("regexp_replace", sqltype.String, x.stringArg(a[0], f.Args[0], "regexp_replace"), x.pattern(a[1], f.Args[1]), x.stringArg(a[2], f.Args[2], "regexp_replace"))
		}},
		"rlike":       {2, 2, "", regexpLike},
		"regexp_like": {2, 2, "", regexpLike},
		"concat_ws": {2, -1, "concat_ws(sep, s, ...): the non-NULL strings joined by sep", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := make([]plan.Expr, len(a))
			for i := range a {
				args[i] = x.stringArg(a[i], f.Args[i], "concat_ws")
			}
			return &plan.Call{Name: "concat_ws", Args: args, T: sqltype.String, Null: args[0].Nullable()}
		}},
		"greatest": {2, -1, "", extreme("greatest")},
		"least":    {2, -1, "", extreme("least")},
		"mod": {2, 2, "mod(a, b): a % b", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return x.arith("%", a[0], a[1], f)
		}},
		"current_timestamp": {0, 0, "the time the batch started (the same for every row of a batch)", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("current_timestamp", sqltype.Timestamp)
		}},
		"now": {0, 0, "", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("current_timestamp", sqltype.Timestamp)
		}},
		"left":      strFn("left", sqltype.String, "s", "i"),
		"right":     strFn("right", sqltype.String, "s", "i"),
		"ascii":     strFn("ascii", sqltype.Int, "s"),
		"chr":       strFn("chr", sqltype.String, "L"),
		"char":      strFn("chr", sqltype.String, "L"),
		"translate": strFn("translate", sqltype.String, "s", "s", "s"),
		"format_number": {2, 2, "format_number(x, d): x rounded half to even to d decimals, with commas between thousands; NULL for d < 0", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], "format_number")
			name := "format_number"
			if n.Type() != sqltype.Double {
				name, n = "format_number_int", coerce(n, sqltype.BigInt)
			}
			c := call(name, sqltype.String, n, x.intArg(a[1], f.Args[1], "format_number"))
			c.Null = true
			return c
		}},
		"octet_length": strFn("octet_length", sqltype.Int, "s"),
		"bit_length":   strFn("bit_length", sqltype.Int, "s"),
		"btrim": {1, 2, "btrim(s[, chars]): s without leading and trailing spaces (or characters of chars)", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			if len(a) == 1 {
				return call("trim", sqltype.String, x.stringArg(a[0], f.Args[0], "btrim"))
			}
			return call("btrim", sqltype.String, x.stringArg(a[0], f.Args[0], "btrim"), x.stringArg(a[1], f.Args[1], "btrim"))
		}},
		"locate": {2, 3, "locate(sub, s[, pos]): the 1-based position of the first sub in s at or after pos, 0 when none (and when pos is NULL)", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			var pos plan.Expr = &plan.Const{T: sqltype.Int, Int: 1}
			if len(a) == 3 {
				pos = x.intArg(a[2], f.Args[2], "locate")
			}
			c := call("locate", sqltype.Int, x.stringArg(a[0], f.Args[0], "locate"), x.stringArg(a[1], f.Args[1], "locate"), pos)
			if !pos.Nullable() {
				return c
			}
			// Spark (after Hive): a NULL position gives 0, whatever the strings are.
			return &plan.Case{Whens: []plan.When{{Cond: &plan.IsNull{X: pos}, Result: &plan.Const{T: sqltype.Int, Int: 0}}}, Else: c, T: sqltype.Int, Null: c.Null}
		}},
		"current_date": {0, 0, "the date the batch started (UTC)", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("current_date", sqltype.Date)
		}},
		"date_add":       strFn("date_add", sqltype.Date, "D", "i"),
		"date_sub":       strFn("date_sub", sqltype.Date, "D", "i"),
		"datediff":       strFn("datediff", sqltype.Int, "D", "D"),
		"date_diff":      strFn("datediff", sqltype.Int, "D", "D"),
		"make_date":      mayFail(strFn("make_date", sqltype.Date, "i", "i", "i")),
		"make_timestamp": mayFail(strFn("make_timestamp", sqltype.Timestamp, "i", "i", "i", "i", "i", "d")),
		"add_months":     mayFail(strFn("add_months", sqltype.Date, "D", "i")),
		"last_day":       strFn("last_day", sqltype.Date, "D"),
		"dayofweek":      strFn("dayofweek", sqltype.Int, "D"),
		"weekday":        strFn("weekday", sqltype.Int, "D"),
		"dayofyear":      strFn("dayofyear", sqltype.Int, "D"),
		"weekofyear":     strFn("weekofyear", sqltype.Int, "D"),
		"quarter":        strFn("quarter", sqltype.Int, "D"),
		"months_between": {2, 3, "months_between(t1, t2[, roundOff]): months from t2 to t1; whole when the days of the month match, else counting 31-day months, rounded to 8 digits unless roundOff is false", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.timestampArg(a[0], f.Args[0], "months_between"), x.timestampArg(a[1], f.Args[1], "months_between"), &plan.Const{T: sqltype.Boolean, Bool: true}}
			if len(a) == 3 {
				args[2] = x.boolean(a[2], f.Args[2], "months_between roundOff")
			}
			return call("months_between", sqltype.Double, args...)
		}},
		"to_date": {1, 2, "to_date(s[, pattern]): the date s names (as CAST, or by the pattern); NULL when it does not parse", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			if len(a) == 1 {
				return x.dateArg(a[0], f.Args[0], "to_date")
			}
			c := call("to_date", sqltype.Date, x.stringArg(a[0], f.Args[0], "to_date"), x.stringArg(a[1], f.Args[1], "to_date"))
			c.Null = true
			return c
		}},
		"timestamp_seconds": {1, 1, "timestamp_seconds(n): the timestamp n seconds (with a fraction, for a DOUBLE) after the epoch; NULL when out of range", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], "timestamp_seconds")
			name := "timestamp_seconds"
			if n.Type() == sqltype.Double {
				name = "timestamp_seconds_double"
			} else {
				n = coerce(n, sqltype.BigInt)
			}
			c := call(name, sqltype.Timestamp, n)
			c.Null = true
			return c
		}},
		"timestamp_millis": mayFail(strFn("timestamp_millis", sqltype.Timestamp, "L")),
		"timestamp_micros": {1, 1, "timestamp_micros(n): the timestamp n microseconds after the epoch", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("timestamp_micros", sqltype.Timestamp, x.integerArg(a[0], f.Args[0], "timestamp_micros"))
		}},
		"unix_seconds":   strFn("unix_timestamp", sqltype.BigInt, "t"),
		"unix_millis":    strFn("unix_millis", sqltype.BigInt, "t"),
		"unix_micros":    strFn("unix_micros", sqltype.BigInt, "t"),
		"year":           strFn("year", sqltype.Int, "t"),
		"month":          strFn("month", sqltype.Int, "t"),
		"day":            strFn("day", sqltype.Int, "t"),
		"dayofmonth":     strFn("day", sqltype.Int, "t"),
		"hour":           strFn("hour", sqltype.Int, "t"),
		"minute":         strFn("minute", sqltype.Int, "t"),
		"second":         strFn("second", sqltype.Int, "t"),
		"date_trunc":     mayFail(strFn("date_trunc", sqltype.Timestamp, "s", "t")),
		"unix_timestamp": strFn("unix_timestamp", sqltype.BigInt, "t"),
		"date_format":    strFn("date_format", sqltype.String, "t", "s"),
		"from_unixtime": {1, 2, "from_unixtime(secs[, pattern]): secs since the epoch as text", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{coerce(x.numArg(a[0], f.Args[0], "from_unixtime"), sqltype.BigInt), &plan.Const{T: sqltype.String, Str: "yyyy-MM-dd HH:mm:ss"}}
			if len(a) == 2 {
				args[1] = x.stringArg(a[1], f.Args[1], "from_unixtime")
			}
			return call("from_unixtime", sqltype.String, args...)
		}},
		"to_timestamp": {1, 2, "to_timestamp(s[, pattern]): NULL when s does not parse", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.stringArg(a[0], f.Args[0], "to_timestamp"), &plan.Const{T: sqltype.String, Str: ""}}
			if len(a) == 2 {
				args[1] = x.stringArg(a[1], f.Args[1], "to_timestamp")
			}
			c := call("to_timestamp", sqltype.Timestamp, args...)
			c.Null = true
			return c
		}},
		"length": length, "char_length": length, "character_length": length,
		"lower": str("lower"), "lcase": str("lower"), "upper": str("upper"), "ucase": str("upper"),
		"trim": str("trim"), "ltrim": str("ltrim"), "rtrim": str("rtrim"),
		"substring": substr, "substr": substr,
		"concat": {1, -1, "concat(a, b, ...): NULL if any argument is NULL", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := make([]plan.Expr, len(a))
			for i := range a {
				args[i] = x.stringArg(a[i], f.Args[i], "concat")
			}
			return call("concat", sqltype.String, args...)
		}},
		"abs": {1, 1, "absolute value", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], "abs")
			return call("abs", n.Type(), n)
		}},
		"round": {1, 2, "round(x[, d]): half up to d decimal places (default 0)", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.numArg(a[0], f.Args[0], "round")}
			if len(a) == 2 {
				args = append(args, x.intArg(a[1], f.Args[1], "round"))
			}
			return call("round", args[0].Type(), args...)
		}},
		"floor": floor("floor"), "ceil": floor("ceil"), "ceiling": floor("ceil"),
		"coalesce": {1, -1, "the first non-NULL argument", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			t, ok := x.commonOf(a, func(i int) grammar.Expr { return f.Args[i] }, "coalesce arguments")
			if !ok {
				return bad()
			}
			if t == sqltype.Null {
				return null()
			}
			c := &plan.Case{T: t, Null: true}
			for i, e := range a {
				if i == len(a)-1 {
					c.Else = coerce(e, t)
					c.Null = e.Nullable()
					break
				}
				c.Whens = append(c.Whens, plan.When{Cond: &plan.IsNull{X: e, Not: true}, Result: coerce(e, t)})
			}
			return c
		}},
		"nullif": {2, 2, "nullif(a, b): NULL when a = b, else a", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			eq := x.compare("=", a[0], a[1], f.Args[0], f.Args[1])
			t := a[0].Type()
			if t == sqltype.Null {
				return null()
			}
			return &plan.Case{Whens: []plan.When{{Cond: eq, Result: &plan.Const{T: t, IsNull: true}}}, Else: coerce(a[0], t), T: t, Null: true}
		}},
		"if": {3, 3, "if(cond, a, b): a when cond is TRUE, else b", func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			cond := x.boolean(a[0], f.Args[0], "if")
			t, ok := x.commonOf(a[1:], func(i int) grammar.Expr { return f.Args[i+1] }, "if branches")
			if !ok {
				return bad()
			}
			if t == sqltype.Null {
				return null()
			}
			b, e := coerce(a[1], t), coerce(a[2], t)
			return &plan.Case{Whens: []plan.When{{Cond: cond, Result: b}}, Else: e, T: t, Null: b.Nullable() || e.Nullable()}
		}},
	}
}

func regexpLike(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
	// A bad pattern from data makes the record malformed (codegen), not the result NULL.
	return call("rlike", sqltype.Boolean, x.stringArg(a[0], f.Args[0], "rlike"), x.pattern(a[1], f.Args[1]))
}

// extreme types greatest and least: the largest (smallest) non-NULL argument, NULL only
// when all are.
func extreme(name string) func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
	return func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
		t, ok := x.commonOf(a, func(i int) grammar.Expr { return f.Args[i] }, name+" arguments")
		if !ok {
			return bad()
		}
		if t == sqltype.Null {
			return null()
		}
		if !t.Orderable() {
			x.errs.Errorf(f.Pos, "%s needs comparable values, not %s", name, t).WithEnd(f.EndPos)
			return bad()
		}
		args := make([]plan.Expr, len(a))
		null := true
		for i := range a {
			args[i] = coerce(a[i], t)
			null = null && a[i].Nullable()
		}
		return &plan.Call{Name: name, Args: args, T: t, Null: null}
	}
}

// pattern checks a regular expression argument; a constant one must compile.
func (x *exprChecker) pattern(e plan.Expr, at grammar.Expr) plan.Expr {
	e = x.stringArg(e, at, "a regular expression")
	if c, ok := e.(*plan.Const); ok && !c.IsNull {
		if _, err := regexp.Compile(c.Str); err != nil {
			pos, end := span(at)
			x.errs.Errorf(pos, "invalid regular expression: %v", err).WithEnd(end).
				WithHelp("patterns use Go's RE2 syntax, which has no backreferences or lookaround")
		}
	}
	return e
}

// timestampArg accepts a TIMESTAMP, and converts a DATE or a STRING to one.
func (x *exprChecker) timestampArg(e plan.Expr, at grammar.Expr, fn string) plan.Expr {
	return x.temporalArg(e, at, fn, sqltype.Timestamp)
}

// dateArg accepts a DATE, and converts a TIMESTAMP or a STRING to one.
func (x *exprChecker) dateArg(e plan.Expr, at grammar.Expr, fn string) plan.Expr {
	return x.temporalArg(e, at, fn, sqltype.Date)
}

// temporalArg accepts a value of type to (TIMESTAMP or DATE), and converts the other of the
// two or a STRING to it (a string that does not convert is NULL), as Spark's date and time
// functions do.
func (x *exprChecker) temporalArg(e plan.Expr, at grammar.Expr, fn string, to sqltype.Type) plan.Expr {
	switch e.Type() {
	case to:
		return e
	case sqltype.Null:
		return coerce(e, to)
	case sqltype.Timestamp, sqltype.Date, sqltype.String:
		return &plan.Cast{X: e, To: to, Null: e.Nullable() || e.Type() == sqltype.String}
	}
	pos, end := span(at)
	x.errs.Errorf(pos, "%s needs a %s, not %s", fn, to, e.Type()).WithEnd(end)
	return coerce(bad(), to)
}

// integerArg accepts an INT or BIGINT, as a BIGINT.
func (x *exprChecker) integerArg(e plan.Expr, at grammar.Expr, fn string) plan.Expr {
	switch e.Type() {
	case sqltype.Int, sqltype.BigInt, sqltype.Null:
		return coerce(e, sqltype.BigInt)
	}
	pos, end := span(at)
	x.errs.Errorf(pos, "%s needs an integer, not %s", fn, e.Type()).WithEnd(end)
	return coerce(bad(), sqltype.BigInt)
}

func call(name string, t sqltype.Type, args ...plan.Expr) *plan.Call {
	null := false
	for _, a := range args {
		null = null || a.Nullable()
	}
	return &plan.Call{Name: name, Args: args, T: t, Null: null}
}

func (x *exprChecker) numArg(e plan.Expr, at grammar.Expr, fn string) plan.Expr {
	if e.Type().IsNumeric() {
		return e
	}
	if e.Type() == sqltype.Null {
		return coerce(e, sqltype.Double)
	}
	pos, end := span(at)
	x.errs.Errorf(pos, "%s needs a number, not %s", fn, e.Type()).WithEnd(end)
	return coerce(bad(), sqltype.Double)
}

func (x *exprChecker) intArg(e plan.Expr, at grammar.Expr, fn string) plan.Expr {
	switch e.Type() {
	case sqltype.Int:
		return e
	case sqltype.Null, sqltype.BigInt:
		if c, ok := e.(*plan.Const); ok && !c.IsNull && int64(int32(c.Int)) != c.Int {
			pos, end := span(at)
			x.errs.Errorf(pos, "%s needs an INT here, and %d is out of its range", fn, c.Int).WithEnd(end)
			return coerce(bad(), sqltype.Int)
		}
		return coerce(e, sqltype.Int)
	}
	pos, end := span(at)
	x.errs.Errorf(pos, "%s needs an INT here, not %s", fn, e.Type()).WithEnd(end)
	return coerce(bad(), sqltype.Int)
}

func (x *exprChecker) call(f *grammar.FuncCall, s *scope, clause string) plan.Expr {
	name := strings.ToLower(f.Name.Name)
	if u, ok := x.c.udfs[name]; ok {
		return x.udfCall(f, u, s, clause)
	}
	switch name {
	case "window":
		x.errs.Errorf(f.Pos, "window() groups rows: it belongs in GROUP BY").WithEnd(f.EndPos).
			WithHelp("GROUP BY window(ts, INTERVAL '10' MINUTE), then select window, window.start or window.end")
		return bad()
	case "session_window":
		x.errs.Errorf(f.Pos, "session_window() groups rows: it belongs in GROUP BY").WithEnd(f.EndPos).
			WithHelp("GROUP BY session_window(ts, INTERVAL '5' MINUTE), then select session_window.start and session_window.end")
		return bad()
	}
	fn, ok := scalars[name]
	if !ok {
		d := x.errs.Errorf(f.Name.Pos, "unknown function %q", f.Name.Name).WithEnd(f.Name.EndPos)
		if h := diag.Closest(name, FunctionNames()); h != "" {
			d.WithHelp("did you mean %s?", h)
		}
		return bad()
	}
	if f.Star || f.Distinct {
		x.errs.Errorf(f.Pos, "%s is not an aggregate: * and DISTINCT are not allowed", name).WithEnd(f.EndPos)
		return bad()
	}
	if len(f.Args) < fn.min || (fn.max >= 0 && len(f.Args) > fn.max) {
		want := "exactly " + strconv.Itoa(fn.min)
		switch {
		case fn.max < 0:
			want = "at least " + strconv.Itoa(fn.min)
		case fn.max != fn.min:
			want = strconv.Itoa(fn.min) + " to " + strconv.Itoa(fn.max)
		}
		x.errs.Errorf(f.Pos, "%s takes %s arguments, got %d", name, want, len(f.Args)).WithEnd(f.EndPos)
		return bad()
	}
	if name == "current_timestamp" || name == "now" || name == "current_date" {
		if s.agg != nil {
			x.errs.Errorf(f.Pos, "%s() is only available before an aggregation", name).WithEnd(f.EndPos).
				WithHelp("aggregate it, e.g. max(%s())", name)
			return bad()
		}
	}
	args := make([]plan.Expr, len(f.Args))
	for i, a := range f.Args {
		args[i] = x.expr(a, s, clause)
	}
	return fn.typ(x, f, args)
}

// udfCall checks a call of a Go function against its signature; arguments widen implicitly
// to the parameter types.
func (x *exprChecker) udfCall(f *grammar.FuncCall, u *udf.Func, s *scope, clause string) plan.Expr {
	if u.Name == "" {
		return bad() // its CREATE FUNCTION failed and was reported
	}
	if f.Star || f.Distinct {
		x.errs.Errorf(f.Pos, "%s is not an aggregate: * and DISTINCT are not allowed", f.Name.Name).WithEnd(f.EndPos)
		return bad()
	}
	if len(f.Args) != len(u.Params) {
		x.errs.Errorf(f.Pos, "%s takes %d arguments (%s.%s), got %d", f.Name.Name, len(u.Params), u.ImportPath, u.Name, len(f.Args)).WithEnd(f.EndPos)
		return bad()
	}
	args := make([]plan.Expr, len(f.Args))
	null := false
	for i, a := range f.Args {
		e := x.expr(a, s, clause)
		want := u.Params[i].SQL
		if t, ok := sqltype.Common(e.Type(), want); !ok || t != want {
			pos, end := span(a)
			x.errs.Errorf(pos, "argument %d of %s is %s, but the Go function takes %s (%s)", i+1, f.Name.Name, e.Type(), want, u.Params[i].Go).WithEnd(end).
				WithHelp("CAST it: CAST(%s AS %s)", a.String(), want)
			return bad()
		}
		args[i] = coerce(e, want)
		null = null || e.Nullable()
	}
	return &plan.Call{Name: strings.ToLower(f.Name.Name), Args: args, T: u.Result.SQL, Null: null, UDF: u}
}
