package codegen

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/physical"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// accType declares the accumulator struct (one set of fields per aggregate), its merge
// method, and the constructor that allocates COUNT(DISTINCT) sets.
func (g *queryGen) accType() {
	g.accState = []stateField{{"mark", "Mark", "rt.BatchMark of the last batch that changed the group"}}
	var merge []Code
	for i, a := range g.q.Agg.Aggs {
		n := strconv.Itoa(i)
		acc := accumulatorOf(a)
		g.accState = append(g.accState, acc.fields(n, a)...)
		merge = append(merge, acc.merge(n, a)...)
	}
	// The struct is what the checkpoint saves: its fields and their kinds, one list. Its
	// fields of four bytes and less go last, together: a worker touches an accumulator per
	// row, and a count and sum with their mark and NULL flag take 24 bytes so, not 32.
	var fields []Code
	init := Dict{}
	for _, f := range slices.SortedStableFunc(slices.Values(g.accState), func(a, b stateField) int { return cmp.Compare(kindAlign(b.kind), kindAlign(a.kind)) }) {
		field := Id(f.name).Add(kindType(f.kind))
		if f.doc != "" {
			field.Comment(f.doc)
		}
		fields = append(fields, field)
		if strings.HasPrefix(f.kind, "set ") {
			init[Id(f.name)] = kindType(f.kind).Values()
		}
	}
	acc := g.id("Acc")
	g.f.Commentf("%s holds the aggregates of one group.", acc)
	g.f.Type().Id(acc).Struct(fields...)
	g.f.Func().Add(g.newAcc()).Params().Id(acc).Block(
		Return(Id(acc).Values(init)))
	g.f.Comment("Merge adds the partial aggregates of a into g.")
	g.f.Func().Params(Id("g").Op("*").Id(acc)).Id("Merge").Params(Id("a").Op("*").Id(acc)).Block(merge...)
	g.f.Comment("Mark is the group's batch mark, for rt.MergeWorker.")
	g.f.Func().Params(Id("g").Op("*").Id(acc)).Id("Mark").Params().Op("*").Uint32().Block(Return(Op("&").Id("g").Dot("mark")))
	if name, ok := g.stringKey(); ok {
		g.stringGroups(name)
	}
}

// stringGroups makes the key of a single STRING column an rt.StringKey: its groups are an
// rt.StringGroups, by the string, the NULL key's apart (see stringKey).
func (g *queryGen) stringGroups(name string) {
	key := g.id("Key")
	split := List(Id("k").Dot(name), False())
	join := Dict{Id(name): Id("s")}
	null := Id("_")
	if g.q.Agg.KeyCols[0].Nullable {
		split, join[Id(name+"Null")], null = List(Id("k").Dot(name), Id("k").Dot(name+"Null")), Id("null"), Id("null")
	}
	g.f.Comment("Split and Join convert a key to and from its string, for rt.StringGroups.")
	g.f.Func().Params(Id("k").Id(key)).Id("Split").Params().Params(String(), Bool()).Block(Return(split))
	g.f.Func().Params(Id(key)).Id("Join").Params(Id("s").String(), null.Bool()).Id(key).Block(Return(Id(key).Values(join)))
}

// newAcc is the name of the function that returns a new group's accumulator.
func (g *queryGen) newAcc() *Statement { return Id("new" + exported(g.p) + "Acc") }

// groupsType is the type of an aggregation's groups, a worker's and the state's: their
// accumulators by value, in an arena the key's map indexes (rt.Groups), so that a group
// costs no allocation of its own and the GC no pointer per group.
func (g *queryGen) groupsType() *Statement {
	if _, ok := g.stringKey(); ok {
		return Qual(pkgRT, "StringGroups").Types(Id(g.id("Key")), Id(g.id("Acc")))
	}
	return Qual(pkgRT, "Groups").Types(Id(g.id("Key")), Id(g.id("Acc")))
}

// workerGroups declares a worker's groups, with the small integer keys' groups in an array
// (see denseKey).
func (g *queryGen) workerGroups() []Code {
	acc := Id(g.id("Acc"))
	fields := []Code{Id("groups").Add(g.groupsType())}
	if _, ok := g.denseKey(); ok {
		fields = append(fields, Id("dense").Index(Lit(denseGroups)).Add(acc).Comment("the groups of keys 0 to 1023, those marked in inDense"),
			Id("inDense").Index(Lit(denseGroups)).Bool())
	}
	return fields
}

// betterThan is "x should replace the current maximum (minimum) cur" of type t.
func betterThan(max bool, t sqltype.Type, x, cur Code) Code {
	op := "<"
	if max {
		op = ">"
	}
	switch t {
	case sqltype.Boolean:
		return boolOrder(op, val{v: x}, val{v: cur})
	case sqltype.Double:
		// NaN is the largest DOUBLE: max is NaN when one is, min passes it over.
		if op == ">" {
			x, cur = cur, x
		}
		return Qual(pkgSQLFn, "DoubleLess").Call(x, cur)
	}
	return Add(x).Op(op).Add(cur)
}

