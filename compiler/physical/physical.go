// Package physical turns a checked query into the operators the generated program runs, per
// chunk (fused into one loop, chunks in parallel) and per batch, for explain and for the
// checkpoint's state check.
package physical

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sqlstream/sqlstream/compiler/plan"
)

// Operator is one step of the generated program.
type Operator interface {
	// Explain is the operator's line in explain's physical tree.
	Explain() string
	// State describes what the operator keeps across batches; nil for a stateless one.
	State() *State
}

// State is the schema of what an operator keeps across batches, as Spark's
// StateSchemaCompatibilityChecker sees a state store: key and value fields by type. A
// checkpoint made with another State is refused; one made by a query whose expressions
// differ but whose state has the same schema is accepted, as in Spark.
type State struct {
	Operator string
	Keys     []Field
	Values   []Field
}

// Field is one typed field of a state's key or value. Names are left out of the check (as
// Spark's equalsIgnoreName): a renamed column keeps its state.
type Field struct {
	What string // for a value: what it holds, e.g. "sum(BIGINT)"; "" for a key
	Type string // SQL type, with NOT NULL
}

func (f Field) String() string {
	if f.What == "" {
		return f.Type
	}
	return f.What + ": " + f.Type
}

func (s *State) String() string { return s.Operator + " " + s.Schema() }

// Schema is the state's key and value types.
func (s *State) Schema() string {
	var parts []string
	if s.Keys != nil {
		parts = append(parts, fmt.Sprintf("key (%s)", join(s.Keys)))
	}
	if s.Values != nil {
		parts = append(parts, fmt.Sprintf("value (%s)", join(s.Values)))
	}
	return strings.Join(parts, " ")
}

func join[T fmt.Stringer](xs []T) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = x.String()
	}
	return strings.Join(parts, ", ")
}

// Plan is a query's operators. Each list runs bottom-up: its first operator reads the input,
// its last one feeds the next list.
type Plan struct {
	// Inputs are each input's part of the per-chunk loop, from its Scan to the rows it hands
	// Chunk; with several inputs Chunk starts with their Union.
	Inputs []*Pipeline
	// Chunk runs per chunk after the inputs, fused with each of them into its loop: the
	// partial aggregate, or the collection of the rows.
	Chunk []Operator
	// Batch runs once per batch over every chunk's result, ending in the SinkWrite.
	Batch []Operator
	// Side are the per-batch writes beside the sink: malformed records and late rows.
	Side []Operator
}

// Pipeline is one input's operators in the fused per-chunk loop. The planner has inlined the
// projections (a column is computed where it is used, once) and pushed each filter down to
// the first place its columns exist, so rows the stream's own conditions drop never reach a
// table.
type Pipeline struct {
	Input *plan.Input
	Ops   []Operator
	// Cols are the columns the pipeline hands Chunk, as expressions over the input's
	// columns (Input.Columns: the source's, the exploded piece, the tables').
	Cols []plan.Expr
	// Stage is the plan of the stage whose rows the input reads (Input.Stage); nil for a
	// source. It runs first in each batch, and its rows go to this pipeline, not to the sink.
	Stage *Plan
}

// Build lays out q's operators.
func Build(q *plan.Query) *Plan { return build(q, true) }

