// Package funcs is the registry of the built-in SQL functions and aggregates: one entry each
// says what the checker accepts, the type and NULLs it gives, and what generated code calls.
package funcs

import (
	"fmt"
	"slices"
	"sort"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// Scalar is a built-in scalar function. Most are one entry with Params, Result and Go: the
// checker converts the arguments, the result is NULL when an argument is, and generated
// code calls Go. The others name what each stage does for them itself.
type Scalar struct {
	// Name is the name the plan's Call carries; SQL spells it Name or one of Aliases.
	Name    string
	Aliases []string
	// Min and Max bound the number of arguments; Max < 0: any number from Min.
	Min, Max int
	Doc      string // a line for the reference, where docs/REFERENCE.md needs more than the name
	// Params types a call: one letter per argument, which the checker converts it to
	// (see Param); Result is the call's type.
	Params string
	Result sqltype.Type
	// OwnRule: the checker types calls with a rule of its own (compiler/check, rules) instead
	// of Params and Result.
	OwnRule bool
	// Rewritten: the checker rewrites calls into other expressions (CASE, an operator), so
	// none reaches code generation.
	Rewritten bool
	// Internal: no SQL name; the checker calls it in place of another (format_number of an
	// integer is format_number_int).
	Internal bool
	// MayFail: NULL for some non-NULL arguments too (repeat with a huge count, ln of 0); its
	// Go function returns the value and whether there is one.
	MayFail bool
	// Regexp: the second argument is a regular expression. A constant one is compiled once;
	// one from data is compiled per row, and one that does not compile fails the record.
	Regexp bool
	// BatchTime: the value is the time the batch started, so it exists only before an
	// aggregation (after one there is no row to take it from).
	BatchTime bool
	// Go is what generated code calls with the arguments: a function of runtime/sqlfn, or
	// "pkg.Func" of the standard library. "" when codegen emits the call itself (emitters).
	Go string
}

// Param letters: how the checker converts an argument (compiler/check, param).
const (
	ParamString    = 's' // a STRING
	ParamInt       = 'i' // an INT (a BIGINT constant must fit)
	ParamDouble    = 'd' // any number, as a DOUBLE
	ParamNumber    = 'n' // any number, as it is
	ParamInteger   = 'L' // an INT or BIGINT, as a BIGINT
	ParamTimestamp = 't' // a TIMESTAMP; a DATE or STRING converts
	ParamDate      = 'D' // a DATE; a TIMESTAMP or STRING converts
)

// fn is a function typed by params (see Param) that calls the sqlfn (or standard library)
// function goName.
func fn(name, params string, result sqltype.Type, goName string) Scalar {
	return Scalar{Name: name, Min: len(params), Max: len(params), Params: params, Result: result, Go: goName}
}

// own is a function the checker types with a rule of its own.
func own(name string, min, max int, goName string) Scalar {
	return Scalar{Name: name, Min: min, Max: max, OwnRule: true, Go: goName}
}

// internal is a plan-only function: the checker puts it in the plan in place of another.
func internal(name, goName string) Scalar {
	return Scalar{Name: name, Internal: true, Go: goName}
}

func (s Scalar) alias(names ...string) Scalar { s.Aliases = append(s.Aliases, names...); return s }
func (s Scalar) doc(d string) Scalar          { s.Doc = d; return s }
func (s Scalar) mayFail() Scalar              { s.MayFail = true; return s }

var scalarList = []Scalar{
	// Text.
	fn("length", "s", sqltype.Int, "Length").alias("char_length", "character_length").doc("number of characters (not bytes) of a string"),
	fn("lower", "s", sqltype.String, "Lower").alias("lcase"),
	fn("upper", "s", sqltype.String, "Upper").alias("ucase"),
	fn("initcap", "s", sqltype.String, "InitCap"),
	fn("reverse", "s", sqltype.String, "Reverse"),
	fn("trim", "s", sqltype.String, "Trim"),
	fn("ltrim", "s", sqltype.String, "LTrim"),
	fn("rtrim", "s", sqltype.String, "RTrim"),
	own("btrim", 1, 2, "TrimChars").doc("btrim(s[, chars]): s without leading and trailing spaces (or characters of chars)"),
	fn("replace", "sss", sqltype.String, "Replace"),
	fn("translate", "sss", sqltype.String, "Translate"),
	fn("instr", "ss", sqltype.Int, "InStr"),
	own("locate", 2, 3, "Locate").doc("locate(sub, s[, pos]): the 1-based position of the first sub in s at or after pos, 0 when none (and when pos is NULL)"),
	fn("starts_with", "ss", sqltype.Boolean, "strings.HasPrefix").alias("startswith"),
	fn("ends_with", "ss", sqltype.Boolean, "strings.HasSuffix").alias("endswith"),
	fn("contains", "ss", sqltype.Boolean, "strings.Contains"),
	fn("repeat", "si", sqltype.String, "Repeat").mayFail(),
	fn("lpad", "sis", sqltype.String, "LPad").mayFail(),
	fn("rpad", "sis", sqltype.String, "RPad").mayFail(),
	fn("split_part", "ssi", sqltype.String, "SplitPart").mayFail(),
	fn("left", "si", sqltype.String, "Left"),
	fn("right", "si", sqltype.String, "Right"),
	fn("ascii", "s", sqltype.Int, "ASCII"),
	fn("chr", "L", sqltype.String, "Chr").alias("char"),
	fn("octet_length", "s", sqltype.Int, "OctetLength"),
	fn("bit_length", "s", sqltype.Int, "BitLength"),
	own("substring", 2, 3, "").alias("substr").doc("substring(s, pos[, len]): 1-based, in characters; negative pos counts from the end"),
	own("concat", 1, -1, "").doc("concat(a, b, ...): NULL if any argument is NULL"),
	own("concat_ws", 2, -1, "").doc("concat_ws(sep, s, ...): the non-NULL strings joined by sep"),
	own("format_number", 2, 2, "FormatNumber").mayFail().doc("format_number(x, d): x rounded half to even to d decimals, with commas between thousands; NULL for d < 0"),
	internal("format_number_int", "FormatNumberInt").mayFail(),

	// Regular expressions.
	{Name: "regexp_extract", Min: 2, Max: 3, OwnRule: true, Regexp: true, MayFail: true,
		Doc: "regexp_extract(s, pattern[, group]): the group (default 1) of the first match, \"\" when none"},
	{Name: "regexp_replace", Min: 3, Max: 3, OwnRule: true, Regexp: true},
	{Name: "rlike", Aliases: []string{"regexp_like"}, Min: 2, Max: 2, OwnRule: true, Regexp: true},

	// Numbers.
	own("abs", 1, 1, "").doc("absolute value"),
	own("round", 1, 2, "").doc("round(x[, d]): half up to d decimal places (default 0)"),
	fn("floor", "n", sqltype.BigInt, ""),
	fn("ceil", "n", sqltype.BigInt, "").alias("ceiling"),
	fn("power", "dd", sqltype.Double, "Pow").alias("pow"),
	fn("sqrt", "d", sqltype.Double, "Sqrt"),
	fn("exp", "d", sqltype.Double, "Exp"),
	fn("sign", "d", sqltype.Double, "Sign").alias("signum"),
	fn("ln", "d", sqltype.Double, "Ln").mayFail(),
	fn("log10", "d", sqltype.Double, "Log10").mayFail(),
	fn("log2", "d", sqltype.Double, "Log2").mayFail(),
	{Name: "mod", Min: 2, Max: 2, OwnRule: true, Rewritten: true, Doc: "mod(a, b): a % b"},
	own("greatest", 2, -1, ""),
	own("least", 2, -1, ""),

	// Conditionals: CASE in the plan.
	{Name: "coalesce", Min: 1, Max: -1, OwnRule: true, Rewritten: true, Doc: "the first non-NULL argument"},
	{Name: "nullif", Min: 2, Max: 2, OwnRule: true, Rewritten: true, Doc: "nullif(a, b): NULL when a = b, else a"},
	{Name: "if", Min: 3, Max: 3, OwnRule: true, Rewritten: true, Doc: "if(cond, a, b): a when cond is TRUE, else b"},

	// Dates and times.
	{Name: "current_timestamp", Aliases: []string{"now"}, Result: sqltype.Timestamp, BatchTime: true,
		Doc: "the time the batch started (the same for every row of a batch)"},
	{Name: "current_date", Result: sqltype.Date, BatchTime: true, Doc: "the date the batch started (UTC)"},
	fn("year", "t", sqltype.Int, "Year"),
	fn("month", "t", sqltype.Int, "Month"),
	fn("day", "t", sqltype.Int, "Day").alias("dayofmonth"),
	fn("hour", "t", sqltype.Int, "Hour"),
	fn("minute", "t", sqltype.Int, "Minute"),
	fn("second", "t", sqltype.Int, "Second"),
	fn("date_trunc", "st", sqltype.Timestamp, "DateTrunc").mayFail(),
	fn("date_format", "ts", sqltype.String, "DateFormat"),
	fn("unix_timestamp", "t", sqltype.BigInt, "UnixTimestamp").alias("unix_seconds"),
	fn("unix_millis", "t", sqltype.BigInt, "UnixMillis"),
	fn("unix_micros", "t", sqltype.BigInt, ""),
	own("from_unixtime", 1, 2, "FromUnixtime").doc("from_unixtime(secs[, pattern]): secs since the epoch as text"),
	own("to_timestamp", 1, 2, "ToTimestamp").mayFail().doc("to_timestamp(s[, pattern]): NULL when s does not parse"),
	own("to_date", 1, 2, "ToDate").mayFail().doc("to_date(s[, pattern]): the date s names (as CAST, or by the pattern); NULL when it does not parse"),
	own("timestamp_seconds", 1, 1, "TimestampSeconds").mayFail().doc("timestamp_seconds(n): the timestamp n seconds (with a fraction, for a DOUBLE) after the epoch; NULL when out of range"),
	internal("timestamp_seconds_double", "TimestampSecondsDouble").mayFail(),
	fn("timestamp_millis", "L", sqltype.Timestamp, "TimestampMillis").mayFail(),
	fn("timestamp_micros", "L", sqltype.Timestamp, "").doc("timestamp_micros(n): the timestamp n microseconds after the epoch"),
	fn("date_add", "Di", sqltype.Date, "DateAdd"),
	fn("date_sub", "Di", sqltype.Date, "DateSub"),
	fn("datediff", "DD", sqltype.Int, "DateDiff").alias("date_diff"),
	fn("make_date", "iii", sqltype.Date, "MakeDate").mayFail(),
	fn("make_timestamp", "iiiiid", sqltype.Timestamp, "MakeTimestamp").mayFail(),
	fn("add_months", "Di", sqltype.Date, "AddMonths").mayFail(),
	fn("last_day", "D", sqltype.Date, "LastDay"),
	fn("dayofweek", "D", sqltype.Int, "DayOfWeek"),
	fn("weekday", "D", sqltype.Int, "WeekDay"),
	fn("dayofyear", "D", sqltype.Int, "DayOfYear"),
	fn("weekofyear", "D", sqltype.Int, "WeekOfYear"),
	fn("quarter", "D", sqltype.Int, "Quarter"),
	own("months_between", 2, 3, "MonthsBetween").doc("months_between(t1, t2[, roundOff]): months from t2 to t1; whole when the days of the month match, else counting 31-day months, rounded to 8 digits unless roundOff is false"),
	// window.start and window.end after GROUP BY window(...) or session_window(...).
	internal("window_start", ""),
	internal("window_end", ""),
	internal("window_time", ""),
}

// Aggregate is a built-in aggregate function: how the checker types a call and which
// plan.AggFunc it becomes (codegen's accumulators compute each AggFunc).
type Aggregate struct {
	Names []string // its SQL names
	Func  plan.AggFunc
	Doc   string
	// Star: f(*) is allowed, as the aggregate StarFunc (count(*)).
	Star     bool
	StarFunc plan.AggFunc
	// Arg is what the argument must be; an untyped NULL argument takes the type it needs.
	Arg ArgRule
	// Type is the result's type for an argument of type arg.
	Type func(arg sqltype.Type) sqltype.Type
	// Nullable: NULL for a group without a non-NULL value (count is 0 then).
	Nullable bool
	// Distinct is the aggregate f(DISTINCT x) is: Func when DISTINCT changes nothing (min,
	// max), "" when it is not supported.
	Distinct plan.AggFunc
	// IgnoreNulls: a second argument, TRUE or FALSE, says whether NULL values are skipped.
	IgnoreNulls bool
	// By: a second argument, of an orderable type, picks the row whose value is the result.
	By bool
}

// ArgRule is what an aggregate's argument must be.
type ArgRule int

const (
	AnyArg       ArgRule = iota // any type; an untyped NULL is a STRING
	NumericArg                  // a number; an untyped NULL is a DOUBLE
	OrderableArg                // a type with an order (min, max); an untyped NULL is a STRING
)

// Arity is how many arguments a call of the aggregate takes.
func (a *Aggregate) Arity() (min, max int) {
	if a.IgnoreNulls {
		return 1, 2
	}
	return 1, 1
}

func fixed(t sqltype.Type) func(sqltype.Type) sqltype.Type {
	return func(sqltype.Type) sqltype.Type { return t }
}

func sameType(arg sqltype.Type) sqltype.Type { return arg }

// sumType: Spark sums integers as a BIGINT and fractions as a DOUBLE.
func sumType(arg sqltype.Type) sqltype.Type {
	if arg == sqltype.Double {
		return sqltype.Double
	}
	return sqltype.BigInt
}

// statistic is one of the variance aggregates.
func statistic(f plan.AggFunc, names ...string) Aggregate {
	return Aggregate{Names: names, Func: f, Arg: NumericArg, Type: fixed(sqltype.Double), Nullable: true}
}

var aggregateList = []Aggregate{
	{Names: []string{"count"}, Func: plan.Count, Star: true, StarFunc: plan.CountStar, Type: fixed(sqltype.BigInt), Distinct: plan.CountDistinct},
	{Names: []string{"sum"}, Func: plan.Sum, Arg: NumericArg, Type: sumType, Nullable: true},
	{Names: []string{"avg", "mean"}, Func: plan.Avg, Arg: NumericArg, Type: fixed(sqltype.Double), Nullable: true},
	{Names: []string{"min"}, Func: plan.Min, Arg: OrderableArg, Type: sameType, Nullable: true, Distinct: plan.Min},
	{Names: []string{"max"}, Func: plan.Max, Arg: OrderableArg, Type: sameType, Nullable: true, Distinct: plan.Max},
	statistic(plan.StddevSamp, "stddev", "stddev_samp", "std"),
	statistic(plan.StddevPop, "stddev_pop"),
	statistic(plan.VarSamp, "variance", "var_samp"),
	statistic(plan.VarPop, "var_pop"),
	{Names: []string{"approx_count_distinct"}, Func: plan.ApproxCountDistinct, Type: fixed(sqltype.BigInt)},
	{Names: []string{"first", "first_value"}, Func: plan.First, Type: sameType, Nullable: true, IgnoreNulls: true},
	{Names: []string{"last", "last_value"}, Func: plan.Last, Type: sameType, Nullable: true, IgnoreNulls: true},
	{Names: []string{"max_by"}, Func: plan.MaxBy, Type: sameType, Nullable: true, By: true},
	{Names: []string{"min_by"}, Func: plan.MinBy, Type: sameType, Nullable: true, By: true},
}

var (
	bySQL  = map[string]*Scalar{}    // SQL name → function
	byPlan = map[string]*Scalar{}    // plan.Call name → function
	aggs   = map[string]*Aggregate{} // SQL name → aggregate
	names  []string                  // every SQL name, sorted
)

func init() {
	add := func(name string) {
		if _, dup := bySQL[name]; dup || aggs[name] != nil {
			panic(fmt.Sprintf("funcs: %s is registered twice", name))
		}
		names = append(names, name)
	}
	for i := range scalarList {
		s := &scalarList[i]
		if byPlan[s.Name] != nil {
			panic(fmt.Sprintf("funcs: %s is registered twice", s.Name))
		}
		byPlan[s.Name] = s
		if s.Internal {
			continue
		}
		for _, n := range append([]string{s.Name}, s.Aliases...) {
			add(n)
			bySQL[n] = s
		}
	}
	for i := range aggregateList {
		a := &aggregateList[i]
		for _, n := range a.Names {
			add(n)
			aggs[n] = a
		}
	}
	sort.Strings(names)
}

// Lookup finds the scalar function SQL calls name (lower case).
func Lookup(name string) (*Scalar, bool) {
	s, ok := bySQL[name]
	return s, ok
}

// Call finds the function a plan.Call names, internal ones included; nil for a Go function
// from CREATE FUNCTION (or a name no check produces).
func Call(name string) *Scalar { return byPlan[name] }

// LookupAggregate finds the aggregate SQL calls name (lower case).
func LookupAggregate(name string) (*Aggregate, bool) {
	a, ok := aggs[name]
	return a, ok
}

// Builtin reports whether name (lower case) is a built-in function or aggregate.
func Builtin(name string) bool {
	_, ok := bySQL[name]
	return ok || aggs[name] != nil
}

// Names lists the SQL names of every built-in function and aggregate, sorted: for the
// reference, "did you mean" and random query generators.
func Names() []string { return slices.Clone(names) }

// Arity tells how many arguments a built-in function takes (max < 0: any number from min)
// and whether it is an aggregate; ok is false for an unknown name.
func Arity(name string) (min, max int, aggregate, ok bool) {
	if s, found := bySQL[name]; found {
		return s.Min, s.Max, false, true
	}
	if a, found := aggs[name]; found {
		min, max = a.Arity()
		return min, max, true, true
	}
	return 0, 0, false, false
}

// Scalars lists every scalar function, internal ones included, for tests that each stage
// handles them all.
func Scalars() []*Scalar {
	s := make([]*Scalar, len(scalarList))
	for i := range scalarList {
		s[i] = &scalarList[i]
	}
	return s
}

// Aggregates lists every aggregate.
func Aggregates() []*Aggregate {
	a := make([]*Aggregate, len(aggregateList))
	for i := range aggregateList {
		a[i] = &aggregateList[i]
	}
	return a
}
