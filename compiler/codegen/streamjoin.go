package codegen

import (
	"strconv"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/physical"
	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// A join of two streams: each side's loop collects its records (collectSideOp), and Finish
// pairs the batch's rows with the state of the other side (symmetricJoin), in arrival
// order, left side first, as Spark's symmetric hash join does.

// sides are the join's two sides: the state field and the worker's segments of each.
var sides = [2]string{"left", "right"}

// collectSideOp keeps a side's record for the join, its strings copied out of the chunk:
// the record goes into the join's state, so every column is read.
type collectSideOp struct {
	side int
	cols []plan.Column
}

func (o collectSideOp) roots() []plan.Expr {
	refs := make([]plan.Expr, len(o.cols))
	for i, c := range o.cols {
		refs[i] = &plan.ColRef{Idx: i, Name: c.Name, T: c.Type, Null: c.Nullable}
	}
	return refs
}
func (o collectSideOp) consume(p *pipe, next func()) {
	in := p.in
	for i, c := range in.src.Columns {
		if c.Type == sqltype.String || c.Type == sqltype.Bytes {
			f := Id("in").Dot(in.names[i])
			p.eg.emit(f.Clone().Op("=").Qual("strings", "Clone").Call(f))
		}
	}
	p.eg.emit(Id("w").Dot(sides[o.side]).Dot("Add").Call(Id("in")))
}

// joinKeyType is the Go type of the join key: the key itself, or a struct of the keys.
func (g *queryGen) joinKeyType() Code {
	keys := g.q.StreamJoin.LeftKeys
	if len(keys) == 1 {
		return kindType(keyKind(keys[0].Type()))
	}
	return Id(g.id("JoinKey"))
}

// declareJoinKey declares the struct of a join on several keys.
func (g *queryGen) declareJoinKey() {
	keys := g.q.StreamJoin.LeftKeys
	if len(keys) == 1 {
		return
	}
	var fs []Code
	for i, k := range keys {
		fs = append(fs, Id("K"+strconv.Itoa(i)).Add(kindType(keyKind(k.Type()))))
	}
	g.f.Commentf("%sJoinKey is the key that joins the two streams.", g.p)
	g.f.Type().Id(g.id("JoinKey")).Struct(fs...)
}

// sideFields are the Go forms of side i's columns in record v.
func (g *queryGen) sideFields(i int, v Code) []val {
	in := g.inputs[i]
	vals := make([]val, len(in.src.Columns))
	for j, c := range in.src.Columns {
		vals[j] = fieldVal(v, in.names[j], c)
	}
	return vals
}

// joinKeyMethod generates <side>Key(r): the join key of a record of side i, and whether a
// part of it is NULL (then it matches nothing).
func (g *queryGen) joinKeyMethod(i int, keys []plan.Expr) {
	g.base = g.sideFields(i, Id("r"))
	eg := g.newExprGen(keys...)
	eg.onErr = func(msg Code) []Code { return []Code{Panic(msg)} } // keys are plain expressions
	var null val
	vals := make([]val, len(keys))
	for j, k := range keys {
		vals[j] = eg.compile(k)
		null.null = union(null.null, vals[j].null)
	}
	var key Code
	if len(keys) == 1 {
		key = toKey(keys[0].Type(), vals[0].v)
	} else {
		d := Dict{}
		for j, v := range vals {
			d[Id("K"+strconv.Itoa(j))] = toKey(keys[j].Type(), v.v)
		}
		key = Id(g.id("JoinKey")).Values(d)
	}
	isNull := Code(False())
	if null.nullable() {
		isNull = null.isNull()
	}
	eg.emit(Return(key, isNull))
	g.f.Commentf("%sKey is the join key of a record of the %s stream, and whether it is NULL.", sides[i], sides[i])
	g.f.Func().Params(Id("q").Op("*").Id(g.id("Query"))).Id(sides[i]+"Key").
		Params(Id("r").Op("*").Id(g.inputs[i].typ)).Params(g.joinKeyType(), Bool()).Block(eg.b.stmts...)
}

// symmetricJoin generates the join's part of Finish: the batch's records of each side in
// arrival order; a left record joins the right state and is stored, then a right record
// joins the left state (which holds this batch's left records too) and is stored, so each
// pair is emitted once. perPair (the residual conditions, the filters and the projection
// after the join) becomes the method emit.
func (g *queryGen) symmetricJoin(perPair []physical.Operator) []Code {
	sj := g.q.StreamJoin
	g.declareJoinKey()
	g.joinKeyMethod(0, sj.LeftKeys)
	g.joinKeyMethod(1, sj.RightKeys)
	var filters, cols []plan.Expr
	for _, op := range perPair {
		switch op := op.(type) {
		case *physical.Filter:
			filters = append(filters, op.Cond)
		case *physical.Project:
			cols = op.Exprs
		}
	}
	g.emitErr = failingCalls(append(append([]plan.Expr{}, filters...), cols...), g.q.StrictCast)
	g.pairMethod(filters, cols)
	emit := func(l, r Code) Code {
		call := Id("q").Dot("emit").Call(Id("out"), l, r)
		if g.emitErr {
			return If(List(Id("out"), Err()).Op("=").Add(call), Err().Op("!=").Nil()).Block(Return(Nil(), Err()))
		}
		return Id("out").Op("=").Add(call)
	}
	body := []Code{Var().Id("out").Id(g.id("Rows"))}
	if g.emitErr {
		body = append(body, Var().Err().Error())
	}
	for i, side := range sides {
		other := sides[1-i]
		segs := Id(side + "Segs")
		rec := Id("r")
		pair := emit(Op("&").Add(rec), Op("&").Id(other+"s").Index(Id("j")))
		if i == 1 {
			pair = emit(Op("&").Id(other+"s").Index(Id("j")), Op("&").Add(rec))
		}
		body = append(body,
			segs.Clone().Op(":=").Make(Index().Op("*").Qual(pkgRT, "Segments").Types(Id(g.inputs[i].typ)), Len(Id("workers"))),
			For(List(Id("i"), Id("w")).Op(":=").Range().Id("workers")).Block(
				segs.Clone().Index(Id("i")).Op("=").Op("&").Id("w").Assert(Op("*").Id(g.id("Worker"))).Dot(side)),
			For(List(Id("_"), rec).Op(":=").Range().Qual(pkgRT, "InOrder").Call(segs)).Block(
				List(Id("k"), Id("null")).Op(":=").Id("q").Dot(side+"Key").Call(Op("&").Add(rec)),
				If(Id("null")).Block(Continue()),
				Id(other+"s").Op(":=").Id("q").Dot(other).Index(Id("k")),
				For(Id("j").Op(":=").Range().Id(other+"s")).Block(pair),
				Id("q").Dot(side).Index(Id("k")).Op("=").Append(Id("q").Dot(side).Index(Id("k")), rec),
			),
		)
	}
	return body
}

// pairMethod generates emit(out, l, r): the output row of a joined pair, unless a condition
// rejects it.
func (g *queryGen) pairMethod(filters, cols []plan.Expr) {
	g.base = append(g.sideFields(0, Id("l")), g.sideFields(1, Id("r"))...)
	g.emitFunc("emit appends the output row of a joined pair, unless a condition rejects it.",
		[]Code{Id("l").Op("*").Id(g.inputs[0].typ), Id("r").Op("*").Id(g.inputs[1].typ)}, filters, cols)
}
