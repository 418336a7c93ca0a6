package physical

import (
	"fmt"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// stateless is embedded by the operators that keep nothing across batches.
type stateless struct{}

func (stateless) State() *State { return nil }

// Scan reads a source's records through its connector.
type Scan struct {
	stateless
	Source *plan.Source
}

func (s *Scan) Explain() string {
	line := fmt.Sprintf("Scan %s [%s, %s]", s.Source.Name, s.Source.Connector, s.Source.Format)
	if w := s.Source.Watermark; w >= 0 {
		line += fmt.Sprintf(" watermark %s - %v", s.Source.Columns[w].Name, time.Duration(s.Source.Delay)*time.Microsecond)
	}
	return line
}

// ReadStage hands the rows a stage emitted in the batch to the next operator of the chain,
// typed as the stage made them: nothing to decode.
type ReadStage struct {
	stateless
	Source *plan.Source
}

func (r *ReadStage) Explain() string {
	line := fmt.Sprintf("ReadStage %s %s", r.Source.Name, schema(r.Source.Columns))
	if w := r.Source.Watermark; w >= 0 {
		line += fmt.Sprintf(" event time %s", r.Source.Columns[w].Name)
	}
	return line
}

// Decode turns a record into a typed row; a malformed one goes to the dead letter sink.
type Decode struct {
	stateless
	Source *plan.Source
}

func (d *Decode) Explain() string {
	return fmt.Sprintf("Decode %s %s", d.Source.Format, schema(d.Source.Columns))
}

// Explode makes one row per piece of a split string.
type Explode struct {
	stateless
	Explode *plan.Explode
	Idx     int
}

func (e *Explode) Explain() string {
	return fmt.Sprintf("Explode split(%s, '%s') AS %s#%d", e.Explode.Str, e.Explode.Pattern, e.Explode.Name, e.Idx)
}

// HashProbe looks a row's keys up in a broadcast table's hash table.
type HashProbe struct {
	stateless
	Join *plan.Join
}

func (h *HashProbe) Explain() string { return joinLine("HashProbe", h.Join) }

// LoopJoin tries every row of a broadcast table: a join without equality keys.
type LoopJoin struct {
	stateless
	Join *plan.Join
}

func (l *LoopJoin) Explain() string { return joinLine("LoopJoin", l.Join) }

func joinLine(op string, j *plan.Join) string {
	var keys []string
	for k := range j.Left {
		keys = append(keys, fmt.Sprintf("%s = %s.%s", j.Left[k], j.Alias, j.Right[k]))
	}
	how := "broadcast table"
	if j.Lookup {
		how = "lookup table" // its rows fetched per chunk for the keys not cached
	}
	line := fmt.Sprintf("%s %s %s %s AS %s#%d", op, j.Kind, how, j.Table.Name, j.Alias, j.Offset)
	if len(keys) > 0 {
		line += fmt.Sprintf(" keys=[%s]", strings.Join(keys, ", "))
	}
	if len(j.Build) > 0 {
		line += " table filter=" + plan.Conjunction(j.Build)
	}
	if len(j.Residual) > 0 {
		line += " residual=" + plan.Conjunction(j.Residual)
	}
	return line
}

// Union picks the record loop of a chunk's source: each input's rows leave it in the
// union's columns.
type Union struct {
	stateless
	Inputs int
}

func (u *Union) Explain() string { return fmt.Sprintf("Union (%d inputs)", u.Inputs) }

// Filter drops the rows whose condition is not TRUE.
type Filter struct {
	stateless
	Cond plan.Expr
}

func (f *Filter) Explain() string { return fmt.Sprintf("Filter %s", f.Cond) }

// Project computes a row's columns.
type Project struct {
	stateless
	Exprs   []plan.Expr
	Columns []plan.Column
}

func (p *Project) Explain() string {
	cols := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		cols[i] = fmt.Sprintf("%s AS %s", e, p.Columns[i].Name)
	}
	return fmt.Sprintf("Project [%s]", strings.Join(cols, ", "))
}

// PartialAggregate groups a chunk's rows into a hash table of partial aggregates. When every
// group key is a column of the one table an inner join matched (enriching a stream with a
// dimension and grouping by its attributes, the most common stream-static query), ByTable is
// that join: the table's distinct keys are numbered when it is loaded and a joined row finds
// its group by its matching row's number, with no hash of the key per row.
type PartialAggregate struct {
	stateless
	Agg     *plan.Aggregate
	ByTable *plan.Join
}

func (p *PartialAggregate) Explain() string {
	line := "PartialAggregate " + strings.TrimPrefix(p.Agg.String(), "Aggregate ")
	if p.ByTable != nil {
		line += fmt.Sprintf(" groups numbered per row of %s at load", p.ByTable.Alias)
	}
	return line
}

