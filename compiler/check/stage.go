package check

import (
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/grammar"
)

// stage makes the stateful relation r (an aggregation or a deduplication that another
// stateful operator, or a SELECT over a DISTINCT, reads) a query of its own, and returns the
// relation of the rows it emits: Spark 3.4's chained stateful operators. The stage runs in
// APPEND mode under the chain's one watermark, so each of its rows is final when the next
// operator reads it; the column that carries its event time (the window, or the DISTINCT's
// event-time column) is the watermarked column of what it emits.
func (c *checker) stage(r *rel) *rel {
	up := r.query()
	up.Pos, up.Mode = r.pos, plan.Append
	c.distinctRules(up, r)
	name := r.qual
	if name == "" {
		name = "subquery"
	}
	src := &plan.Source{Name: name, Columns: up.Output, Watermark: up.EventColumn()}
	return &rel{src: src, stage: up, cols: src.Columns, visible: len(src.Columns), qual: r.qual, limit: -1, pos: r.pos}
}

// query is the query that computes r, before an INSERT (or the stage reading it) gives it a
// sink and an output mode.
func (r *rel) query() *plan.Query {
	r.materializeOutput()
	return &plan.Query{
		Inputs: r.inputs(), Pre: r.pre, Agg: r.agg, Post: r.post, Dedup: r.dedup, StreamJoin: r.streamJoin,
		Output: r.cols[:r.visible], Sort: r.sort, Limit: r.limit,
	}
}

// distinctRules checks the SELECT DISTINCT of q, computed by r: over an aggregation (see
// aggregateDistinct), or a deduplication whose state the watermark cannot bound.
func (c *checker) distinctRules(q *plan.Query, r *rel) {
	if r.distinct == nil {
		return
	}
	if q.Agg != nil {
		c.aggregateDistinct(q, r.distinct)
	}
	if k, _ := q.EventKey(); q.Dedup != nil && k < 0 {
		c.errs.Warnf(r.distinct.Pos, "SELECT DISTINCT keeps every distinct row in state, which grows without bound").
			WithHelp("add a WATERMARK to the source and its event-time column to the DISTINCT (ON) columns, so old keys can be forgotten")
	}
}

// stageRules applies Spark's rules to the stages of the chain ending in q: an aggregation
// that another stateful operator reads emits each group once, when the watermark passes it,
// so it needs an event-time key; and the operator after it must run in APPEND mode too, as
// Spark's global-watermark check requires (in UPDATE or COMPLETE an aggregation's rows change
// after they are emitted, which the next operator cannot take back).
func (c *checker) stageRules(st *grammar.Insert, q *plan.Query) {
	stages := q.Stages()
	for _, s := range stages {
		s.Name, s.Sink, s.StrictCast, s.Trigger = q.Name, q.Sink, q.StrictCast, q.Trigger
	}
	for _, s := range stages[:len(stages)-1] {
		if s.Agg == nil {
			continue
		}
		if k, _ := s.EventKey(); k < 0 {
			c.errs.Errorf(s.Pos, "an aggregation that another aggregation reads needs a window of a watermarked column in GROUP BY").
				WithHelp("as in Spark, it emits each group once the watermark passes it: GROUP BY window(ts, ...) over a source with a WATERMARK, and select the window column")
			continue
		}
		if s.EventColumn() < 0 {
			c.errs.Errorf(s.Pos, "an aggregation that another aggregation reads must select its window").
				WithHelp("select the window column (SELECT window, ...), so that the next aggregation can group by window(window_time(window), ...)")
		}
		switch {
		case q.Mode != plan.Append && st.OutputMode == nil:
			c.errs.Errorf(st.Pos, "an aggregation over an aggregation needs a window of the first one's window in GROUP BY").WithEnd(st.Sink.EndPos).
				WithHelp("GROUP BY window(window_time(window), INTERVAL ...): as in Spark, it runs in APPEND mode, emitting each group once the watermark passes it")
			return
		case q.Mode != plan.Append:
			c.errs.Errorf(st.OutputMode.Pos, "a stateful operator after an aggregation needs APPEND output mode, not %s", q.Mode).WithEnd(st.OutputMode.EndPos).
				WithHelp("as in Spark (its global watermark): the aggregation's groups change after they are emitted in %s mode; use OUTPUT MODE APPEND and group by window(window_time(window), ...) over its window", q.Mode)
			return
		}
	}
}
