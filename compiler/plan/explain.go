package plan

import (
	"fmt"
	"strings"
	"time"
)

// Explain renders every query's logical plan (operators as the SQL asked for them) and its
// physical plan (what the generated program does per chunk and per batch) as indented trees.
func Explain(p *Program) string {
	var b strings.Builder
	for i, q := range p.Queries {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "== Query %s: output mode %s, trigger %s ==\n", q.Name, q.Mode, q.Trigger)
		b.WriteString("Logical plan:\n")
		q.logical(&b)
		b.WriteString("Physical plan:\n")
		q.physical(&b)
	}
	return b.String()
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

func (q *Query) logical(b *strings.Builder) {
	depth := 1
	// add prints a node, whose child comes next; leaf prints a node without children.
	leaf := func(format string, args ...any) {
		fmt.Fprintf(b, "%s%s\n", strings.Repeat("  ", depth), fmt.Sprintf(format, args...))
	}
	add := func(format string, args ...any) {
		leaf(format, args...)
		depth++
	}
	add("Sink %s [%s]", q.Sink.Name, q.Sink.Connector)
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
				line += fmt.Sprintf(" table filter=%s", exprs(j.Build))
			}
			if len(j.Residual) > 0 {
				line += fmt.Sprintf(" residual=%s", exprs(j.Residual))
			}
			add("%s", line)
			depth++
			leaf("Scan table %s %s", j.Table.Name, j.Table.Schema())
			depth--
		}
		if e := in.Explode; e != nil {
			add("Generate explode(split(%s, '%s')) AS %s#%d", e.Str, e.Pattern, e.Name, len(in.Source.Columns))
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
	add("Union")
	for _, in := range q.Inputs {
		d := depth
		input(in)
		depth = d
	}
}

// exprs prints conditions joined by AND.
func exprs(es []Expr) string {
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

func (q *Query) physical(b *strings.Builder) {
	filters, _ := Flatten(q.InputColumns(), q.Pre)
	var decode []string
	for _, in := range q.Inputs {
		d := "decode " + in.Source.Format
		if len(q.Inputs) > 1 {
			d = fmt.Sprintf("decode %s %s", in.Source.Name, in.Source.Format)
		}
		if in.Explode != nil {
			d += " → explode"
		}
		for _, j := range in.Joins {
			how := "hash probe"
			if len(j.Left) == 0 {
				how = "loop over"
			}
			d += fmt.Sprintf(" → %s join: %s broadcast table %s", j.Kind, how, j.Table.Name)
		}
		decode = append(decode, d)
	}
	perRow := []string{strings.Join(decode, " | ")}
	if len(q.Inputs) > 1 {
		perRow = []string{"(" + strings.Join(decode, " | ") + ") → union"}
	}
	if len(filters) > 0 {
		perRow = append(perRow, fmt.Sprintf("filter (%d)", len(filters)))
	}
	if q.Agg != nil {
		perRow = append(perRow, fmt.Sprintf("partial hash aggregate (%d keys, %d aggregates)", len(q.Agg.Keys), len(q.Agg.Aggs)))
	} else {
		perRow = append(perRow, "project")
	}
	fmt.Fprintf(b, "  Process per chunk, in parallel: %s\n", strings.Join(perRow, " → "))
	var perBatch []string
	if q.Agg != nil {
		perBatch = append(perBatch, "merge partial aggregates into state")
		key, _ := q.EventKey()
		switch {
		case q.Mode == Update && key >= 0:
			perBatch = append(perBatch, "emit groups changed in this batch", "evict groups the watermark passed")
		case q.Mode == Update:
			perBatch = append(perBatch, "emit groups changed in this batch")
		case q.Mode == Append:
			perBatch = append(perBatch, "emit and evict groups the watermark passed")
		default:
			perBatch = append(perBatch, "emit every group")
		}
	} else {
		perBatch = append(perBatch, "concatenate rows in input order")
	}
	if q.Dedup != nil {
		if key, _ := q.EventKey(); key >= 0 {
			perBatch = append(perBatch, "drop late rows and rows whose key is in state", "evict keys the watermark passed")
		} else {
			perBatch = append(perBatch, "drop rows whose key is in state")
		}
	}
	if len(q.Sort) > 0 {
		perBatch = append(perBatch, "sort")
	} else if q.Agg != nil {
		perBatch = append(perBatch, "sort by all columns (stable output)")
	}
	if q.Limit >= 0 {
		perBatch = append(perBatch, fmt.Sprintf("limit %d", q.Limit))
	}
	perBatch = append(perBatch, "write to "+q.Sink.Connector)
	for _, src := range q.Sources() {
		if d := src.DeadLetter; d != nil {
			of := ""
			if len(q.Inputs) > 1 {
				of = " of " + src.Name
			}
			perBatch = append(perBatch, fmt.Sprintf("write malformed records%s to %s [%s]", of, d.Name, d.Connector))
		}
	}
	if d := q.LateRows; d != nil {
		perBatch = append(perBatch, fmt.Sprintf("write late rows to %s [%s]", d.Name, d.Connector))
	}
	fmt.Fprintf(b, "  Finish per batch: %s\n", strings.Join(perBatch, " → "))
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