// aggUpdate generates: build the key, find or create the group, update each aggregate;
// drop is the statement that drops the row (a late one).
func (g *queryGen) aggUpdate(eg *exprGen, keys []plan.Expr, args []aggArg, drop func() Code) {
	keyVals := make([]val, len(keys))
	var window *plan.Call
	var ts val
	var session *val
	for i, k := range keys {
		if c, ok := k.(*plan.Call); ok && c.Name == "session_window" {
			// Each row starts a session of its own at its time; Finish merges overlapping ones.
			ts := eg.compile(c.Args[0])
			session, keyVals[i] = &ts, val{v: ts.v}
			continue
		}
		if c, ok := k.(*plan.Call); ok && c.Name == "window" {
			// The window key takes each window the row falls in: see the loop below.
			window, ts = c, eg.compile(c.Args[0])
			keyVals[i] = val{v: Id("ws")}
			continue
		}
		keyVals[i] = eg.compile(k)
	}
	argVals := make([]argVal, len(args))
	for i, a := range args {
		if a.x != nil {
			argVals[i].x = eg.compile(a.x)
		}
		if a.by != nil {
			argVals[i].by = eg.compile(a.by)
		}
	}
	group := eg.sub(func() { g.groupUpdate(eg, keyVals, argVals) })
	// late drops a row older than the watermark, and with a late_rows sink sends it there by
	// calling the RecordErrors method fn with the row's event time and then args.
	late := func(next Code, fn string, eventTime Code, args ...Code) []Code {
		code := []Code{Id("w").Dot("late").Op("++")}
		if g.q.LateRows != nil {
			args = append([]Code{Id("c"), Id("line"), g.src.record(), eventTime, Id("w").Dot("watermark")}, args...)
			code = append(code, Id("w").Dot("rec").Dot(fn).Call(args...))
		}
		return append(code, next)
	}
	if g.eventKey >= 0 && !g.eventWindow {
		// Rows older than the watermark are too late for their group (Spark drops them); a
		// window that a stage before made is late once the watermark passed its end.
		k := keyVals[g.eventKey]
		cond := k.operand().Op("<=").Id("w").Dot("watermark")
		if size := g.q.Agg.KeyCols[g.eventKey].Size; size > 0 {
			cond = k.operand().Op("+").Lit(int(size)).Op("<=").Id("w").Dot("watermark")
		}
		if k.nullable() {
			cond = not(k.isNull()).Op("&&").Add(cond)
		}
		group = append([]Code{If(cond).Block(late(drop(), "Late", k.operand(), Lit("event time at or before the watermark"))...)}, group...)
	}
	if session != nil {
		if g.eventKey >= 0 {
			// A row older than the watermark could join a session already emitted: late.
			group = append([]Code{If(session.operand().Op("<").Id("w").Dot("watermark")).Block(
				late(drop(), "Late", session.operand(), Lit("event time before the watermark, so its session may have been emitted"))...)}, group...)
		}
		if session.nullable() {
			group = []Code{If(not(session.isNull())).Block(group...)} // a row without a time is in no session
		}
	}
	if window == nil {
		eg.emit(group...)
		return
	}
	// A row belongs to every window [start, start+size) that covers its time: the last one
	// starts at or before it, the others one slide earlier each.
	size, slide := window.Args[1].(*plan.Const).Int, window.Args[2].(*plan.Const).Int
	if g.eventKey >= 0 && g.eventWindow {
		// A window the watermark has passed is final: the row is too late for it (for the
		// one window of a tumbling one; a sliding window goes on to the next window).
		var next Code = Continue()
		if size == slide {
			next = drop()
		}
		group = append([]Code{If(Id("ws").Op("+").Lit(int(size)).Op("<=").Id("w").Dot("watermark")).Block(
			late(next, "LateForWindow", ts.operand(), Id("ws"), Lit(int(size)))...)}, group...)
	}
	var windows []Code
	if size == slide {
		// A tumbling window: the row is in exactly one.
		windows = append([]Code{Id("ws").Op(":=").Qual(pkgSQLFn, "WindowStart").Call(ts.v, Lit(int(slide)))}, group...)
	} else {
		windows = []Code{
			Id("et").Op(":=").Add(ts.v),
			For(
				Id("ws").Op(":=").Qual(pkgSQLFn, "WindowStart").Call(Id("et"), Lit(int(slide))),
				Id("ws").Op(">").Id("et").Op("-").Lit(int(size)),
				Id("ws").Op("-=").Lit(int(slide)),
			).Block(group...),
		}
	}
	if ts.nullable() {
		eg.emit(If(not(ts.isNull())).Block(windows...)) // a row without a time is in no window
	} else {
		eg.emit(windows...)
	}
}

