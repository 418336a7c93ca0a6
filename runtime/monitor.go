package runtime

import (
	"bufio"
	"fmt"
	"io"
	"math"
	goruntime "runtime"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// keepProgress is how many progress records per query /api/v1/progress serves (Spark's
// spark.sql.streaming.numRecentProgressUpdates is 100 too).
const keepProgress = 100

// durationBuckets are the upper bounds, in seconds, of the duration histograms.
var durationBuckets = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// monitor keeps what the program's queries reported, for --http: each query's status, its
// recent progress and its metrics. The queries update it once per batch (never per row);
// the HTTP handlers read it. Both take mu.
type monitor struct {
	mu      sync.Mutex
	since   time.Time     // when the program started
	queries []*queryState // in the program's order
	byName  map[string]*queryState
}

// queryState is one query as the monitor knows it.
type queryState struct {
	name, trigger, checkpoint string
	id, runID                 string
	active                    bool
	startedAt                 string
	exception                 string
	recent                    []Progress // the last keepProgress, oldest first

	sources, operators  []string
	sink                string
	inputRows           []int64 // by source
	malformed           []int64 // by source
	lag                 []int64 // by source; -1: the source does not say
	outputRows          int64
	batches             int64
	batchDur, cpDur     histogram
	stateRows, stateMem map[string]int64 // by operator
	watermark           float64          // seconds since the epoch; NaN before there is one
	late                int64
}

// histogram is a Prometheus histogram over durationBuckets.
type histogram struct {
	counts []int64 // by bucket, not cumulative
	sum    float64
	n      int64
}

func (h *histogram) observe(d time.Duration) {
	if h.counts == nil {
		h.counts = make([]int64, len(durationBuckets))
	}
	s := d.Seconds()
	if i := sort.SearchFloat64s(durationBuckets, s); i < len(durationBuckets) {
		h.counts[i]++
	}
	h.sum += s
	h.n++
}

func newMonitor(p Program, opts *flags) *monitor {
	m := &monitor{since: time.Now(), byName: map[string]*queryState{}}
	for _, q := range p.Queries {
		t := q.Trigger
		if opts.trigger != nil {
			t = *opts.trigger
		}
		qs := &queryState{name: q.Name, trigger: triggerName(t), sink: q.Sink.Name, watermark: math.NaN(),
			stateRows: map[string]int64{}, stateMem: map[string]int64{}}
		for _, s := range q.Sources {
			qs.sources = append(qs.sources, s.Endpoint.Name)
		}
		n := len(qs.sources)
		qs.inputRows, qs.malformed, qs.lag = make([]int64, n), make([]int64, n), make([]int64, n)
		for i := range qs.lag {
			qs.lag[i] = -1
		}
		m.queries = append(m.queries, qs)
		m.byName[q.Name] = qs
	}
	return m
}

func triggerName(t Trigger) string {
	switch t.Kind {
	case TriggerInterval:
		return "interval " + t.Interval.String()
	case TriggerOnce:
		return "once"
	case TriggerAvailableNow:
		return "available-now"
	}
	return "default"
}

func (m *monitor) started(r *queryRun) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.byName[r.spec.Name]
	q.id, q.runID, q.active, q.startedAt, q.checkpoint = r.id, r.runID, true, sparkTime(time.Now()), r.checkpointDir()
}

func (m *monitor) terminated(r *queryRun, err error) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.byName[r.spec.Name]
	q.active = false
	if err != nil {
		q.exception = err.Error()
	}
}

// progress records a batch: total is its duration, cp the time its checkpoint took, lag the
// sources' lag (-1 where unknown).
func (m *monitor) progress(p Progress, total, cp time.Duration, lag []int64) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	q := m.byName[p.Name]
	if q == nil {
		return
	}
	if len(q.recent) == keepProgress {
		q.recent = append(q.recent[:0], q.recent[1:]...)
	}
	q.recent = append(q.recent, p)
	for i, s := range p.Sources {
		q.inputRows[i] += s.NumInputRows
		q.malformed[i] += s.MalformedRows
	}
	copy(q.lag, lag)
	q.outputRows += p.Sink.NumOutputRows
	q.batches++
	q.batchDur.observe(total)
	q.cpDur.observe(cp)
	for _, op := range p.StateOperators {
		if _, ok := q.stateRows[op.OperatorName]; !ok {
			q.operators = append(q.operators, op.OperatorName)
		}
		q.stateRows[op.OperatorName] = int64(op.NumRowsTotal)
		q.stateMem[op.OperatorName] = op.MemoryUsedBytes
		q.late += op.NumRowsDroppedByWatermark
	}
	if wm, ok := p.EventTime["watermark"]; ok {
		if t, err := time.Parse(time.RFC3339, wm); err == nil {
			q.watermark = float64(t.UnixMicro()) / 1e6
		}
	}
}

// expo writes the Prometheus text exposition format (version 0.0.4) by hand: a handful of
// families, written once per scrape, need no library (DESIGN.md, Observability).
type expo struct {
	w    *bufio.Writer
	name string
}

