package codegen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/physical"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// input is a relation whose records generated code decodes: the query's source, read by a
// worker, or a joined table, read by its builder.
type input struct {
	src    *plan.Source
	recv   string   // the receiver holding rec and the decoder's buffers: w or b
	typ    string   // the record struct
	names  []string // its fields, one per column of src
	decode string   // the decoder method

	// A query's input: its plan, index in the query's inputs, name in identifiers (""
	// when it is the only one) and joins.
	plan  *plan.Input
	idx   int
	name  string
	joins []*joinGen
	// read marks the source's columns the query reads (nil: all); the decoder leaves the
	// others' nullable fields unparsed.
	read []bool
}

// readColumns marks the columns of input in that its pipeline reads: those of its operators'
// expressions, the exploded string and the event time the watermark follows.
func (g *queryGen) readColumns(in *input, pl *physical.Pipeline) []bool {
	read := make([]bool, len(in.src.Columns))
	mark := func(e plan.Expr) {
		plan.Walk(e, func(e plan.Expr) {
			if r, ok := e.(*plan.ColRef); ok && r.Idx < len(read) {
				read[r.Idx] = true
			}
		})
	}
	for _, op := range append(slices.Clip(pl.Ops), g.phys.Chunk...) {
		for _, e := range g.rowOpOf(op, in, pl).roots() {
			mark(e)
		}
	}
	if e := in.plan.Explode; e != nil {
		mark(e.Str)
	}
	if g.timed && in.src.Watermark >= 0 {
		read[in.src.Watermark] = true
	}
	return read
}

// declareInputs declares the record struct of each of the query's inputs and the types of
// their joined tables. A query with one input keeps the plain names (In, decode).
func (g *queryGen) declareInputs() {
	used := map[string]bool{}
	for i, pin := range g.q.Inputs {
		in := &input{src: pin.Source, recv: "w", typ: g.id("In"), decode: "decode", plan: pin, idx: i}
		if len(g.q.Inputs) > 1 {
			in.name = exported(pin.Source.Name)
			for used[in.name] {
				in.name += strconv.Itoa(i + 1)
			}
			used[in.name] = true
			in.typ, in.decode = g.id(in.name+"In"), "decode"+in.name
		}
		scan := pin.Scan()
		in.names = fieldNames(colNames(scan))
		g.inputs = append(g.inputs, in)
		g.f.Commentf("%s is one record of source %q.", in.typ, pin.Source.Name)
		g.f.Type().Id(in.typ).Struct(structFields(in.names, scan)...)
	}
	for _, in := range g.inputs {
		g.tables(in)
	}
}

// buffers are the worker's decoder fields: one of each kind its inputs need, shared since a
// worker decodes one record at a time.
func (g *queryGen) buffers() []Code {
	var out []Code
	seen := map[string]bool{}
	for _, in := range g.inputs {
		for _, b := range in.buffers() {
			if k := fmt.Sprintf("%#v", b); !seen[k] {
				seen[k] = true
				out = append(out, b)
			}
		}
	}
	return out
}

// wire is the format of the records the connector hands the decoder (Parquet files and Kafka
// records arrive as JSON lines): the connector's spec says.
func (in *input) wire() string {
	_, wire := connector.Impl(connector.Source, in.src.Connector, in.src.Format)
	return wire
}

// stage is an input that reads the rows of a stage before (Chunk.Upstream): nothing to decode.
func (in *input) stage() bool { return in.plan != nil && in.plan.Stage != nil }

// typed is an input whose source hands over typed rows (Chunk.Rows): nothing to decode.
func (in *input) typed() bool { return in.wire() == "typed" }

// record is the text of the current record, for a record error or a late row: the line
// itself, or a typed row formatted by the chunk.
func (in *input) record() Code {
	if in.stage() {
		return Id("c").Dot("Upstream").Dot("AppendCSV").Call(Nil(), Id("i"))
	}
	if in.typed() {
		return Id("c").Dot("Record").Call(Id("i"))
	}
	return Id("rec")
}

// rowLoop is the loop over a chunk of typed rows: each record's struct is filled from the
// chunk's vectors (the columns the query reads), with no decoding and nothing malformed.
func (g *queryGen) rowLoop(in *input, rowStmts []Code) []Code {
	var loop, fields []Code
	for j, c := range in.src.Columns {
		if in.read != nil && !in.read[j] {
			continue
		}
		col := unexported(in.names[j]) + "Col"
		loop = append(loop, Id(col).Op(":=").Id("c").Dot("Rows").Index(Lit(j)).Dot(stateKind(c.Type)))
		fields = append(fields, kv(in.names[j], Id(col).Index(Id("i"))))
	}
	var body []Code
	if len(fields) > 0 || in.plan.Explode != nil { // else the query reads no column
		body = append(body, Id("in").Op(":=").Id(in.typ).Values(lines(fields...)...))
	}
	body = append(body, g.observeEventTime(in)...)
	loop = append(loop, g.label(in)...)
	return append(loop, For(
		List(Id("i"), Id("line")).Op(":=").List(Int64().Call(Lit(0)), Id("c").Dot("Line")),
		Id("i").Op("<").Id("c").Dot("Records"),
		List(Id("i"), Id("line")).Op("=").List(Id("i").Op("+").Lit(1), Id("line").Op("+").Lit(1)),
	).Block(append(body, rowStmts...)...))
}