// groupUpdate generates: build the key, find or create the group, update each aggregate.
func (g *queryGen) groupUpdate(eg *exprGen, keyVals []val, argVals []argVal) {
	agg := g.q.Agg
	newAcc := g.newAcc().Call()
	if jg := g.groupsOfTable(); jg != nil {
		// The group is the one of the matching table row's key, numbered at load.
		acc, group := Id("w").Dot("accs").Index(Id("t"+jg.n).Dot("group")), Id("t"+jg.n).Dot("group")
		eg.emit(
			Id("a").Op(":=").Add(acc),
			If(Id("a").Op("==").Nil()).Block(
				Id("a").Op("=").New(newAcc),
				Id("w").Dot("accs").Index(group).Op("=").Id("a"),
				Id("w").Dot("touched").Op("=").Append(Id("w").Dot("touched"), group)))
		g.aggUpdates(eg, argVals)
		return
	}
	eg.emit(g.groupKey("k", keyVals)...)
	// inArray finds the group a in an array of accumulators by value, with a flag per
	// element that says it holds one.
	inArray := func(acc, held *Statement) Code {
		return Block(Id("a").Op("=").Op("&").Add(acc),
			If(Op("!").Add(held)).Block(
				held.Clone().Op("=").True(),
				Op("*").Id("a").Op("=").Add(newAcc)))
	}
	// inGroups finds the group a of key k in groups, or adds it under stored (k, or its
	// copy: a key's strings are views of the chunk) after the statements clones.
	get := "Get"
	inGroups := func(assign string, groups *Statement, k, stored Code, clones ...Code) []Code {
		return []Code{
			Id("a").Op(assign).Add(groups).Dot(get).Call(k),
			If(Id("a").Op("==").Nil()).Block(append(clones,
				Id("a").Op("=").Add(groups.Clone()).Dot("Add").Call(stored, newAcc))...)}
	}
	accVar := Var().Id("a").Op("*").Id(g.id("Acc"))
	if name, ok := g.denseKey(); ok {
		// A small non-negative integer key indexes the worker's array of groups.
		k := Id("k").Dot(name)
		cond := Id("uint64").Call(k).Op("<").Lit(denseGroups)
		if agg.KeyCols[0].Nullable {
			cond = Op("!").Id("k").Dot(name + "Null").Op("&&").Add(cond)
		}
		eg.emit(accVar, If(cond).Add(inArray(Id("w").Dot("dense").Index(k), Id("w").Dot("inDense").Index(k))).
			Else().Block(inGroups("=", Id("w").Dot("groups"), Id("k"), Id("k"))...))
		g.aggUpdates(eg, argVals)
		return
	}
	if name, ok := g.stringKey(); ok {
		// The row's key is found by its string, the NULL key's group apart (see stringGroups).
		k := Id("k").Dot(name)
		stored := Qual("strings", "Clone").Call(k.Clone())
		groups := Id("w").Dot("groups")
		if !agg.KeyCols[0].Nullable {
			eg.emit(inGroups(":=", groups.Clone().Dot("ByString"), k, stored)...)
		} else {
			eg.emit(accVar, If(Id("k").Dot(name+"Null")).Block(Id("a").Op("=").Add(groups.Clone()).Dot("Null").Call(g.newAcc())).
				Else().Block(inGroups("=", groups.Clone().Dot("ByString"), k, stored)...))
		}
		g.aggUpdates(eg, argVals)
		return
	}
	var clones []Code
	for i, c := range agg.KeyCols {
		if c.Type == sqltype.String || c.Type == sqltype.Bytes {
			clones = append(clones, Id("k").Dot(g.keyNms[i]).Op("=").Qual("strings", "Clone").Call(Id("k").Dot(g.keyNms[i])))
		}
	}
	if clones == nil {
		get = "GetRepeated" // a key of numbers (a window, a status) often repeats row after row
	}
	eg.emit(inGroups(":=", Id("w").Dot("groups"), Id("k"), Id("k"), clones...)...)
	g.aggUpdates(eg, argVals)
}

// groupKey declares the group key k of the key columns' values.
func (g *queryGen) groupKey(k string, keyVals []val) []Code {
	agg := g.q.Agg
	keyVals = slices.Clone(keyVals)
	for i, c := range agg.KeyCols {
		keyVals[i].v = toKey(c.Type, keyVals[i].v)
	}
	return append([]Code{Var().Id(k).Id(g.id("Key"))}, assignFields(k, g.keyNms, agg.KeyCols, keyVals, false)...)
}

// denseGroups is how many small integer keys a worker's array of groups holds.
const denseGroups = 1024

// denseKey reports whether the aggregation's only key is an integer (INT or BIGINT, not a
// window or session), so that a worker keeps the groups of keys 0 to denseGroups-1 in an
// array rather than its map: lengths, hours, codes and buckets are such keys, and an array
// index costs a fraction of a hash lookup. It returns the key's field.
func (g *queryGen) denseKey() (string, bool) {
	a := g.q.Agg
	if len(a.KeyCols) != 1 || (a.KeyCols[0].Type != sqltype.Int && a.KeyCols[0].Type != sqltype.BigInt) {
		return "", false
	}
	if _, _, ok := a.Session(); ok {
		return "", false
	}
	if c, ok := a.Keys[0].(*plan.Call); ok && c.Name == "window" {
		return "", false
	}
	return g.keyNms[0], true
}

// stringKey reports whether the aggregation's only key is a STRING (not numbered by a
// table's rows), so that a worker keeps its groups in a map keyed by the string, and the
// group of the NULL key apart: Go's maps have a fast path for string keys, and a struct
// key (the string and its null flag) hashes and compares through the type's functions.
// At 860,000 users that was half of W4's time; map[string] takes a third of it. The
// state across batches keeps the Key struct; Finish builds it once per group and worker.
// It returns the key's field.
func (g *queryGen) stringKey() (string, bool) {
	a := g.q.Agg
	if len(a.KeyCols) != 1 || a.KeyCols[0].Type != sqltype.String || g.groupsOfTable() != nil {
		return "", false
	}
	return g.keyNms[0], true
}

// partialAggregate is the query's PartialAggregate operator, or nil.
func (g *queryGen) partialAggregate() *physical.PartialAggregate {
	for _, op := range g.phys.Chunk {
		if pa, ok := op.(*physical.PartialAggregate); ok {
			return pa
		}
	}
	return nil
}

// groupsOfTable is the join whose table numbers the groups (PartialAggregate.ByTable), or nil.
func (g *queryGen) groupsOfTable() *joinGen {
	for _, in := range g.inputs {
		for _, jg := range in.joins {
			if jg.groups != nil {
				return jg
			}
		}
	}
	return nil
}

// aggUpdates updates each aggregate of the group a with its argument's value.
func (g *queryGen) aggUpdates(eg *exprGen, argVals []argVal) {
	for i, a := range g.q.Agg.Aggs {
		x := argVals[i].x
		acc := accumulatorOf(a)
		if a.By != nil {
			// A row counts when what orders it is not NULL; its value may be.
			by := argVals[i].by
			upd := acc.updateBy(strconv.Itoa(i), a, x, by)
			switch {
			case by.nullable() && alwaysNull(by):
			case by.nullable():
				eg.emit(If(not(by.isNull())).Block(upd...))
			default:
				eg.emit(upd...)
			}
			continue
		}
		upd := acc.update(strconv.Itoa(i), a, x)
		switch {
		case x.nullable() && !acc.ownNulls && alwaysNull(x):
			// A NULL constant (an outer join's missing side) adds nothing.
		case x.nullable() && !acc.ownNulls:
			eg.emit(If(not(x.isNull())).Block(upd...))
		default:
			eg.emit(upd...)
		}
	}
}