// build lays out q's operators, ending in the write to its sink unless q is a stage.
func build(q *plan.Query, sink bool) *Plan {
	p := &Plan{}
	if q.StreamJoin != nil {
		streamJoin(p, q)
	} else {
		for _, in := range q.Inputs {
			p.Inputs = append(p.Inputs, pipeline(q, in, q.Pre))
		}
		if len(q.Inputs) > 1 {
			p.Chunk = append(p.Chunk, &Union{Inputs: len(q.Inputs)})
		}
	}
	key, window := q.EventKey()
	if a := q.Agg; a != nil {
		if q.StreamJoin != nil {
			// The joined pairs are made in Finish: they are aggregated there.
			p.Batch = append(p.Batch, &PartialAggregate{Agg: a})
		} else {
			p.Chunk = append(p.Chunk, &PartialAggregate{Agg: a, ByTable: groupsOfTable(a, p.Inputs)})
		}
		p.Batch = append(p.Batch, &FinalAggregate{Agg: a}, &Emit{Mode: q.Mode, EventKey: key, Window: window, Agg: a})
		filters, cols := plan.Flatten(a.AggColumns(), q.Post)
		for _, f := range filters {
			p.Batch = append(p.Batch, &Filter{Cond: f})
		}
		p.Batch = append(p.Batch, &Project{Exprs: cols, Columns: columns(q)})
	} else if q.StreamJoin == nil {
		p.Chunk = append(p.Chunk, &Collect{})
	}
	if d := q.Dedup; d != nil {
		last := columns(q)
		dd := &Deduplicate{EventKey: -1}
		for _, c := range d.Cols {
			dd.Keys = append(dd.Keys, last[c])
			dd.Cols = append(dd.Cols, c)
			if c == key {
				dd.EventKey = len(dd.Keys) - 1
			}
		}
		p.Batch = append(p.Batch, dd)
	}
	switch {
	case len(q.Sort) > 0:
		last := columns(q)
		s := &Sort{}
		for _, k := range q.Sort {
			s.Keys = append(s.Keys, SortKey{k, last[k.Col].Name})
		}
		p.Batch = append(p.Batch, s)
	case q.Agg != nil:
		s := &Sort{All: true}
		for i := range q.Output {
			s.Keys = append(s.Keys, SortKey{plan.SortKey{Col: i, NullsFirst: true}, q.Output[i].Name})
		}
		p.Batch = append(p.Batch, s)
	}
	if q.Limit >= 0 {
		// Only an append query without aggregation limits its whole output, counting the rows
		// emitted in earlier batches; the others limit each batch's result.
		p.Batch = append(p.Batch, &Limit{N: q.Limit, Total: q.Mode == plan.Append && q.Agg == nil})
	}
	if sink {
		p.Batch = append(p.Batch, &SinkWrite{Sink: q.Sink})
	}
	for _, src := range q.Sources() {
		if src.DeadLetter != nil {
			p.Side = append(p.Side, &DeadLetter{What: "malformed records of " + src.Name, Sink: src.DeadLetter})
		}
	}
	if q.LateRows != nil {
		p.Side = append(p.Side, &DeadLetter{What: "late rows", Sink: q.LateRows})
	}
	for _, in := range p.Inputs {
		if in.Stage != nil { // what the chain's first stage writes beside the sink
			p.Side, in.Stage.Side = append(p.Side, in.Stage.Side...), nil
		}
	}
	return p
}

// pipeline lays out input in's part of the per-chunk loop: scan and decode, explode, then
// each filter right after the probe that brings the last column it reads, and the
// projection to the columns of the chunk's operators.
func pipeline(q *plan.Query, in *plan.Input, pre []plan.Step) *Pipeline {
	pl := &Pipeline{Input: in, Ops: []Operator{&Scan{Source: in.Source}, &Decode{Source: in.Source}}}
	if in.Stage != nil {
		pl.Ops, pl.Stage = []Operator{&ReadStage{Source: in.Source}}, build(in.Stage, false)
	}
	if in.Explode != nil {
		pl.Ops = append(pl.Ops, &Explode{Explode: in.Explode, Idx: len(in.Source.Columns)})
	}
	filters, cols := plan.Flatten(in.Columns(), append(slices.Clip(in.Steps), pre...))
	level := func(e plan.Expr) int { // the number of joins whose columns e needs
		last := -1
		plan.Walk(e, func(e plan.Expr) {
			if r, ok := e.(*plan.ColRef); ok {
				last = max(last, r.Idx)
			}
		})
		for k := len(in.Joins) - 1; k >= 0; k-- {
			if last >= in.Joins[k].Offset {
				return k + 1
			}
		}
		return 0
	}
	for k := 0; ; k++ {
		for _, f := range filters {
			if level(f) == k {
				pl.Ops = append(pl.Ops, &Filter{Cond: f})
			}
		}
		if k == len(in.Joins) {
			break
		}
		if j := in.Joins[k]; len(j.Left) > 0 {
			pl.Ops = append(pl.Ops, &HashProbe{Join: j})
		} else {
			pl.Ops = append(pl.Ops, &LoopJoin{Join: j})
		}
	}
	pl.Cols = cols
	if !identity(cols) {
		pl.Ops = append(pl.Ops, &Project{Exprs: cols, Columns: plan.Columns(in.Columns(), append(slices.Clip(in.Steps), pre...))})
	}
	return pl
}

