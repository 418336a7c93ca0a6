package runtime

import (
	"context"
	"io"
	"time"
)

// Chunk is a run of complete records read from one split of a source (a part of a file, a
// socket read, ...). Records are separated by '\n'; the last one may lack it. A trailing '\r'
// on a record belongs to the line ending, not to the record: decoders drop it.
//
// Chunks are handed to workers in parallel; Seq orders them within a batch so that
// order-preserving operators (append-mode projections) emit rows in input order: a batch's
// chunks are numbered source by source, in the order of QuerySpec.Sources. Data is
// valid only during Worker.Process: the engine reuses the buffer afterwards, so a worker
// copies whatever it keeps.
type Chunk struct {
	Data   []byte
	Origin string // file path or endpoint, used in record-error messages
	Line   int64  // 1-based line number of the first record of Data within Origin
	Seq    int    // position of this chunk within its batch, from 0, across all sources
	Source int    // the index in QuerySpec.Sources of the source the chunk was read from
	Time   int64  // when the batch started, in microseconds since the epoch (current_timestamp)
	Batch  int64  // the batch's id: with Seq and the line, a record's place in arrival order
	// Records is the number of lines in Data when the source counted them already (0: the
	// engine counts them), or the number of typed rows.
	Records int64
	// Rows are the chunk's records as typed rows, one Vector per declared column, from a
	// source that makes values rather than reading text (Data is then empty).
	Rows []Vector
	// Upstream are the rows the stage before emitted in the batch, for a later stage of a
	// chain of stateful operators (see RunStage); nil for a chunk of a source.
	Upstream Rows

	buf *[]byte // pooled buffer backing Data, if any
}

// Worker is one goroutine's share of a batch: generated code decodes, filters, projects and
// partially aggregates each chunk into the worker's private state. A Worker is never used by
// two goroutines at once.
type Worker interface {
	Process(c *Chunk) error
}

// Query is the compiled form of one INSERT INTO ... SELECT. The engine calls NewWorker for
// each parallel reader of a batch, Process on them, and then Finish once, from one goroutine,
// to merge the workers into the query's state and produce the batch's output.
type Query interface {
	NewWorker(rec *RecordErrors) Worker
	Finish(batchID int64, workers []Worker) (Rows, error)
}

// EventTimeQuery is implemented by queries whose aggregation uses a watermark.
type EventTimeQuery interface {
	Query
	// EventTime reports the watermark the last batch used (microseconds; ok false before
	// there is one), the rows it dropped as late, and the groups kept in state.
	EventTime() (watermark int64, ok bool, late int64, state int)
	// Pending reports whether the watermark the next batch will use finalises or evicts
	// state: then the engine runs a batch without new data, as Spark does.
	Pending() bool
}

// Rows is the output of one batch, formatted by generated code that knows its types.
type Rows interface {
	Len() int
	// AppendJSON appends row i as one JSON object (no newline).
	AppendJSON(dst []byte, i int) []byte
	// AppendCSV appends row i as one CSV record (no newline).
	AppendCSV(dst []byte, i int) []byte
	// Cell returns column j of row i as the console shows it ("null" for NULL).
	Cell(i, j int) string
	// Value returns column j of row i as a Go value (nil for NULL): for the memory sink and
	// tests, never on the per-input-row path.
	Value(i, j int) any
}

// Column describes one output column.
type Column struct {
	Name string
	Type string // SQL type name: BOOLEAN, INT, BIGINT, DOUBLE, STRING, BYTES, TIMESTAMP, DATE
	// Unread marks a typed source's column that the query never reads: the source may
	// leave its Vector empty (and skip making its values).
	Unread bool
}

// OutputMode is Spark's output mode of a streaming query.
type OutputMode int

const (
	Append OutputMode = iota
	Update
	Complete
)

func (m OutputMode) String() string {
	switch m {
	case Update:
		return "update"
	case Complete:
		return "complete"
	}
	return "append"
}

// TriggerKind selects when batches run.
type TriggerKind int

const (
	// TriggerDefault runs the next batch as soon as the previous one ends.
	TriggerDefault TriggerKind = iota
	// TriggerInterval runs a batch every Interval (Spark's ProcessingTime trigger).
	TriggerInterval
	// TriggerOnce runs one batch over everything available, then stops.
	TriggerOnce
	// TriggerAvailableNow processes everything available at start, honouring the
	// per-trigger limits (several batches), then stops.
	TriggerAvailableNow
)