// alwaysNull reports whether x is NULL whatever the row: one of its NULL conditions is the
// constant true.
func alwaysNull(x val) bool {
	return slices.ContainsFunc(x.null, func(c Code) bool { return fmt.Sprintf("%#v", c) == "true" })
}

// aggResult is the Go form of aggregate i of accumulator a.
func aggResult(i int, c *plan.AggCall) val {
	return accumulatorOf(c).result(strconv.Itoa(i), c)
}

// finish generates Query.Finish from the operators that run once per batch, in order: the
// chunks' rows gathered or their groups merged, the groups the output mode emits,
// deduplication, sort, limit, and the rows for the sink.
func (g *queryGen) finish() {
	ops := append(slices.Clip(g.phys.Chunk), g.phys.Batch...)
	var body []Code
	for i := 0; i < len(ops); i++ {
		switch op := ops[i].(type) {
		case *physical.Collect:
			body = append(body, g.gather()...)
		case *physical.FinalAggregate:
			body = append(body, g.merge()...)
		case *physical.Emit, *physical.SymmetricHashJoin:
			// The filters and the projection after it run per group or pair, in emit.
			n := i + 1
			for n < len(ops) && perGroup(ops[n]) {
				n++
			}
			if _, ok := op.(*physical.Emit); ok {
				body = append(body, g.emitGroups(ops[i+1:n])...)
			} else if n < len(ops) && isPartialAgg(ops[n]) {
				body = append(body, g.symmetricJoin(ops[i+1:n], true)...)
				n++ // the pairs are aggregated
			} else {
				body = append(body, g.symmetricJoin(ops[i+1:n], false)...)
			}
			i = n - 1
		case *physical.Deduplicate:
			body = append(body, g.dedup(op)...)
		case *physical.Sort:
			body = append(body, g.sortRows(op.Keys)...)
		case *physical.Limit:
			body = append(body, limit(op)...)
		case *physical.SinkWrite:
			body = append(body, Return(Id("out"), Nil()))
		}
	}
	if g.timed {
		g.eventTimeMethods()
	}
	if g.countsState() {
		body = append([]Code{List(Id("q").Dot("updated"), Id("q").Dot("removed")).Op("=").List(Lit(0), Lit(0))}, body...)
	}
	g.f.Comment("Finish merges the workers of a batch and returns the rows the output mode emits.")
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id("Finish").
		Params(Id("batchID").Int64(), Id("workers").Index().Qual(pkgRT, "Worker")).
		Params(Qual(pkgRT, "Rows"), Error()).Block(body...)
}

// rowSteps are the conditions of the filters among ops and the projection's expressions:
// the per-group (or per-pair) step an emit method runs.
func rowSteps(ops []physical.Operator) (filters, cols []plan.Expr) {
	for _, op := range ops {
		switch op := op.(type) {
		case *physical.Filter:
			filters = append(filters, op.Cond)
		case *physical.Project:
			cols = op.Exprs
		}
	}
	return filters, cols
}

func isPartialAgg(op physical.Operator) bool {
	_, ok := op.(*physical.PartialAggregate)
	return ok
}

func perGroup(op physical.Operator) bool {
	switch op.(type) {
	case *physical.Filter, *physical.Project:
		return true
	}
	return false
}

// gather takes the rows of every worker's chunks in input order.
func (g *queryGen) gather() []Code {
	return []Code{
		Id("segs").Op(":=").Make(Index().Op("*").Qual(pkgRT, "Segments").Types(Id(g.id("Row"))), Len(Id("workers"))),
		For(List(Id("i"), Id("w")).Op(":=").Range().Id("workers")).Block(
			Id("segs").Index(Id("i")).Op("=").Op("&").Id("w").Assert(Op("*").Id(g.id("Worker"))).Dot("out")),
		Id("out").Op(":=").Id(g.id("Rows")).Call(Qual(pkgRT, "InOrder").Call(Id("segs"))),
	}
}

// limit keeps the first rows of the batch, or of the whole output: then the count of rows
// emitted so far is state.
func limit(l *physical.Limit) []Code {
	if l.Total {
		return []Code{
			If(Id("rem").Op(":=").Lit(int(l.N)).Op("-").Id("q").Dot("emitted"), Int64().Call(Len(Id("out"))).Op(">").Id("rem")).Block(
				Id("out").Op("=").Id("out").Index(Empty(), Max(Id("rem"), Lit(0)))),
			Id("q").Dot("emitted").Op("+=").Int64().Call(Len(Id("out"))),
		}
	}
	return []Code{If(Len(Id("out")).Op(">").Lit(int(l.N))).Block(Id("out").Op("=").Id("out").Index(Empty(), Lit(int(l.N))))}
}

