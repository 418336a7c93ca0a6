package check

import (
	"strings"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/grammar"
)

// lateRowsRef is an INSERT's late_rows option, resolved once every statement is read.
type lateRowsRef struct {
	opt *grammar.Option
	q   *plan.Query
}

// deadLetters resolves the source options dead_letter and the INSERT options late_rows once
// every statement is read, so that a dead-letter sink may be declared after its users and a
// sink named as one cannot be an INSERT's target anywhere in the file. A dead-letter sink may
// serve several sources and queries (each query writes its own files into it).
func (c *checker) deadLetters() {
	for _, s := range c.sources {
		opt := option(s.decl.With, "dead_letter")
		if opt == nil {
			continue
		}
		if mode := option(s.decl.With, "mode"); mode != nil && strings.EqualFold(literalString(mode.Value), "failfast") {
			c.errs.Errorf(opt.Key.Pos, "source %q has both mode = 'failfast' and a dead_letter sink", s.decl.Name.Name).WithEnd(opt.Value.EndPos).
				WithHelp("failfast stops the program at the first malformed record, so the dead-letter sink would receive none: remove one of them")
			continue
		}
		s.plan.DeadLetter = c.deadLetterSink(opt, "dead_letter")
	}
	for _, l := range c.late {
		q := l.q.Head() // a chain's first stage reads the sources and drops their late rows
		if q.StreamJoin != nil {
			c.errs.Errorf(l.opt.Key.Pos, "option late_rows is not supported for a join of two streams yet").WithEnd(l.opt.Value.EndPos).
				WithHelp("remove it: the rows the join and the aggregation over it drop as late are counted in the progress")
			continue
		}
		if k, _ := q.EventKey(); k < 0 {
			c.errs.Errorf(l.opt.Key.Pos, "option late_rows: this query drops no late rows").WithEnd(l.opt.Value.EndPos).
				WithHelp("only an aggregation or SELECT DISTINCT over the source's WATERMARK column (or a window of it) drops rows older than the watermark")
			continue
		}
		q.LateRows = c.deadLetterSink(l.opt, "late_rows")
	}
}

// deadLetterSink resolves the sink named by option opt (dead_letter or late_rows); nil after
// an error.
func (c *checker) deadLetterSink(opt *grammar.Option, name string) *plan.Sink {
	v := literalString(opt.Value)
	sk := c.sinks[key(v)]
	if sk == nil {
		d := c.errs.Errorf(opt.Value.Pos, "option %s: unknown sink %q", name, v).WithEnd(opt.Value.EndPos)
		if s := diag.Closest(v, c.sinkNames()); s != "" {
			d.WithHelp("did you mean %q?", s)
		} else {
			d.WithHelp("declare it: CREATE SINK %s WITH (connector = 'files', path = '...', format = 'json')", v)
		}
		return nil
	}
	if at, ok := c.inserts[key(v)]; ok {
		c.errs.Errorf(opt.Value.Pos, "option %s: sink %q is written by the query at line %d, so it cannot also receive %s", name, sk.plan.Name, at.Line, leftOut(name)).
			WithEnd(opt.Value.EndPos).WithHelp("declare a sink of its own for them; its rows have a fixed schema (see the reference)")
		return nil
	}
	conn, format := sk.plan.Connector, strings.ToLower(sk.plan.Options["format"])
	switch {
	case conn == "":
		return nil // its declaration has an error already
	case conn == "go":
		c.errs.Errorf(opt.Value.Pos, "option %s: sink %q has connector 'go', which cannot be a dead-letter sink", name, sk.plan.Name).WithEnd(opt.Value.EndPos).
			WithHelp("use a files, kafka, console or memory sink")
		return nil
	case (conn == "files" || conn == "kafka") && format != "json" && format != "csv":
		why := "a dead-letter sink writes json or csv"
		if format == "text" {
			why = "but a dead-letter sink's rows have several columns"
		}
		c.errs.Errorf(opt.Value.Pos, "option %s: sink %q writes format '%s', %s", name, sk.plan.Name, format, why).WithEnd(opt.Value.EndPos).
			WithHelp("give sink %s format = 'json' or 'csv'", sk.plan.Name)
		return nil
	}
	return sk.plan
}

// leftOut names what option sends to its sink.
func leftOut(option string) string {
	if option == "late_rows" {
		return "late rows"
	}
	return "malformed records"
}
