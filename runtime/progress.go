package runtime

import (
	"encoding/json"
	"fmt"
	goruntime "runtime"
	"strings"
	"time"
)

// Progress is one batch's report in the shape of Spark's StreamingQueryProgress, field for
// field and under Spark's JSON names; malformedRows (here and per source) is sqlstream's.
// --progress json prints it, one object per line; Program.OnProgress, the listeners and
// /api/v1/progress receive it.
type Progress struct {
	ID        string `json:"id"`    // stable across restarts on one checkpoint
	RunID     string `json:"runId"` // new for every run
	Name      string `json:"name"`
	Timestamp string `json:"timestamp"` // when the trigger started, as Spark writes it: 2016-12-05T20:54:20.827Z
	BatchID   int64  `json:"batchId"`
	// BatchDuration is the whole trigger's time in milliseconds (durationMs.triggerExecution).
	BatchDuration int64 `json:"batchDuration"`
	NumInputRows  int64 `json:"numInputRows"`
	// InputRowsPerSecond is the rows over the time since the previous trigger started (0 for
	// the first), ProcessedRowsPerSecond the rows over this trigger's time: Spark's rates.
	InputRowsPerSecond     float64 `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond float64 `json:"processedRowsPerSecond"`
	// DurationMs breaks the trigger down: latestOffset (asking the sources for new data),
	// queryPlanning (reloading static tables), walCommit (the offset log), getBatch (until
	// the sources hand over their first chunk: a fetch round trip, a file opened), addBatch
	// (the rest of reading, processing and writing the batch, which sqlstream fuses),
	// commitOffsets (saving state and the commit log; with --async-progress, walCommit is 0
	// and commitOffsets only hands both logs to the background writer), and
	// triggerExecution, all of it.
	DurationMs map[string]int64 `json:"durationMs"`
	// EventTime holds the watermark the batch used and the smallest, largest and average
	// event time of its rows, as timestamps (event-time queries only).
	EventTime      map[string]string `json:"eventTime,omitempty"`
	StateOperators []StateOperator   `json:"stateOperators"`
	Sources        []SourceProgress  `json:"sources"`
	Sink           SinkProgress      `json:"sink"`
	MalformedRows  int64             `json:"malformedRows"`
	// LookupTables, sqlstream's (Spark has no lookup join), count the work of each lookup
	// table in the batch, as a loaded table's loads are reported beside the batches.
	LookupTables []LookupTableProgress `json:"lookupTables,omitempty"`
}

// LookupTableProgress is one lookup table's batch: the stream keys its cache was asked for
// (distinct per chunk), those it answered, and the lookups (one statement each, retries
// included) that fetched the others.
type LookupTableProgress struct {
	Table        string `json:"table"`
	NumKeys      int64  `json:"numKeys"`
	NumCacheHits int64  `json:"numCacheHits"`
	NumLookups   int64  `json:"numLookups"`
}

// StateOperator is Spark's StateOperatorProgress: a stateful operator's state after a batch.
// sqlstream keeps one state per query. numRowsUpdated is the rows (groups, keys) the batch
// wrote to the state, numRowsRemoved those the watermark evicted from it; memoryUsedBytes
// is the size of the state's snapshot (the checkpoint's, or without one the same encoding
// measured and dropped: stateBytes), and commitTimeMs the time spent saving it in the
// checkpoint.
type StateOperator struct {
	OperatorName              string `json:"operatorName"`
	NumRowsTotal              int    `json:"numRowsTotal"`
	NumRowsUpdated            int64  `json:"numRowsUpdated"`
	NumRowsRemoved            int64  `json:"numRowsRemoved"`
	NumRowsDroppedByWatermark int64  `json:"numRowsDroppedByWatermark"`
	MemoryUsedBytes           int64  `json:"memoryUsedBytes"`
	CommitTimeMs              int64  `json:"commitTimeMs"`
	// CustomMetrics are Spark's operator-specific counts: for a join of two streams, each
	// side's rows in state, and stored, evicted and dropped as late by the batch (leftRows,
	// leftAdded, leftEvicted, leftLate, and the same for right).
	CustomMetrics map[string]int64 `json:"customMetrics,omitempty"`
}

// JoinQuery is implemented by a query that joins two streams: its sides' counts after a
// batch, as StateOperator.CustomMetrics names them.
type JoinQuery interface {
	JoinMetrics() map[string]int64
}

// SourceProgress is Spark's SourceProgress: what the batch read from one source. The offsets
// are the source's own JSON offsets, as in the checkpoint (startOffset null at the
// beginning). latestOffset is the latest offset available when the batch was planned (Kafka:
// the partitions' ends; files: the files listed, those left for later batches too), past
// endOffset when a per-trigger limit held the batch back; a source that hands out all it has
// (rate, generator, socket, stdin) reports its end.
type SourceProgress struct {
	Description            string          `json:"description"`
	StartOffset            json.RawMessage `json:"startOffset"`
	EndOffset              json.RawMessage `json:"endOffset"`
	LatestOffset           json.RawMessage `json:"latestOffset"`
	NumInputRows           int64           `json:"numInputRows"`
	InputRowsPerSecond     float64         `json:"inputRowsPerSecond"`
	ProcessedRowsPerSecond float64         `json:"processedRowsPerSecond"`
	MalformedRows          int64           `json:"malformedRows"`
}

// SinkProgress is Spark's SinkProgress.
type SinkProgress struct {
	Description   string `json:"description"`
	NumOutputRows int64  `json:"numOutputRows"`
}

// Listener receives a query's lifecycle, Spark's StreamingQueryListener: every query calls
// OnQueryStarted once before its first batch, OnQueryProgress after every batch, OnQueryIdle
// when a trigger finds no new data (once when it becomes idle, then at most every 10 s, Spark's
// spark.sql.streaming.noDataProgressEventInterval), and OnQueryTerminated once at the end.
// Unlike Spark's listener bus the calls are synchronous, from the query's goroutine (several
// goroutines with several queries): a slow listener slows its query.
type Listener interface {
	OnQueryStarted(QueryStarted)
	OnQueryProgress(Progress)
	OnQueryIdle(QueryIdle)
	OnQueryTerminated(QueryTerminated)
}

// QueryStarted is Spark's QueryStartedEvent.
type QueryStarted struct {
	ID        string `json:"id"`
	RunID     string `json:"runId"`
	Name      string `json:"name"`
	Timestamp string `json:"timestamp"`
}

// QueryIdle is Spark's QueryIdleEvent.
type QueryIdle struct {
	ID        string `json:"id"`
	RunID     string `json:"runId"`
	Timestamp string `json:"timestamp"`
}

// QueryTerminated is Spark's QueryTerminatedEvent: Exception is the error that stopped the
// query, "" when it finished or was stopped.
type QueryTerminated struct {
	ID        string `json:"id"`
	RunID     string `json:"runId"`
	Exception string `json:"exception,omitempty"`
}

// idleEvery is Spark's spark.sql.streaming.noDataProgressEventInterval default.
const idleEvery = 10 * time.Second

// sparkTime formats t as Spark's progress does: UTC, milliseconds, a literal Z.
func sparkTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// operatorName is Spark's name of the stateful operator whose state layout is state.
func operatorName(state string) string {
	kind, _, _ := strings.Cut(state, " ")
	switch kind {
	case "Aggregate":
		return "stateStoreSave"
	case "Deduplicate":
		return "dedupe"
	case "Limit":
		return "globalLimit"
	case "Join", "SymmetricHashJoin":
		return "symmetricHashJoin"
	}
	return strings.ToLower(kind)
}

// describe is an endpoint's description in the progress: its connector and where it reads
// or writes, in the spirit of Spark's FileStreamSource[path].
func describe(e Endpoint) string {
	var where []string
	for _, k := range []string{"path", "topic", "topics", "host", "port"} {
		if v := e.Options[k]; v != "" {
			where = append(where, k+"="+v)
		}
	}
	if len(where) == 0 {
		return fmt.Sprintf("%s[%s]", e.Connector, e.Name)
	}
	return fmt.Sprintf("%s[%s: %s]", e.Connector, e.Name, strings.Join(where, ", "))
}

// batchTimes are the phases of a trigger (durationMs): latestOffset, queryPlanning,
// walCommit, getBatch, addBatch (without getBatch) and commitOffsets.
type batchTimes struct {
	latest, planning, wal, get, add, commit time.Duration
}

// newProgress assembles batch e's progress. inputs and malformed are by source.
func (b *batchRun) newProgress(batch int64, began time.Time, offsets map[string][2]json.RawMessage, inputs, malformed []int64, output int) Progress {
	p := Progress{ID: b.id, RunID: b.runID, Name: b.spec.Name, Timestamp: sparkTime(began), BatchID: batch,
		StateOperators: []StateOperator{}, Sink: SinkProgress{Description: describe(b.sinkEnd), NumOutputRows: int64(output)}}
	for i, s := range b.srcs {
		o := offsets[s.end.Name]
		end := o[1]
		if end == nil {
			end = o[0]
		}
		sp := SourceProgress{Description: describe(s.end), StartOffset: o[0], EndOffset: end, LatestOffset: end,
			NumInputRows: inputs[i], MalformedRows: malformed[i]}
		if lr, ok := s.src.(LatestReporter); ok {
			if l := lr.ReportLatestOffset(); l != nil {
				sp.LatestOffset = l
			}
		}
		for _, f := range []*json.RawMessage{&sp.StartOffset, &sp.EndOffset, &sp.LatestOffset} {
			if *f == nil {
				*f = json.RawMessage("null")
			}
		}
		p.NumInputRows += inputs[i]
		p.MalformedRows += malformed[i]
		p.Sources = append(p.Sources, sp)
	}
	for _, t := range b.tables {
		if st := t.stats; st != nil {
			p.LookupTables = append(p.LookupTables, LookupTableProgress{Table: t.spec.Name,
				NumKeys: st.Keys.Swap(0), NumCacheHits: st.Hits.Swap(0), NumLookups: st.Lookups.Swap(0)})
		}
	}
	return p
}

// record adds the watermark, late rows and state size of a stateful query.
func (r *queryRun) record(q Query, p Progress) Progress {
	var op StateOperator
	stateful := false
	if sq, ok := q.(StatefulQuery); ok && r.spec.State != "" {
		op, stateful = StateOperator{OperatorName: operatorName(r.spec.State), NumRowsTotal: sq.StateRows()}, true
	}
	if eq, ok := q.(EventTimeQuery); ok {
		wm, has, late, state := eq.EventTime()
		if has {
			p.EventTime = map[string]string{"watermark": sparkTime(time.UnixMicro(wm))}
		}
		if sq, ok := q.(EventTimeStatsQuery); ok {
			if lo, hi, avg, ok := sq.BatchEventTimes().Stats(); ok {
				if p.EventTime == nil {
					p.EventTime = map[string]string{}
				}
				p.EventTime["min"], p.EventTime["max"], p.EventTime["avg"] = sparkTime(time.UnixMicro(lo)), sparkTime(time.UnixMicro(hi)), sparkTime(time.UnixMicro(avg))
			}
		}
		if !stateful {
			op, stateful = StateOperator{OperatorName: operatorName(r.spec.State)}, true
		}
		op.NumRowsTotal, op.NumRowsDroppedByWatermark = state, late
	}
	if !stateful {
		return p
	}
	if cq, ok := q.(StateChangesQuery); ok {
		op.NumRowsUpdated, op.NumRowsRemoved = cq.StateChanges()
	}
	if jq, ok := q.(JoinQuery); ok {
		// A join's rows count with an aggregation's groups over it, if any.
		op.CustomMetrics = jq.JoinMetrics()
		op.NumRowsUpdated += op.CustomMetrics["leftAdded"] + op.CustomMetrics["rightAdded"]
		op.NumRowsRemoved += op.CustomMetrics["leftEvicted"] + op.CustomMetrics["rightEvicted"]
	}
	p.StateOperators = append(p.StateOperators, op)
	return p
}

// stateBytes is memoryUsedBytes when no checkpoint snapshots the state of rows rows: the
// size its snapshot would have, encoded by a sizing encoder that does not keep it. That
// walks the whole state, so it is measured again only once 100 times the last measurement's
// time has passed (1% of the query's time at most); in between, the last measurement's
// bytes per row scale to the rows. A state of sizeAlways bytes or less is measured every
// batch (microseconds): scaled, its few rows' fixed bytes would make the figure drift. The
// time is the measuring thread's CPU time where the system tells it: the measurement runs
// beside the sink's write (encodeState), and its wall time, stretched by whatever else the
// cores ran, would put off the next one.
func (b *batchRun) stateBytes(rows int) int64 {
	sq, ok := b.q.(StatefulQuery)
	if !ok {
		return 0
	}
	m := &b.sized
	now := time.Now()
	if m.rows > 0 && m.bytes > sizeAlways && now.Sub(m.at) < 100*m.took {
		return m.bytes * int64(rows) / int64(m.rows)
	}
	goruntime.LockOSThread()
	defer goruntime.UnlockOSThread()
	cpu, hasCPU := threadCPU()
	e := StateEncoder{buf: m.buf[:0], sizing: true}
	sq.SaveState(&e)
	took := time.Since(now)
	if end, ok := threadCPU(); ok && hasCPU {
		took = end - cpu
	}
	*m = stateSize{buf: e.buf, at: now, took: took, rows: rows, bytes: int64(e.size())}
	return m.bytes
}

// sizeAlways is the state's size up to which stateBytes measures every batch.
const sizeAlways = 64 << 10

// stateSize is the last measurement of stateBytes, and the sizing encoder's buffer.
type stateSize struct {
	buf   []byte
	at    time.Time
	took  time.Duration
	rows  int
	bytes int64
}

// progress finishes p with the trigger's times and rates and reports it: to the listeners,
// the monitor and stderr as --progress asks.
func (b *batchRun) progress(p Progress, began time.Time, t batchTimes) {
	total := time.Since(began)
	p.BatchDuration = total.Milliseconds()
	p.DurationMs = map[string]int64{"addBatch": t.add.Milliseconds(), "getBatch": t.get.Milliseconds(), "latestOffset": t.latest.Milliseconds(),
		"queryPlanning": t.planning.Milliseconds(), "walCommit": t.wal.Milliseconds(), "commitOffsets": t.commit.Milliseconds(),
		"triggerExecution": total.Milliseconds()}
	since := time.Duration(0)
	if !b.lastTrigger.IsZero() {
		since = began.Sub(b.lastTrigger)
	}
	b.lastTrigger = began
	rate := func(n int64, d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return float64(n) / d.Seconds()
	}
	p.InputRowsPerSecond, p.ProcessedRowsPerSecond = rate(p.NumInputRows, since), rate(p.NumInputRows, total)
	for i := range p.Sources {
		s := &p.Sources[i]
		s.InputRowsPerSecond, s.ProcessedRowsPerSecond = rate(s.NumInputRows, since), rate(s.NumInputRows, total)
	}
	lag := make([]int64, len(b.srcs))
	for i, s := range b.srcs {
		lag[i] = -1
		if l, ok := s.src.(Lagger); ok {
			lag[i] = l.Lag()
		}
	}
	b.mon.progress(p, total, t.wal+t.commit, lag)
	for _, l := range b.listeners {
		l.OnQueryProgress(p)
	}
	b.updateBar(p)
	switch b.opts.progress {
	case "json":
		j, _ := json.Marshal(p)
		fmt.Fprintf(b.stderr, "%s\n", j)
	case "text":
		extra := ""
		if wm, ok := p.EventTime["watermark"]; ok {
			extra += ", watermark " + wm
		}
		if len(p.StateOperators) > 0 {
			extra += fmt.Sprintf(", %d state rows, %d late rows dropped", p.StateOperators[0].NumRowsTotal, p.StateOperators[0].NumRowsDroppedByWatermark)
		}
		for _, l := range p.LookupTables {
			extra += fmt.Sprintf(", table %s: %d %s (%d cache hits), %d %s", l.Table, l.NumKeys, plural(int(l.NumKeys), "key"),
				l.NumCacheHits, l.NumLookups, plural(int(l.NumLookups), "lookup"))
		}
		fmt.Fprintf(b.stderr, "progress: query %s batch %d: %d input rows (%d malformed) in %v, %.0f rows/s, %d output rows%s\n",
			p.Name, p.BatchID, p.NumInputRows, p.MalformedRows, total.Round(time.Microsecond), p.ProcessedRowsPerSecond, p.Sink.NumOutputRows, extra)
	}
}

// started reports the query's start to the listeners and the monitor.
func (r *queryRun) started() {
	r.began, r.startedAt = true, time.Now()
	ev := QueryStarted{ID: r.id, RunID: r.runID, Name: r.spec.Name, Timestamp: sparkTime(time.Now())}
	r.mon.started(r)
	for _, l := range r.listeners {
		l.OnQueryStarted(ev)
	}
}

// idle reports a trigger without new data: once when the query becomes idle, then at most
// every idleEvery.
func (r *queryRun) idle(now time.Time) {
	if !r.lastIdle.IsZero() && now.Sub(r.lastIdle) < idleEvery && !r.lastIdle.Before(r.lastTrigger) {
		return
	}
	r.lastIdle = now
	ev := QueryIdle{ID: r.id, RunID: r.runID, Timestamp: sparkTime(now)}
	for _, l := range r.listeners {
		l.OnQueryIdle(ev)
	}
}

// terminated reports the query's end; err is what stopped it, nil when it finished or was
// stopped.
func (r *queryRun) terminated(err error) {
	if r.bar != nil {
		r.bar.done()
	}
	ev := QueryTerminated{ID: r.id, RunID: r.runID}
	if err != nil {
		ev.Exception = err.Error()
	}
	r.mon.terminated(r, err)
	for _, l := range r.listeners {
		l.OnQueryTerminated(ev)
	}
}

// progressFunc is Program.OnProgress as a listener.
type progressFunc func(Progress)

func (progressFunc) OnQueryStarted(QueryStarted)       {}
func (f progressFunc) OnQueryProgress(p Progress)      { f(p) }
func (progressFunc) OnQueryIdle(QueryIdle)             {}
func (progressFunc) OnQueryTerminated(QueryTerminated) {}

// obs is what a running query reports to, and what its reports need to remember.
type obs struct {
	id, runID string
	listeners []Listener
	mon       *monitor
	// lastTrigger is when the previous batch started (inputRowsPerSecond), lastIdle when the
	// last idle event went out.
	lastTrigger, lastIdle time.Time
	planning              time.Duration // the last reload of static tables (queryPlanning)
	began                 bool          // OnQueryStarted went out
	startedAt             time.Time
	// barOK says the terminal progress bar may be drawn (stderr is a terminal, --progress
	// none); bar is it, once drawn.
	barOK bool
	bar   *progressBar
}
