package check

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/funcs"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/compiler/udf"
	"github.com/sqlstream/sqlstream/grammar"
)

// rule types a call of a built-in function the registry marks OwnRule (funcs.Scalar), from
// its checked arguments.
type rule func(x *exprChecker, f *grammar.FuncCall, args []plan.Expr) plan.Expr

// rules are the type rules of the functions Params cannot describe, by funcs.Scalar.Name.
var rules map[string]rule

func init() {
	rules = map[string]rule{
		"regexp_extract": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.stringArg(a[0], f.Args[0], "regexp_extract"), x.pattern(a[1], f.Args[1]), &plan.Const{T: sqltype.Int, Int: 1}}
			if len(a) == 3 {
				args[2] = x.intArg(a[2], f.Args[2], "regexp_extract")
			}
			return call("regexp_extract", sqltype.String, args...)
		},
		"regexp_replace": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("regexp_replace", sqltype.String, x.stringArg(a[0], f.Args[0], "regexp_replace"), x.pattern(a[1], f.Args[1]), x.stringArg(a[2], f.Args[2], "regexp_replace"))
		},
		"rlike": regexpLike,
		"concat_ws": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := x.stringArgs(a, f, "concat_ws")
			return &plan.Call{Name: "concat_ws", Args: args, T: sqltype.String, Null: args[0].Nullable()}
		},
		"greatest": extreme("greatest"),
		"least":    extreme("least"),
		"mod": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return x.arith("%", a[0], a[1], f)
		},
		"format_number": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], "format_number")
			name := "format_number"
			if n.Type() != sqltype.Double {
				name, n = "format_number_int", coerce(n, sqltype.BigInt)
			}
			return call(name, sqltype.String, n, x.intArg(a[1], f.Args[1], "format_number"))
		},
		"btrim": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			if len(a) == 1 {
				return call("trim", sqltype.String, x.stringArg(a[0], f.Args[0], "btrim"))
			}
			return call("btrim", sqltype.String, x.stringArg(a[0], f.Args[0], "btrim"), x.stringArg(a[1], f.Args[1], "btrim"))
		},
		"locate": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
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
		},
		"months_between": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.timestampArg(a[0], f.Args[0], "months_between"), x.timestampArg(a[1], f.Args[1], "months_between"), &plan.Const{T: sqltype.Boolean, Bool: true}}
			if len(a) == 3 {
				args[2] = x.boolean(a[2], f.Args[2], "months_between roundOff")
			}
			return call("months_between", sqltype.Double, args...)
		},
		"to_date": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			if len(a) == 1 {
				return x.dateArg(a[0], f.Args[0], "to_date")
			}
			return call("to_date", sqltype.Date, x.stringArg(a[0], f.Args[0], "to_date"), x.stringArg(a[1], f.Args[1], "to_date"))
		},
		"timestamp_seconds": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], "timestamp_seconds")
			name := "timestamp_seconds"
			if n.Type() == sqltype.Double {
				name = "timestamp_seconds_double"
			} else {
				n = coerce(n, sqltype.BigInt)
			}
			return call(name, sqltype.Timestamp, n)
		},
		"from_unixtime": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{coerce(x.numArg(a[0], f.Args[0], "from_unixtime"), sqltype.BigInt), &plan.Const{T: sqltype.String, Str: "yyyy-MM-dd HH:mm:ss"}}
			if len(a) == 2 {
				args[1] = x.stringArg(a[1], f.Args[1], "from_unixtime")
			}
			return call("from_unixtime", sqltype.String, args...)
		},
		"to_timestamp": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.stringArg(a[0], f.Args[0], "to_timestamp"), &plan.Const{T: sqltype.String, Str: ""}}
			if len(a) == 2 {
				args[1] = x.stringArg(a[1], f.Args[1], "to_timestamp")
			}
			return call("to_timestamp", sqltype.Timestamp, args...)
		},
		"substring": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.stringArg(a[0], f.Args[0], "substring")}
			for i := 1; i < len(a); i++ {
				args = append(args, x.intArg(a[i], f.Args[i], "substring"))
			}
			return call("substring", sqltype.String, args...)
		},
		"concat": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			return call("concat", sqltype.String, x.stringArgs(a, f, "concat")...)
		},
		"abs": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			n := x.numArg(a[0], f.Args[0], "abs")
			return call("abs", n.Type(), n)
		},
		"round": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			args := []plan.Expr{x.numArg(a[0], f.Args[0], "round")}
			if len(a) == 2 {
				args = append(args, x.intArg(a[1], f.Args[1], "round"))
			}
			return call("round", args[0].Type(), args...)
		},
		"coalesce": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
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
		},
		"nullif": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
			eq := x.compare("=", a[0], a[1], f.Args[0], f.Args[1])
			t := a[0].Type()
			if t == sqltype.Null {
				return null()
			}
			return &plan.Case{Whens: []plan.When{{Cond: eq, Result: &plan.Const{T: t, IsNull: true}}}, Else: coerce(a[0], t), T: t, Null: true}
		},
		"if": func(x *exprChecker, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
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
		},
	}
}