// merge merges the workers' partial aggregates into the groups kept across batches; in
// UPDATE mode it lists the groups changed, and with a watermark it takes the workers' event
// times and late counts.
func (g *queryGen) merge() []Code {
	q := g.q
	update := q.Mode == plan.Update
	var body []Code
	// A group's mark says the batch wrote it: the first worker to bring a group counts it
	// in numRowsUpdated (and, in UPDATE mode, lists it as changed), the others merge into it.
	types := []Code{Id(g.id("Key")), Id(g.id("Acc"))}
	body = append(body, Id("mark").Op(":=").Qual(pkgRT, "StartBatch").Types(types...).Call(Op("&").Id("q").Dot("groups"), Id("batchID")))
	changed := Nil()
	if update {
		body = append(body, Var().Id("changed").Index().Id(g.id("Key")))
		changed = Func().Params(Id("k").Id(g.id("Key"))).Block(Id("changed").Op("=").Append(Id("changed"), Id("k")))
	}
	merge := Id("q").Dot("updated").Op("+=").Qual(pkgRT, "MergeWorker").Types(types...).Call(
		Op("&").Id("q").Dot("groups"), Op("&").Id("w").Dot("groups"), Id("mark"), changed)
	var perWorker []Code
	if jg := g.groupsOfTable(); jg != nil {
		perWorker = append(perWorker, For(List(Id("_"), Id("n")).Op(":=").Range().Id("w").Dot("touched")).Block(
			Id("w").Dot("groups").Dot("Add").Call(Id("w").Dot(jg.field).Dot("keys").Index(Id("n")), Op("*").Id("w").Dot("accs").Index(Id("n")))))
	}
	if name, ok := g.denseKey(); ok {
		key := Dict{Id(name): Id(kindType(stateKind(q.Agg.KeyCols[0].Type)).GoString()).Call(Id("n"))}
		perWorker = append(perWorker, For(List(Id("n"), Id("held")).Op(":=").Range().Id("w").Dot("inDense")).Block(
			If(Id("held")).Block(Id("w").Dot("groups").Dot("Add").Call(Id(g.id("Key")).Values(key), Id("w").Dot("dense").Index(Id("n"))))))
	}
	switch {
	case g.eventKey >= 0 && q.StreamJoin != nil:
		// The join took the workers' event times; the worker of its pairs counts the late ones.
		body = append(body, Id("q").Dot("late").Op("=").Lit(0))
		perWorker = append(perWorker, Id("q").Dot("late").Op("+=").Id("w").Dot("late"))
	case g.eventKey >= 0 && g.staged(): // the chain's first stage keeps the event times
		body = append(body, Id("q").Dot("late").Op("=").Lit(0))
		perWorker = append(perWorker, Id("q").Dot("late").Op("+=").Id("w").Dot("late"))
	case g.eventKey >= 0:
		body = append(body, Id("q").Dot("late").Op("=").Lit(0), Id("q").Dot("events").Op("=").Qual(pkgRT, "EventTimes").Values())
		perWorker = append(append(perWorker, g.observeEvents(Id("w"))...),
			Id("q").Dot("late").Op("+=").Id("w").Dot("late"))
	}
	perWorker = append([]Code{Id("w").Op(":=").Id("rw").Assert(Op("*").Id(g.id("Worker")))}, perWorker...)
	body = append(body, For(List(Id("_"), Id("rw")).Op(":=").Range().Id("workers")).Block(append(perWorker, merge)...))
	if _, _, ok := q.Agg.Session(); ok {
		// Sessions that absorbed changed ones are the changed ones now.
		recount := []Code{Id("q").Dot("updated").Op("++")}
		k := Id("_")
		body = append(body, Id("q").Dot("sessionize").Call(), Id("q").Dot("updated").Op("=").Lit(0))
		if update {
			recount, k = append(recount, Id("changed").Op("=").Append(Id("changed"), Id("k"))), Id("k")
			body = append(body, Id("changed").Op("=").Id("changed").Index(Empty(), Lit(0)))
		}
		body = append(body, For(List(k, Id("a")).Op(":=").Range().Add(allGroups())).Block(
			If(Id("a").Dot("mark").Op("==").Id("mark")).Block(recount...)))
		g.sessionize()
	}
	return body
}

// emitGroups emits the rows of the groups the output mode outputs, through perGroup (the
// filters and the projection after the aggregation, generated as the method emit); in
// UPDATE and APPEND mode with a watermark it evicts the groups the watermark passed.
func (g *queryGen) emitGroups(perGroup []physical.Operator) []Code {
	q := g.q
	// COMPLETE emits at most a row per group and UPDATE one per changed group: the slice is
	// made that large once rather than grown by doubling (at a million groups the copies
	// were most of the batch's allocation).
	size := groupsLen()
	if q.Mode == plan.Update {
		size = Len(Id("changed"))
	}
	body := []Code{Id("out").Op(":=").Make(Id(g.id("Rows")), Lit(0), size)}
	if q.Mode == plan.Append {
		body = []Code{Var().Id("out").Id(g.id("Rows"))}
	}
	filters, cols := rowSteps(perGroup)
	g.emitErr = failingCalls(append(slices.Clip(filters), cols...), q.StrictCast)
	emit := func(acc Code) Code {
		call := Id("q").Dot("emit").Call(Id("out"), Op("&").Id("k"), acc)
		if g.emitErr {
			return If(List(Id("out"), Err()).Op("=").Add(call), Err().Op("!=").Nil()).Block(Return(Nil(), Err()))
		}
		return Id("out").Op("=").Add(call)
	}
	if g.emitErr {
		body = append(body, Var().Err().Error())
	}
	switch {
	case q.Mode == plan.Update:
		body = append(body, For(List(Id("_"), Id("k")).Op(":=").Range().Id("changed")).Block(
			emit(Id("q").Dot("groups").Dot("Get").Call(Id("k")))))
		if g.eventKey >= 0 {
			// State the watermark has passed can no longer change: drop it.
			body = append(body, evicted("groups", groupsLen, For(List(Id("k"), Id("a")).Op(":=").Range().Add(allGroups())).Block(
				If(Id("q").Dot("final").Call(Op("&").Id("k"), Id("a"), Id("q").Dot("watermark"))).Block(
					Id("q").Dot("groups").Dot("Delete").Call(Id("k")))))...)
		}
	case q.Mode == plan.Append:
		// A group is emitted once, when the watermark passes it, and then forgotten.
		body = append(body, evicted("groups", groupsLen, For(List(Id("k"), Id("a")).Op(":=").Range().Add(allGroups())).Block(
			If(Id("q").Dot("final").Call(Op("&").Id("k"), Id("a"), Id("q").Dot("watermark"))).Block(
				emit(Id("a")), Id("q").Dot("groups").Dot("Delete").Call(Id("k")))))...)
	default:
		body = append(body, For(List(Id("k"), Id("a")).Op(":=").Range().Add(allGroups())).Block(emit(Id("a"))))
	}
	g.emitMethod(filters, cols)
	return body
}

