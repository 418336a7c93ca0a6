package runtime

import (
	"fmt"
	"math"
	"strings"
)

// NoWatermark is the delay of a source without a WATERMARK: it takes no part in the query's
// watermark.
const NoWatermark int64 = -1

// NoEventTime is the watermark before there is one, and a source's event time before it
// delivered a row: no row is late against it.
const NoEventTime int64 = math.MinInt64

// WatermarkQuery is implemented by event-time queries that keep their watermark in a
// Watermarks, which they return (always the same one). The engine calls Watermarks once,
// right after New, to set the policy of QuerySpec.WatermarkPolicy, and then marks the
// sources idle or not (idle_timeout) before each batch's first NewWorker and before each
// Pending: generated code only observes event times, advances at the start of a batch, and
// saves and loads the Watermarks with its state.
type WatermarkQuery interface {
	Query
	Watermarks() *Watermarks
}

// Watermarks is the event-time watermark of a query over one or more sources, Spark's rule:
// each source with a watermark has the largest event time seen in it minus its delay, and
// the query's watermark is the minimum of those (QuerySpec.WatermarkPolicy "min", Spark's
// default) or the maximum ("max", spark.sql.streaming.multipleWatermarkPolicy). Under min, a
// source that has not delivered a row yet holds the watermark back, as in Spark (where it
// counts as the epoch). The watermark never moves back.
//
// Beyond Spark, a source marked idle (its idle_timeout passed without data, Flink's
// idleness) does not count: the others move the watermark on. When every source with a
// watermark is idle the watermark stays. A source that delivers again counts again, and its
// rows older than the watermark are late: the watermark does not move back for them.
//
// A Watermarks is used from one goroutine (the query's Finish and the engine between
// batches): workers keep their own largest event times and Finish observes them.
type Watermarks struct {
	max     bool
	delay   []int64 // by source; NoWatermark for a source without one
	event   []int64 // the largest event time seen, by source; NoEventTime before any
	idle    []bool
	current int64
}

// NewWatermarks returns the watermarks of a query whose sources (by QuerySpec.Sources index)
// have these delays, in microseconds (NoWatermark for a source without a watermark), under
// the min policy until the engine sets the query's.
func NewWatermarks(delays ...int64) *Watermarks {
	w := &Watermarks{delay: delays, event: make([]int64, len(delays)), idle: make([]bool, len(delays)), current: NoEventTime}
	for i := range w.event {
		w.event[i] = NoEventTime
	}
	return w
}

// setPolicy applies QuerySpec.WatermarkPolicy and checks the watermarks cover the query's
// sources.
func (w *Watermarks) setPolicy(policy string, sources int) error {
	switch strings.ToLower(policy) {
	case "", "min":
		w.max = false
	case "max":
		w.max = true
	default:
		return fmt.Errorf("watermark policy %q: expected min or max (Spark's spark.sql.streaming.multipleWatermarkPolicy)", policy)
	}
	if len(w.delay) != sources {
		return fmt.Errorf("internal error: the query's watermarks cover %d sources, and it has %d", len(w.delay), sources)
	}
	return nil
}

// SetIdle marks source as idle (its idle_timeout passed without data) or not. The engine
// calls it; tests may.
func (w *Watermarks) SetIdle(source int, idle bool) { w.idle[source] = idle }

// Observe records a row of source with event time t (microseconds). Rows of a source
// without a watermark are ignored.
func (w *Watermarks) Observe(source int, t int64) {
	if w.delay[source] != NoWatermark {
		w.event[source] = max(w.event[source], t)
	}
}

// Next is the watermark Advance would make current now: Current, or a later one.
func (w *Watermarks) Next() int64 {
	next, some := NoEventTime, false
	for i, d := range w.delay {
		if d == NoWatermark || w.idle[i] {
			continue
		}
		if w.event[i] == NoEventTime {
			if !w.max {
				return w.current // a source without rows holds the minimum back
			}
			continue
		}
		v := w.event[i] - d
		switch {
		case !some:
			next, some = v, true
		case w.max:
			next = max(next, v)
		default:
			next = min(next, v)
		}
	}
	return max(w.current, next)
}

// Advance moves the watermark to Next and returns it: generated code calls it at the start of
// a batch, so that a batch's watermark comes from the batches before it (Spark's rule).
func (w *Watermarks) Advance() int64 {
	w.current = w.Next()
	return w.current
}

// Current is the watermark the batch in progress uses; ok is false before there is one.
func (w *Watermarks) Current() (watermark int64, ok bool) {
	return w.current, w.current != NoEventTime
}

// Save writes the watermarks into the query's state snapshot: the policy, the watermark and
// each source's largest event time. Idleness is not saved: it is measured anew after a
// restart.
func (w *Watermarks) Save(e *StateEncoder) {
	e.Bool(w.max)
	e.Int64(w.current)
	e.Len(len(w.event))
	for _, t := range w.event {
		e.Int64(t)
	}
}

// Load reads what Save wrote. A snapshot of another number of sources or of the other
// policy is refused: a watermark computed one way cannot go on another (Spark, too, keeps
// the policy with the checkpoint).
func (w *Watermarks) Load(d *StateDecoder) error {
	isMax := d.Bool()
	current := d.Int64()
	n := d.Len()
	if d.err != nil { // not Err: the rest of the query's state follows
		return d.err
	}
	if isMax != w.max {
		return fmt.Errorf("the checkpoint's watermark policy is %s and the query's is %s: give the query a new checkpoint directory, or keep the policy", policyName(isMax), policyName(w.max))
	}
	if n != len(w.event) {
		return fmt.Errorf("the checkpoint's watermarks are of %d sources and the query has %d", n, len(w.event))
	}
	event := make([]int64, n)
	for i := range event {
		event[i] = d.Int64()
	}
	if d.err != nil {
		return d.err
	}
	w.current = current
	copy(w.event, event)
	return nil
}

func policyName(isMax bool) string {
	if isMax {
		return "max"
	}
	return "min"
}

// EventTimes are the smallest, largest and average event time of a batch's rows, Spark's
// eventTime min, max and avg in the progress. Generated workers observe each row's event
// time; Finish merges the workers' into the query's for the batch. The zero value has none.
type EventTimes struct {
	n, min, max int64
	base, sum   int64 // sum of t-base: microsecond timestamps would overflow a plain sum
}

// Observe records an event time (microseconds).
func (e *EventTimes) Observe(t int64) {
	if e.n == 0 {
		e.min, e.max, e.base = t, t, t
	}
	e.min, e.max = min(e.min, t), max(e.max, t)
	e.sum += t - e.base
	e.n++
}

// Merge adds o's event times to e's.
func (e *EventTimes) Merge(o EventTimes) {
	switch {
	case o.n == 0:
		return
	case e.n == 0:
		*e = o
		return
	}
	e.min, e.max = min(e.min, o.min), max(e.max, o.max)
	e.sum += o.sum + o.n*(o.base-e.base)
	e.n += o.n
}

// Stats returns the smallest, largest and average event time; ok is false without any.
func (e EventTimes) Stats() (lo, hi, avg int64, ok bool) {
	if e.n == 0 {
		return 0, 0, 0, false
	}
	return e.min, e.max, e.base + e.sum/e.n, true
}

// EventTimeStatsQuery is implemented by event-time queries that report their last batch's
// event times (Progress.EventTime min, max and avg).
type EventTimeStatsQuery interface {
	BatchEventTimes() EventTimes
}