// typeCall types a call of the built-in fn: by its own rule, or by converting each argument
// as its Params say.
func (x *exprChecker) typeCall(fn *funcs.Scalar, f *grammar.FuncCall, a []plan.Expr) plan.Expr {
	if fn.OwnRule {
		return rules[fn.Name](x, f, a)
	}
	args := make([]plan.Expr, len(a))
	for i, k := range []byte(fn.Params) {
		args[i] = x.param(k, a[i], f.Args[i], fn.Name)
	}
	return call(fn.Name, fn.Result, args...)
}

// param converts argument e of fn as the registry's letter k says (see funcs.Param).
func (x *exprChecker) param(k byte, e plan.Expr, at grammar.Expr, fn string) plan.Expr {
	switch k {
	case funcs.ParamString:
		return x.stringArg(e, at, fn)
	case funcs.ParamInt:
		return x.intArg(e, at, fn)
	case funcs.ParamDouble:
		return coerce(x.numArg(e, at, fn), sqltype.Double)
	case funcs.ParamNumber:
		return x.numArg(e, at, fn)
	case funcs.ParamTimestamp:
		return x.timestampArg(e, at, fn)
	case funcs.ParamDate:
		return x.dateArg(e, at, fn)
	case funcs.ParamInteger:
		return x.integerArg(e, at, fn)
	}
	panic("check: no conversion for parameter kind " + string(k) + " of " + fn)
}

// stringArgs checks that every argument of a variadic string function is a string.
func (x *exprChecker) stringArgs(a []plan.Expr, f *grammar.FuncCall, fn string) []plan.Expr {
	args := make([]plan.Expr, len(a))
	for i := range a {
		args[i] = x.stringArg(a[i], f.Args[i], fn)
	}
	return args
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

// call is a call of the built-in the plan names name: NULL when an argument is, or when the
// function may fail.
func call(name string, t sqltype.Type, args ...plan.Expr) *plan.Call {
	null := funcs.Call(name).MayFail
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
		if x.joinWindows {
			return x.joinWindow(f, s)
		}
		x.errs.Errorf(f.Pos, "window() groups rows: it belongs in GROUP BY").WithEnd(f.EndPos).
			WithHelp("GROUP BY window(ts, INTERVAL '10' MINUTE), then select window, window.start or window.end")
		return bad()
	case "window_time":
		return x.windowTime(f, s, clause)
	case "session_window":
		x.errs.Errorf(f.Pos, "session_window() groups rows: it belongs in GROUP BY").WithEnd(f.EndPos).
			WithHelp("GROUP BY session_window(ts, INTERVAL '5' MINUTE), then select session_window.start and session_window.end")
		return bad()
	}
	fn, ok := funcs.Lookup(name)
	if !ok {
		d := x.errs.Errorf(f.Name.Pos, "unknown function %q", f.Name.Name).WithEnd(f.Name.EndPos)
		if h := diag.Closest(name, funcs.Names()); h != "" {
			d.WithHelp("did you mean %s?", h)
		}
		return bad()
	}
	if f.Star || f.Distinct {
		x.errs.Errorf(f.Pos, "%s is not an aggregate: * and DISTINCT are not allowed", name).WithEnd(f.EndPos)
		return bad()
	}
	if len(f.Args) < fn.Min || (fn.Max >= 0 && len(f.Args) > fn.Max) {
		want := "exactly " + strconv.Itoa(fn.Min)
		switch {
		case fn.Max < 0:
			want = "at least " + strconv.Itoa(fn.Min)
		case fn.Max != fn.Min:
			want = strconv.Itoa(fn.Min) + " to " + strconv.Itoa(fn.Max)
		}
		x.errs.Errorf(f.Pos, "%s takes %s arguments, got %d", name, want, len(f.Args)).WithEnd(f.EndPos)
		return bad()
	}
	if fn.BatchTime && s.agg != nil {
		x.errs.Errorf(f.Pos, "%s() is only available before an aggregation", name).WithEnd(f.EndPos).
			WithHelp("aggregate it, e.g. max(%s())", name)
		return bad()
	}
	if fn.BatchTime && s.staged {
		x.errs.Errorf(f.Pos, "%s() is only available in the innermost query of a chain of aggregations or DISTINCTs", name).WithEnd(f.EndPos).
			WithHelp("select it in the subquery that reads the source, e.g. max(%s()) AS seen", name)
		return bad()
	}
	args := make([]plan.Expr, len(f.Args))
	for i, a := range f.Args {
		args[i] = x.expr(a, s, clause)
	}
	return x.typeCall(fn, f, args)
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