// Trigger is a query's trigger policy.
type Trigger struct {
	Kind     TriggerKind
	Interval time.Duration
}

// Endpoint is a source or sink as declared in SQL: its name, connector and options. The
// options are the literal values from the WITH clause (as strings); --set overrides are
// applied by the engine before the connector is opened.
type Endpoint struct {
	Name      string
	Connector string
	Options   map[string]string
	// Stdout and Stderr are the program's output streams; the engine sets them, so that
	// the console sink and warnings go where Run was told.
	Stdout, Stderr io.Writer
	// Columns are a source's declared columns, for connectors that check a file's own schema
	// against them (Parquet); nil otherwise.
	Columns []Column
	// RunID names the run a sink writes for: the checkpoint's id, the same across restarts,
	// or a fresh one for a run without a checkpoint. The files sink refuses a directory that
	// holds another run's output.
	RunID string
	// Writer names who writes to a sink where the writers of one sink must differ (the
	// files sink's file names and manifest, the Kafka sink's default transactional ID): ""
	// for a query's own sink, whose name is the query's; "<query>.dead_letter" and
	// "<query>.late_rows" for a dead-letter sink, which several queries may share.
	Writer string
}

// WriterName is e.Writer, or e.Name for a query's own sink.
func (e Endpoint) WriterName() string {
	if e.Writer != "" {
		return e.Writer
	}
	return e.Name
}

// QuerySpec is what generated main() hands the engine for each query.
type QuerySpec struct {
	Name string // the sink name, used in messages and progress
	// Sources are the query's inputs, in the order of the FROM clause (the branches of a
	// UNION ALL): Chunk.Source is an index into it. A query has at least one.
	Sources []SourceSpec
	Sink    Endpoint
	Columns []Column // the sink's columns
	Mode    OutputMode
	Trigger Trigger
	// State describes the layout of the query's state snapshot ("" when it keeps none): a
	// checkpoint made by a query with another state layout is refused.
	State string
	// Checkpoint is the query's checkpoint directory from the INSERT's WITH clause ("": none
	// unless --checkpoint gives a root).
	Checkpoint string
	// Uncheckpointed says why the query's state cannot be saved in a checkpoint yet ("": it
	// can); the query then refuses to run with one rather than lose its state on a restart.
	Uncheckpointed string
	// OpenSink constructs the sink; generated code points it (and SourceSpec.OpenSource) at
	// the connector packages the query uses, so a binary links only those.
	OpenSink func(ctx context.Context, e Endpoint, cols []Column, mode OutputMode) (Sink, error)
	New      func() Query
	// LateRows receives the rows the watermark drops (the INSERT's option late_rows); nil
	// when not given.
	LateRows *DeadLetter
	// WatermarkPolicy combines the watermarks of several sources: "min" (the default, also
	// for "") or "max", Spark's spark.sql.streaming.multipleWatermarkPolicy. Generated code
	// passes it to NewWatermarks.
	WatermarkPolicy string
	// Tables are the static tables the query joins: loaded before its first batch and
	// reloaded before a batch as their refresh option says.
	Tables []TableSpec
}

// SourceSpec is one input of a query.
type SourceSpec struct {
	Endpoint Endpoint
	Format   string // record format the generated decoder expects: text, csv, json
	// Schema describes the source's connector, format and columns: a checkpoint made by a
	// query whose source of that name had another schema is refused.
	Schema     string
	OpenSource func(ctx context.Context, e Endpoint) (Source, error)
	// DeadLetter receives the source's malformed records (its option dead_letter); nil when
	// not given.
	DeadLetter *DeadLetter
}

// Program is everything a generated binary runs.
type Program struct {
	Name    string // the SQL file, for messages
	Queries []QuerySpec
	// OnProgress, when set, receives every batch's progress (from several goroutines when
	// there are several queries): the embedding API's WithProgressFunc.
	OnProgress func(Progress)
	// Listeners receive every query's lifecycle events (Spark's StreamingQueryListener): the
	// embedding API's WithListener.
	Listeners []Listener
}
