package check

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/grammar"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type checkedOptions struct {
	connector string
	values    map[string]string // every option, defaults filled in
	ok        bool              // the connector is known and its options are valid
}

// options validates a WITH clause against the connector's option spec (the same spec the
// generated program checks --set overrides against).
func (c *checker) options(owner, kind string, at grammar.Ident, with []*grammar.Option) checkedOptions {
	out := checkedOptions{values: map[string]string{}}
	k := connector.Source
	if kind == "sink" {
		k = connector.Sink
	}
	if kind == "table" {
		k = connector.Table
	}
	var conn *grammar.Option
	given := map[string]*grammar.Option{}
	for _, o := range with {
		name := strings.ToLower(o.Key.Name)
		if prev := given[name]; prev != nil {
			c.errs.Errorf(o.Key.Pos, "option %q is given twice", o.Key.Name).WithEnd(o.Key.EndPos).
				WithHelp("the first is at line %d", prev.Key.Pos.Line)
			continue
		}
		given[name] = o
		if name == "connector" {
			conn = o
		}
	}
	if conn == nil && kind != "table" {
		c.errs.Errorf(at.Pos, "%s %q has no connector", kind, owner).WithEnd(at.EndPos).
			WithHelp("add WITH (connector = '%s', ...); connectors: %s", map[string]string{"source": "files", "sink": "console"}[kind], strings.Join(connector.Names(k), ", "))
		return out
	}
	name := "files" // a table's only connector, the default
	if conn != nil {
		name = literalString(conn.Value)
	}
	spec, ok := connector.Lookup(k, name)
	if !ok {
		d := c.errs.Errorf(conn.Value.Pos, "unknown %s connector %q", kind, name).WithEnd(conn.Value.EndPos)
		if s := diag.Closest(name, connector.Names(k)); s != "" {
			d.WithHelp("did you mean %q?", s)
		} else {
			d.WithHelp("%s connectors: %s", kind, strings.Join(connector.Names(k), ", "))
		}
		return out
	}
	out.connector = spec.Name
	out.ok = true
	names := make([]string, 0, len(spec.Options))
	for _, o := range spec.Options {
		names = append(names, o.Name)
	}
	suggested := map[string]bool{}
	for _, o := range with {
		name := strings.ToLower(o.Key.Name)
		if name == "connector" || given[name] != o {
			continue
		}
		opt := spec.Option(name)
		if why, refused := spec.Refusal(name); opt == nil && refused {
			c.errs.Errorf(o.Key.Pos, "option %q is not for a %s", o.Key.Name, kind).WithEnd(o.Key.EndPos).WithHelp("%s", why)
			out.ok = false
			continue
		}
		if opt == nil {
			d := c.errs.Errorf(o.Key.Pos, "unknown option %q for the %s %s", o.Key.Name, spec.Name, kind).WithEnd(o.Key.EndPos)
			if s := diag.Closest(o.Key.Name, names); s != "" {
				suggested[s] = true
				d.WithHelp("did you mean %q?", s)
			} else {
				d.WithHelp("options of %s: %s", spec.Name, strings.Join(names, ", "))
			}
			out.ok = false
			continue
		}
		v, err := checkValue(opt, o.Value)
		if err != nil {
			c.errs.Errorf(o.Value.Pos, "%v", err).WithEnd(o.Value.EndPos).WithHelp("%s", optionHelp(opt))
			out.ok = false
			continue
		}
		out.values[opt.Name] = v
	}
	for _, opt := range spec.Options {
		if _, ok := out.values[opt.Name]; ok {
			continue
		}
		if opt.Required && given[strings.ToLower(opt.Name)] == nil { // a bad value is reported already
			out.ok = false
			if !suggested[opt.Name] { // else the misspelt option's "did you mean" says it
				c.errs.Errorf(at.Pos, "the %s %s needs option %q", spec.Name, kind, opt.Name).WithEnd(at.EndPos).
					WithHelp("add %s = ... to the WITH clause: %s", opt.Name, opt.Doc)
			}
			continue
		}
		if opt.Default != "" {
			out.values[opt.Name] = opt.Default
		}
	}
	return out
}

// literalString is an option value as the runtime receives it.
func literalString(l *grammar.Literal) string {
	if l == nil {
		return ""
	}
	if l.Kind == grammar.LitBool {
		return strings.ToLower(l.Text)
	}
	return l.Text
}

// checkValue checks a value for opt with the connector's validator, the one --set uses, and
// returns it in its canonical spelling. Only the literal's kind is SQL's own business: a
// string option takes a string literal.
func checkValue(opt *connector.Option, l *grammar.Literal) (string, error) {
	if opt.Type == "string" && l.Kind != grammar.LitString {
		return "", fmt.Errorf("option %s: expected %s, got %s", opt.Name, opt.Allowed(), describe(l))
	}
	return opt.Check(literalString(l))
}

