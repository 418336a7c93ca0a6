package codegen

import (
	"slices"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/physical"
	"github.com/sqlstream/sqlstream/compiler/plan"
)

// rowOp is the code of a physical operator in a fused loop: its part of one row's work, with
// the rest of the pipeline inside it where the row goes on (Spark's produce/consume, the push
// model of HyPer). No operator is called per row: the loop is one body of straight-line code.
type rowOp interface {
	// roots are the expressions the operator evaluates, so that the pipeline computes an
	// expression shared by several operators once.
	roots() []plan.Expr
	// consume emits the operator's statements for a row and calls next where the row goes on.
	consume(p *pipe, next func())
}

// pipe is a fused loop being generated: one input's per-chunk loop, or the per-group step
// after an aggregation.
type pipe struct {
	g  *queryGen
	eg *exprGen
	in *input // the input of a per-chunk loop
	// drop is the statement that drops the current row: the next record, or return.
	drop func() Code
}

// run emits ops as one fused body.
func (p *pipe) run(ops []rowOp) {
	var at func(i int)
	at = func(i int) {
		if i < len(ops) {
			ops[i].consume(p, func() { at(i + 1) })
		}
	}
	at(0)
}

// newPipe prepares the expression generator for ops: every root counted, so that shared
// subexpressions become locals.
func (g *queryGen) newPipe(in *input, ops []rowOp, drop func() Code) *pipe {
	var roots []plan.Expr
	for _, op := range ops {
		roots = append(roots, op.roots()...)
	}
	return &pipe{g: g, eg: g.newExprGen(roots...), in: in, drop: drop}
}

// rowOpOf is the code of a physical operator of the per-chunk loop of pl.
func (g *queryGen) rowOpOf(op physical.Operator, in *input, pl *physical.Pipeline) rowOp {
	switch op := op.(type) {
	case *physical.Scan, *physical.Project, *physical.Union:
		// The connector hands the chunk over; a projection is inlined where its columns are
		// used; a union is the Process switch over the chunk's source.
		return passOp{}
	case *physical.Decode, *physical.ReadStage:
		return decodeOp{}
	case *physical.Explode:
		return explodeOp{}
	case *physical.Filter:
		return filterOp{op.Cond}
	case *physical.HashProbe:
		return probeOp{in.join(op.Join)}
	case *physical.LoopJoin:
		return probeOp{in.join(op.Join)}
	case *physical.PartialAggregate:
		return g.partialAggOp(pl)
	case *physical.Collect:
		return collectOp{pl.Cols}
	case *physical.CollectSide:
		return collectSideOp{op.Side, op.Source.Columns}
	}
	panic("codegen: no per-row code for " + op.Explain())
}

// join is the generator of join j of the input.
func (in *input) join(j *plan.Join) *joinGen {
	for _, jg := range in.joins {
		if jg.j == j {
			return jg
		}
	}
	panic("codegen: a join of another input")
}

type passOp struct{}

func (passOp) roots() []plan.Expr           { return nil }
func (passOp) consume(p *pipe, next func()) { next() }

// decodeOp is the record loop over the chunk: each record decoded into the input's struct,
// a malformed one handled by the source's policy.
type decodeOp struct{}

func (decodeOp) roots() []plan.Expr { return nil }
func (decodeOp) consume(p *pipe, next func()) {
	p.eg.emit(p.g.loop(p.in, p.eg.sub(next))...)
}

// explodeOp runs the rest of the row's work once per piece of the split string.
type explodeOp struct{}

func (explodeOp) roots() []plan.Expr { return nil }
func (explodeOp) consume(p *pipe, next func()) {
	p.eg.emit(p.g.explode(p.eg.sub(next))...)
}

type filterOp struct{ cond plan.Expr }

func (f filterOp) roots() []plan.Expr { return []plan.Expr{f.cond} }
func (f filterOp) consume(p *pipe, next func()) {
	p.eg.emit(If(not(p.eg.cond(f.cond))).Block(p.drop()))
	next()
}

// probeOp looks the row up in a table and runs the rest once per joined row.
type probeOp struct{ jg *joinGen }

func (o probeOp) roots() []plan.Expr {
	return append(slices.Clip(o.jg.j.Left), o.jg.j.Residual...)
}
func (o probeOp) consume(p *pipe, next func()) { o.jg.probe(p.eg, next) }

// partialAggOp updates the worker's group of the row.
type partialAggOp struct {
	keys []plan.Expr
	args []aggArg
}

