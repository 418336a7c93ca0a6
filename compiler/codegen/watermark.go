package codegen

import (
	. "github.com/dave/jennifer/jen"
)

// A query with one input keeps its watermark in two fields: the largest event time seen and
// the watermark. With several inputs (UNION ALL) it keeps an rt.Watermarks, which combines
// the sources' watermarks by the query's policy and knows which sources are idle; workers
// then keep the largest event time per input.

// watermarks reports whether the query keeps an rt.Watermarks.
func (g *queryGen) watermarks() bool { return g.timed && len(g.inputs) > 1 }

// newWatermarks makes the query's rt.Watermarks, with each source's delay.
func (g *queryGen) newWatermarks() Code {
	var delays []Code
	for _, in := range g.q.Inputs {
		if in.Source.Watermark < 0 {
			delays = append(delays, Qual(pkgRT, "NoWatermark")) // a side of a join of two streams
			continue
		}
		delays = append(delays, Lit(int(in.Source.Delay)))
	}
	return Qual(pkgRT, "NewWatermarks").Call(delays...)
}

// maxEventType is the type of a worker's largest event time: one per input.
func (g *queryGen) maxEventType() Code {
	if g.watermarks() {
		return Index(Lit(len(g.inputs))).Int64()
	}
	return Int64()
}

// noEventTime is a worker's largest event time before a row.
func (g *queryGen) noEventTime() Code {
	if !g.watermarks() {
		return Qual("math", "MinInt64")
	}
	none := make([]Code, len(g.inputs))
	for i := range none {
		none[i] = Qual("math", "MinInt64")
	}
	return Index(Lit(len(g.inputs))).Int64().Values(none...)
}

// advanceWatermark moves the query's watermark on at the start of a batch.
func (g *queryGen) advanceWatermark() Code {
	if g.watermarks() {
		return Id("q").Dot("watermark").Op("=").Id("q").Dot("wm").Dot("Advance").Call()
	}
	return If(Id("q").Dot("maxEvent").Op("!=").Qual("math", "MinInt64")).Block(
		Id("q").Dot("watermark").Op("=").Max(Id("q").Dot("watermark"), Id("q").Dot("maxEvent").Op("-").Lit(int(g.q.Inputs[0].Source.Delay))))
}

// observeEvents merges worker w's largest event times into the query's, and its event times
// into the batch's.
func (g *queryGen) observeEvents(w Code) []Code {
	events := Id("q").Dot("events").Dot("Merge").Call(Add(w).Dot("events"))
	if g.watermarks() {
		return []Code{For(List(Id("i"), Id("t")).Op(":=").Range().Add(w).Dot("maxEvent")).Block(
			Id("q").Dot("wm").Dot("Observe").Call(Id("i"), Id("t"))), events}
	}
	return []Code{Id("q").Dot("maxEvent").Op("=").Max(Id("q").Dot("maxEvent"), Add(w).Dot("maxEvent")), events}
}

// nextWatermark sets next to the watermark the next batch will use, returning none when
// there is none.
func (g *queryGen) nextWatermark(none ...Code) []Code {
	if g.watermarks() {
		return []Code{Id("next").Op(":=").Id("q").Dot("wm").Dot("Next").Call()}
	}
	return []Code{
		If(Id("q").Dot("maxEvent").Op("==").Qual("math", "MinInt64")).Block(Return(none...)),
		Id("next").Op(":=").Max(Id("q").Dot("watermark"), Id("q").Dot("maxEvent").Op("-").Lit(int(g.q.Inputs[0].Source.Delay))),
	}
}

// watermarksMethod implements rt.WatermarkQuery, through which the engine sets the policy
// and the idle sources.
func (g *queryGen) watermarksMethod() {
	if !g.watermarks() {
		return
	}
	g.f.Comment("Watermarks returns the sources' watermarks, for the engine to set the policy and the idle sources.")
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id("Watermarks").Params().Op("*").Qual(pkgRT, "Watermarks").Block(Return(Id("q").Dot("wm")))
}
