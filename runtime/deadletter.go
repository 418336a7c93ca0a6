package runtime

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// DeadLetterColumns are the columns of the rows a dead-letter sink receives for malformed
// records (source option dead_letter). path, record and reason are the fields of the JSON
// files Databricks' badRecordsPath writes; line and source say where the record was.
var DeadLetterColumns = []Column{
	{Name: "batch", Type: "BIGINT"},         // the batch that read the record
	{Name: "source", Type: "STRING"},        // the source's name (null for a late row found after the merge of several sources)
	{Name: "path", Type: "STRING"},          // the file, or "kafka <topic>/<partition>" (Chunk.Origin)
	{Name: "line", Type: "BIGINT"},          // the record's line in the file from 1, or its Kafka offset
	{Name: "reason", Type: "STRING"},        // why the record was not used
	{Name: "record", Type: "STRING"},        // the record's text
	{Name: "event_time", Type: "TIMESTAMP"}, // late rows only
	{Name: "watermark", Type: "TIMESTAMP"},  // late rows only
}

// deadLetterCols is how many of DeadLetterColumns a malformed record has; late rows
// (INSERT option late_rows) have them all.
const deadLetterCols = 6

// LateRowColumns are the columns of the rows a late_rows sink receives.
var LateRowColumns = DeadLetterColumns

// MalformedColumns are the columns of the rows a dead_letter sink receives.
var MalformedColumns = DeadLetterColumns[:deadLetterCols:deadLetterCols]

// DeadLetter is a sink that receives what a query leaves out: a source's malformed records
// (SourceSpec.DeadLetter) or the rows the watermark drops (QuerySpec.LateRows). The engine
// writes a batch's rows to it after the query's own sink and before the batch commits, under
// the batch's id, so that a files sink holds them exactly once across a replay.
type DeadLetter struct {
	Sink Endpoint
	Open func(ctx context.Context, e Endpoint, cols []Column, mode OutputMode) (Sink, error)
}

// sinks are the query's sink and its dead-letter sinks, for --set.
func (q *QuerySpec) sinks() []Endpoint {
	s := []Endpoint{q.Sink}
	dls := []*DeadLetter{q.LateRows}
	for _, src := range q.Sources {
		dls = append(dls, src.DeadLetter)
	}
	for _, d := range dls {
		if d != nil {
			s = append(s, d.Sink)
		}
	}
	return s
}

// deadRow is one row for a dead-letter sink.
type deadRow struct {
	seq                  int // the chunk's place in the batch: with line, the order rows are written in
	source               int // the chunk's source, -1 for a row dropped after the merge
	path                 string
	line                 int64
	hasPos               bool // path and line are known (not for rows dropped after the merge)
	reason, record       string
	eventTime, watermark int64
}

// deadRows are a batch's dead-letter rows as Rows, with the malformed or the late columns.
type deadRows struct {
	names []string // the query's sources, by index
	batch int64
	cols  int
	rows  []deadRow
}

func newDeadRow(c *Chunk, line int64, record []byte, reason string) deadRow {
	d := deadRow{seq: int(^uint(0) >> 1), source: -1, line: line, reason: reason, record: string(record)}
	if c != nil {
		d.seq, d.source, d.path, d.hasPos = c.Seq, c.Source, c.Origin, true
	}
	return d
}

// sortRows puts rows in input order, whatever worker found them; rows of one record (a row
// late for several windows) stay in the order they were found.
func sortRows(rows []deadRow) {
	slices.SortStableFunc(rows, func(a, b deadRow) int {
		if c := cmp.Compare(a.seq, b.seq); c != 0 {
			return c
		}
		if !a.hasPos {
			return 0
		}
		return cmp.Compare(a.line, b.line)
	})
}

func (d *deadRows) Len() int { return len(d.rows) }

func (d *deadRows) null(i, j int) bool {
	return (j == 2 || j == 3) && !d.rows[i].hasPos || j == 1 && d.rows[i].source < 0 && len(d.names) != 1
}

func (d *deadRows) AppendJSON(dst []byte, i int) []byte {
	return AppendJSONByValue(dst, d, DeadLetterColumns[:d.cols], i)
}

func (d *deadRows) AppendCSV(dst []byte, i int) []byte { return AppendCSVByCell(dst, d, d.cols, i) }

// str is string column j of row i.
func (d *deadRows) str(i, j int) string {
	r := &d.rows[i]
	switch j {
	case 1:
		// A row dropped after the merge comes from the query's one source, or from
		// one of its several, which is not known.
		return d.names[max(r.source, 0)]
	case 2:
		return r.path
	case 4:
		return r.reason
	}
	return r.record
}

func (d *deadRows) Cell(i, j int) string {
	if d.null(i, j) {
		return "null"
	}
	r := &d.rows[i]
	switch j {
	case 0:
		return strconv.FormatInt(d.batch, 10)
	case 3:
		return strconv.FormatInt(r.line, 10)
	case 6:
		return codec.FormatTimestamp(r.eventTime)
	case 7:
		return codec.FormatTimestamp(r.watermark)
	}
	return d.str(i, j)
}

func (d *deadRows) Value(i, j int) any {
	if d.null(i, j) {
		return nil
	}
	r := &d.rows[i]
	switch j {
	case 0:
		return d.batch
	case 3:
		return r.line
	case 6:
		return time.UnixMicro(r.eventTime).UTC()
	case 7:
		return time.UnixMicro(r.watermark).UTC()
	}
	return d.str(i, j)
}