// Collect gathers a chunk's rows, which the batch then takes in input order.
type Collect struct {
	stateless
}

func (c *Collect) Explain() string { return "Collect rows in input order" }

// CollectSide gathers a chunk's rows of one side of a join of two streams.
type CollectSide struct {
	stateless
	Side   int
	Source *plan.Source
}

func (c *CollectSide) Explain() string {
	return fmt.Sprintf("CollectSide %d (%s) in input order", c.Side, c.Source.Name)
}

// SymmetricHashJoin joins the batch's rows of each side with the other side's rows of the
// same key, kept across batches: Spark's StreamingSymmetricHashJoinExec. The left rows probe
// the right state and are stored, then the right rows probe the left state, so every pair is
// emitted once.
type SymmetricHashJoin struct {
	Join        *plan.StreamJoin
	Left, Right *plan.Source
}

func (s *SymmetricHashJoin) Explain() string {
	keys := make([]string, len(s.Join.LeftKeys))
	for i := range keys {
		keys[i] = fmt.Sprintf("%s = %s", s.Join.LeftKeys[i], s.Join.RightKeys[i])
	}
	var on []string
	if s.Join.Kind != plan.StreamInner {
		for _, r := range s.Join.Residual {
			on = append(on, r.String())
		}
	}
	cond := ""
	if len(on) > 0 {
		cond = " on=[" + strings.Join(on, " AND ") + "]"
	}
	sides := [2]*plan.Source{s.Left, s.Right}
	var bounds []string
	for i, e := range s.Join.Expiry {
		src := sides[i]
		if e == nil {
			bounds = append(bounds, src.Name+" rows kept for ever")
			continue
		}
		at := src.Columns[e.Col].Name
		if e.Window != 0 {
			at = fmt.Sprintf("the end of window(%s, %s)", at, &plan.Const{T: sqltype.Interval, Int: e.Window})
		}
		if e.Offset != 0 {
			op, off := "+", e.Offset
			if off < 0 {
				op, off = "-", -off
			}
			at = fmt.Sprintf("%s %s %s", at, op, &plan.Const{T: sqltype.Interval, Int: off})
		}
		bounds = append(bounds, fmt.Sprintf("%s rows evicted when watermark >= %s (from %s)", src.Name, at, e.Cond))
	}
	return fmt.Sprintf("SymmetricHashJoin %s %s, %s keys=[%s]%s, %s, state %s",
		s.Join.Kind, s.Left.Name, s.Right.Name, strings.Join(keys, ", "), cond, strings.Join(bounds, "; "), s.State().Schema())
}

// State is each side's rows by key. The join's kind is part of it, as Spark refuses a
// changed join type on a checkpoint: an inner join's rows were never marked matched, and an
// outer join restored from them would emit matched rows with NULLs.
func (s *SymmetricHashJoin) State() *State {
	st := &State{Operator: "SymmetricHashJoin " + s.Join.Kind.String(), Keys: []Field{}, Values: []Field{}}
	for _, k := range s.Join.LeftKeys {
		st.Keys = append(st.Keys, Field{Type: k.Type().String()})
	}
	for _, c := range s.Left.Columns {
		st.Values = append(st.Values, Field{What: "left", Type: colType(c)})
	}
	for _, c := range s.Right.Columns {
		st.Values = append(st.Values, Field{What: "right", Type: colType(c)})
	}
	return st
}

// FinalAggregate merges the chunks' partial aggregates into the groups kept across batches.
type FinalAggregate struct {
	Agg *plan.Aggregate
}

func (f *FinalAggregate) Explain() string {
	return "FinalAggregate merge into state " + f.State().Schema()
}

// State is the groups: the key columns' types and each aggregate's function over its
// argument's type, not its expression (Spark compares schemas, not expressions).
func (f *FinalAggregate) State() *State {
	s := &State{Operator: "Aggregate", Keys: []Field{}, Values: []Field{}}
	for _, c := range f.Agg.KeyCols {
		s.Keys = append(s.Keys, Field{Type: colType(c)})
	}
	for _, a := range f.Agg.Aggs {
		arg := "*"
		if a.Arg != nil {
			arg = a.Arg.Type().String()
		}
		if a.IgnoreNulls {
			arg += ", ignore nulls"
		}
		if a.By != nil {
			arg += ", " + a.By.Type().String()
		}
		s.Values = append(s.Values, Field{What: fmt.Sprintf("%s(%s)", strings.TrimSuffix(string(a.Func), "(*)"), arg),
			Type: colType(plan.Column{Type: a.Type, Nullable: a.Nullable})})
	}
	return s
}