// sessionize generates the method that merges overlapping sessions after a batch: per group
// (the keys but the session), sessions sorted by start; one that starts before the previous
// one's end (its last row plus the gap) joins it.
func (g *queryGen) sessionize() {
	key, gap, _ := g.q.Agg.Session()
	start := g.keyNms[key]
	end := Id("cur").Dot("m" + strconv.Itoa(g.q.Agg.SessionEnd)).Op("+").Lit(int(gap))
	kt := g.id("Key")
	g.f.Comment("sessionize merges the sessions of each group that overlap.")
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id("sessionize").Params().Block(
		Id("byGroup").Op(":=").Map(Id(kt)).Index().Id(kt).Values(),
		For(Id("k").Op(":=").Range().Add(allGroups())).Block(
			Id("g").Op(":=").Id("k"),
			Id("g").Dot(start).Op("=").Lit(0),
			Id("byGroup").Index(Id("g")).Op("=").Append(Id("byGroup").Index(Id("g")), Id("k")),
		),
		For(List(Id("_"), Id("keys")).Op(":=").Range().Id("byGroup")).Block(
			Qual("slices", "SortFunc").Call(Id("keys"), Func().Params(List(Id("a"), Id("b")).Id(kt)).Int().Block(
				Return(Qual("cmp", "Compare").Call(Id("a").Dot(start), Id("b").Dot(start))))),
			Id("cur").Op(":=").Id("q").Dot("groups").Dot("Get").Call(Id("keys").Index(Lit(0))),
			For(List(Id("_"), Id("k")).Op(":=").Range().Id("keys").Index(Lit(1), Empty())).Block(
				Id("a").Op(":=").Id("q").Dot("groups").Dot("Get").Call(Id("k")),
				If(Id("k").Dot(start).Op("<").Add(end)).Block(
					Id("cur").Dot("Merge").Call(Id("a")),
					Id("cur").Dot("mark").Op("=").Max(Id("cur").Dot("mark"), Id("a").Dot("mark")),
					Id("q").Dot("groups").Dot("Delete").Call(Id("k")),
					Continue(),
				),
				Id("cur").Op("=").Id("a"),
			),
		),
	)
}

// dedup generates the dropDuplicates step of Finish: in arrival order, a row whose key was
// seen is dropped, and so is a row older than the watermark when the key holds the event
// time; keys the watermark has passed are then forgotten.
func (g *queryGen) dedup(d *physical.Deduplicate) []Code {
	var body []Code
	var late, evict Code
	if g.eventKey >= 0 {
		lateBy := Id("q").Dot("watermark")
		switch {
		case g.q.StreamJoin != nil: // the join took the workers' event times
			lateBy = Id("lateWatermark")
		case g.staged(): // the chain's first stage took them
			lateBy = Id("q").Dot("lastWatermark")
		default:
			body = append(body,
				Id("q").Dot("events").Op("=").Qual(pkgRT, "EventTimes").Values(),
				For(List(Id("_"), Id("w")).Op(":=").Range().Id("workers")).Block(
					g.observeEvents(Id("w").Assert(Op("*").Id(g.id("Worker"))))...))
		}
		body = append(body, Id("q").Dot("late").Op("=").Lit(0))
		ts := fieldVal(Id("row"), g.outNms[g.eventKey], g.outCols[g.eventKey])
		cond := ts.operand().Op("<").Add(lateBy)
		if ts.nullable() {
			cond = not(ts.isNull()).Op("&&").Add(cond)
		}
		drop := []Code{Id("q").Dot("late").Op("++")}
		if g.q.LateRows != nil {
			// The row has left its record behind: the dead-letter row holds it as JSON. All
			// workers share the query's RecordErrors.
			drop = append(drop, Id("workers").Index(Lit(0)).Assert(Op("*").Id(g.id("Worker"))).Dot("rec").Dot("Late").Call(
				Nil(), Lit(0), Id(g.id("Rows")).Values(Id("row")).Dot("AppendJSON").Call(Nil(), Lit(0)), ts.operand(), Id("q").Dot("watermark"),
				Lit("event time before the watermark")))
		}
		late = If(cond).Block(append(drop, Continue())...)
		kts := fieldVal(Id("k"), g.outNms[g.eventKey], g.outCols[g.eventKey])
		kcond := kts.operand().Op("<").Id("q").Dot("watermark")
		if kts.nullable() {
			kcond = not(kts.isNull()).Op("&&").Add(kcond)
		}
		evict = For(Id("k").Op(":=").Range().Id("q").Dot("seen")).Block(If(kcond).Block(Delete(Id("q").Dot("seen"), Id("k"))))
	}
	key := Dict{}
	for _, col := range d.Cols {
		c, name := g.outCols[col], g.outNms[col]
		key[Id(name)] = toKey(c.Type, Id("row").Dot(name))
		if c.Nullable {
			key[Id(name+"Null")] = Id("row").Dot(name + "Null")
		}
	}
	loop := []Code{}
	if late != nil {
		loop = append(loop, late)
	}
	loop = append(loop,
		Id("k").Op(":=").Id(g.id("Key")).Values(key),
		If(List(Id("_"), Id("dup")).Op(":=").Id("q").Dot("seen").Index(Id("k")), Id("dup")).Block(Continue()),
		Id("q").Dot("seen").Index(Id("k")).Op("=").Struct().Values(),
		Id("kept").Op("=").Append(Id("kept"), Id("row")),
	)
	// The keys the batch adds are its numRowsUpdated: counted once, from the map's growth.
	body = append(body,
		Id("kept").Op(":=").Id("out").Index(Empty(), Lit(0)),
		Id("known").Op(":=").Len(Id("q").Dot("seen")),
		For(List(Id("_"), Id("row")).Op(":=").Range().Id("out")).Block(loop...),
		Id("q").Dot("updated").Op("+=").Int64().Call(Len(Id("q").Dot("seen")).Op("-").Id("known")),
		Id("out").Op("=").Id("kept"),
	)
	if evict != nil {
		body = append(body, evicted("seen", func() *Statement { return Len(Id("q").Dot("seen")) }, evict)...)
	}
	return body
}

