package codegen

import (
	"strconv"

	. "github.com/dave/jennifer/jen"
)

// A chain of stateful operators (an aggregation over an aggregation or a deduplication, Spark
// 3.4's chained operators) is generated as one query type per stage and a chain type that
// runs them in order each batch: the first stage reads the sources as any query does, and
// each later one reads the rows the stage before emitted, under the first stage's watermark
// (Spark's global watermark). The chain is the rt.Query the engine runs; its state is its
// stages' states, one after the other.

// stageField is the chain struct's field holding stage i (i > 0) of g.chain.
func (g *queryGen) stageField(i int) string {
	if i == len(g.chain)-1 {
		return "down"
	}
	return "stage" + strconv.Itoa(i+1)
}

// stageRef is the chain's stage i, in a method of the chain (receiver q).
func (g *queryGen) stageRef(i int) *Statement {
	if i == 0 {
		return Id("q").Dot(g.chain[0].id("Query"))
	}
	return Id("q").Dot(g.stageField(i))
}

// chainType generates the chain's type, its constructor and the rt.Query methods it runs the
// stages with; the first stage's NewWorker, Watermarks, BatchEventTimes and JoinMetrics are
// the chain's, by embedding.
func (g *queryGen) chainType() {
	head := g.chain[0]
	typ := g.id("Chain")
	qt := Op("*").Id(typ)
	fields := []Code{Op("*").Id(head.id("Query")).Comment("the first stage: reads the sources and keeps the watermark")}
	init := Dict{Id(head.id("Query")): Id("new" + exported(head.p) + "Query").Call().Assert(Op("*").Id(head.id("Query")))}
	for i, s := range g.chain[1:] {
		fields = append(fields, Id(g.stageField(i+1)).Op("*").Id(s.id("Query")))
		init[Id(g.stageField(i+1))] = Id("new" + exported(s.p) + "Query").Call().Assert(Op("*").Id(s.id("Query")))
	}
	g.f.Commentf("%s runs the stages of the query writing to %q in order: each batch, a stage reads the rows", typ, g.q.Sink.Name)
	g.f.Comment("the one before it emitted, under the first stage's watermark.")
	g.f.Type().Id(typ).Struct(fields...)
	g.f.Func().Id("new"+exported(g.p)+"Chain").Params().Qual(pkgRT, "Query").Block(Return(Op("&").Id(typ).Values(init)))
	g.f.Line()

	finish := []Code{
		List(Id("rows"), Err()).Op(":=").Add(g.stageRef(0)).Dot("Finish").Call(Id("batchID"), Id("workers")),
	}
	for i, s := range g.chain[1:] {
		finish = append(finish, If(Err().Op("!=").Nil()).Block(Return(Nil(), Err())))
		st := g.stageRef(i + 1)
		if s.timed {
			finish = append(finish, List(st.Clone().Dot("lastWatermark"), st.Clone().Dot("watermark")).Op("=").
				List(st.Clone().Dot("watermark"), g.stageRef(0).Dot("watermark")))
		}
		run := Qual(pkgRT, "RunStage").Call(st.Clone(), Id("batchID"), Id("rows"))
		if s == g {
			finish = append(finish, Return(run))
		} else {
			finish = append(finish, List(Id("rows"), Err()).Op("=").Add(run))
		}
	}
	g.f.Comment("Finish finishes the batch of each stage in turn, and returns the last one's rows.")
	g.f.Func().Params(Id("q").Add(qt)).Id("Finish").
		Params(Id("batchID").Int64(), Id("workers").Index().Qual(pkgRT, "Worker")).
		Params(Qual(pkgRT, "Rows"), Error()).Block(finish...)

	g.chainState(qt)
	g.chainEventTime(qt)
}

