package codegen

import (
	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// accumulator is how generated code computes one aggregate function (plan.AggFunc; the
// registry, compiler/funcs, says which SQL calls become which). Its fields in a group's
// accumulator carry the aggregate's index n in their names.
type accumulator struct {
	fields func(n string, c *plan.AggCall) []stateField
	// update is the code for one row whose argument is x, in accumulator a; it runs only
	// for a non-NULL x unless ownNulls.
	update   func(n string, c *plan.AggCall, x val) []Code
	ownNulls bool
	// updateBy is update for an aggregate ordered by c.By (max_by): x is its argument and by
	// the row's non-NULL ordering value.
	updateBy func(n string, c *plan.AggCall, x, by val) []Code
	// merge adds the partial accumulator a into g.
	merge func(n string, c *plan.AggCall) []Code
	// result is the aggregate's value from accumulator a.
	result func(n string, c *plan.AggCall) val
}

// accumulatorOf is the accumulator of c; every AggFunc the checker produces has one.
func accumulatorOf(c *plan.AggCall) accumulator {
	acc, ok := accumulators[c.Func]
	if !ok {
		panic("codegen: no accumulator for aggregate " + string(c.Func))
	}
	return acc
}

// af is field+n of accumulator a (the one a row updates, or merged into g), gf of g.
func af(field, n string) *Statement { return Id("a").Dot(field + n) }
func gf(field, n string) *Statement { return Id("g").Dot(field + n) }

// isString is whether values of t are strings, which state must copy: they may point into
// the input's buffer.
func isString(t sqltype.Type) bool { return t == sqltype.String || t == sqltype.Bytes }

// kept is x as state keeps it.
func kept(t sqltype.Type, x Code) Code {
	if isString(t) {
		return Qual("strings", "Clone").Call(x)
	}
	return x
}

var count = accumulator{
	fields: func(n string, c *plan.AggCall) []stateField { return []stateField{{"n" + n, "Int64", string(c.Func)}} },
	update: func(n string, c *plan.AggCall, x val) []Code { return []Code{af("n", n).Op("++")} },
	merge:  func(n string, c *plan.AggCall) []Code { return []Code{gf("n", n).Op("+=").Add(af("n", n))} },
	result: func(n string, c *plan.AggCall) val { return val{v: af("n", n)} },
}

// moments is a variance aggregate: the running count, mean and sum of squares, and the
// sqlfn.Moments method giving the statistic, which needs least values (Spark: the sample
// statistics two, the population ones one).
func moments(method string, least int) accumulator {
	return accumulator{
		fields: func(n string, c *plan.AggCall) []stateField {
			return []stateField{{"v" + n, "Moments", string(c.Func)}}
		},
		update: func(n string, c *plan.AggCall, x val) []Code {
			return []Code{af("v", n).Dot("Add").Call(Float64().Call(x.v))}
		},
		merge: func(n string, c *plan.AggCall) []Code { return []Code{gf("v", n).Dot("Merge").Call(af("v", n))} },
		result: func(n string, c *plan.AggCall) val {
			return val{v: af("v", n).Dot(method).Call(), null: one(af("v", n).Dot("N").Op("<").Lit(least))}
		},
	}
}

// extremum is min and max: the best value so far, and whether there is one.
var extremum = accumulator{
	fields: func(n string, c *plan.AggCall) []stateField {
		return []stateField{{"m" + n, stateKind(c.Type), string(c.Func)}, {"has" + n, "Bool", ""}}
	},
	update: func(n string, c *plan.AggCall, x val) []Code {
		return []Code{If(Op("!").Add(af("has", n)).Op("||").Add(betterThan(c.Func == plan.Max, c.Type, x.v, af("m", n)))).Block(
			af("m", n).Op("=").Add(kept(c.Type, x.v)), af("has", n).Op("=").True())}
	},
	merge: func(n string, c *plan.AggCall) []Code {
		better := betterThan(c.Func == plan.Max, c.Type, af("m", n), gf("m", n))
		return []Code{If(af("has", n).Op("&&").Parens(Op("!").Add(gf("has", n)).Op("||").Add(better))).Block(
			gf("m", n).Op("=").Add(af("m", n)),
			gf("has", n).Op("=").True(),
		)}
	},
	result: func(n string, c *plan.AggCall) val { return val{v: af("m", n), null: one(Op("!").Add(af("has", n)))} },
}

// arrival is first and last: the value, whether it is NULL, and where its row arrived.
var arrival = accumulator{
	fields: func(n string, c *plan.AggCall) []stateField {
		return []stateField{{"f" + n, stateKind(c.Type), string(c.Func)}, {"null" + n, "Bool", ""},
			{"has" + n, "Bool", ""}, {"at" + n, "Pos", ""}}
	},
	update:   firstLastUpdate,
	ownNulls: true,
	merge: func(n string, c *plan.AggCall) []Code {
		// Of two partial results, the one that arrived first (last) wins.
		cond := af("at", n).Dot("Before").Call(gf("at", n))
		if c.Func == plan.Last {
			cond = gf("at", n).Dot("Before").Call(af("at", n))
		}
		var copies []Code
		for _, f := range []string{"f", "null", "has", "at"} {
			copies = append(copies, gf(f, n).Op("=").Add(af(f, n)))
		}
		return []Code{If(af("has", n).Op("&&").Parens(Op("!").Add(gf("has", n)).Op("||").Add(cond))).Block(copies...)}
	},
	result: func(n string, c *plan.AggCall) val {
		return val{v: af("f", n), null: one(Op("!").Add(af("has", n)).Op("||").Add(af("null", n)))}
	},
}

// extremeBy is max_by and min_by: the value of the best row so far (NULL too), that row's
// ordering value, and whether there is one. Of rows that tie, the first one a worker sees is
// kept, and of workers' that tie, the first worker's.
var extremeBy = accumulator{
	fields: func(n string, c *plan.AggCall) []stateField {
		return []stateField{{"x" + n, stateKind(c.Type), string(c.Func)}, {"xnull" + n, "Bool", ""},
			{"o" + n, stateKind(c.By.Type()), ""}, {"has" + n, "Bool", ""}}
	},
	updateBy: func(n string, c *plan.AggCall, x, by val) []Code {
		var null Code = False()
		if x.nullable() {
			null = x.isNull()
		}
		return []Code{If(Op("!").Add(af("has", n)).Op("||").Add(betterThan(c.Func == plan.MaxBy, c.By.Type(), by.v, af("o", n)))).Block(
			af("x", n).Op("=").Add(kept(c.Type, x.v)),
			af("xnull", n).Op("=").Add(null),
			af("o", n).Op("=").Add(kept(c.By.Type(), by.v)),
			af("has", n).Op("=").True())}
	},
	merge: func(n string, c *plan.AggCall) []Code {
		var copies []Code
		for _, f := range []string{"x", "xnull", "o", "has"} {
			copies = append(copies, gf(f, n).Op("=").Add(af(f, n)))
		}
		better := betterThan(c.Func == plan.MaxBy, c.By.Type(), af("o", n), gf("o", n))
		return []Code{If(af("has", n).Op("&&").Parens(Op("!").Add(gf("has", n)).Op("||").Add(better))).Block(copies...)}
	},
	result: func(n string, c *plan.AggCall) val {
		return val{v: af("x", n), null: one(Op("!").Add(af("has", n)).Op("||").Add(af("xnull", n)))}
	},
}

// firstLastUpdate keeps the row's value and place when it is the group's first (last) so far
// on this worker: a worker sees its chunks in arrival order, so first is the first one it
// sees and last the latest.
func firstLastUpdate(n string, c *plan.AggCall, x val) []Code {
	var null Code = False()
	if x.nullable() {
		null = x.isNull()
	}
	var keep Code = af("f", n).Op("=").Add(kept(c.Type, x.v))
	if c.Func == plan.Last && isString(c.Type) {
		// last replaces the value at every row: copy it only when it changes.
		keep = If(af("f", n).Op("!=").Add(x.v)).Block(keep)
	}
	set := []Code{
		keep,
		af("null", n).Op("=").Add(null),
		af("has", n).Op("=").True(),
		af("at", n).Op("=").Qual(pkgSQLFn, "At").Call(Id("c").Dot("Batch"), Id("c").Dot("Seq"), Id("line").Op("-").Id("c").Dot("Line")),
	}
	var cond Code
	if c.Func == plan.First {
		cond = Op("!").Add(af("has", n))
	}
	if c.IgnoreNulls && x.nullable() {
		if cond == nil {
			cond = not(x.isNull())
		} else {
			cond = Add(cond).Op("&&").Add(not(x.isNull()))
		}
	}
	if cond == nil {
		return set
	}
	return []Code{If(cond).Block(set...)}
}

// accumulators are the accumulator of every aggregate function.
var accumulators = map[plan.AggFunc]accumulator{
	plan.CountStar: count,
	plan.Count:     count,
	plan.CountDistinct: {
		fields: func(n string, c *plan.AggCall) []stateField {
			return []stateField{{"d" + n, "set " + keyKind(c.Arg.Type()), "count(DISTINCT)"}}
		},
		update: func(n string, c *plan.AggCall, x val) []Code {
			if isString(c.Arg.Type()) {
				// Copy a string only when it is new to the set.
				return []Code{If(List(Id("_"), Id("ok")).Op(":=").Add(af("d", n)).Index(x.v), Op("!").Id("ok")).Block(
					af("d", n).Index(kept(c.Arg.Type(), x.v)).Op("=").Struct().Values())}
			}
			return []Code{af("d", n).Index(toKey(c.Arg.Type(), x.v)).Op("=").Struct().Values()}
		},
		merge: func(n string, c *plan.AggCall) []Code {
			return []Code{For(Id("v").Op(":=").Range().Add(af("d", n))).Block(gf("d", n).Index(Id("v")).Op("=").Struct().Values())}
		},
		result: func(n string, c *plan.AggCall) val { return val{v: Int64().Call(Len(af("d", n)))} },
	},
	plan.Sum: {
		fields: func(n string, c *plan.AggCall) []stateField {
			return []stateField{{"s" + n, stateKind(c.Type), "sum"}, {"has" + n, "Bool", ""}}
		},
		update: func(n string, c *plan.AggCall, x val) []Code {
			return []Code{af("s", n).Op("+=").Add(goType(c.Type)).Call(x.v), af("has", n).Op("=").True()}
		},
		merge: func(n string, c *plan.AggCall) []Code {
			return []Code{gf("s", n).Op("+=").Add(af("s", n)), gf("has", n).Op("=").Add(gf("has", n)).Op("||").Add(af("has", n))}
		},
		result: func(n string, c *plan.AggCall) val { return val{v: af("s", n), null: one(Op("!").Add(af("has", n)))} },
	},
	plan.Avg: {
		fields: func(n string, c *plan.AggCall) []stateField {
			return []stateField{{"s" + n, "Float64", "avg: sum and count"}, {"n" + n, "Int64", ""}}
		},
		update: func(n string, c *plan.AggCall, x val) []Code {
			return []Code{af("s", n).Op("+=").Float64().Call(x.v), af("n", n).Op("++")}
		},
		merge: func(n string, c *plan.AggCall) []Code {
			return []Code{gf("s", n).Op("+=").Add(af("s", n)), gf("n", n).Op("+=").Add(af("n", n))}
		},
		result: func(n string, c *plan.AggCall) val {
			return val{v: af("s", n).Op("/").Float64().Call(af("n", n)), null: one(af("n", n).Op("==").Lit(0)), op: true}
		},
	},
	plan.ApproxCountDistinct: {
		fields: func(n string, c *plan.AggCall) []stateField { return []stateField{{"h" + n, "HLL", string(c.Func)}} },
		update: func(n string, c *plan.AggCall, x val) []Code {
			switch c.Arg.Type() {
			case sqltype.String, sqltype.Bytes:
				return []Code{af("h", n).Dot("AddString").Call(x.v)}
			case sqltype.Double:
				return []Code{af("h", n).Dot("AddFloat").Call(x.v)}
			case sqltype.Boolean:
				return []Code{af("h", n).Dot("AddInt").Call(Qual(pkgSQLFn, "BoolToInt").Call(x.v))}
			}
			return []Code{af("h", n).Dot("AddInt").Call(Int64().Call(x.v))}
		},
		merge:  func(n string, c *plan.AggCall) []Code { return []Code{gf("h", n).Dot("Merge").Call(af("h", n))} },
		result: func(n string, c *plan.AggCall) val { return val{v: af("h", n).Dot("Count").Call()} },
	},
	plan.StddevSamp: moments("StddevSamp", 2),
	plan.StddevPop:  moments("StddevPop", 1),
	plan.VarSamp:    moments("VarSamp", 2),
	plan.VarPop:     moments("VarPop", 1),
	plan.Min:        extremum,
	plan.Max:        extremum,
	plan.First:      arrival,
	plan.Last:       arrival,
	plan.MaxBy:      extremeBy,
	plan.MinBy:      extremeBy,
}