// evicted wraps loop, which deletes entries of the state field, with the count of what it
// deleted (numRowsRemoved): the state's size before and after, nothing per entry.
func evicted(field string, size func() *Statement, loop Code) []Code {
	held := field + "Held"
	return []Code{
		Id(held).Op(":=").Add(size()),
		loop,
		Id("q").Dot("removed").Op("+=").Int64().Call(Id(held).Op("-").Add(size())),
	}
}

// groupsLen is the number of the query's groups; allGroups ranges over them.
func groupsLen() *Statement { return Id("q").Dot("groups").Dot("Len").Call() }
func allGroups() *Statement { return Id("q").Dot("groups").Dot("All").Call() }

// emitMethod generates the per-group step after aggregation: HAVING, then the projection.
func (g *queryGen) emitMethod(filters, cols []plan.Expr) {
	q := g.q
	aggCols := q.Agg.AggColumns()
	g.base = make([]val, len(aggCols))
	for i, c := range q.Agg.KeyCols {
		g.base[i] = fieldVal(Id("k"), g.keyNms[i], c)
		g.base[i].v = fromKey(c.Type, g.base[i].v)
	}
	for i, a := range q.Agg.Aggs {
		g.base[len(q.Agg.KeyCols)+i] = aggResult(i, a)
	}
	g.emitFunc("emit", "emit appends the output row of one group, unless HAVING rejects it.",
		[]Code{Id("k").Op("*").Id(g.id("Key")), Id("a").Op("*").Id(g.id("Acc"))}, filters, cols)
}

// emitFunc generates the method emit(out, params...): filters, then the output row of cols
// appended to out; over g.base. A Go function's error there fails the batch (there is no
// record to skip), so with g.emitErr emit returns an error too.
func (g *queryGen) emitFunc(name, doc string, params []Code, filters, cols []plan.Expr) {
	ret := func(out Code) Code {
		if g.emitErr {
			return Return(out, Nil())
		}
		return Return(out)
	}
	var ops []rowOp
	for _, f := range filters {
		ops = append(ops, filterOp{f})
	}
	ops = append(ops, emitRowOp{cols, ret})
	p := g.newPipe(nil, ops, func() Code { return ret(Id("out")) })
	p.eg.onErr = func(msg Code) []Code {
		return []Code{Return(Id("out"), Qual("errors", "New").Call(msg))}
	}
	p.eg.patterns = Id("q").Dot("patterns")
	p.run(ops)
	results := Id(g.id("Rows"))
	if g.emitErr {
		results = Params(Id(g.id("Rows")), Error())
	}
	g.f.Comment(doc)
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id(name).
		Params(append([]Code{Id("out").Id(g.id("Rows"))}, params...)...).
		Add(results).Block(p.eg.b.stmts...)
}

// failingCalls reports whether any of es can fail: a Go function returning an error, a
// pattern from data (which may not compile), or a CAST of a string under cast = 'strict'.
func failingCalls(es []plan.Expr, strictCast bool) bool {
	found := false
	for _, e := range es {
		plan.Walk(e, func(x plan.Expr) {
			switch x := x.(type) {
			case *plan.Call:
				found = found || x.UDF != nil && x.UDF.Err || dynamicPattern(x)
			case *plan.Like:
				found = found || dynamicPattern(x)
			case *plan.Cast:
				found = found || strictCast && x.X.Type() == sqltype.String && x.To != sqltype.String && x.To != sqltype.Bytes
			}
		})
	}
	return found
}