func describe(l *grammar.Literal) string {
	if l.Kind == grammar.LitString {
		return strconv.Quote(l.Text)
	}
	return l.Text
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = "'" + x + "'"
	}
	return strings.Join(q, ", ")
}

func optionHelp(opt *connector.Option) string {
	if opt.Type == "enum" { // a duration's words are in the error already; its doc says what they mean
		return opt.Name + " is one of " + quoteAll(opt.Enum)
	}
	return opt.Name + ": " + opt.Doc
}

// option finds the option called name in a WITH clause, or nil.
func option(with []*grammar.Option, name string) *grammar.Option {
	for _, o := range with {
		if strings.EqualFold(o.Key.Name, name) {
			return o
		}
	}
	return nil
}

// sinkColumns checks the sink options that depend on the query's output columns (the same
// rules --set overrides are checked by), and that a files sink does not write where its files
// source reads. The errors point at the option value or the select item concerned.
func (c *checker) sinkColumns(st *grammar.Insert, q *plan.Query, decl *grammar.CreateSink) {
	spec, ok := connector.Lookup(connector.Sink, q.Sink.Connector)
	if !ok {
		return
	}
	names := make([]string, len(q.Output))
	for i, col := range q.Output {
		names[i] = col.Name
	}
	if o := option(decl.With, "partition_by"); o != nil && spec.Option("partition_by") != nil {
		idx, err := connector.PartitionBy(literalString(o.Value), names)
		if err != nil {
			c.errs.Errorf(o.Value.Pos, "%v", err).WithEnd(o.Value.EndPos).
				WithHelp("name output columns of the query at line %d, once each, and leave at least one for the files", st.Pos.Line)
		}
		for _, j := range idx {
			if q.Output[j].Type == sqltype.Window {
				c.errs.Errorf(o.Value.Pos, "partition_by: column %q is a window", q.Output[j].Name).WithEnd(o.Value.EndPos).
					WithHelp("select window.start AS window_start and partition by window_start")
			}
		}
	}
	if spec.Option("key") != nil {
		c.sinkKey(st, q, decl, names)
	}
	if i, j := connector.DuplicateName(names); j >= 0 && spec.WritesNames(q.Sink.Options) {
		pos, end := st.Query.Pos, st.Query.EndPos
		if items := st.Query.Items; len(items) == len(names) && !slices.ContainsFunc(items, func(it *grammar.SelectItem) bool { _, star := it.Expr.(*grammar.Star); return star }) {
			pos, end = items[j].Pos, items[j].EndPos
		}
		c.errs.Errorf(pos, "output columns %d and %d are both named %q, and the %s sink writes column names (format '%s')", i+1, j+1, names[j], spec.Name, q.Sink.Options["format"]).
			WithEnd(end).WithHelp("alias one of them, e.g. %s AS %s_%d (names are case-insensitive)", names[j], names[j], j+1)
	}
	for _, src := range q.Head().Sources() {
		if q.Sink.Connector != "files" || src.Connector != "files" {
			continue
		}
		sp, kp := src.Options["path"], q.Sink.Options["path"]
		if o := option(decl.With, "path"); o != nil && sp != "" && kp != "" && connector.SinkFeedsSource(sp, kp) {
			c.errs.Errorf(o.Value.Pos, "sink %s writes into %s, inside the directory source %s reads (%s)", q.Sink.Name, kp, src.Name, sp).
				WithEnd(o.Value.EndPos).WithHelp("the query would read its own output forever: give the sink a directory outside the source's")
		}
	}
}

// sinkKey checks a database sink's key: output columns, each once, and present in UPDATE
// mode, where rows are upserted on it.
func (c *checker) sinkKey(st *grammar.Insert, q *plan.Query, decl *grammar.CreateSink, names []string) {
	o := option(decl.With, "key")
	if o != nil {
		if _, err := connector.Key(literalString(o.Value), names); err != nil {
			c.errs.Errorf(o.Value.Pos, "%v", err).WithEnd(o.Value.EndPos).
				WithHelp("name output columns of the query at line %d, comma-separated, once each", st.Pos.Line)
			return
		}
	}
	if q.Mode == plan.Update && strings.TrimSpace(q.Sink.Options["key"]) == "" {
		at, end := st.Pos, st.Sink.EndPos
		if st.OutputMode != nil {
			at, end = st.OutputMode.Pos, st.OutputMode.EndPos
		}
		d := c.errs.Errorf(at, "UPDATE output mode into the %s sink %s needs option key, the columns to upsert on", q.Sink.Connector, q.Sink.Name).WithEnd(end)
		if q.Agg != nil {
			d.WithHelp("add key = '...' to CREATE SINK %s, naming the output columns of the GROUP BY keys, comma-separated", q.Sink.Name)
		} else {
			d.WithHelp("add key = '...' to CREATE SINK %s, naming the output columns that identify a row, comma-separated", q.Sink.Name)
		}
	}
}
