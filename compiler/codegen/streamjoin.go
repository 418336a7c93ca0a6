package codegen

import (
	"fmt"
	"slices"
	"strconv"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/physical"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// A join of two streams: each side's loop collects its records (collectSideOp), and Finish
// pairs the batch's rows with the state of the other side (symmetricJoin), in arrival
// order, left side first, as Spark's symmetric hash join does.

// sides are the join's two sides: the state field and the worker's segments of each.
var sides = [2]string{"left", "right"}

// collectSideOp keeps a side's record for the join, its strings copied out of the chunk:
// the record goes into the join's state, so every column is read.
type collectSideOp struct {
	side int
	cols []plan.Column
}

func (o collectSideOp) roots() []plan.Expr {
	refs := make([]plan.Expr, len(o.cols))
	for i, c := range o.cols {
		refs[i] = &plan.ColRef{Idx: i, Name: c.Name, T: c.Type, Null: c.Nullable}
	}
	return refs
}
func (o collectSideOp) consume(p *pipe, next func()) {
	in := p.in
	for i, c := range in.src.Columns {
		if c.Type == sqltype.String || c.Type == sqltype.Bytes {
			f := Id("in").Dot(in.names[i])
			p.eg.emit(f.Clone().Op("=").Qual("strings", "Clone").Call(f))
		}
	}
	p.eg.emit(Id("w").Dot(sides[o.side]).Dot("Add").Call(Id("in")))
}

// joinKeyType is the Go type of the join key: the key itself, or a struct of the keys.
func (g *queryGen) joinKeyType() Code {
	keys := g.q.StreamJoin.LeftKeys
	if len(keys) == 1 {
		return kindType(keyKind(keys[0].Type()))
	}
	return Id(g.id("JoinKey"))
}

// declareJoinKey declares the struct of a join on several keys.
func (g *queryGen) declareJoinKey() {
	keys := g.q.StreamJoin.LeftKeys
	if len(keys) == 1 {
		return
	}
	var fs []Code
	for i, k := range keys {
		fs = append(fs, Id("K"+strconv.Itoa(i)).Add(kindType(keyKind(k.Type()))))
	}
	g.f.Commentf("%sJoinKey is the key that joins the two streams.", g.p)
	g.f.Type().Id(g.id("JoinKey")).Struct(fs...)
}

// sideFields are the Go forms of side i's columns in record v.
func (g *queryGen) sideFields(i int, v Code) []val {
	in := g.inputs[i]
	vals := make([]val, len(in.src.Columns))
	for j, c := range in.src.Columns {
		vals[j] = fieldVal(v, in.names[j], c)
	}
	return vals
}

// joinKeyMethod generates <side>Key(r): the join key of a record of side i, and whether a
// part of it is NULL (then it matches nothing).
func (g *queryGen) joinKeyMethod(i int, keys []plan.Expr) {
	g.base = g.sideFields(i, Id("r"))
	eg := g.newExprGen(keys...)
	eg.onErr = func(msg Code) []Code { return []Code{Panic(msg)} } // keys are plain expressions
	var null val
	vals := make([]val, len(keys))
	for j, k := range keys {
		vals[j] = eg.compile(k)
		null.null = union(null.null, vals[j].null)
	}
	var key Code
	if len(keys) == 1 {
		key = toKey(keys[0].Type(), vals[0].v)
	} else {
		d := Dict{}
		for j, v := range vals {
			d[Id("K"+strconv.Itoa(j))] = toKey(keys[j].Type(), v.v)
		}
		key = Id(g.id("JoinKey")).Values(d)
	}
	isNull := Code(False())
	if null.nullable() {
		isNull = null.isNull()
	}
	eg.emit(Return(key, isNull))
	g.f.Commentf("%sKey is the join key of a record of the %s stream, and whether it is NULL.", sides[i], sides[i])
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id(sides[i]+"Key").
		Params(Id("r").Op("*").Id(g.inputs[i].typ)).Params(g.joinKeyType(), Bool()).Block(eg.b.stmts...)
}

// sideType is the Go type of side i's state: its rows by join key.
func (g *queryGen) sideType(i int) Code {
	return Qual(pkgRT, "JoinSide").Types(g.joinKeyType(), Id(g.inputs[i].typ))
}

// symmetricJoin generates the join's part of Finish: the batch's records of each side in
// arrival order; a left record joins the right state and is stored, then a right record
// joins the left state (which holds this batch's left records too) and is stored, so each
// pair is emitted once. perPair (the filters and the projection after the join, and an
// inner join's residual conditions) becomes the method emit. A record older than the
// watermark is dropped as late; one that cannot match any more (a NULL key, or its expiry
// passed) is not stored; stored records expire as the watermark passes them, the unmatched
// ones of an outer side then emitted with NULLs for the other side. With aggregate, the
// pairs are not output rows but the rows of the aggregation over the join: a worker made
// for them (aw) aggregates them as a reader's worker aggregates records, and is the one
// worker the merge that follows sees.
func (g *queryGen) symmetricJoin(perPair []physical.Operator, aggregate bool) []Code {
	sj := g.q.StreamJoin
	g.declareJoinKey()
	g.joinKeyMethod(0, sj.LeftKeys)
	g.joinKeyMethod(1, sj.RightKeys)
	filters, cols := rowSteps(perPair)
	if aggregate {
		_, cols = plan.Flatten(g.q.InputColumns(), g.q.Pre)
	}
	g.emitErr = failingCalls(append(append([]plan.Expr{}, filters...), cols...), g.q.StrictCast)
	if aggregate {
		g.emitErr = g.emitErr || failingCalls(g.workerExprs(), g.q.StrictCast)
		g.aggregateMethods(filters, cols)
	} else {
		g.pairMethods(filters, cols)
	}
	g.joinMetricsMethod()
	onErr := sj.Kind != plan.StreamInner && failingCalls(sj.Residual, g.q.StrictCast)
	if sj.Kind != plan.StreamInner {
		g.onMethod(onErr)
	}
	failing := g.emitErr || onErr
	// emitStmt is a call of the emit method of a row shape (joinRow.suffix: "" for a pair),
	// which appends to out, or of the aggregating worker's, keeping the error in err when the
	// call can fail.
	emitStmt := func(suffix string, args ...Code) Code {
		if aggregate {
			call := Id("aw").Dot("aggregate" + suffix).Call(append(g.pairPos(), args...)...)
			if g.emitErr {
				return Err().Op("=").Add(call)
			}
			return call
		}
		call := Id("q").Dot("emit" + suffix).Call(append([]Code{Id("out")}, args...)...)
		if g.emitErr {
			return List(Id("out"), Err()).Op("=").Add(call)
		}
		return Id("out").Op("=").Add(call)
	}
	// counted follows stmt with the count of pairs that places the next one.
	counted := func(stmt *Statement) *Statement {
		if aggregate && g.pairPos() != nil {
			return stmt.Line().Id("pair").Op("++")
		}
		return stmt
	}
	// emit is emitStmt returning the error.
	emit := func(suffix string, args ...Code) Code {
		stmt := emitStmt(suffix, args...)
		if g.emitErr {
			return counted(If(stmt, Err().Op("!=").Nil()).Block(Return(Nil(), Err())))
		}
		return counted(Add(stmt))
	}
	body := []Code{Var().Id("out").Id(g.id("Rows"))}
	var chained []Code
	if g.chained() {
		// Spark 3.4's watermark for late events: what follows the join drops rows by the
		// batch before's watermark (see lastWatermark).
		chained = []Code{Id("lateWatermark").Op(":=").Id("q").Dot("lastWatermark"), Id("q").Dot("lastWatermark").Op("=").Id("q").Dot("watermark")}
	}
	if aggregate {
		body = []Code{Id("aw").Op(":=").Id("q").Dot("NewWorker").Call(Nil()).Assert(Op("*").Id(g.id("Worker"))),
			Id("aw").Dot("watermark").Op("=").Id("lateWatermark")}
		if g.pairPos() != nil {
			body = append(body, Id("pairs").Op(":=").Op("&").Qual(pkgRT, "Chunk").Values(Dict{Id("Batch"): Id("batchID")}),
				Var().Id("pair").Int64())
		}
	}
	if failing {
		body = append(body, Var().Err().Error())
	}
	body = append(chained, body...)
	if g.timed {
		body = append(body, Id("q").Dot("events").Op("=").Qual(pkgRT, "EventTimes").Values(),
			For(List(Id("_"), Id("rw")).Op(":=").Range().Id("workers")).Block(
				append([]Code{Id("w").Op(":=").Id("rw").Assert(Op("*").Id(g.id("Worker")))}, g.observeEvents(Id("w"))...)...))
	}
	for _, side := range sides {
		body = append(body, Id("q").Dot(side).Dot("Reset").Call())
	}
	semi := sj.Kind == plan.StreamLeftSemi
	for i, side := range sides {
		other := sides[1-i]
		segs := Id(side + "Segs")
		rec := Op("&").Id("r")
		pairArgs := func(j Code) []Code {
			stored := Op("&").Id(other + "s").Index(j).Dot("Row")
			if i == 0 {
				return []Code{rec, stored}
			}
			return []Code{stored, rec}
		}
		body = append(body,
			segs.Clone().Op(":=").Make(Index().Op("*").Qual(pkgRT, "Segments").Types(Id(g.inputs[i].typ)), Len(Id("workers"))),
			For(List(Id("i"), Id("w")).Op(":=").Range().Id("workers")).Block(
				segs.Clone().Index(Id("i")).Op("=").Op("&").Id("w").Assert(Op("*").Id(g.id("Worker"))).Dot(side)))
		var loop []Code
		in := g.inputs[i]
		if wm := in.src.Watermark; wm >= 0 {
			// Spark drops a row at or before the watermark: the other side's rows it could
			// have matched may be gone.
			ts := fieldVal(Id("r"), in.names[wm], in.src.Columns[wm])
			cond := ts.operand().Op("<=").Id("q").Dot("watermark")
			if ts.nullable() {
				cond = not(ts.isNull()).Op("&&").Add(cond)
			}
			loop = append(loop, If(cond).Block(Id("q").Dot(side).Dot("Late").Op("++"), Continue()))
		}
		// unmatched is what becomes of a record of this side that matches nothing more.
		unmatched := []Code{Continue()}
		if sj.Kind.Outer(i) {
			unmatched = []Code{emit(exported(side), rec), Continue()}
		}
		null := Id("null")
		var expires Code = Qual(pkgRT, "Never")
		if e := sj.Expiry[i]; e != nil {
			t := fieldVal(Id("r"), in.names[e.Col], in.src.Columns[e.Col])
			if t.nullable() {
				null = null.Op("||").Add(t.isNull())
			}
			expires = t.v
			switch {
			case e.Window != 0:
				expires = Qual(pkgRT, "ExpiresAt").Call(Qual(pkgSQLFn, "WindowStart").Call(t.v, Lit(int(e.Window))), Lit(int(e.Window+e.Offset)))
			case e.Offset != 0:
				expires = Qual(pkgRT, "ExpiresAt").Call(t.v, Lit(int(e.Offset)))
			}
		}
		loop = append(loop,
			List(Id("k"), Id("null")).Op(":=").Id("q").Dot(side+"Key").Call(rec),
			If(null).Block(unmatched...), // it can match nothing
			Id(other+"s").Op(":=").Id("q").Dot(other).Dot("Rows").Call(Id("k")),
		)
		// on runs then for a stored record whose pair satisfies ON.
		on := func(args []Code, then ...Code) []Code {
			if sj.Kind == plan.StreamInner {
				return then // ON's conditions are emit's
			}
			call := Id("q").Dot("on").Call(args...)
			if onErr {
				return []Code{
					List(Id("ok"), Err()).Op(":=").Add(call),
					If(Err().Op("!=").Nil()).Block(Return(Nil(), Err())),
					If(Id("ok")).Block(then...)}
			}
			return []Code{If(call).Block(then...)}
		}
		markOther := Id(other + "s").Index(Id("j")).Dot("Matched").Op("=").True()
		switch {
		case semi && i == 0:
			// A left record matched now is emitted now, and only once: it is not kept.
			loop = append(loop, Id("matched").Op(":=").False(),
				For(Id("j").Op(":=").Range().Id(other+"s")).Block(on(pairArgs(Id("j")), Id("matched").Op("=").True(), Break())...),
				If(Id("matched")).Block(emit("", rec), Continue()))
		case semi:
			loop = append(loop, For(Id("j").Op(":=").Range().Id(other+"s")).Block(append([]Code{
				If(Id(other + "s").Index(Id("j")).Dot("Matched")).Block(Continue())},
				on(pairArgs(Id("j")), emit("", Op("&").Id(other+"s").Index(Id("j")).Dot("Row")), markOther)...)...))
		default:
			then := []Code{emit("", pairArgs(Id("j"))...)}
			if sj.Kind.Outer(1 - i) {
				then = append(then, markOther)
			}
			if sj.Kind.Outer(i) {
				loop = append(loop, Id("matched").Op(":=").False())
				then = append(then, Id("matched").Op("=").True())
			}
			loop = append(loop, For(Id("j").Op(":=").Range().Id(other+"s")).Block(on(pairArgs(Id("j")), then...)...))
		}
		matched := Code(False())
		if sj.Kind.Outer(i) {
			matched = Id("matched")
		}
		if sj.Expiry[i] != nil { // then the other side has a watermark: the query is timed
			gone := []Code{Continue()}
			if sj.Kind.Outer(i) {
				gone = []Code{If(Op("!").Id("matched")).Block(emit(exported(side), rec)), Continue()}
			}
			loop = append(loop, Id("expires").Op(":=").Add(expires),
				If(Id("expires").Op("<=").Id("q").Dot("watermark")).Block(gone...)) // no later row can match it
			expires = Id("expires")
		}
		loop = append(loop, Id("q").Dot(side).Dot("Add").Call(Id("k"), Id("r"), matched, expires))
		body = append(body, For(List(Id("_"), Id("r")).Op(":=").Range().Qual(pkgRT, "InOrder").Call(segs)).Block(loop...))
	}
	if g.timed {
		for i, side := range sides {
			if sj.Expiry[i] == nil {
				continue
			}
			var expired Code = Nil()
			if sj.Kind.Outer(i) {
				then := emitStmt(exported(side), Op("&").Id("j").Dot("Row"))
				cond := Op("!").Id("j").Dot("Matched")
				if g.emitErr {
					cond = Err().Op("==").Nil().Op("&&").Add(cond)
				}
				expired = Func().Params(Id("j").Op("*").Qual(pkgRT, "Joined").Types(Id(g.inputs[i].typ))).Block(If(cond).Block(counted(Add(then))))
			}
			body = append(body, Id("q").Dot(side).Dot("Evict").Call(Id("q").Dot("watermark"), expired))
		}
		if g.emitErr && (sj.Kind != plan.StreamInner && sj.Kind != plan.StreamLeftSemi) {
			body = append(body, If(Err().Op("!=").Nil()).Block(Return(Nil(), Err())))
		}
	}
	if aggregate {
		body = append(body, Id("workers").Op("=").Index().Qual(pkgRT, "Worker").Values(Id("aw")))
	}
	return body
}

// pairPos are the arguments that place a pair in arrival order, for first() and last() over
// the join: a chunk of the batch, and the pair's number in it.
func (g *queryGen) pairPos() []Code {
	if !slices.ContainsFunc(g.q.Agg.Aggs, func(a *plan.AggCall) bool { return a.Func == plan.First || a.Func == plan.Last }) {
		return nil
	}
	return []Code{Id("pairs"), Id("pair")}
}

// joinRow is a shape of row a join of two streams hands on: a joined pair (or a semi join's
// left record that matched), or a record of an outer side that matched nothing, with NULL
// for the other side's columns; its methods are named emit<suffix> and aggregate<suffix>.
type joinRow struct {
	suffix string // "", Left or Right
	what   string // what the row is, for the methods' comments
	sides  []int  // the records the methods take
	base   []val  // the joined columns over them
}

// joinRows are the shapes of row the join hands on.
func (g *queryGen) joinRows() []joinRow {
	sj := g.q.StreamJoin
	left, right := g.sideFields(0, Id("l")), g.sideFields(1, Id("r"))
	if sj.Kind == plan.StreamLeftSemi {
		return []joinRow{{"", "a left record that matched", []int{0}, left}}
	}
	rows := []joinRow{{"", "a joined pair", []int{0, 1}, append(slices.Clip(left), right...)}}
	if sj.Kind.Outer(0) {
		rows = append(rows, joinRow{"Left", "a left record that matched nothing, with NULL for the right side", []int{0}, append(slices.Clip(left), g.nullSide(1)...)})
	}
	if sj.Kind.Outer(1) {
		rows = append(rows, joinRow{"Right", "a right record that matched nothing, with NULL for the left side", []int{1}, append(g.nullSide(0), right...)})
	}
	return rows
}

// params are the parameters of a joinRow's methods: its records.
func (r joinRow) params(g *queryGen) []Code {
	var ps []Code
	for _, i := range r.sides {
		ps = append(ps, Id(sides2[i]).Op("*").Id(g.inputs[i].typ))
	}
	return ps
}

// pairMethods generates emit<suffix>(out, records) for each joinRow: its output row, unless a
// condition rejects it.
func (g *queryGen) pairMethods(filters, cols []plan.Expr) {
	for _, r := range g.joinRows() {
		g.base = r.base
		g.emitFunc("emit"+r.suffix, fmt.Sprintf("emit%s appends the output row of %s, unless a condition rejects it.", r.suffix, r.what),
			r.params(g), filters, cols)
	}
}

// onMethod generates on(l, r): whether a pair with equal keys satisfies the rest of ON, for
// an outer or semi join, which must know whether a record matched.
func (g *queryGen) onMethod(fails bool) {
	g.base = append(g.sideFields(0, Id("l")), g.sideFields(1, Id("r"))...)
	ret := func(ok bool) Code {
		if fails {
			return Return(Lit(ok), Nil())
		}
		return Return(Lit(ok))
	}
	var ops []rowOp
	for _, c := range g.q.StreamJoin.Residual {
		ops = append(ops, filterOp{c})
	}
	ops = append(ops, finalOp{ret(true)})
	p := g.newPipe(nil, ops, func() Code { return ret(false) })
	p.eg.onErr = func(msg Code) []Code { return []Code{Return(False(), Qual("errors", "New").Call(msg))} }
	p.eg.patterns = Id("q").Dot("patterns")
	p.run(ops)
	results := Code(Bool())
	if fails {
		results = Params(Bool(), Error())
	}
	g.f.Comment("on reports whether a pair of records with equal keys satisfies the rest of ON.")
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id("on").
		Params(Id("l").Op("*").Id(g.inputs[0].typ), Id("r").Op("*").Id(g.inputs[1].typ)).Add(results).Block(p.eg.b.stmts...)
}

// finalOp ends a pipe with a statement.
type finalOp struct{ stmt Code }

func (finalOp) roots() []plan.Expr             { return nil }
func (o finalOp) consume(p *pipe, next func()) { p.eg.emit(o.stmt) }

// joinMetricsMethod generates JoinMetrics (rt.JoinQuery), each side's counts for the progress.
func (g *queryGen) joinMetricsMethod() {
	qt := Op("*").Id(g.id("Query"))
	g.f.Comment("JoinMetrics reports each side's records in state, evicted and dropped as late, for the progress.")
	g.f.Func().Params(Id("q").Add(qt)).Id("JoinMetrics").Params().Map(String()).Int64().Block(
		Return(Qual(pkgRT, "JoinMetrics").Call(Id("q").Dot("left"), Id("q").Dot("right"))))
	g.f.Line()
}

// aggregateMethods generates the methods of the worker that aggregates the join's pairs, as
// pairMethods does for output rows: aggregate<suffix>(records) adds each joinRow to its
// group, unless a condition rejects it.
func (g *queryGen) aggregateMethods(filters, cols []plan.Expr) {
	var pos []Code
	if g.pairPos() != nil {
		pos = []Code{Id("c").Op("*").Qual(pkgRT, "Chunk"), Id("line").Int64()}
	}
	ret := Return()
	results := Code(Null())
	if g.emitErr {
		ret, results = Return(Nil()), Error()
	}
	for _, r := range g.joinRows() {
		g.base = r.base
		var ops []rowOp
		for _, f := range filters {
			ops = append(ops, filterOp{f})
		}
		ops = append(ops, g.partialAggOp(&physical.Pipeline{Cols: cols}))
		p := g.newPipe(nil, ops, func() Code { return ret })
		p.eg.onErr = func(msg Code) []Code { return []Code{Return(Qual("errors", "New").Call(msg))} }
		p.eg.patterns = Id("w").Dot("patterns")
		p.run(ops)
		stmts := p.eg.b.stmts
		if g.emitErr {
			stmts = append(stmts, Return(Nil()))
		}
		g.f.Commentf("aggregate%s adds %s to its group, unless a condition rejects it.", r.suffix, r.what)
		g.f.Func().Params(Id("w").Op("*").Id(g.id("Worker"))).Id("aggregate" + r.suffix).
			Params(append(slices.Clone(pos), r.params(g)...)...).Add(results).Block(stmts...)
	}
}

// sides2 are the parameter names of the two sides' records.
var sides2 = [2]string{"l", "r"}

// nullSide is side i's columns, all NULL: an outer join's row that matched nothing.
func (g *queryGen) nullSide(i int) []val {
	vals := make([]val, len(g.inputs[i].src.Columns))
	for j, c := range g.inputs[i].src.Columns {
		vals[j] = typedNull(c.Type)
	}
	return vals
}

// chained reports whether a stateful operator follows the join of two streams (an
// aggregation or a DISTINCT): it takes its late rows by the batch before's watermark.
func (g *queryGen) chained() bool {
	return g.q.StreamJoin != nil && g.timed && (g.q.Agg != nil || g.q.Dedup != nil)
}