// streamJoin lays out a join of two streams: each side's loop collects its rows, and per
// batch the symmetric hash join pairs them with the other side's state, then the filters
// after the join run per pair, and the projection, or the aggregation over the pairs.
func streamJoin(p *Plan, q *plan.Query) {
	for i, in := range q.Inputs {
		pl := pipeline(q, in, nil)
		pl.Ops = append(pl.Ops, &CollectSide{Side: i, Source: in.Source})
		p.Inputs = append(p.Inputs, pl)
	}
	p.Batch = append(p.Batch, &SymmetricHashJoin{Join: q.StreamJoin, Left: q.Inputs[0].Source, Right: q.Inputs[1].Source})
	filters, cols := plan.Flatten(q.InputColumns(), q.Pre)
	if q.StreamJoin.Kind == plan.StreamInner {
		// An inner join's pair is emitted when ON holds: its conditions filter like WHERE's.
		// An outer or semi join evaluates ON itself, to know which rows matched.
		filters = append(slices.Clip(q.StreamJoin.Residual), filters...)
	}
	for _, f := range filters {
		p.Batch = append(p.Batch, &Filter{Cond: f})
	}
	if q.Agg == nil {
		p.Batch = append(p.Batch, &Project{Exprs: cols, Columns: columns(q)})
	}
}

// groupsOfTable is the inner join whose table holds every group key of a, or nil: over one
// input only, with plain columns of that table as keys.
func groupsOfTable(a *plan.Aggregate, inputs []*Pipeline) *plan.Join {
	if len(inputs) != 1 || len(a.Keys) == 0 {
		return nil
	}
	pl := inputs[0]
	var found *plan.Join
	for _, k := range a.Keys {
		r, ok := plan.Subst(k, pl.Cols).(*plan.ColRef)
		if !ok {
			return nil
		}
		var in *plan.Join
		for _, j := range pl.Input.Joins {
			if r.Idx >= j.Offset && r.Idx < j.Offset+len(j.Columns()) {
				in = j
			}
		}
		if in == nil || in.Kind != plan.InnerJoin || in.Lookup || (found != nil && in != found) { // a lookup table is never whole
			return nil
		}
		found = in
	}
	return found
}

// identity reports whether cols are the input's own columns, in order: no projection.
func identity(cols []plan.Expr) bool {
	for i, c := range cols {
		if r, ok := c.(*plan.ColRef); !ok || r.Idx != i {
			return false
		}
	}
	return true
}

// columns are the columns of the rows a query emits, hidden ones included.
func columns(q *plan.Query) []plan.Column {
	if q.Agg != nil {
		return plan.Columns(q.Agg.AggColumns(), q.Post)
	}
	return plan.Columns(q.InputColumns(), q.Pre)
}

// States are the states of the plan's operators, in the order they run.
func (p *Plan) States() []*State {
	var ss []*State
	var lists [][]Operator
	for _, in := range p.Inputs {
		lists = append(lists, in.Ops)
	}
	for _, ops := range append(lists, p.Chunk, p.Batch) {
		for _, op := range ops {
			if s := op.State(); s != nil {
				ss = append(ss, s)
			}
		}
	}
	return ss
}

// Explain prints the plan as an indented tree, the sink at the root; operators fused into the
// per-chunk loop are marked with *, as Spark marks whole-stage code generation.
func (p *Plan) Explain(b *strings.Builder) { p.explain(b, 1) }

// explain prints the tree from depth top on.
func (p *Plan) explain(b *strings.Builder, top int) {
	depth := top
	line := func(fused bool, op Operator) {
		mark := ""
		if fused {
			mark = "*"
		}
		fmt.Fprintf(b, "%s%s%s\n", strings.Repeat("  ", depth), mark, op.Explain())
	}
	for i := len(p.Batch) - 1; i >= 0; i-- {
		line(false, p.Batch[i])
		depth++
	}
	for i := len(p.Chunk) - 1; i >= 0; i-- {
		line(true, p.Chunk[i])
		depth++
	}
	for _, in := range p.Inputs {
		d := depth
		for i := len(in.Ops) - 1; i >= 0; i-- {
			line(true, in.Ops[i])
			depth++
		}
		if in.Stage != nil {
			in.Stage.explain(b, depth)
		}
		depth = d
	}
	depth = 1
	for _, op := range p.Side {
		line(false, op)
	}
}

// Explain renders every query's logical plan and its physical operator tree.
func Explain(prog *plan.Program) string {
	var b strings.Builder
	for i, q := range prog.Queries {
		if i > 0 {
			b.WriteByte('\n')
		}
		q.ExplainLogical(&b)
		b.WriteString("Physical plan (* = fused into the per-chunk loop, chunks in parallel):\n")
		Build(q).Explain(&b)
	}
	return b.String()
}