// stageLoop is the loop over the rows the stage before emitted in the batch, which the chain
// hands over as the chunk's Upstream: each record's struct is filled from a row's fields.
func (g *queryGen) stageLoop(in *input, rowStmts []Code) []Code {
	var fields []Code
	for j, c := range in.src.Columns {
		if in.read != nil && !in.read[j] {
			continue
		}
		for _, f := range columnState(in.names[j:j+1], []plan.Column{c}) {
			fields = append(fields, kv(f.name, Id("up").Dot(f.name)))
		}
	}
	var body []Code
	if len(fields) > 0 || in.plan.Explode != nil { // else the query reads no column
		// up, not row: the loop's body makes the query's own rows under that name
		body = append(body, Id("up").Op(":=").Op("&").Id("rows").Index(Id("i")), Id("in").Op(":=").Id(in.typ).Values(lines(fields...)...))
	}
	loop := append([]Code{List(Id("rows"), Id("_")).Op(":=").Id("c").Dot("Upstream").Assert(Id(g.upstream.id("Rows")))}, g.label(in)...)
	return append(loop, For(
		List(Id("i"), Id("line")).Op(":=").List(Lit(0), Int64().Call(Lit(1))),
		Id("i").Op("<").Len(Id("rows")),
		List(Id("i"), Id("line")).Op("=").List(Id("i").Op("+").Lit(1), Id("line").Op("+").Lit(1)),
	).Block(append(body, rowStmts...)...))
}

// buffers are the decoder's fields in the receiver.
func (in *input) buffers() []Code {
	switch in.wire() {
	case "json":
		return []Code{Id("json").Qual(pkgCodec, "JSON")}
	case "csv":
		return []Code{Id("csv").Qual(pkgCodec, "CSV"), Id("fields").Index().Index().Byte()}
	}
	return nil
}

// decoder generates decode(in, rec): one record of the input's format straight into its
// struct. It returns "" or why the record is malformed.
func (g *queryGen) decoder(in *input, recvType string) {
	if in.stage() {
		return // the rows of a stage before: read straight from its output (stageLoop)
	}
	var body, fields []Code
	switch in.wire() {
	case "typed":
		return // read straight from the chunk's vectors (rowLoop)
	case "text":
		body = in.decodeText()
	case "csv":
		body = in.decodeCSV()
	case "json":
		body, fields = in.decodeJSON()
	default:
		panic("codegen: unknown format " + in.src.Format)
	}
	g.f.Commentf("%s reads one %s record into in, and returns why it is malformed or \"\".", in.decode, in.wire())
	g.f.Func().Params(Id(in.recv).Op("*").Id(recvType)).Id(in.decode).
		Params(Id("in").Op("*").Id(in.typ), Id("rec").Index().Byte()).String().Block(body...)
	if in.wire() == "json" {
		g.f.Commentf("%s numbers the members %s reads, as its switch does.", in.fields(), in.decode)
		g.f.Var().Id(in.fields()).Op("=").Qual(pkgCodec, "NewFields").Call(fields...)
	}
}

// fields names the codec.Fields of a JSON decoder: after its record type, and the lookup
// key the decoder reads, if any (decodeUsersKey).
func (in *input) fields() string {
	return in.typ + strings.TrimPrefix(strings.TrimPrefix(in.decode, "decode"), in.name) + "Fields"
}

func (in *input) decodeText() []Code {
	// The checker allows exactly one STRING column for text: the whole line.
	return []Code{
		Id("in").Dot(in.names[0]).Op("=").Qual(pkgRT, "View").Call(Id("rec")),
		Return(Lit("")),
	}
}

// parseField converts text field f (non-empty) into in.<name>, or returns a reason.
func parseField(name string, c plan.Column, f Code) []Code {
	target := Id("in").Dot(name)
	bad := Return(Qual("fmt", "Sprintf").Call(Lit(fmt.Sprintf("column %q: invalid %s %%q", c.Name, c.Type)), f))
	parse := func(fn string) []Code {
		return []Code{
			If(List(Id("v"), Id("ok")).Op(":=").Qual(pkgCodec, fn).Call(f), Id("ok")).Block(
				Add(target).Op("=").Id("v"),
			).Else().Block(bad),
		}
	}
	switch c.Type {
	case sqltype.Boolean:
		return parse("ParseBool")
	case sqltype.Int:
		return parse("ParseInt32")
	case sqltype.BigInt:
		return parse("ParseInt64")
	case sqltype.Double:
		return parse("ParseFloat64")
	case sqltype.Timestamp:
		return parse("ParseTimestamp")
	case sqltype.Date:
		return parse("ParseDate")
	}
	return []Code{Add(target).Op("=").Qual(pkgRT, "View").Call(f)}
}