// aggArg is what an aggregate reads of a row: its argument (nil for count(*)) and, for
// max_by and min_by, what orders the rows; argVal is their Go form.
type aggArg struct{ x, by plan.Expr }
type argVal struct{ x, by val }

// partialAggOp substitutes the aggregation's keys and arguments with the pipeline's columns.
func (g *queryGen) partialAggOp(pl *physical.Pipeline) partialAggOp {
	var op partialAggOp
	for _, k := range g.q.Agg.Keys {
		op.keys = append(op.keys, plan.Subst(k, pl.Cols))
	}
	for _, a := range g.q.Agg.Aggs {
		var arg aggArg
		if a.Arg != nil {
			arg.x = plan.Subst(a.Arg, pl.Cols)
		}
		if a.By != nil {
			arg.by = plan.Subst(a.By, pl.Cols)
		}
		op.args = append(op.args, arg)
	}
	return op
}

func (o partialAggOp) roots() []plan.Expr {
	roots := slices.Clone(o.keys)
	for _, a := range o.args {
		for _, e := range []plan.Expr{a.x, a.by} {
			if e != nil {
				roots = append(roots, e)
			}
		}
	}
	return roots
}
func (o partialAggOp) consume(p *pipe, next func()) { p.g.aggUpdate(p.eg, o.keys, o.args, p.drop) }

// collectOp adds the output row to the worker's segment of the chunk.
type collectOp struct{ cols []plan.Expr }

func (o collectOp) roots() []plan.Expr { return o.cols }
func (o collectOp) consume(p *pipe, next func()) {
	// A record's strings are views of the chunk, which the row outlives; a typed row's are
	// the source's own.
	p.outputRow(o.cols, !p.in.typed())
	p.eg.emit(Id("w").Dot("out").Dot("Add").Call(Id("row")))
}

// emitRowOp ends the per-group step after an aggregation: the group's output row, appended
// to out and returned with ret.
type emitRowOp struct {
	cols []plan.Expr
	ret  func(Code) Code
}

func (o emitRowOp) roots() []plan.Expr { return o.cols }
func (o emitRowOp) consume(p *pipe, next func()) {
	p.outputRow(o.cols, false)
	p.eg.emit(o.ret(Append(Id("out"), Id("row"))))
}

// outputRow declares row, the output row of cols; clone copies its strings.
func (p *pipe) outputRow(cols []plan.Expr, clone bool) {
	g, eg := p.g, p.eg
	vals := make([]val, len(cols))
	for i, c := range cols {
		vals[i] = eg.compile(c)
	}
	eg.emit(Var().Id("row").Id(g.id("Row")))
	eg.emit(assignFields("row", g.outNms, g.outCols, vals, clone)...)
}

// perRecord is the fused loop over a chunk of input in: its pipeline's operators, then the
// chunk's.
func (g *queryGen) perRecord(in *input, pl *physical.Pipeline) []Code {
	g.src, g.nextRecord = in, false
	g.base = make([]val, len(in.names))
	for i, c := range in.plan.Scan() {
		g.base[i] = fieldVal(Id("in"), in.names[i], c)
		g.base[i].line = in.wire() == "text" // its one column, the line
	}
	for _, jg := range in.joins {
		g.base = append(g.base, jg.columns()...)
	}
	var ops []rowOp
	for _, op := range append(slices.Clip(pl.Ops), g.phys.Chunk...) {
		ops = append(ops, g.rowOpOf(op, in, pl))
	}
	p := g.newPipe(in, ops, func() Code { return Continue() })
	p.eg.onErr, p.eg.patterns = g.badRecord(), Id("w").Dot("patterns")
	p.run(ops)
	var fetch []Code // a lookup join's keys are fetched before the loop probes them
	for _, jg := range in.joins {
		if jg.j.Lookup {
			fetch = append(fetch, If(Err().Op(":=").Id("w").Dot(jg.lookupMethod()).Call(Id("c")), Err().Op("!=").Nil()).Block(Return(Err())))
		}
	}
	return append(fetch, p.eg.b.stmts...)
}

// filterStmts drops the row (continue) unless every one of filters is TRUE: a join's
// residual conditions and a table's build filter.
func (g *queryGen) filterStmts(eg *exprGen, filters []plan.Expr) {
	for _, f := range filters {
		eg.emit(If(not(eg.cond(f))).Block(Continue()))
	}
}