// chainState generates the chain's rt.StatefulQuery and rt.StateChangesQuery: its stages'
// snapshots one after the other, and their counts summed.
func (g *queryGen) chainState(qt Code) {
	var stateful, counted []Code
	for i, s := range g.chain {
		if s.stateful() {
			stateful = append(stateful, g.stageRef(i))
		}
		if s.countsState() {
			counted = append(counted, g.stageRef(i))
		}
	}
	if len(stateful) == 0 {
		return
	}
	each := func(iface string, list []Code, body ...Code) Code {
		return For(List(Id("_"), Id("s")).Op(":=").Range().Index().Qual(pkgRT, iface).Values(list...)).Block(body...)
	}
	g.f.Line()
	g.f.Comment("SaveState writes the stages' states, in order.")
	g.f.Func().Params(Id("q").Add(qt)).Id("SaveState").Params(Id("e").Op("*").Qual(pkgRT, "StateEncoder")).Block(
		Qual(pkgRT, "SaveStages").Call(append([]Code{Id("e")}, stateful...)...))
	g.f.Line()
	g.f.Comment("LoadState reads the stages' states, in order.")
	g.f.Func().Params(Id("q").Add(qt)).Id("LoadState").Params(Id("d").Op("*").Qual(pkgRT, "StateDecoder")).Error().Block(
		Return(Qual(pkgRT, "LoadStages").Call(append([]Code{Id("d")}, stateful...)...)))
	g.f.Line()
	g.f.Comment("StateRows is the rows in the stages' states.")
	g.f.Func().Params(Id("q").Add(qt)).Id("StateRows").Params().Params(Id("n").Int()).Block(
		each("StatefulQuery", stateful, Id("n").Op("+=").Id("s").Dot("StateRows").Call()),
		Return(Id("n")))
	if len(counted) == 0 {
		return
	}
	g.f.Line()
	g.f.Comment("StateChanges sums the state rows the stages wrote and evicted in the last batch.")
	g.f.Func().Params(Id("q").Add(qt)).Id("StateChanges").Params().Params(List(Id("updated"), Id("removed")).Int64()).Block(
		each("StateChangesQuery", counted,
			List(Id("u"), Id("r")).Op(":=").Id("s").Dot("StateChanges").Call(),
			List(Id("updated"), Id("removed")).Op("=").List(Id("updated").Op("+").Id("u"), Id("removed").Op("+").Id("r"))),
		Return(Id("updated"), Id("removed")))
}

// chainEventTime generates the chain's rt.EventTimeQuery when its later stages keep event
// time: the first stage's watermark, the late rows and state of all, and a batch without new
// data when the next watermark finalises a group of any stage.
func (g *queryGen) chainEventTime(qt Code) {
	head := g.chain[0]
	var more []Code
	var finalises *Statement
	for i, s := range g.chain[1:] {
		if !s.timed {
			continue
		}
		assign := "="
		if len(more) == 0 {
			assign = ":="
		}
		more = append(more, List(Id("_"), Id("_"), Id("l"), Id("n")).Op(assign).Add(g.stageRef(i+1)).Dot("EventTime").Call(),
			List(Id("late"), Id("state")).Op("=").List(Id("late").Op("+").Id("l"), Id("state").Op("+").Id("n")))
		if s.q.Agg != nil {
			f := g.stageRef(i + 1).Dot("finalises").Call(Id("next"))
			if finalises == nil {
				finalises = f
			} else {
				finalises = Parens(finalises.Op("||").Add(f))
			}
		}
	}
	if len(more) == 0 {
		return
	}
	g.f.Line()
	g.f.Comment("EventTime reports the first stage's watermark, and the late rows and state rows of every stage.")
	g.f.Func().Params(Id("q").Add(qt)).Id("EventTime").Params().Params(Id("watermark").Int64(), Id("ok").Bool(), Id("late").Int64(), Id("state").Int()).Block(
		append([]Code{
			List(Id("watermark"), Id("ok"), Id("late"), Id("state")).Op("=").Add(g.stageRef(0)).Dot("EventTime").Call(),
		}, append(more, Return())...)...)
	if finalises == nil {
		return // a deduplication emits as rows come: the first stage's Pending is the chain's
	}
	g.f.Line()
	g.f.Comment("Pending reports whether the next batch's watermark finalises a group of any stage.")
	g.f.Func().Params(Id("q").Add(qt)).Id("Pending").Params().Bool().Block(
		If(g.stageRef(0).Dot("Pending").Call()).Block(Return(True())),
		List(Id("next"), Id("ok")).Op(":=").Add(g.stageRef(0)).Dot("nextWatermark").Call(),
		Return(Id("ok").Op("&&").Add(finalises)))
	g.f.Line()
	g.f.Comment("nextWatermark is the watermark the next batch will use, if there is one.")
	g.f.Func().Params(Id("q").Op("*").Id(head.id("Query"))).Id("nextWatermark").Params().Params(Int64(), Bool()).Block(
		append(head.nextWatermark(Lit(0), False()), Return(Id("next"), True()))...)
}