// emptyField handles an empty CSV field: NULL, as Spark reads it, or malformed when the column
// is NOT NULL.
func emptyField(name string, c plan.Column) Code {
	if c.Nullable {
		return Id("in").Dot(name + "Null").Op("=").True()
	}
	return Return(Lit(fmt.Sprintf("column %q is NOT NULL but the field is empty", c.Name)))
}

func (in *input) decodeCSV() []Code {
	cols := in.src.Columns
	w := in.recv
	sep := byte(',')
	if d := in.src.Options["delimiter"]; len(d) == 1 {
		sep = d[0]
	}
	body := []Code{
		Var().Err().Error(),
		List(Id(w).Dot("fields"), Err()).Op("=").Id(w).Dot("csv").Dot("Split").Call(Id("rec"), LitRune(rune(sep)), Id(w).Dot("fields").Index(Empty(), Lit(0))),
		If(Err().Op("!=").Nil()).Block(Return(Err().Dot("Error").Call())),
		If(Len(Id(w).Dot("fields")).Op("!=").Lit(len(cols))).Block(
			Return(Qual("fmt", "Sprintf").Call(Lit(fmt.Sprintf("expected %d fields, got %%d", len(cols))), Len(Id(w).Dot("fields"))))),
	}
	for i, c := range cols {
		if in.read != nil && !in.read[i] && c.Nullable {
			continue // a field the query never reads is not parsed
		}
		f := Id(w).Dot("fields").Index(Lit(i))
		// An empty unquoted field is NULL; "" is an empty string (Spark's CSV reader).
		empty := Len(f).Op("==").Lit(0)
		if c.Type == sqltype.String || c.Type == sqltype.Bytes {
			empty = empty.Op("&&").Op("!").Id(w).Dot("csv").Dot("Quoted").Call(Lit(i))
		}
		if c.Nullable {
			body = append(body, If(empty).Block(emptyField(in.names[i], c)).Else().Block(parseField(in.names[i], c, f)...))
		} else {
			body = append(body, If(empty).Block(emptyField(in.names[i], c)))
			body = append(body, parseField(in.names[i], c, f)...)
		}
	}
	return append(body, Return(Lit("")))
}

// decodeJSON returns the body of a JSON decoder and the names its Fields numbers.
func (in *input) decodeJSON() (body, names []Code) {
	cols := in.src.Columns
	j := Id(in.recv).Dot("json")
	body = []Code{Add(j).Dot("Reset").Call(Id("rec"))}
	var cases, checks []Code
	for i, c := range cols {
		if in.read != nil && !in.read[i] && c.Nullable {
			continue // skipped like an undeclared field: a value the query never reads is not checked
		}
		name := in.names[i]
		seen := "seen" + name
		if c.Nullable {
			body = append(body, Id("in").Dot(name+"Null").Op("=").True())
		} else {
			body = append(body, Var().Id(seen).Bool())
			checks = append(checks, If(Op("!").Id(seen)).Block(Return(Lit(fmt.Sprintf("missing NOT NULL field %q", c.Name)))))
		}
		reader := map[sqltype.Type]string{
			sqltype.Boolean: "Bool", sqltype.Int: "Int32", sqltype.BigInt: "Int64", sqltype.Double: "Float64",
			sqltype.String: "StringView", sqltype.Bytes: "BytesString", sqltype.Timestamp: "Timestamp", sqltype.Date: "Date",
		}[c.Type]
		stmts := []Code{
			List(Id("v"), Id("null"), Id("ok")).Op(":=").Add(j).Dot(reader).Call(),
			If(Op("!").Id("ok")).Block(Return(Add(j).Dot("Err").Call().Dot("Error").Call())),
		}
		if c.Nullable {
			stmts = append(stmts, List(Id("in").Dot(name), Id("in").Dot(name+"Null")).Op("=").List(Id("v"), Id("null")))
		} else {
			stmts = append(stmts,
				If(Id("null")).Block(Return(Lit(fmt.Sprintf("field %q is null but the column is NOT NULL", c.Name)))),
				Id("in").Dot(name).Op("=").Id("v"),
				Id(seen).Op("=").True(),
			)
		}
		cases = append(cases, Case(Lit(len(names))).Block(append([]Code{Comment(strconv.Quote(c.Name))}, stmts...)...))
		names = append(names, Lit(c.Name))
	}
	cases = append(cases, Default().Block(Add(j).Dot("Skip").Call()))
	body = append(body,
		For(Add(j).Dot("NextKey").Call()).Block(Switch(Add(j).Dot("Field").Call(Id(in.fields()))).Block(cases...)),
		If(Err().Op(":=").Add(j).Dot("Err").Call(), Err().Op("!=").Nil()).Block(Return(Err().Dot("Error").Call())),
	)
	body = append(body, checks...)
	return append(body, Return(Lit(""))), names
}
