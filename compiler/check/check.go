// Package check resolves names and types in a parsed SQL file, enforces the grouping and
// streaming (output mode) rules, and lowers each INSERT into a typed plan.Query.
package check

import (
	"slices"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/funcs"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/compiler/udf"
	"github.com/sqlstream/sqlstream/grammar"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// Funcs loads the Go functions that CREATE FUNCTION names ('import/path.Func').
type Funcs interface {
	Load(target string) (*udf.Func, error)
}

// Check checks every statement of f, reporting all problems it finds, and returns the plan
// of its queries. The plan is only meaningful when the list has no errors. funcs loads Go
// functions; nil when there are none to load.
func Check(f *grammar.File, funcs Funcs) (*plan.Program, diag.List) {
	c := &checker{
		sources: map[string]*source{},
		sinks:   map[string]*sink{},
		views:   map[string]*view{},
		tables:  map[string]*table{},
		udfs:    map[string]*udf.Func{},
		inserts: map[string]lexer.Position{},
		funcs:   funcs,
	}
	prog := &plan.Program{Modules: map[string]string{}}
	for _, st := range f.Stmts {
		switch st := st.(type) {
		case *grammar.CreateSource:
			c.createSource(st)
		case *grammar.CreateTable:
			c.createTable(st)
		case *grammar.CreateSink:
			c.createSink(st)
		case *grammar.CreateView:
			c.createView(st)
		case *grammar.CreateFunction:
			c.createFunction(st, prog)
		case *grammar.Insert:
			if q := c.insert(st); q != nil {
				prog.Queries = append(prog.Queries, q)
			}
		}
	}
	if len(prog.Queries) == 0 && !c.errs.HasErrors() {
		c.errs.Errorf(lexer.Position{Filename: f.Pos.Filename, Line: 1, Column: 1}, "no INSERT INTO statement: nothing would run").
			WithHelp("add a query, e.g. INSERT INTO sink SELECT ... FROM source")
	}
	c.deadLetters()
	c.errs.Sort()
	return prog, c.errs
}

type checker struct {
	errs    diag.List
	funcs   Funcs
	udfs    map[string]*udf.Func // by lower-case SQL name
	sources map[string]*source
	sinks   map[string]*sink
	views   map[string]*view
	tables  map[string]*table
	inserts map[string]lexer.Position // sink name → the INSERT writing it
	late    []lateRowsRef             // the INSERTs' late_rows options
}

type source struct {
	decl *grammar.CreateSource
	plan *plan.Source
}

type sink struct {
	decl *grammar.CreateSink
	plan *plan.Sink
}

type table struct {
	decl *grammar.CreateTable
	plan *plan.Source
}

type view struct {
	decl   *grammar.CreateView
	broken bool // its SELECT has errors, already reported at the view
}

func key(name string) string { return strings.ToLower(name) }

// declared reports a name clash with any earlier CREATE.
func (c *checker) declared(id grammar.Ident) bool {
	k := key(id.Name)
	var prev lexer.Position
	switch {
	case c.sources[k] != nil:
		prev = c.sources[k].decl.Pos
	case c.sinks[k] != nil:
		prev = c.sinks[k].decl.Pos
	case c.views[k] != nil:
		prev = c.views[k].decl.Pos
	case c.tables[k] != nil:
		prev = c.tables[k].decl.Pos
	default:
		return false
	}
	c.errs.Errorf(id.Pos, "%q is already declared at line %d", id.Name, prev.Line).WithEnd(id.EndPos).
		WithHelp("choose another name")
	return true
}

func (c *checker) createSource(st *grammar.CreateSource) {
	if c.declared(st.Name) {
		return
	}
	src, opts := c.input(st, "source")
	src.Watermark = -1
	if st.Watermark != nil {
		c.watermark(st.Watermark, src)
	}
	if opts.ok {
		c.sourceSchema(st, src)
	}
	c.sources[key(st.Name.Name)] = &source{decl: st, plan: src}
}

// createTable checks CREATE TABLE: a source's columns and options, read whole by the files
// connector.
func (c *checker) createTable(st *grammar.CreateTable) {
	if c.declared(st.Name) {
		return
	}
	decl := &grammar.CreateSource{Pos: st.Pos, EndPos: st.EndPos, Name: st.Name, Columns: st.Columns, With: st.With}
	t, opts := c.input(decl, "table")
	t.Table, t.Watermark = true, -1
	if opts.ok {
		c.sourceSchema(decl, t)
	}
	c.tables[key(st.Name.Name)] = &table{decl: st, plan: t}
}

// input checks the columns and options of a CREATE SOURCE or TABLE (kind).
func (c *checker) input(st *grammar.CreateSource, kind string) (*plan.Source, checkedOptions) {
	opts := c.options(st.Name.Name, kind, st.Name, st.With)
	src := &plan.Source{Name: st.Name.Name, Options: opts.values, Connector: opts.connector}
	seen := map[string]bool{}
	for _, col := range st.Columns {
		t, ok := sqltype.Parse(col.Type.Name)
		if !ok {
			d := c.errs.Errorf(col.Type.Pos, "unknown type %q", col.Type.Name).WithEnd(col.Type.EndPos)
			if s := diag.Closest(col.Type.Name, sqltype.Spellings()); s != "" {
				d.WithHelp("did you mean %s?", s)
			} else {
				d.WithHelp("types are BOOLEAN, INT, BIGINT, DOUBLE, STRING, BYTES, TIMESTAMP, DATE")
			}
			t = sqltype.String
		}
		if seen[key(col.Name.Name)] {
			c.errs.Errorf(col.Name.Pos, "column %q is declared twice", col.Name.Name).WithEnd(col.Name.EndPos)
		}
		seen[key(col.Name.Name)] = true
		src.Columns = append(src.Columns, plan.Column{Name: col.Name.Name, Type: t, Nullable: !col.NotNull})
	}
	return src, opts
}

// watermark checks WATERMARK FOR col AS col - INTERVAL ...: col is a TIMESTAMP column of the
// source, and the delay a constant interval (or none).
func (c *checker) watermark(w *grammar.Watermark, src *plan.Source) {
	idx := -1
	for i, col := range src.Columns {
		if strings.EqualFold(col.Name, w.Column.Name) {
			idx = i
		}
	}
	if idx < 0 {
		c.errs.Errorf(w.Column.Pos, "unknown column %q in WATERMARK", w.Column.Name).WithEnd(w.Column.EndPos)
		return
	}
	if t := src.Columns[idx].Type; t != sqltype.Timestamp {
		c.errs.Errorf(w.Column.Pos, "the watermark column %q is %s, not TIMESTAMP", w.Column.Name, t).WithEnd(w.Column.EndPos).
			WithHelp("declare the event time as TIMESTAMP")
		return
	}
	var delay int64
	sameCol := func(e grammar.Expr) bool {
		r, ok := e.(*grammar.ColumnRef)
		return ok && len(r.Parts) == 1 && strings.EqualFold(r.Parts[0], w.Column.Name)
	}
	bin, isBin := w.Expr.(*grammar.BinaryExpr)
	lit, isLit := (*grammar.Literal)(nil), false
	if isBin {
		lit, isLit = bin.Right.(*grammar.Literal)
	}
	switch {
	case sameCol(w.Expr):
	case isBin && bin.Op == "-" && sameCol(bin.Left) && isLit && (lit.Kind == grammar.LitInterval || lit.Kind == grammar.LitString):
		us, err := intervalMicros(lit)
		if err != nil || us < 0 {
			c.errs.Errorf(lit.Pos, "invalid watermark delay %q", lit.Text).WithEnd(lit.EndPos)
			return
		}
		delay = us
	default:
		pos, end := w.Expr.Span()
		c.errs.Errorf(pos, "a watermark is the event-time column minus a constant interval").WithEnd(end).
			WithHelp("write WATERMARK FOR %s AS %s - INTERVAL '10' MINUTE", w.Column.Name, w.Column.Name)
		return
	}
	src.Watermark, src.Delay = idx, delay
}

// sourceSchema checks that the declared columns fit what the connector and format produce.
func (c *checker) sourceSchema(st *grammar.CreateSource, src *plan.Source) {
	if spec, ok := connector.Lookup(connector.Source, src.Connector); ok && spec.Typed {
		src.Format = "typed" // the source hands over typed rows: nothing to decode
	}
	switch src.Connector {
	case "rate":
		want := map[string]sqltype.Type{"timestamp": sqltype.Timestamp, "value": sqltype.BigInt}
		for i, col := range src.Columns {
			t, ok := want[key(col.Name)]
			if !ok || t != col.Type {
				decl := st.Columns[i]
				c.errs.Errorf(decl.Name.Pos, "the rate source has no column %s %s", col.Name, col.Type).
					WithEnd(decl.Type.EndPos).WithHelp("its columns are timestamp TIMESTAMP and value BIGINT")
			}
			src.Columns[i].Name = key(col.Name)
			src.Columns[i].Nullable = false
		}
	case "generator":
		for i, col := range src.Columns {
			if col.Type == sqltype.Bytes {
				decl := st.Columns[i]
				c.errs.Errorf(decl.Type.Pos, "the generator source makes no BYTES values").WithEnd(decl.Type.EndPos).
					WithHelp("declare %s as STRING", col.Name)
			}
			src.Columns[i].Nullable = false
		}
	case "nexmark":
		c.schemaColumns(st, src)
	case "postgres", "sqlite": // tables only
		src.Format = "json" // the rows reach the decoder as JSON lines
		if src.Options["table"] != "" && src.Options["query"] != "" {
			c.errs.Errorf(st.Name.Pos, "table %q gives both option table and option query", st.Name.Name).WithEnd(st.Name.EndPos).
				WithHelp("give one: table = 'name' reads a whole table, query = 'SELECT ...' reads a query's result")
		}
		c.lookupTable(st, src)
	case "kafka":
		src.Format = src.Options["format"]
		if src.Format == "" {
			src.Format = "text"
		}
		c.kafkaSchema(st, src)
	default:
		src.Format = src.Options["format"]
		if src.Format == "" { // socket and stdin: lines of text
			src.Format = "text"
		}
		if src.Format == "text" && (len(src.Columns) != 1 || src.Columns[0].Type != sqltype.String) {
			c.errs.Errorf(st.Name.Pos, "format 'text' reads each line into one STRING column").WithEnd(st.Name.EndPos).
				WithHelp("declare the source as %s (value STRING)", st.Name.Name)
		}
		if src.Format == "text" && len(src.Columns) == 1 {
			src.Columns[0].Nullable = false // a line is never NULL
		}
	}
	if len(src.Columns) == 0 {
		c.errs.Errorf(st.Name.Pos, "source %q declares no columns", st.Name.Name).WithEnd(st.Name.EndPos).
			WithHelp("list its columns, e.g. CREATE SOURCE %s (value STRING) WITH (...)", st.Name.Name)
	}
}

// lookupTable checks a database table's lookup options: lookup_key is one declared column,
// of a type the lookup passes to the database (STRING, INT, BIGINT).
func (c *checker) lookupTable(st *grammar.CreateSource, src *plan.Source) {
	spec, _ := connector.Lookup(connector.Table, src.Connector)
	lookup := src.Options["lookup"] == "true"
	for _, w := range st.With {
		if o := spec.Option(w.Key.Name); o != nil {
			if why, help := o.TableRefusal(lookup); why != "" {
				c.errs.Errorf(w.Key.Pos, "%s", why).WithEnd(w.Value.EndPos).WithHelp("%s", help)
			}
		}
	}
	if !lookup {
		return
	}
	name := src.Options["lookup_key"]
	if len(src.Columns) == 0 {
		return // reported: no columns
	}
	at, end := st.Name.Pos, st.Name.EndPos
	if o := option(st.With, "lookup_key"); o != nil {
		at, end = o.Value.Pos, o.Value.EndPos
	}
	if name != "" && !slices.ContainsFunc(src.Columns, func(col plan.Column) bool { return strings.EqualFold(col.Name, name) }) {
		c.errs.Errorf(at, "lookup_key %q is not a declared column of table %q", name, src.Name).WithEnd(end).
			WithHelp("name one column, the table's primary key or an indexed column (composite keys are not supported yet)")
		return
	}
	if col := src.Columns[lookupKey(src)]; col.Type != sqltype.String && col.Type != sqltype.Int && col.Type != sqltype.BigInt {
		c.errs.Errorf(at, "the lookup key %s of table %q is %s", col.Name, src.Name, col.Type).WithEnd(end).
			WithHelp("a lookup key is STRING, INT or BIGINT (others are not supported yet); or load the table (lookup = false)")
	}
}

// schemaColumns checks the declared columns of a source with a fixed schema (the nexmark
// source) against the columns its spec lists for the chosen option value: each must be one
// of them (matched case-insensitively, as identifiers are) with its type.
func (c *checker) schemaColumns(st *grammar.CreateSource, src *plan.Source) {
	spec, _ := connector.Lookup(connector.Source, src.Connector)
	sch := spec.Schema
	value := src.Options[sch.Option]
	cols := sch.Tables[value]
	if cols == nil {
		return // the option's own check reported it
	}
	names := make([]string, len(cols))
	list := make([]string, len(cols))
	for i, col := range cols {
		names[i], list[i] = col.Name, col.Name+" "+col.Type
	}
	for i, col := range src.Columns {
		decl := st.Columns[i]
		j := slices.IndexFunc(cols, func(s connector.Column) bool { return strings.EqualFold(s.Name, col.Name) })
		switch {
		case j < 0:
			d := c.errs.Errorf(decl.Name.Pos, "the %s source's %s %s has no column %s", src.Connector, sch.Option, value, col.Name).WithEnd(decl.Name.EndPos)
			if m := connector.Closest(col.Name, names); m != "" {
				d.WithHelp("did you mean %s? its columns are %s", m, strings.Join(list, ", "))
			} else {
				d.WithHelp("its columns are %s", strings.Join(list, ", "))
			}
		case cols[j].Type != col.Type.String():
			c.errs.Errorf(decl.Type.Pos, "the %s source's column %s.%s is %s, not %s", src.Connector, value, cols[j].Name, cols[j].Type, col.Type).
				WithEnd(decl.Type.EndPos).WithHelp("declare %s %s", col.Name, cols[j].Type)
		}
		src.Columns[i].Nullable = false
	}
}

// kafkaMeta are the columns a kafka source has besides the value's.
var kafkaMeta = map[string]sqltype.Type{"key": sqltype.String, "partition": sqltype.Int, "offset": sqltype.BigInt,
	"timestamp": sqltype.Timestamp, "topic": sqltype.String}

// kafkaSchema checks a kafka source's columns: the metadata columns with their types, and
// for text and bytes a value column; csv values have no metadata.
func (c *checker) kafkaSchema(st *grammar.CreateSource, src *plan.Source) {
	if src.Format == "csv" {
		return
	}
	value := map[string]sqltype.Type{"text": sqltype.String, "bytes": sqltype.Bytes}[src.Format]
	for i, col := range src.Columns {
		want, meta := kafkaMeta[key(col.Name)]
		if !meta && value != sqltype.Null {
			want, meta = value, key(col.Name) == "value"
		}
		decl := st.Columns[i]
		switch {
		case meta && want != col.Type:
			c.errs.Errorf(decl.Type.Pos, "the kafka source's column %s is %s, not %s", col.Name, want, col.Type).WithEnd(decl.Type.EndPos)
		case !meta && value != sqltype.Null:
			c.errs.Errorf(decl.Name.Pos, "a kafka source with format '%s' has no column %s", src.Format, col.Name).WithEnd(decl.Name.EndPos).
				WithHelp("its columns are value %s, key STRING, partition INT, offset BIGINT, timestamp TIMESTAMP and topic STRING; "+
					"with format 'json' the value's fields are columns too", value)
		}
	}
}

func (c *checker) createSink(st *grammar.CreateSink) {
	if c.declared(st.Name) {
		return
	}
	opts := c.options(st.Name.Name, "sink", st.Name, st.With)
	c.sinks[key(st.Name.Name)] = &sink{decl: st, plan: &plan.Sink{Name: st.Name.Name, Connector: opts.connector, Options: opts.values}}
}

// createFunction loads the Go function a CREATE FUNCTION names and checks its signature.
func (c *checker) createFunction(st *grammar.CreateFunction, prog *plan.Program) {
	name := strings.ToLower(st.Name.Name)
	if funcs.Builtin(name) {
		c.errs.Errorf(st.Name.Pos, "%q is a built-in function", st.Name.Name).WithEnd(st.Name.EndPos).WithHelp("choose another name")
		return
	}
	if c.udfs[name] != nil {
		c.errs.Errorf(st.Name.Pos, "function %q is already declared", st.Name.Name).WithEnd(st.Name.EndPos)
		return
	}
	if c.funcs == nil {
		c.errs.Errorf(st.Pos, "cannot load Go functions here").WithHelp("compile the file with sqlstream")
		return
	}
	fn, err := c.funcs.Load(st.Target.Text)
	if err != nil {
		d := c.errs.Errorf(st.Target.Pos, "%v", err).WithEnd(st.Target.EndPos)
		if e, ok := udf.AsError(err); ok && e.Help != "" {
			d.WithHelp("%s", e.Help)
		}
		c.udfs[name] = &udf.Func{} // known, so calls to it are not reported as unknown
		return
	}
	c.udfs[name] = fn
	if fn.ModulePath != "" {
		prog.Modules[fn.ModulePath] = fn.ModuleDir
	}
}

func (c *checker) createView(st *grammar.CreateView) {
	if c.declared(st.Name) {
		return
	}
	before := len(c.errs)
	c.selectRel(st.Query, &c.errs)
	v := &view{decl: st, broken: c.errs[before:].HasErrors()}
	c.views[key(st.Name.Name)] = v
	if st.Query.OrderBy != nil || st.Query.Limit != nil {
		c.errs.Errorf(st.Query.Pos, "a view cannot have ORDER BY or LIMIT").WithHelp("put them in the INSERT that reads the view")
	}
}

func (c *checker) insert(st *grammar.Insert) *plan.Query {
	sk := c.sinks[key(st.Sink.Name)]
	if sk == nil {
		d := c.errs.Errorf(st.Sink.Pos, "unknown sink %q", st.Sink.Name).WithEnd(st.Sink.EndPos)
		if s := diag.Closest(st.Sink.Name, c.sinkNames()); s != "" {
			d.WithHelp("did you mean %q?", s)
		} else {
			d.WithHelp("declare it first: CREATE SINK %s WITH (connector = 'console')", st.Sink.Name)
		}
	} else if prev, dup := c.inserts[key(st.Sink.Name)]; dup {
		c.errs.Errorf(st.Sink.Pos, "sink %q is already written by the query at line %d", st.Sink.Name, prev.Line).
			WithEnd(st.Sink.EndPos).WithHelp("declare another sink for this query")
	} else {
		c.inserts[key(st.Sink.Name)] = st.Pos
	}
	before, n := c.errs.HasErrors(), len(c.errs)
	complete := st.OutputMode != nil && strings.EqualFold(st.OutputMode.Mode, "COMPLETE")
	r := c.selectRelAs(st.Query, &c.errs, complete)
	if r == nil || sk == nil {
		return nil
	}
	q := r.query()
	q.Pos, q.Name, q.Sink = st.Pos, sk.plan.Name, sk.plan
	c.outputMode(st, q, r)
	c.streamJoinRules(st, q)
	c.distinctRules(q, r)
	c.trigger(st, q)
	if !c.errs[n:].HasErrors() { // the output columns are known
		c.sinkColumns(st, q, sk.decl)
	}
	for _, o := range st.With {
		c.insertOption(o, q)
	}
	c.stageRules(st, q)
	if !before && c.errs.HasErrors() {
		return nil
	}
	return q
}

// insertOption applies an option of INSERT ... WITH (...): cast = 'strict' makes a CAST of
// invalid input an error (the record is malformed) instead of NULL, like Spark's ANSI mode;
// checkpoint = 'dir' is the query's checkpoint directory (Spark's checkpointLocation);
// late_rows = 'sink' sends the rows the watermark drops to a sink (see deadLetters).
func (c *checker) insertOption(o *grammar.Option, q *plan.Query) {
	switch strings.ToLower(o.Key.Name) {
	case "cast":
		switch v := strings.ToLower(literalString(o.Value)); v {
		case "strict":
			q.StrictCast = true
		case "lenient":
		default:
			c.errs.Errorf(o.Value.Pos, "option cast: expected 'lenient' or 'strict', got %s", describe(o.Value)).WithEnd(o.Value.EndPos)
		}
	case "checkpoint":
		q.Checkpoint = literalString(o.Value)
		if q.Checkpoint == "" {
			c.errs.Errorf(o.Value.Pos, "option checkpoint: expected a directory as a non-empty string, got %s", describe(o.Value)).WithEnd(o.Value.EndPos)
		}
	case "late_rows":
		if o.Value.Kind != grammar.LitString || o.Value.Text == "" {
			c.errs.Errorf(o.Value.Pos, "option late_rows: expected a sink's name as a string, got %s", describe(o.Value)).WithEnd(o.Value.EndPos)
			return
		}
		c.late = append(c.late, lateRowsRef{opt: o, q: q})
	default:
		d := c.errs.Errorf(o.Key.Pos, "unknown INSERT option %q", o.Key.Name).WithEnd(o.Key.EndPos)
		if h := diag.Closest(o.Key.Name, []string{"cast", "checkpoint", "late_rows"}); h != "" {
			d.WithHelp("did you mean %q?", h)
		} else {
			d.WithHelp("INSERT takes cast = 'strict' or 'lenient', checkpoint = 'dir' and late_rows = 'sink'; connector options go in CREATE SOURCE or CREATE SINK")
		}
	}
}

func (c *checker) sinkNames() []string {
	var n []string
	for _, s := range c.sinks {
		n = append(n, s.plan.Name)
	}
	sort.Strings(n)
	return n
}

// outputMode applies Spark's output-mode rules and picks the default when none is given.
func (c *checker) outputMode(st *grammar.Insert, q *plan.Query, r *rel) {
	agg := q.Agg != nil
	if st.OutputMode == nil {
		q.ModeDefaulted = true
		if agg {
			q.Mode = plan.Complete
			if k, _ := q.EventKey(); k >= 0 || q.Sink.Connector == "files" {
				q.Mode = plan.Append // with a watermark each group is emitted once it is final
			}
		} else {
			q.Mode = plan.Append
		}
	} else {
		switch strings.ToUpper(st.OutputMode.Mode) {
		case "APPEND":
			q.Mode = plan.Append
		case "UPDATE":
			q.Mode = plan.Update
		case "COMPLETE":
			q.Mode = plan.Complete
		}
	}
	at := st.Pos
	end := st.Sink.EndPos
	if st.OutputMode != nil {
		at, end = st.OutputMode.Pos, st.OutputMode.EndPos
	}
	eventKey, _ := q.EventKey()
	switch {
	case agg && q.Mode == plan.Append && eventKey < 0:
		d := c.errs.Errorf(at, "APPEND output mode is not supported for an aggregation without a watermark").WithEnd(end)
		if q.Sink.Connector == "files" {
			d.WithHelp("the files sink writes only APPEND; an aggregation needs UPDATE or COMPLETE: use the console or memory sink, or an event-time window on a watermarked column")
		} else {
			d.WithHelp("use OUTPUT MODE UPDATE or COMPLETE: without a watermark, groups can still change when more rows arrive")
		}
	case !agg && q.Mode == plan.Complete && q.Dedup != nil:
		c.errs.Errorf(at, "COMPLETE output mode needs an aggregation; SELECT DISTINCT ON emits the first row of each key once").WithEnd(end).
			WithHelp("use OUTPUT MODE APPEND (the default); for the whole set every batch, GROUP BY the key and pick columns with first(x)")
	case !agg && q.Mode == plan.Complete:
		c.errs.Errorf(at, "COMPLETE output mode needs an aggregation").WithEnd(end).
			WithHelp("use OUTPUT MODE APPEND (the default) or UPDATE: without an aggregation there is no result table to keep")
	case q.Sink.Connector == "files" && q.Sink.Options["format"] == "text" && (len(q.Output) != 1 || q.Output[0].Type != sqltype.String):
		c.errs.Errorf(st.Sink.Pos, "the text format of sink %q writes one STRING column, but the query selects %d columns", q.Sink.Name, len(q.Output)).WithEnd(st.Sink.EndPos).
			WithHelp("select one string, e.g. concat_ws(',', a, b), or use format 'json' or 'csv'")
	case q.Sink.Connector == "files" && q.Mode != plan.Append:
		c.errs.Errorf(at, "the files sink supports only APPEND output mode, not %s", q.Mode).WithEnd(end).
			WithHelp("use the console or memory sink for %s output", q.Mode)
	}
	if r.sortPos != nil && !(agg && q.Mode == plan.Complete) {
		c.errs.Errorf(*r.sortPos, "ORDER BY is only supported after an aggregation in COMPLETE output mode").
			WithHelp("sorting an unbounded stream never finishes; aggregate and use OUTPUT MODE COMPLETE, or remove ORDER BY")
	}
	if r.limitPos != nil && q.Mode == plan.Update {
		c.errs.Errorf(*r.limitPos, "LIMIT is not supported in UPDATE output mode").
			WithHelp("use OUTPUT MODE COMPLETE for a top-N over an aggregation, or APPEND")
	}
}

func (c *checker) trigger(st *grammar.Insert, q *plan.Query) {
	t := st.Trigger
	if t == nil {
		return
	}
	switch strings.ToUpper(t.Kind) {
	case "ONCE":
		q.Trigger.Kind = plan.TriggerOnce
	case "AVAILABLE NOW":
		q.Trigger.Kind = plan.TriggerAvailableNow
	default:
		q.Trigger.Kind = plan.TriggerInterval
		if t.Interval == nil {
			c.errs.Errorf(t.Pos, "TRIGGER EVERY needs an interval").WithHelp("e.g. TRIGGER EVERY '2 seconds'")
			return
		}
		us, err := intervalMicros(t.Interval)
		if err != nil || us <= 0 {
			d := c.errs.Errorf(t.Interval.Pos, "invalid trigger interval %q", t.Interval.Text).WithEnd(t.Interval.EndPos)
			d.WithHelp("write a positive interval such as '2 seconds', '500 milliseconds' or INTERVAL '1' MINUTE")
			return
		}
		q.Trigger.Micros = us
	}
}

// intervalMicros reads '10 minutes', '10' MINUTE, '1 hour 30 minutes' or '2s' as microseconds.
func intervalMicros(l *grammar.Literal) (int64, error) {
	text := strings.TrimSpace(l.Text)
	if l.Unit != "" {
		text += " " + l.Unit
	}
	return connector.IntervalMicros(text)
}

// streamJoinRules are what a join of two streams allows after it: filters, projections and
// an aggregation, in APPEND mode (Spark allows stream-stream joins in APPEND only, and since
// 3.4 an aggregation over one, emitted as the watermark passes its windows).
func (c *checker) streamJoinRules(st *grammar.Insert, q *plan.Query) {
	sj := q.StreamJoin
	if sj == nil {
		return
	}
	switch {
	case q.Mode != plan.Append && st.OutputMode == nil:
		c.errs.Errorf(sj.Pos, "an aggregation over a join of two streams needs a window of a watermarked column in GROUP BY").
			WithHelp("as in Spark, its output is APPEND only: each window is emitted once the watermark passes it; e.g. GROUP BY window(c.t, INTERVAL '1' HOUR)")
	case q.Mode != plan.Append:
		c.errs.Errorf(st.OutputMode.Pos, "a join of two streams supports only APPEND output mode, not %s", q.Mode).
			WithEnd(st.OutputMode.EndPos).WithHelp("as in Spark: a joined row is final once emitted")
	case q.Limit >= 0:
		c.errs.Errorf(sj.Pos, "LIMIT over a join of two streams is not supported yet").WithHelp("remove the LIMIT")
	}
}

// aggregateDistinct checks SELECT DISTINCT over an aggregation. Selecting every group key, the
// rows of a batch's result are distinct already, and in APPEND each group is emitted once: the
// DISTINCT changes nothing in COMPLETE or APPEND. A stateful DISTINCT after the aggregation is
// not built; in UPDATE mode Spark refuses it too (its global watermark rule): a group whose
// change leaves its selected values as they were is emitted again, which only a stateful
// DISTINCT would drop.
func (c *checker) aggregateDistinct(q *plan.Query, sel *grammar.Select) {
	if q.Mode == plan.Update {
		c.errs.Errorf(sel.Pos, "DISTINCT over an aggregation is not supported in UPDATE output mode").
			WithHelp("as in Spark, a stateful operator after an aggregation needs APPEND (a window of a watermarked column); or drop DISTINCT")
		return
	}
	if _, cols := plan.Flatten(q.Agg.AggColumns(), q.Post); !keysSelected(q, cols) {
		c.errs.Errorf(sel.Pos, "DISTINCT over an aggregation that does not select every GROUP BY key is not supported yet").
			WithHelp("select every key (each row is then distinct), or drop DISTINCT")
	}
}

// keysSelected reports whether the output columns cols (over the aggregation's keys and
// aggregates) include every group key as it is, or a window key's start or end.
func keysSelected(q *plan.Query, cols []plan.Expr) bool {
	isKey := func(e plan.Expr, k int) bool {
		if c, ok := e.(*plan.Call); ok && (c.Name == "window_start" || c.Name == "window_end") && len(c.Args) == 1 {
			e = c.Args[0]
		}
		ref, ok := e.(*plan.ColRef)
		return ok && ref.Idx == k
	}
	for k := range q.Agg.Keys {
		if !slices.ContainsFunc(cols[:len(q.Output)], func(e plan.Expr) bool { return isKey(e, k) }) {
			return false
		}
	}
	return true
}