func (e *expo) family(name, typ, help string) {
	e.name = name
	fmt.Fprintf(e.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one sample of the current family; labels are name, value pairs.
func (e *expo) sample(suffix string, v float64, labels ...string) {
	e.w.WriteString(e.name + suffix)
	if len(labels) > 0 {
		e.w.WriteByte('{')
		for i := 0; i < len(labels); i += 2 {
			if i > 0 {
				e.w.WriteByte(',')
			}
			e.w.WriteString(labels[i] + `="` + labelEscaper.Replace(labels[i+1]) + `"`)
		}
		e.w.WriteByte('}')
	}
	e.w.WriteByte(' ')
	e.w.WriteString(formatValue(v))
	e.w.WriteByte('\n')
}

func (e *expo) histogram(h histogram, labels ...string) {
	var cum int64
	for i, le := range durationBuckets {
		if h.counts != nil {
			cum += h.counts[i]
		}
		e.sample("_bucket", float64(cum), append(labels, "le", formatValue(le))...)
	}
	e.sample("_bucket", float64(h.n), append(labels, "le", "+Inf")...)
	e.sample("_sum", h.sum, labels...)
	e.sample("_count", float64(h.n), labels...)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// writeMetrics writes every metric: the queries' (names documented in REFERENCE.md, stable)
// and the Go runtime's.
func (m *monitor) writeMetrics(w io.Writer) error {
	bw := bufio.NewWriter(w)
	e := &expo{w: bw}
	m.mu.Lock()
	each := func(f func(q *queryState)) {
		for _, q := range m.queries {
			f(q)
		}
	}
	e.family("sqlstream_input_rows_total", "counter", "Records read, by query and source.")
	each(func(q *queryState) {
		for i, s := range q.sources {
			e.sample("", float64(q.inputRows[i]), "query", q.name, "source", s)
		}
	})
	e.family("sqlstream_malformed_records_total", "counter", "Malformed records (skipped, dead-lettered or failing the query), by query and source.")
	each(func(q *queryState) {
		for i, s := range q.sources {
			e.sample("", float64(q.malformed[i]), "query", q.name, "source", s)
		}
	})
	e.family("sqlstream_output_rows_total", "counter", "Rows written to the query's sink.")
	each(func(q *queryState) { e.sample("", float64(q.outputRows), "query", q.name, "sink", q.sink) })
	e.family("sqlstream_batches_total", "counter", "Batches run and committed.")
	each(func(q *queryState) { e.sample("", float64(q.batches), "query", q.name) })
	e.family("sqlstream_batch_duration_seconds", "histogram", "Duration of a trigger (durationMs.triggerExecution).")
	each(func(q *queryState) { e.histogram(q.batchDur, "query", q.name) })
	e.family("sqlstream_checkpoint_duration_seconds", "histogram", "Time a batch spent writing its checkpoint (offset log, state, commit log).")
	each(func(q *queryState) { e.histogram(q.cpDur, "query", q.name) })
	e.family("sqlstream_state_rows", "gauge", "Rows kept in the query's state after the last batch, by operator.")
	each(func(q *queryState) {
		for _, op := range q.operators {
			e.sample("", float64(q.stateRows[op]), "query", q.name, "operator", op)
		}
	})
	e.family("sqlstream_state_bytes", "gauge", "Size of the query's state snapshot after the last batch, by operator (memoryUsedBytes).")
	each(func(q *queryState) {
		for _, op := range q.operators {
			e.sample("", float64(q.stateMem[op]), "query", q.name, "operator", op)
		}
	})
	e.family("sqlstream_watermark_seconds", "gauge", "The event-time watermark of the last batch, in seconds since the epoch.")
	each(func(q *queryState) {
		if !math.IsNaN(q.watermark) {
			e.sample("", q.watermark, "query", q.name)
		}
	})
	e.family("sqlstream_late_rows_total", "counter", "Rows dropped because they were behind the watermark.")
	each(func(q *queryState) { e.sample("", float64(q.late), "query", q.name) })
	e.family("sqlstream_source_lag", "gauge", "How far the query is behind a source after the last batch (files: files waiting; sources that cannot tell are left out).")
	each(func(q *queryState) {
		for i, s := range q.sources {
			if q.lag[i] >= 0 {
				e.sample("", float64(q.lag[i]), "query", q.name, "source", s)
			}
		}
	})
	e.family("sqlstream_query_active", "gauge", "1 while the query runs.")
	each(func(q *queryState) {
		v := 0.0
		if q.active {
			v = 1
		}
		e.sample("", v, "query", q.name)
	})
	m.mu.Unlock()
	writeGoMetrics(e, m.since)
	return bw.Flush()
}

// goMetrics are the Go runtime's metrics under client_golang's Go collector names, so that
// the usual dashboards find them.
var goMetrics = []struct{ name, typ, help, sample string }{
	{"go_goroutines", "gauge", "Number of goroutines that currently exist.", "/sched/goroutines:goroutines"},
	{"go_memstats_heap_alloc_bytes", "gauge", "Number of heap bytes allocated and still in use.", "/memory/classes/heap/objects:bytes"},
	{"go_memstats_sys_bytes", "gauge", "Number of bytes obtained from system.", "/memory/classes/total:bytes"},
	{"go_memstats_alloc_bytes_total", "counter", "Total number of bytes allocated, even if freed.", "/gc/heap/allocs:bytes"},
	{"go_gc_cycles_total", "counter", "Number of completed GC cycles.", "/gc/cycles/total:gc-cycles"},
	{"go_sched_gomaxprocs_threads", "gauge", "The current runtime.GOMAXPROCS setting.", "/sched/gomaxprocs:threads"},
}

func writeGoMetrics(e *expo, started time.Time) {
	samples := make([]metrics.Sample, len(goMetrics))
	for i, g := range goMetrics {
		samples[i].Name = g.sample
	}
	metrics.Read(samples)
	for i, g := range goMetrics {
		var v float64
		switch samples[i].Value.Kind() {
		case metrics.KindUint64:
			v = float64(samples[i].Value.Uint64())
		case metrics.KindFloat64:
			v = samples[i].Value.Float64()
		default:
			continue // not in this Go version
		}
		e.family(g.name, g.typ, g.help)
		e.sample("", v)
	}
	e.family("go_info", "gauge", "Information about the Go environment.")
	e.sample("", 1, "version", goruntime.Version())
	e.family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.")
	e.sample("", float64(started.UnixMicro())/1e6)
}
