package codegen

import (
	"encoding/json"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// rows generates the output row slice type and its rt.Rows methods: JSON, CSV, console cells
// and Go values, each specialised to the column types.
func (g *queryGen) rows() {
	rows := g.id("Rows")
	out := g.q.Output
	g.f.Commentf("%s is the output of one batch.", rows)
	g.f.Type().Id(rows).Index().Id(g.id("Row"))
	recv := func() *Statement { return Params(Id("r").Id(rows)) }
	g.f.Line()
	g.f.Func().Add(recv()).Id("Len").Params().Int().Block(Return(Len(Id("r"))))

	// AppendJSON: Spark's JSON writer omits NULL fields.
	js := []Code{Id("row").Op(":=").Op("&").Id("r").Index(Id("i")), Id("dst").Op("=").Append(Id("dst"), LitRune('{'))}
	// A comma goes before every field but the first present one; while all earlier fields
	// are NOT NULL that is known here, after a nullable one the code checks.
	sure := true
	// n marks the length before the first field, needed once a field may be absent.
	for _, c := range out[:max(len(out)-1, 0)] {
		if c.Nullable {
			js = append(js, Id("n").Op(":=").Len(Id("dst")))
			break
		}
	}
	for i, c := range out {
		name := g.outNms[i]
		var field []Code
		switch {
		case i == 0:
		case sure:
			field = append(field, Id("dst").Op("=").Append(Id("dst"), LitRune(',')))
		default:
			field = append(field, If(Len(Id("dst")).Op(">").Id("n")).Block(Id("dst").Op("=").Append(Id("dst"), LitRune(','))))
		}
		field = append(field,
			Id("dst").Op("=").Append(Id("dst"), Lit(jsonKey(c.Name)).Op("...")),
			Id("dst").Op("=").Add(appendJSON(c, Id("row").Dot(name))),
		)
		if c.Nullable {
			sure = false
		}
		if c.Nullable {
			js = append(js, If(Op("!").Id("row").Dot(name+"Null")).Block(field...))
		} else {
			js = append(js, field...)
		}
	}
	js = append(js, Return(Append(Id("dst"), LitRune('}'))))
	g.f.Line()
	g.f.Func().Add(recv()).Id("AppendJSON").Params(Id("dst").Index().Byte(), Id("i").Int()).Index().Byte().Block(js...)

	// AppendCSV: NULL is an empty field.
	cs := []Code{Id("row").Op(":=").Op("&").Id("r").Index(Id("i"))}
	for i, c := range out {
		name := g.outNms[i]
		var field []Code
		if i > 0 {
			field = append(field, Id("dst").Op("=").Append(Id("dst"), LitRune(',')))
		}
		app := Id("dst").Op("=").Add(appendCSV(c, Id("row").Dot(name)))
		if c.Nullable {
			field = append(field, If(Op("!").Id("row").Dot(name+"Null")).Block(app))
		} else {
			field = append(field, app)
		}
		cs = append(cs, field...)
	}
	cs = append(cs, Return(Id("dst")))
	g.f.Line()
	g.f.Func().Add(recv()).Id("AppendCSV").Params(Id("dst").Index().Byte(), Id("i").Int()).Index().Byte().Block(cs...)

	// Cell and Value switch on the column.
	var cells, values []Code
	for i, c := range out {
		name := g.outNms[i]
		f := Id("r").Index(Id("i")).Dot(name)
		cell := []Code{Return(cellString(c, f))}
		value := []Code{Return(goValue(c, f))}
		if c.Nullable {
			isNull := Id("r").Index(Id("i")).Dot(name + "Null")
			cell = append([]Code{If(isNull).Block(Return(Lit("null")))}, cell...)
			value = append([]Code{If(isNull).Block(Return(Nil()))}, value...)
		}
		cells = append(cells, Case(Lit(i)).Block(cell...))
		values = append(values, Case(Lit(i)).Block(value...))
	}
	g.f.Line()
	g.f.Func().Add(recv()).Id("Cell").Params(Id("i"), Id("j").Int()).String().Block(
		Switch(Id("j")).Block(cells...), Return(Lit("")))
	g.f.Line()
	g.f.Func().Add(recv()).Id("Value").Params(Id("i"), Id("j").Int()).Any().Block(
		Switch(Id("j")).Block(values...), Return(Nil()))
}

// jsonKey is name as a JSON object key followed by a colon.
func jsonKey(name string) string {
	b, _ := json.Marshal(name)
	return string(b) + ":"
}

func appendJSON(c plan.Column, v Code) Code {
	switch c.Type {
	case sqltype.Window:
		return Qual(pkgCodec, "AppendWindowJSON").Call(Id("dst"), v, Lit(int(c.Size)))
	case sqltype.Boolean:
		return Qual("strconv", "AppendBool").Call(Id("dst"), v)
	case sqltype.Int, sqltype.BigInt:
		return Qual("strconv", "AppendInt").Call(Id("dst"), Int64().Call(v), Lit(10))
	case sqltype.Double:
		return Qual(pkgCodec, "AppendJSONDouble").Call(Id("dst"), v)
	case sqltype.Timestamp:
		return Qual(pkgCodec, "AppendTimestampJSON").Call(Id("dst"), v)
	case sqltype.Date:
		return Qual(pkgCodec, "AppendDateJSON").Call(Id("dst"), v)
	case sqltype.Bytes:
		return Qual(pkgCodec, "AppendBase64JSON").Call(Id("dst"), v)
	}
	return Qual(pkgCodec, "AppendJSONString").Call(Id("dst"), v)
}

func appendCSV(c plan.Column, v Code) Code {
	switch c.Type {
	case sqltype.Window:
		return Qual(pkgCodec, "AppendCSVField").Call(Id("dst"), Qual(pkgCodec, "FormatWindow").Call(v, Lit(int(c.Size))), LitRune(','))
	case sqltype.Boolean:
		return Qual("strconv", "AppendBool").Call(Id("dst"), v)
	case sqltype.Int, sqltype.BigInt:
		return Qual("strconv", "AppendInt").Call(Id("dst"), Int64().Call(v), Lit(10))
	case sqltype.Double:
		return Qual(pkgCodec, "AppendDouble").Call(Id("dst"), v)
	case sqltype.Timestamp:
		return Qual(pkgCodec, "AppendTimestamp").Call(Id("dst"), v)
	case sqltype.Date:
		return Qual(pkgCodec, "AppendDate").Call(Id("dst"), v)
	}
	return Qual(pkgCodec, "AppendCSVField").Call(Id("dst"), v, LitRune(','))
}

func cellString(c plan.Column, v Code) Code {
	switch c.Type {
	case sqltype.Window:
		return Qual(pkgCodec, "FormatWindow").Call(v, Lit(int(c.Size)))
	case sqltype.Boolean:
		return Qual("strconv", "FormatBool").Call(v)
	case sqltype.Int, sqltype.BigInt:
		return Qual("strconv", "FormatInt").Call(Int64().Call(v), Lit(10))
	case sqltype.Double:
		return Qual(pkgCodec, "FormatDouble").Call(v)
	case sqltype.Timestamp:
		return Qual(pkgCodec, "FormatTimestamp").Call(v)
	case sqltype.Date:
		return Qual(pkgCodec, "FormatDate").Call(v)
	case sqltype.Bytes:
		return Qual(pkgCodec, "FormatBytes").Call(v)
	}
	return v
}

func goValue(c plan.Column, v Code) Code {
	switch c.Type {
	case sqltype.Timestamp, sqltype.Date, sqltype.Bytes, sqltype.Window:
		return publicValue(c, v)
	}
	return v
}