// Emit picks the groups a batch outputs by output mode; with a watermark on the event-time
// key it also evicts the groups the watermark passed.
type Emit struct {
	Mode     plan.OutputMode
	EventKey int // the group key over event time, or -1
	Window   bool
	Agg      *plan.Aggregate
}

func (e *Emit) Explain() string {
	what := ""
	switch {
	case e.Mode == plan.Update && e.EventKey >= 0:
		what = "groups changed in this batch; evict groups the watermark passed"
	case e.Mode == plan.Update:
		what = "groups changed in this batch"
	case e.Mode == plan.Append:
		what = "groups the watermark passed, then evict them"
	default:
		what = "every group"
	}
	line := fmt.Sprintf("Emit %s: %s", e.Mode, what)
	if e.EventKey >= 0 {
		line += fmt.Sprintf(" (watermark on key %s)", e.Agg.KeyCols[e.EventKey].Name)
	}
	return line
}

// State is the watermark: the largest event time seen, kept across batches.
func (e *Emit) State() *State { return watermarkState(e.EventKey) }

func watermarkState(key int) *State {
	if key < 0 {
		return nil
	}
	return &State{Operator: "Watermark", Values: []Field{{What: "max event time", Type: "TIMESTAMP NOT NULL"}}}
}

// Deduplicate drops the rows whose key is in the state and adds the others' keys to it.
type Deduplicate struct {
	Keys     []plan.Column
	Cols     []int // the output columns that are the keys
	EventKey int   // the key that is the event time, or -1
}

func (d *Deduplicate) Explain() string {
	names := make([]string, len(d.Keys))
	for i, c := range d.Keys {
		names[i] = c.Name
	}
	line := fmt.Sprintf("Deduplicate [%s]: drop rows whose key is in state", strings.Join(names, ", "))
	if d.EventKey >= 0 {
		line += "; drop late rows, evict keys the watermark passed"
	}
	return line + ", state " + d.dedupState().Schema()
}

// State is the keys seen (and the watermark when one evicts them).
func (d *Deduplicate) State() *State { return d.dedupState() }

func (d *Deduplicate) dedupState() *State {
	s := &State{Operator: "Deduplicate", Keys: []Field{}}
	for _, c := range d.Keys {
		s.Keys = append(s.Keys, Field{Type: colType(c)})
	}
	if w := watermarkState(d.EventKey); w != nil {
		s.Values = w.Values
	}
	return s
}

// Sort orders a batch's rows; an aggregation without ORDER BY is sorted by every column
// (All), so that the output is stable.
type Sort struct {
	stateless
	Keys []SortKey
	All  bool
}

// SortKey is an ORDER BY key with its column's name.
type SortKey struct {
	plan.SortKey
	Name string
}

func (k SortKey) String() string {
	dir, nulls := "ASC", "NULLS LAST"
	if k.Desc {
		dir = "DESC"
	}
	if k.NullsFirst {
		nulls = "NULLS FIRST"
	}
	return fmt.Sprintf("%s %s %s", k.Name, dir, nulls)
}

func (s *Sort) Explain() string {
	if s.All {
		return "Sort by all columns (stable output)"
	}
	return fmt.Sprintf("Sort [%s]", join(s.Keys))
}

// Limit keeps the first N rows: of each batch, or with Total of the whole output.
type Limit struct {
	N     int64
	Total bool
}

func (l *Limit) Explain() string {
	if l.Total {
		return fmt.Sprintf("Limit %d (rows emitted so far kept in state)", l.N)
	}
	return fmt.Sprintf("Limit %d per batch", l.N)
}

func (l *Limit) State() *State {
	if !l.Total {
		return nil
	}
	return &State{Operator: "Limit", Values: []Field{{What: "rows emitted", Type: "BIGINT NOT NULL"}}}
}

// SinkWrite writes a batch's rows to the sink.
type SinkWrite struct {
	stateless
	Sink *plan.Sink
}

func (s *SinkWrite) Explain() string {
	return fmt.Sprintf("SinkWrite %s [%s]", s.Sink.Name, s.Sink.Connector)
}

// DeadLetter writes the records a batch set aside (malformed records, late rows) to a sink.
type DeadLetter struct {
	stateless
	What string
	Sink *plan.Sink
}

func (d *DeadLetter) Explain() string {
	return fmt.Sprintf("DeadLetterWrite %s to %s [%s]", d.What, d.Sink.Name, d.Sink.Connector)
}

func colType(c plan.Column) string {
	if c.Nullable {
		return c.Type.String()
	}
	return c.Type.String() + " NOT NULL"
}

func schema(cols []plan.Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.Name + " " + colType(c)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
