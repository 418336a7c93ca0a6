package plan

import (
	"fmt"
	"strings"
	"time"
)

// ExplainLogical writes the query's explain header and its logical plan (operators as the
// SQL asked for them) as an indented tree; package physical adds the physical one.
func (q *Query) ExplainLogical(b *strings.Builder) {
	fmt.Fprintf(b, "== Query %s: output mode %s, trigger %s ==\n", q.Name, q.Mode, q.Trigger)
	b.WriteString("Logical plan:\n")
	q.logical(b, 1)
}

func (t Trigger) String() string {
	switch t.Kind {
	case TriggerInterval:
		return "every " + (time.Duration(t.Micros) * time.Microsecond).String()
	case TriggerOnce:
		return "once"
	case TriggerAvailableNow:
		return "available now"
	}
	return "as fast as possible"
}

// logical writes q's tree from depth on; a stage of a chain (a query another one reads)
// has no sink.
func (q *Query) logical(b *strings.Builder, depth int) {
	// add prints a node, whose child comes next; leaf prints a node without children.
	leaf := func(format string, args ...any) {
		fmt.Fprintf(b, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
	}
	add := func(format string, args ...any) {
		leaf(format, args...)
		depth++
	}
	if depth == 1 {
		add("Sink %s [%s]", q.Sink.Name, q.Sink.Connector)
	}
	if q.Limit >= 0 {
		add("Limit %d", q.Limit)
	}
	if len(q.Sort) > 0 {
		last := q.lastColumns()
		var keys []string
		for _, k := range q.Sort {
			dir := "ASC"
			if k.Desc {
				dir = "DESC"
			}
			nulls := "NULLS LAST"
			if k.NullsFirst {
				nulls = "NULLS FIRST"
			}
			keys = append(keys, fmt.Sprintf("%s %s %s", last[k.Col].Name, dir, nulls))
		}
		add("Sort [%s]", strings.Join(keys, ", "))
	}
	if q.Dedup != nil {
		last := q.lastColumns()
		var keys []string
		for _, c := range q.Dedup.Cols {
			keys = append(keys, last[c].Name)
		}
		add("Deduplicate [%s]", strings.Join(keys, ", "))
	}
	steps := func(ss []Step) {
		for i := len(ss) - 1; i >= 0; i-- {
			switch s := ss[i].(type) {
			case *Filter:
				add("Filter %s", s.Cond)
			case *Project:
				var cols []string
				for j, e := range s.Exprs {
					cols = append(cols, fmt.Sprintf("%s AS %s", e, s.Columns[j].Name))
				}
				add("Project [%s]", strings.Join(cols, ", "))
			}
		}
	}
	if q.Agg != nil {
		steps(q.Post)
		add("%s", q.Agg)
	}
	steps(q.Pre)
	input := func(in *Input) {
		steps(in.Steps)
		for i := len(in.Joins) - 1; i >= 0; i-- {
			j := in.Joins[i]
			var keys []string
			for k := range j.Left {
				keys = append(keys, fmt.Sprintf("%s = %s.%s", j.Left[k], j.Alias, j.Right[k]))
			}
			line := fmt.Sprintf("Join %s %s AS %s#%d keys=[%s]", j.Kind, j.Table.Name, j.Alias, j.Offset, strings.Join(keys, ", "))
			if len(j.Build) > 0 {
				line += fmt.Sprintf(" table filter=%s", Conjunction(j.Build))
			}
			if len(j.Residual) > 0 {
				line += fmt.Sprintf(" residual=%s", Conjunction(j.Residual))
			}
			add("%s", line)
			leaf("Scan table %s %s", j.Table.Name, j.Table.Schema())
		}
		if e := in.Explode; e != nil {
			add("Generate explode(split(%s, '%s')) AS %s#%d", e.Str, e.Pattern, e.Name, len(in.Source.Columns))
		}
		if in.Stage != nil {
			add("Stage %s: the rows it emits each batch", in.Source.Name)
			in.Stage.logical(b, depth)
			return
		}
		scan := fmt.Sprintf("Scan %s %s", in.Source.Name, in.Source.Schema())
		if w := in.Source.Watermark; w >= 0 {
			scan += fmt.Sprintf(" watermark %s - %v", in.Source.Columns[w].Name, time.Duration(in.Source.Delay)*time.Microsecond)
		}
		leaf("%s", scan)
	}
	if len(q.Inputs) == 1 {
		input(q.Inputs[0])
		return
	}
	if sj := q.StreamJoin; sj != nil {
		var on []string
		for i, k := range sj.LeftKeys {
			on = append(on, fmt.Sprintf("%s = %s", k, sj.RightKeys[i]))
		}
		for _, r := range sj.Residual {
			on = append(on, r.String())
		}
		add("Join %s (two streams) ON %s", sj.Kind, strings.Join(on, " AND "))
	} else {
		add("Union")
	}
	for _, in := range q.Inputs {
		d := depth
		input(in)
		depth = d
	}
}

// Conjunction prints conditions joined by AND.
func Conjunction(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, " AND ") + "]"
}

func (q *Query) lastColumns() []Column {
	if q.Agg != nil {
		return Columns(q.Agg.AggColumns(), q.Post)
	}
	return Columns(q.InputColumns(), q.Pre)
}

// String describes the aggregation, its keys and aggregate calls, as explain prints it.
func (a *Aggregate) String() string {
	var keys, aggs []string
	for i, k := range a.Keys {
		keys = append(keys, fmt.Sprintf("%s AS %s", k, a.KeyCols[i].Name))
	}
	for i, c := range a.Aggs {
		arg := "*"
		if c.Arg != nil {
			arg = c.Arg.String()
		}
		if c.IgnoreNulls {
			arg += ", true"
		}
		if c.By != nil {
			arg += ", " + c.By.String()
		}
		aggs = append(aggs, fmt.Sprintf("agg%d = %s(%s)", i, strings.TrimSuffix(string(c.Func), "(*)"), arg))
	}
	return fmt.Sprintf("Aggregate keys=[%s] aggregates=[%s]", strings.Join(keys, ", "), strings.Join(aggs, ", "))
}

// Schema describes what the source delivers: connector, record format and columns. A
// checkpoint records it: offsets and state are only valid for the same input.
func (s *Source) Schema() string {
	var cols []string
	for _, c := range s.Columns {
		null := ""
		if !c.Nullable {
			null = " NOT NULL"
		}
		cols = append(cols, fmt.Sprintf("%s %s%s", c.Name, c.Type, null))
	}
	return fmt.Sprintf("[%s, %s] (%s)", s.Connector, s.Format, strings.Join(cols, ", "))
}
