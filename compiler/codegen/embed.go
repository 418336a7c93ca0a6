package codegen

import (
	"path/filepath"
	"strings"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// publicType is the Go type of a column in the exported row types of sqlstream gen: nullable
// columns use database/sql's Null, timestamps and dates are time.Time, bytes are []byte.
func publicType(c plan.Column) *Statement {
	var t *Statement
	switch c.Type {
	case sqltype.Timestamp, sqltype.Date:
		t = Qual("time", "Time")
	case sqltype.Bytes:
		t = Index().Byte()
	case sqltype.Window:
		t = Qual(pkgRT, "Window")
	default:
		t = goType(c.Type)
	}
	if c.Nullable {
		return Qual("database/sql", "Null").Types(t)
	}
	return t
}

// publicValue converts the internal value v of column c to its public Go type.
func publicValue(c plan.Column, v Code) Code {
	switch c.Type {
	case sqltype.Window:
		return Qual(pkgRT, "WindowOf").Call(v, Lit(int(c.Size)))
	case sqltype.Timestamp:
		return Qual("time", "UnixMicro").Call(v).Dot("UTC").Call()
	case sqltype.Date:
		return Qual("time", "Unix").Call(Int64().Call(v).Op("*").Lit(86400), Lit(0)).Dot("UTC").Call()
	case sqltype.Bytes:
		return Index().Byte().Call(v)
	}
	return v
}

// programName names the exported program type after the SQL file: line_lengths.sql →
// LineLengths.
func programName(source string) string {
	return exported(strings.TrimSuffix(filepath.Base(source), filepath.Ext(source)))
}

// publicRow declares the exported row type of the query and the conversions into it, from
// the internal row (go sinks) and from the memory sink's values.
func (g *queryGen) publicRow() {
	q := g.q
	name := exported(q.Name) + "Row"
	var fields, conv, fromValues []Code
	for i, c := range q.Output {
		fields = append(fields, Id(g.outNms[i]).Add(publicType(c)).Comment(c.Name+" "+c.Type.String()))
		v := publicValue(c, Id("r").Dot(g.outNms[i]))
		if c.Nullable {
			conv = append(conv, Id(g.outNms[i]).Op(":").Qual("database/sql", "Null").Types(publicTypeNotNull(c)).Values(
				Id("V").Op(":").Add(v), Id("Valid").Op(":").Op("!").Id("r").Dot(g.outNms[i]+"Null")))
			fromValues = append(fromValues, If(List(Id("x"), Id("ok")).Op(":=").Id("v").Index(Lit(i)).Assert(publicTypeNotNull(c)), Id("ok")).Block(
				Id("row").Dot(g.outNms[i]).Op("=").Qual("database/sql", "Null").Types(publicTypeNotNull(c)).Values(Id("V").Op(":").Id("x"), Id("Valid").Op(":").True())))
		} else {
			conv = append(conv, Id(g.outNms[i]).Op(":").Add(v))
			fromValues = append(fromValues, List(Id("row").Dot(g.outNms[i]), Id("_")).Op("=").Id("v").Index(Lit(i)).Assert(publicTypeNotNull(c)))
		}
	}
	g.f.Commentf("%s is one row of sink %q.", name, q.Sink.Name)
	g.f.Type().Id(name).Struct(fields...)
	if q.Sink.Connector == "go" {
		g.f.Line()
		g.f.Func().Params(Id("r").Op("*").Id(g.id("Row"))).Id("public").Params().Id(name).Block(
			Return(Id(name).Values(lines(conv...)...)))
	}
	if q.Sink.Connector == "memory" {
		g.f.Line()
		g.f.Func().Id(g.p + "FromValues").Params(Id("v").Index().Any()).Params(Id("row").Id(name)).Block(
			append(fromValues, Return())...)
	}
}

func publicTypeNotNull(c plan.Column) *Statement {
	c.Nullable = false
	return publicType(c)
}

// embedAPI generates the exported API of a package made with sqlstream gen: a program type
// named after the SQL file with a constructor taking the go sinks' callbacks, Run, and a
// Table method per memory sink.
func embedAPI(f *File, source string, gens []*queryGen, specs []Code) {
	prog := programName(source)
	var sinkFields []Code
	for _, g := range gens {
		if g.q.Sink.Connector != "go" {
			continue
		}
		row := exported(g.q.Name) + "Row"
		e := exported(g.q.Name)
		sinkFields = append(sinkFields,
			Commentf("On%sBatch receives each batch of sink %q with its batch id, like Spark's foreachBatch;", e, g.q.Name),
			Comment("a replayed batch has the same id, so the callback can be idempotent."),
			Id("On"+e+"Batch").Func().Params(Qual("context", "Context"), Int64(), Index().Id(row)).Error(),
			Commentf("On%sRow receives the rows of sink %q one at a time, after On%sBatch if both are set.", e, g.q.Name, e),
			Id("On"+e+"Row").Func().Params(Qual("context", "Context"), Id(row)).Error(),
		)
	}
	fields := []Code{Id("opts").Index().Qual(pkgRT, "Option")}
	params := []Code{Id("opts").Op("...").Qual(pkgRT, "Option")}
	init := []Code{Id("opts").Op(":").Id("opts")}
	if len(sinkFields) > 0 {
		f.Commentf("%sSinks are the Go callbacks of the query's go sinks.", prog)
		f.Type().Id(prog + "Sinks").Struct(sinkFields...)
		fields = append(fields, Id("sinks").Id(prog+"Sinks"))
		params = append([]Code{Id("sinks").Id(prog + "Sinks")}, params...)
		init = append(init, Id("sinks").Op(":").Id("sinks"))
	}
	f.Commentf("%s runs the streaming queries of %s in this program.", prog, filepath.Base(source))
	f.Type().Id(prog).Struct(fields...)
	f.Line()
	f.Commentf("New%s prepares the queries; options override connector options, the trigger and more.", prog)
	f.Func().Id("New" + prog).Params(params...).Op("*").Id(prog).Block(
		Return(Op("&").Id(prog).Values(init...)))
	f.Line()
	f.Comment("Run runs the queries until they finish (a trigger of once or available-now), fail, or")
	f.Comment("ctx is cancelled; a cancelled run stops after the batches in progress.")
	f.Func().Params(Id("p").Op("*").Id(prog)).Id("Run").Params(Id("ctx").Qual("context", "Context")).Error().Block(
		Return(Qual(pkgRT, "RunEmbedded").Call(Id("ctx"), Qual(pkgRT, "Program").Values(lines(
			kv("Name", Lit(filepath.Base(source))),
			kv("Queries", Index().Qual(pkgRT, "QuerySpec").Values(lines(specs...)...)),
		)...), Id("p").Dot("opts").Op("..."))))
	for _, g := range gens {
		row := exported(g.q.Name) + "Row"
		switch g.q.Sink.Connector {
		case "go":
			g.goSink(f, prog, row)
		case "memory":
			name := g.q.Sink.Options["name"]
			if name == "" {
				name = g.q.Sink.Name
			}
			f.Line()
			f.Commentf("%sTable returns the rows sink %q holds now (Spark's in-memory table).", exported(g.q.Name), g.q.Sink.Name)
			f.Func().Params(Id("p").Op("*").Id(prog)).Id(exported(g.q.Name)+"Table").Params().Index().Id(row).Block(
				Id("values").Op(":=").Qual(pkgRT+"/connector/memory", "Table").Call(Lit(name)),
				Id("rows").Op(":=").Make(Index().Id(row), Len(Id("values"))),
				For(List(Id("i"), Id("v")).Op(":=").Range().Id("values")).Block(
					Id("rows").Index(Id("i")).Op("=").Id(g.p+"FromValues").Call(Id("v"))),
				Return(Id("rows")),
			)
		}
	}
}

// goSink generates the rt.Sink that hands typed rows to the user's callbacks.
func (g *queryGen) goSink(f *File, prog, row string) {
	e := exported(g.q.Name)
	typ := g.p + "GoSink"
	f.Line()
	f.Commentf("%s delivers the rows of sink %q to the callbacks of %sSinks.", typ, g.q.Sink.Name, prog)
	f.Type().Id(typ).Struct(
		Id("batch").Func().Params(Qual("context", "Context"), Int64(), Index().Id(row)).Error(),
		Id("row").Func().Params(Qual("context", "Context"), Id(row)).Error(),
	)
	f.Line()
	f.Func().Params(Id("p").Op("*").Id(prog)).Id("open"+e+"Sink").Params(
		Qual("context", "Context"), Qual(pkgRT, "Endpoint"), Index().Qual(pkgRT, "Column"), Qual(pkgRT, "OutputMode"),
	).Params(Qual(pkgRT, "Sink"), Error()).Block(
		If(Id("p").Dot("sinks").Dot("On"+e+"Batch").Op("==").Nil().Op("&&").Id("p").Dot("sinks").Dot("On"+e+"Row").Op("==").Nil()).Block(
			Return(Nil(), Qual("errors", "New").Call(Lit("go sink "+g.q.Sink.Name+": New"+prog+" was given neither On"+e+"Batch nor On"+e+"Row")))),
		Return(Op("&").Id(typ).Values(Id("batch").Op(":").Id("p").Dot("sinks").Dot("On"+e+"Batch"), Id("row").Op(":").Id("p").Dot("sinks").Dot("On"+e+"Row")), Nil()),
	)
	f.Line()
	f.Func().Params(Id("s").Op("*").Id(typ)).Id("Write").Params(Id("ctx").Qual("context", "Context"), Id("batchID").Int64(), Id("rows").Qual(pkgRT, "Rows")).Error().Block(
		List(Id("r"), Id("_")).Op(":=").Id("rows").Assert(Id(g.id("Rows"))), // an empty batch may come as another Rows
		Id("typed").Op(":=").Make(Index().Id(row), Len(Id("r"))),
		For(Id("i").Op(":=").Range().Id("r")).Block(Id("typed").Index(Id("i")).Op("=").Id("r").Index(Id("i")).Dot("public").Call()),
		If(Id("s").Dot("batch").Op("!=").Nil()).Block(
			If(Err().Op(":=").Id("s").Dot("batch").Call(Id("ctx"), Id("batchID"), Id("typed")), Err().Op("!=").Nil()).Block(Return(Err()))),
		If(Id("s").Dot("row").Op("!=").Nil()).Block(
			For(List(Id("_"), Id("x")).Op(":=").Range().Id("typed")).Block(
				If(Err().Op(":=").Id("s").Dot("row").Call(Id("ctx"), Id("x")), Err().Op("!=").Nil()).Block(Return(Err())))),
		Return(Nil()),
	)
	f.Line()
	f.Func().Params(Id("s").Op("*").Id(typ)).Id("Close").Params().Error().Block(Return(Nil()))
}