// eventTimeMethods generates final (is a group past the watermark) and rt.EventTimeQuery.
func (g *queryGen) eventTimeMethods() {
	q := g.q
	qt := Op("*").Id(g.id("Query"))
	g.watermarksMethod()
	if !g.staged() { // a stage's event times are the chain's first stage's
		g.f.Comment("BatchEventTimes reports the last batch's event times, for the progress.")
		g.f.Func().Params(Id("q").Add(qt)).Id("BatchEventTimes").Params().Qual(pkgRT, "EventTimes").Block(Return(Id("q").Dot("events")))
		g.f.Line()
	}
	if q.Agg == nil && q.StreamJoin != nil {
		g.joinEventTime()
		return
	}
	if q.Agg == nil {
		g.f.Comment("EventTime reports the batch's watermark, its late rows and the keys in state.")
		g.f.Func().Params(Id("q").Add(qt)).Id("EventTime").Params().Params(Int64(), Bool(), Int64(), Int()).Block(
			Return(Id("q").Dot("watermark"), Id("q").Dot("watermark").Op("!=").Qual("math", "MinInt64"), Id("q").Dot("late"), Len(Id("q").Dot("seen"))))
		if !g.staged() {
			g.f.Line()
			g.f.Comment("Pending is false: deduplication emits rows as they come, so a moved watermark has nothing to emit.")
			g.f.Func().Params(Id("q").Add(qt)).Id("Pending").Params().Bool().Block(Return(False()))
		}
		return
	}
	g.finalMethod()
	if q.StreamJoin != nil {
		g.joinEventTime()
		return
	}
	g.f.Comment("EventTime reports the batch's watermark, its late rows and the groups in state.")
	g.f.Func().Params(Id("q").Add(qt)).Id("EventTime").Params().Params(Int64(), Bool(), Int64(), Int()).Block(
		Return(Id("q").Dot("watermark"), Id("q").Dot("watermark").Op("!=").Qual("math", "MinInt64"), Id("q").Dot("late"), groupsLen()))
	g.f.Line()
	finalises := []Code{
		If(Id("next").Op("==").Id("q").Dot("watermark")).Block(Return(False())),
		For(List(Id("k"), Id("a")).Op(":=").Range().Add(allGroups())).Block(
			If(Id("q").Dot("final").Call(Op("&").Id("k"), Id("a"), Id("next"))).Block(Return(True()))),
		Return(False()),
	}
	if g.staged() {
		g.f.Comment("finalises reports whether the watermark next, the chain's next one, finalises a group.")
		g.f.Func().Params(Id("q").Add(qt)).Id("finalises").Params(Id("next").Int64()).Bool().Block(finalises...)
		return
	}
	g.f.Comment("Pending reports whether the next batch's watermark finalises a group: a batch then runs without new data.")
	g.f.Func().Params(Id("q").Add(qt)).Id("Pending").Params().Bool().Block(append(g.nextWatermark(False()), finalises...)...)
}

// finalMethod generates final: whether a group can no longer change at a watermark.
func (g *queryGen) finalMethod() {
	q := g.q
	qt := Op("*").Id(g.id("Query"))
	key := Id("k").Dot(g.keyNms[g.eventKey])
	var final Code = key.Clone().Op("<=").Id("watermark")
	if _, gap, ok := q.Agg.Session(); ok {
		// A session ends gap after its last row.
		final = Id("a").Dot("m" + strconv.Itoa(q.Agg.SessionEnd)).Op("+").Lit(int(gap)).Op("<=").Id("watermark")
	} else if size := q.Agg.KeyCols[g.eventKey].Size; size > 0 { // a window, or a stage's window column
		final = key.Clone().Op("+").Lit(int(size)).Op("<=").Id("watermark")
	} else if q.Agg.KeyCols[g.eventKey].Nullable {
		final = Op("!").Id("k").Dot(g.keyNms[g.eventKey] + "Null").Op("&&").Add(final)
	}
	g.f.Comment("final reports whether the group of k, a can no longer change once the watermark is watermark.")
	g.f.Func().Params(Id("q").Add(qt)).Id("final").Params(Id("k").Op("*").Id(g.id("Key")), Id("a").Op("*").Id(g.id("Acc")), Id("watermark").Int64()).Bool().Block(Return(final))
	g.f.Line()
}

// joinEventTime generates rt.EventTimeQuery for a join of two streams, with an aggregation
// over it or not: the late rows of both sides (and of the aggregation), the rows in state,
// and whether the next watermark expires records or finalises groups.
func (g *queryGen) joinEventTime() {
	qt := Op("*").Id(g.id("Query"))
	late := Id("q").Dot("left").Dot("Late").Op("+").Id("q").Dot("right").Dot("Late")
	rows := Id("q").Dot("left").Dot("Len").Call().Op("+").Id("q").Dot("right").Dot("Len").Call()
	pending := Id("q").Dot("left").Dot("Expiring").Call(Id("next")).Op("||").Id("q").Dot("right").Dot("Expiring").Call(Id("next"))
	var groups []Code
	if g.q.Dedup != nil && g.eventKey >= 0 {
		late, rows = late.Op("+").Id("q").Dot("late"), rows.Op("+").Len(Id("q").Dot("seen"))
	}
	if g.q.Agg != nil && g.eventKey >= 0 {
		late, rows = late.Op("+").Id("q").Dot("late"), rows.Op("+").Add(groupsLen())
		groups = []Code{For(List(Id("k"), Id("a")).Op(":=").Range().Add(allGroups())).Block(
			If(Id("q").Dot("final").Call(Op("&").Id("k"), Id("a"), Id("next"))).Block(Return(True())))}
	}
	g.f.Comment("EventTime reports the batch's watermark, its late rows and the rows in state.")
	g.f.Func().Params(Id("q").Add(qt)).Id("EventTime").Params().Params(Int64(), Bool(), Int64(), Int()).Block(
		Return(Id("q").Dot("watermark"), Id("q").Dot("watermark").Op("!=").Qual("math", "MinInt64"), late, rows))
	g.f.Line()
	g.f.Comment("Pending reports whether the next batch's watermark expires stored records (or finalises a group): a batch")
	g.f.Comment("then runs without new data, which emits an outer join's unmatched ones.")
	body := append(g.nextWatermark(False()), If(Id("next").Op("==").Id("q").Dot("watermark")).Block(Return(False())),
		If(pending).Block(Return(True())))
	g.f.Func().Params(Id("q").Add(qt)).Id("Pending").Params().Bool().Block(append(append(body, groups...), Return(False()))...)
}
