// Package plan holds the typed plan of a checked SQL file: each streaming query as a pipeline
// Scan → (Filter|Project)* → [Aggregate → (Filter|Project)*] → [Sort] → [Limit] → Sink.
package plan

import (
	"github.com/alecthomas/participle/v2/lexer"
	"slices"

	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// Program is every query of one SQL file.
type Program struct {
	Filename string
	Queries  []*Query
	// Modules are the Go modules of the functions the queries call (path → directory).
	Modules map[string]string
}

// Column is a typed, named column of a schema.
type Column struct {
	Name     string
	Type     sqltype.Type
	Nullable bool
	Size     int64 // WINDOW columns: the window's length in microseconds
}

// Source is a CREATE SOURCE as the query reads it.
type Source struct {
	Name      string
	Connector string
	Format    string // text, csv or json: decides the generated decoder
	Options   map[string]string
	Columns   []Column
	// Watermark is the index of the event-time column of WATERMARK FOR, or -1; the watermark
	// is the largest event time seen minus Delay (microseconds).
	Watermark int
	Delay     int64
	// DeadLetter is the sink of option dead_letter, which receives the malformed records;
	// nil without one.
	DeadLetter *Sink
	// Table marks a CREATE TABLE: a bounded input read whole when the program starts (and
	// again as its refresh option says), joined to a stream. A table has no watermark.
	Table bool
}

// EventKey says how a query's aggregation uses its sources' watermarks: the index of the
// group key that is a window() over the watermarked column, or that column itself, and
// whether it is a window. For a Dedup, it is the key column that is the watermarked column.
// With several inputs (UNION ALL), the column must be each input's watermarked column. Key
// is -1 when the grouping does not involve event time; then the watermark neither drops late
// rows nor evicts state.
func (q *Query) EventKey() (key int, window bool) {
	if q.Agg == nil && q.Dedup == nil {
		return -1, false
	}
	if q.StreamJoin != nil {
		return q.eventKeyOf(q.joinEventTime(), false)
	}
	flat := make([][]Expr, len(q.Inputs))
	for i, in := range q.Inputs {
		if in.Source.Watermark < 0 {
			return -1, false
		}
		_, flat[i] = Flatten(in.Columns(), append(slices.Clip(in.Steps), q.Pre...))
	}
	// isEventTime reports whether e, over the columns leaving Pre, is the event time: the
	// watermarked column, or the time of a window that is (window_time).
	isEventTime := func(e Expr) bool {
		if c, ok := e.(*Call); ok && c.Name == "window_time" {
			e = c.Args[0]
		}
		for i, in := range q.Inputs {
			r, ok := Subst(e, flat[i]).(*ColRef)
			if !ok || r.Idx != in.Source.Watermark {
				return false
			}
		}
		return true
	}
	return q.eventKeyOf(isEventTime, true)
}

// eventKeyOf is EventKey given what is the event time over the columns leaving Pre; sessions
// says whether a session window counts.
func (q *Query) eventKeyOf(isEventTime func(Expr) bool, sessions bool) (key int, window bool) {
	if q.Agg == nil {
		for _, c := range q.Dedup.Cols {
			if isEventTime(&ColRef{Idx: c}) {
				return c, false
			}
		}
		return -1, false
	}
	for i, k := range q.Agg.Keys {
		if c, ok := k.(*Call); ok && (c.Name == "window" || sessions && c.Name == "session_window") && isEventTime(c.Args[0]) {
			return i, true
		}
		if isEventTime(k) {
			return i, false
		}
	}
	return -1, false
}

// joinEventTime is what is the event time over a join of two streams: the joined row carries
// both sides' watermarked columns, and either is the event time, under the query's one
// watermark (Spark 3.4's global watermark for chained operators).
func (q *Query) joinEventTime() func(Expr) bool {
	l, r := q.Inputs[0], q.Inputs[1]
	n := len(Columns(l.Columns(), l.Steps))
	_, flat := Flatten(q.InputColumns(), q.Pre)
	return func(e Expr) bool {
		ref, ok := Subst(e, flat).(*ColRef)
		return ok && (l.Source.Watermark >= 0 && ref.Idx == l.Source.Watermark ||
			r.Source.Watermark >= 0 && q.StreamJoin.Kind != StreamLeftSemi && ref.Idx == n+r.Source.Watermark)
	}
}

// Head is the query of the chain ending in q that reads the sources: q, or the Stage of its
// input, recursively.
func (q *Query) Head() *Query {
	for q.Inputs[0].Stage != nil {
		q = q.Inputs[0].Stage
	}
	return q
}

// Stages are the queries of the chain ending in q, the head first and q last.
func (q *Query) Stages() []*Query {
	var qs []*Query
	for ; q != nil; q = q.Inputs[0].Stage {
		qs = append([]*Query{q}, qs...)
	}
	return qs
}

// EventColumn is the index of the output column that carries the event time q emits rows
// by, for a query that reads q as a stage: the window or event-time key of its aggregation,
// or its deduplication's event-time column; -1 when no output column does.
func (q *Query) EventColumn() int {
	key, _ := q.EventKey()
	if key < 0 {
		return -1
	}
	if q.Agg == nil {
		if key < len(q.Output) {
			return key
		}
		return -1
	}
	_, cols := Flatten(q.Agg.AggColumns(), q.Post)
	for i, e := range cols[:len(q.Output)] {
		if r, ok := e.(*ColRef); ok && r.Idx == key {
			return i
		}
	}
	return -1
}

// Sink is a CREATE SINK.
type Sink struct {
	Name      string
	Connector string
	Options   map[string]string
}

// OutputMode is Spark's output mode.
type OutputMode int

const (
	Append OutputMode = iota
	Update
	Complete
)

func (m OutputMode) String() string {
	return [...]string{"APPEND", "UPDATE", "COMPLETE"}[m]
}

// TriggerKind mirrors the runtime's trigger kinds.
type TriggerKind int

const (
	TriggerDefault TriggerKind = iota
	TriggerInterval
	TriggerOnce
	TriggerAvailableNow
)

// Trigger is a query's trigger; Micros is the interval for TriggerInterval.
type Trigger struct {
	Kind   TriggerKind
	Micros int64
}

// Query is one INSERT INTO sink SELECT ..., lowered into a single pipeline.
type Query struct {
	Pos  lexer.Position
	Name string // the sink name: names generated identifiers
	// Inputs are the query's inputs: one, one per branch of a UNION ALL, or the two sides of
	// StreamJoin.
	Inputs []*Input
	// StreamJoin, when set, joins Inputs[0] and Inputs[1] (two streams); Pre reads the
	// joined rows, the left side's columns then the right side's (a semi join's: the left's).
	StreamJoin *StreamJoin
	Sink       *Sink
	// Pre runs per input row over InputColumns.
	Pre []Step
	// Agg, when set, groups the rows that leave Pre; Post then runs per group over the
	// schema keys ++ aggregates.
	Agg  *Aggregate
	Post []Step
	// Dedup, when set (without Agg), drops every row whose key equals an earlier row's.
	Dedup *Dedup
	// Output is the sink's schema: the first len(Output) columns of the last step.
	Output []Column
	// Sort and Limit apply to the rows a batch emits. Sort keys index the last step's
	// columns, which may hold hidden columns beyond Output.
	Sort  []SortKey
	Limit int64 // -1: none
	Mode  OutputMode
	// ModeDefaulted is set when the SQL omitted OUTPUT MODE and the checker picked Mode.
	ModeDefaulted bool
	Trigger       Trigger
	// StrictCast makes a CAST of invalid input an error instead of NULL (cast = 'strict').
	StrictCast bool
	// Checkpoint is the checkpoint directory given by INSERT ... WITH (checkpoint = '...').
	Checkpoint string
	// LateRows is the sink of INSERT ... WITH (late_rows = '...'), which receives the rows
	// the watermark drops; nil without one.
	LateRows *Sink
}

// Explode is explode(split(Str, Pattern)) in a SELECT over a source (Spark's generator): an
// input row becomes one row per piece of Str split at the regular expression Pattern; a NULL
// Str gives none.
type Explode struct {
	Str     Expr
	Pattern string
	Name    string
}

// Input is one input of a query: a source's rows, with what explode and joins add to them,
// and in a branch of a UNION ALL its own steps, which end in the projection onto the
// union's columns.
type Input struct {
	Source *Source
	// Explode, when set, turns each source row into one row per piece of a string: the
	// piece is a column after the source's (see Columns).
	Explode *Explode
	// Joins probe static tables for each row, in order, after Explode; each adds its
	// table's columns (see Columns).
	Joins []*Join
	Steps []Step
	// Stage, when set, is the query whose rows this input reads, each batch the rows it
	// emits in that batch (Spark 3.4's chained stateful operators: an aggregation over an
	// aggregation or a deduplication). Source then describes those rows: no connector, and as
	// its watermarked column the one that carries Stage's event time (-1: none).
	Stage *Query
}

// Columns are the columns Steps read: the source's, the exploded piece after them, and
// each joined table's.
func (in *Input) Columns() []Column {
	cols := in.Source.Columns
	if in.Explode != nil {
		cols = append(slices.Clip(cols), Column{Name: in.Explode.Name, Type: sqltype.String})
	}
	for _, j := range in.Joins {
		cols = append(slices.Clip(cols), j.Columns()...)
	}
	return cols
}

// Scan are the columns of a row as the source's decoder makes it: Columns without the
// joined tables'.
func (in *Input) Scan() []Column {
	cols := in.Columns()
	if len(in.Joins) > 0 {
		cols = cols[:in.Joins[0].Offset]
	}
	return cols
}

// InputColumns are the columns Pre reads: the input's, or with several inputs the union's
// (where the inputs' Steps leave them).
func (q *Query) InputColumns() []Column {
	in := q.Inputs[0]
	cols := Columns(in.Columns(), in.Steps)
	if sj := q.StreamJoin; sj != nil {
		cols = sj.nullable(0, cols)
		if sj.Kind != StreamLeftSemi {
			r := q.Inputs[1]
			cols = append(slices.Clip(cols), sj.nullable(1, Columns(r.Columns(), r.Steps))...)
		}
	}
	return cols
}

// nullable marks side's columns nullable when an outer join NULL-extends the side.
func (sj *StreamJoin) nullable(side int, cols []Column) []Column {
	if !sj.Kind.Outer(1 - side) {
		return cols
	}
	cols = slices.Clone(cols)
	for i := range cols {
		cols[i].Nullable = true
	}
	return cols
}

// StreamJoin is a join of two streams, as Spark's symmetric hash join: each side's rows are
// kept by key, and a row joins the other side's rows of its key, those of earlier batches and
// of its own.
type StreamJoin struct {
	Pos  lexer.Position
	Kind StreamJoinKind
	// LeftKeys and RightKeys are the equality keys, each over its side's columns, widened
	// to the same types; a NULL key matches nothing.
	LeftKeys, RightKeys []Expr
	// Residual are the other conditions of ON, over the joined columns.
	Residual []Expr
	// Expiry, by side, says when a stored row of that side can no longer match a row of the
	// other: nil when the ON condition gives no such time, and then the row is kept for ever.
	Expiry [2]*Expiry
}

// StreamJoinKind is the kind of a join of two streams.
type StreamJoinKind int

const (
	StreamInner StreamJoinKind = iota
	// StreamLeftOuter, StreamRightOuter and StreamFullOuter emit the rows of the outer
	// side(s) that matched nothing, with NULLs for the other side, once they expire.
	StreamLeftOuter
	StreamRightOuter
	StreamFullOuter
	// StreamLeftSemi emits a left row once, when it first matches; no right columns.
	StreamLeftSemi
)

func (k StreamJoinKind) String() string {
	return [...]string{"Inner", "LeftOuter", "RightOuter", "FullOuter", "LeftSemi"}[k]
}

// Outer reports whether side (0 left, 1 right) keeps its unmatched rows.
func (k StreamJoinKind) Outer(side int) bool {
	return k == StreamFullOuter || side == 0 && k == StreamLeftOuter || side == 1 && k == StreamRightOuter
}

// Expiry is the event time after which a side's stored row can match no future row of the
// other side: its column Col (a TIMESTAMP of the side's own columns) plus Offset
// (microseconds). The other side's rows later than the watermark have their watermarked
// column after it, and ON bounds that column by this row's Col + Offset, so the row is
// evicted once the watermark reaches Col + Offset (Spark's state value watermark). A row whose
// Col is NULL matches nothing: ON compares it.
type Expiry struct {
	Col    int
	Offset int64
	// Window, when not 0, is the size of the tumbling window of Col that the join's key
	// compares with the other side's: the row expires at its window's end (plus Offset).
	Window int64
	// Cond is the ON condition the bound comes from, for explain.
	Cond Expr
}

// Sources are the query's sources, in the order of its inputs.
func (q *Query) Sources() []*Source {
	srcs := make([]*Source, len(q.Inputs))
	for i, in := range q.Inputs {
		srcs[i] = in.Source
	}
	return srcs
}

// JoinKind is how a join treats a row of the stream with no match in the table.
type JoinKind int

const (
	// InnerJoin drops it; a match makes one row per matching table row.
	InnerJoin JoinKind = iota
	// LeftOuterJoin keeps it once, with NULL for the table's columns.
	LeftOuterJoin
	// LeftSemiJoin keeps a stream row once when it has a match, without the table's columns.
	LeftSemiJoin
	// LeftAntiJoin keeps a stream row when it has no match.
	LeftAntiJoin
)

func (k JoinKind) String() string {
	return [...]string{"Inner", "LeftOuter", "LeftSemi", "LeftAnti"}[k]
}

// Join is a stream-static join: each row of the stream probes Table, built into a hash
// table on Right when the table is loaded. A RIGHT JOIN with the stream on the right is a
// LeftOuterJoin with the table's columns shown first (a checker concern).
type Join struct {
	Pos   lexer.Position
	Kind  JoinKind
	Table *Source
	Alias string
	// Offset is the index of the table's first column among the query's input columns; the
	// columns before it are the stream's and earlier joins'. A semi or anti join's columns
	// are there too, for Residual only.
	Offset int
	// Left and Right are the equality keys, Left over the input columns before Offset and
	// Right over the table's own columns (from 0), pairwise of one type. A row whose key
	// has a NULL matches nothing. No keys: every table row is a candidate.
	Left, Right []Expr
	// Build are the ON conditions over the table alone (its own columns): rows failing
	// them never match, so they are left out when the table is built.
	Build []Expr
	// Residual are the other ON conditions, over the input columns up to the table's.
	Residual []Expr
	// Lookup: the table (lookup = true) is not loaded; each chunk's keys are looked up in
	// it. Then Left is one key over the source's own columns and Right its lookup key.
	Lookup bool
}

// Columns are the columns the join adds to the input: the table's, nullable in an outer
// join.
func (j *Join) Columns() []Column {
	cols := slices.Clone(j.Table.Columns)
	if j.Kind == LeftOuterJoin {
		for i := range cols {
			cols[i].Nullable = true
		}
	}
	return cols
}

// Dedup is SELECT DISTINCT or SELECT DISTINCT ON (...) over a stream, Spark's
// dropDuplicates: the first row of each key, in arrival order, is emitted once and the key is
// remembered. Cols index the columns leaving Pre (hidden ones hold DISTINCT ON expressions).
type Dedup struct {
	Cols []int
}

// Step is a row-at-a-time operator: *Filter or *Project.
type Step interface{ step() }

// Filter drops rows for which Cond is not TRUE.
type Filter struct {
	Cond Expr
}

// Project replaces the row with the values of Exprs.
type Project struct {
	Exprs   []Expr
	Columns []Column
}

func (*Filter) step()  {}
func (*Project) step() {}

// Aggregate groups by Keys and computes Aggs per group; its output schema is the keys
// followed by the aggregates.
type Aggregate struct {
	Keys    []Expr
	KeyCols []Column
	Aggs    []*AggCall
	// SessionEnd, for GROUP BY session_window(ts, gap), is the index of the hidden max(ts)
	// aggregate: a session is [its key's start, max(ts) + gap). -1 otherwise.
	SessionEnd int
}

// Session reports a session_window key: its index and gap.
func (a *Aggregate) Session() (key int, gap int64, ok bool) {
	for i, k := range a.Keys {
		if c, isCall := k.(*Call); isCall && c.Name == "session_window" {
			return i, c.Args[1].(*Const).Int, true
		}
	}
	return -1, 0, false
}

// AggFunc names an aggregate function.
type AggFunc string

const (
	CountStar     AggFunc = "count(*)"
	Count         AggFunc = "count"
	CountDistinct AggFunc = "count_distinct"
	Sum           AggFunc = "sum"
	Avg           AggFunc = "avg"
	Min           AggFunc = "min"
	Max           AggFunc = "max"
	StddevSamp    AggFunc = "stddev_samp"
	StddevPop     AggFunc = "stddev_pop"
	VarSamp       AggFunc = "var_samp"
	VarPop        AggFunc = "var_pop"
	// ApproxCountDistinct estimates count(DISTINCT x) with a HyperLogLog sketch.
	ApproxCountDistinct AggFunc = "approx_count_distinct"
	// First and Last are the value of the group's first and last row in arrival order
	// (batch, then input order within the batch), NULL included unless IgnoreNulls.
	First AggFunc = "first"
	Last  AggFunc = "last"
	// MaxBy and MinBy are the value of Arg in a row with the largest (smallest) By, Spark's
	// max_by and min_by; rows whose By is NULL are skipped.
	MaxBy AggFunc = "max_by"
	MinBy AggFunc = "min_by"
)

// AggCall is one aggregate; Arg is nil for count(*).
type AggCall struct {
	Func AggFunc
	Arg  Expr
	Type sqltype.Type
	// Nullable: count is never NULL; sum/avg/min/max are NULL for a group with no non-null input.
	Nullable bool
	// IgnoreNulls: first/last skip NULL values (their second argument, true).
	IgnoreNulls bool
	// By orders the rows of max_by and min_by; nil for the others.
	By Expr
}

// SortKey orders emitted rows by column Col of the last step.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// Columns returns the schema of the rows leaving a pipeline segment: the source's columns,
// changed by each Project.
func Columns(in []Column, steps []Step) []Column {
	cols := in
	for _, s := range steps {
		if p, ok := s.(*Project); ok {
			cols = p.Columns
		}
	}
	return cols
}

// AggColumns is the schema Post starts from.
func (a *Aggregate) AggColumns() []Column {
	cols := append([]Column(nil), a.KeyCols...)
	for i, c := range a.Aggs {
		cols = append(cols, Column{Name: aggName(i), Type: c.Type, Nullable: c.Nullable})
	}
	return cols
}

func aggName(i int) string { return "agg" + itoa(i) }

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
