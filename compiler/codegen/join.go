package codegen

import (
	"slices"
	"strconv"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// joinGen generates one stream-static join: the table's row struct, the hash table its
// builder fills when the table is loaded, and the probe in the per-row loop.
type joinGen struct {
	g     *queryGen
	j     *plan.Join
	in    *input // the table's records, decoded by the builder
	table string // the built table's type
	field string // the query's and worker's field holding it
	n     string // suffix of the probe's locals: t1, rows1, ...
	// groups: the aggregation's keys are columns of this table (PartialAggregate.ByTable),
	// numbered per distinct key when the table is built
	groups *plan.Aggregate
	keys   []int // then the table column of each group key
}

// tables declares the types of the tables joined to input in.
func (g *queryGen) tables(in *input) {
	for i, j := range in.plan.Joins {
		base := exported(j.Table.Name)
		for n := 2; g.tableNames[base]; n++ {
			base = exported(j.Table.Name) + strconv.Itoa(n)
		}
		g.tableNames[base] = true
		jg := &joinGen{g: g, j: j, n: strconv.Itoa(i + 1), field: unexported(base), table: g.id(base + "Table")}
		jg.in = &input{src: j.Table, recv: "b", typ: g.id(base), names: fieldNames(colNames(j.Table.Columns)), decode: "decode"}
		in.joins = append(in.joins, jg)
		fields := structFields(jg.in.names, j.Table.Columns)
		if pa := g.partialAggregate(); pa != nil && pa.ByTable == j {
			jg.groups = g.q.Agg
			for _, k := range g.q.Agg.Keys {
				jg.keys = append(jg.keys, plan.Subst(k, g.phys.Inputs[in.idx].Cols).(*plan.ColRef).Idx-j.Offset)
			}
			fields = append(fields, Id("group").Int32().Comment("the number of its group key in the table's keys"))
		}

		g.f.Commentf("%s is one row of table %q.", jg.in.typ, j.Table.Name)
		g.f.Type().Id(jg.in.typ).Struct(fields...)
		if len(j.Right) > 1 {
			g.f.Commentf("%sKey is the join key of table %q.", jg.in.typ, j.Table.Name)
			g.f.Type().Id(jg.in.typ + "Key").Struct(jg.keyFields()...)
		}
		g.f.Commentf("%s is table %q as loaded, read by every worker and never changed: a reload builds a new one.", jg.table, j.Table.Name)
		tfields := []Code{Id("rows").Add(jg.rowsType()).Comment(jg.rowsDoc())}
		if jg.groups != nil {
			tfields = append(tfields, Id("keys").Index().Id(g.id("Key")).Comment("the distinct group keys of its rows, by number"))
		}
		g.f.Type().Id(jg.table).Struct(tfields...)
		if j.Kind == plan.LeftOuterJoin {
			g.f.Commentf("%sNone stands for the table's row when a stream row has no match: its columns are NULL.", jg.in.typ)
			g.f.Var().Id(jg.in.typ + "None").Id(jg.in.typ)
		}
	}
}

func (jg *joinGen) keyFields() []Code {
	var fs []Code
	for i, k := range jg.j.Right {
		fs = append(fs, Id("K"+strconv.Itoa(i)).Add(kindType(keyKind(k.Type()))))
	}
	return fs
}

// keyType is the Go type of the hash table's key.
func (jg *joinGen) keyType() Code {
	if len(jg.j.Right) == 1 {
		return kindType(keyKind(jg.j.Right[0].Type()))
	}
	return Id(jg.in.typ + "Key")
}

func (jg *joinGen) rowsType() Code {
	if len(jg.j.Right) == 0 {
		return Index().Id(jg.in.typ)
	}
	return Map(jg.keyType()).Index().Id(jg.in.typ)
}

func (jg *joinGen) rowsDoc() string {
	if len(jg.j.Right) == 0 {
		return "every row: the join has no equality key"
	}
	return "the rows of each join key; rows with a NULL key match nothing and are left out"
}

// key compiles the join key from keys (the stream's or the table's key expressions): the Go
// key, and a value that is NULL when a part of the key is.
func (jg *joinGen) key(eg *exprGen, keys []plan.Expr) (Code, val) {
	var null val
	vals := make([]val, len(keys))
	for i, k := range keys {
		vals[i] = eg.compile(k)
		null.null = union(null.null, vals[i].null)
	}
	if len(vals) == 1 {
		return toKey(keys[0].Type(), vals[0].v), null
	}
	d := Dict{}
	for i, v := range vals {
		d[Id("K"+strconv.Itoa(i))] = toKey(keys[i].Type(), v.v)
	}
	return Id(jg.in.typ + "Key").Values(d), null
}

// workerFields are the worker's fields for the join: the table of the batch, and a LEFT
// JOIN's buffer of matches.
func (jg *joinGen) workerFields() []Code {
	fs := []Code{Id(jg.field).Op("*").Id(jg.table)}
	if jg.j.Lookup {
		fs = []Code{
			Id(jg.field).Op("*").Qual(pkgRT, "LookupCache").Types(jg.keyType(), Id(jg.in.typ)),
			Id("look" + jg.n).Add(jg.rowsType()).Comment("the rows of the batch's keys so far, from the cache or fetched"),
			Id("keys" + jg.n).Index().Add(jg.keyType()).Comment("a chunk's keys new to the batch"),
		}
	}
	if jg.groups != nil {
		fs = append(fs, Id("accs").Index().Op("*").Id(jg.g.id("Acc")).Comment("the batch's groups, by the number of their key in the table"),
			Id("touched").Index().Int32().Comment("the numbers of the groups in accs"))
	}
	if jg.j.Kind == plan.LeftOuterJoin {
		fs = append(fs, Id("hits"+jg.n).Index().Op("*").Id(jg.in.typ))
	}
	return fs
}

// columns are the Go forms of the table's columns in the probe loop: fields of the matching
// row t<n>, NULL too when a LEFT JOIN found no match.
func (jg *joinGen) columns() []val {
	vals := make([]val, len(jg.j.Table.Columns))
	for i, c := range jg.j.Table.Columns {
		vals[i] = fieldVal(Id("t"+jg.n), jg.in.names[i], c)
		if jg.j.Kind == plan.LeftOuterJoin {
			vals[i].null = union(one(Id("miss"+jg.n)), vals[i].null)
		}
	}
	return vals
}

// probe emits the lookup of the stream row in the table and runs rest once per joined row
// (per match, once with NULLs for a LEFT JOIN without one, once for a semi or anti join
// that keeps the row).
func (jg *joinGen) probe(eg *exprGen, rest func()) {
	j, n := jg.j, jg.n
	rows, t := Id("rows"+n), Id("t"+n)
	table := Id("w").Dot(jg.field).Dot("rows")
	if j.Lookup {
		table = Id("w").Dot("look" + n)
	}
	if len(j.Left) == 0 {
		eg.emit(rows.Clone().Op(":=").Add(table))
	} else {
		key, null := jg.key(eg, j.Left)
		if null.nullable() {
			eg.emit(Var().Add(rows).Index().Id(jg.in.typ),
				If(not(null.isNull())).Block(rows.Clone().Op("=").Add(table).Index(key)))
		} else {
			eg.emit(rows.Clone().Op(":=").Add(table).Index(key))
		}
	}
	match := func(body func()) []Code { // the loop over candidates, with the residual conditions
		return []Code{For(Id("i" + n).Op(":=").Range().Add(rows)).Block(eg.sub(func() {
			eg.emit(t.Clone().Op(":=").Op("&").Add(rows).Index(Id("i" + n)))
			if j.Kind == plan.LeftOuterJoin {
				// A candidate is a row of the table: its columns are not the NULLs of a miss.
				cols := jg.g.base[j.Offset : j.Offset+len(j.Table.Columns)]
				saved := slices.Clone(cols)
				for i, c := range j.Table.Columns {
					cols[i] = fieldVal(t, jg.in.names[i], c)
				}
				defer copy(cols, saved)
			}
			jg.g.filterStmts(eg, j.Residual)
			body()
		})...)}
	}
	switch j.Kind {
	case plan.InnerJoin:
		eg.emit(match(rest)...)
	case plan.LeftOuterJoin:
		hits, miss := Id("hits"+n), Id("miss"+n)
		eg.emit(hits.Clone().Op(":=").Id("w").Dot("hits"+n).Index(Empty(), Lit(0)))
		eg.emit(match(func() { eg.emit(hits.Clone().Op("=").Append(hits, t)) })...)
		eg.emit(
			miss.Clone().Op(":=").Len(hits).Op("==").Lit(0),
			If(miss).Block(hits.Clone().Op("=").Append(hits, Op("&").Id(jg.in.typ+"None"))),
			Id("w").Dot("hits"+n).Op("=").Add(hits),
			For(List(Id("_"), t).Op(":=").Range().Add(hits)).Block(eg.sub(rest)...),
		)
	case plan.LeftSemiJoin, plan.LeftAntiJoin:
		found := Id("found" + n)
		if len(j.Residual) == 0 {
			eg.emit(found.Clone().Op(":=").Len(rows).Op(">").Lit(0))
		} else {
			eg.emit(Var().Add(found).Bool())
			eg.emit(match(func() { eg.emit(found.Clone().Op("=").True(), Break()) })...)
		}
		if j.Kind == plan.LeftSemiJoin {
			eg.emit(If(not(found)).Block(Continue()))
		} else {
			eg.emit(If(found).Block(Continue()))
		}
		rest()
	}
}

// builders generates each table's builder: rt.TableBuilder decoding the table's records
// into a new hash table, which Done hands to the query.
func (g *queryGen) builders() {
	for _, in := range g.inputs {
		for _, jg := range in.joins {
			jg.builder()
		}
	}
}

func (jg *joinGen) builder() {
	g, j := jg.g, jg.j
	name := jg.in.typ + "Builder"
	fields := append([]Code{
		Id("q").Op("*").Id(g.id("Query")),
		Id("rec").Op("*").Qual(pkgRT, "RecordErrors"),
		Id("t").Op("*").Id(jg.table),
	}, jg.in.buffers()...)
	if jg.groups != nil {
		fields = append(fields, Id("groups").Map(Id(g.id("Key"))).Int32().Comment("the number of each group key"))
	}
	g.f.Commentf("%s builds table %q from its records when it is loaded.", name, j.Table.Name)
	g.f.Type().Id(name).Struct(fields...)
	g.decoder(jg.in, name)

	saved := g.base
	g.base = make([]val, len(j.Table.Columns))
	for i, c := range j.Table.Columns {
		g.base[i] = fieldVal(Id("in"), jg.in.names[i], c)
	}
	eg := g.newExprGen(append(append([]plan.Expr{}, j.Build...), j.Right...)...)
	eg.onErr = badRecordOf(jg.in, Id("b").Dot("rec"), false)
	g.filterStmts(eg, j.Build)
	// The table outlives the chunk its strings were decoded from.
	for i, c := range j.Table.Columns {
		if kindType(stateKind(c.Type)).GoString() == String().GoString() {
			f := Id("in").Dot(jg.in.names[i])
			eg.emit(f.Clone().Op("=").Qual("strings", "Clone").Call(f))
		}
	}
	if jg.groups != nil {
		keyVals := make([]val, len(jg.keys))
		for i, c := range jg.keys {
			keyVals[i] = g.base[c]
		}
		t := Id("b").Dot("t")
		eg.emit(g.groupKey("gk", keyVals)...)
		eg.emit(
			List(Id("n"), Id("ok")).Op(":=").Id("b").Dot("groups").Index(Id("gk")),
			If(Op("!").Id("ok")).Block(
				Id("n").Op("=").Int32().Call(Len(t.Clone().Dot("keys"))),
				Id("b").Dot("groups").Index(Id("gk")).Op("=").Id("n"),
				t.Clone().Dot("keys").Op("=").Append(t.Clone().Dot("keys"), Id("gk"))),
			Id("in").Dot("group").Op("=").Id("n"))
	}
	rows := Id("b").Dot("t").Dot("rows")
	if len(j.Right) == 0 {
		eg.emit(rows.Clone().Op("=").Append(rows, Id("in")))
	} else {
		key, null := jg.key(eg, j.Right)
		if null.nullable() {
			eg.emit(If(null.isNull()).Block(Continue()))
		}
		eg.emit(Id("k").Op(":=").Add(key), rows.Clone().Index(Id("k")).Op("=").Append(rows.Clone().Index(Id("k")), Id("in")))
	}
	g.base = saved

	g.f.Comment("Add decodes a chunk of the table's records into the table being built.")
	g.f.Func().Params(Id("b").Op("*").Id(name)).Id("Add").Params(Id("c").Op("*").Qual(pkgRT, "Chunk")).Error().Block(
		append(g.loop(jg.in, eg.b.stmts), Return(Nil()))...)
	if j.Lookup {
		jg.lookup()
		return
	}
	g.f.Comment("Done hands the built table to the query: the workers of the next batch read it.")
	g.f.Func().Params(Id("b").Op("*").Id(name)).Id("Done").Params().Error().Block(
		Id("b").Dot("q").Dot(jg.field).Dot("Store").Call(Id("b").Dot("t")),
		Return(Nil()),
	)
}

// spec is the table's rt.TableSpec in the query's spec.
func (jg *joinGen) spec() Code {
	t := jg.j.Table
	name := jg.in.typ + "Builder"
	built := Op("&").Id(jg.table).Values()
	if len(jg.j.Right) > 0 {
		built = Op("&").Id(jg.table).Values(Dict{Id("rows"): Add(jg.rowsType()).Values()})
	}
	init := Dict{Id("q"): Id("q").Assert(Op("*").Id(jg.g.id("Query"))), Id("rec"): Id("rec"), Id("t"): built}
	if jg.groups != nil {
		init[Id("groups")] = Map(Id(jg.g.id("Key"))).Int32().Values()
	}
	if jg.j.Lookup {
		return Values(lines(
			kv("Name", Lit(t.Name)),
			kv("Source", inputEndpoint(t, nil)),
			kv("Format", Lit(t.Format)),
			kv("OpenLookup", Qual(connectorPkg(connector.Source, t.Connector, t.Options), "OpenLookup")),
			kv("Attach", jg.attach(init)),
		)...)
	}
	return Values(lines(
		kv("Name", Lit(t.Name)),
		kv("Source", inputEndpoint(t, nil)),
		kv("Format", Lit(t.Format)),
		kv("OpenSource", Qual(connectorPkg(connector.Source, t.Connector, t.Options), "OpenSource")),
		kv("New", Func().Params(Id("q").Qual(pkgRT, "Query"), Id("rec").Op("*").Qual(pkgRT, "RecordErrors")).Qual(pkgRT, "TableBuilder").Block(
			Return(Op("&").Id(name).Values(init)))),
	)...)
}

// queryField is the query's field holding the table: the version last loaded, or a lookup
// table's cache.
func (jg *joinGen) queryField() Code {
	if jg.j.Lookup {
		return Id(jg.field).Op("*").Qual(pkgRT, "LookupCache").Types(jg.keyType(), Id(jg.in.typ)).Comment("the rows of the keys looked up lately")
	}
	return Id(jg.field).Qual("sync/atomic", "Pointer").Types(Id(jg.table)).Comment("the table as last loaded")
}

func (jg *joinGen) lookupMethod() string { return "lookup" + exported(jg.field) }

// lookup generates the worker's pass over a chunk before its fused loop, for a lookup
// join: decode each record's key columns, compute its key, collect the keys the worker has
// not met yet in this batch, and get their rows from the cache, which fetches those it
// misses in one query. The fused loop then probes w.look<n>, which keeps the batch's keys
// (a worker lives for one batch): a key is asked of the shared cache once per worker and
// batch, not once per chunk. A record the pass cannot decode or key is skipped here and
// reported by the loop, which meets it again.
func (jg *joinGen) lookup() {
	g, j, n := jg.g, jg.j, jg.n
	in := g.inputs[0]
	for _, i := range g.inputs {
		if slices.Contains(i.joins, jg) {
			in = i
		}
	}
	saved := g.base
	g.base = make([]val, len(in.names))
	for i, c := range in.plan.Scan() {
		g.base[i] = fieldVal(Id("in"), in.names[i], c)
	}
	eg := g.newExprGen(j.Left...)
	eg.onErr, eg.patterns = func(Code) []Code { return []Code{Continue()} }, Id("w").Dot("patterns")
	key, null := jg.key(eg, j.Left)
	if null.nullable() {
		eg.emit(If(null.isNull()).Block(Continue()))
	}
	look, keys := Id("w").Dot("look"+n), Id("keys")
	var keep []Code
	if kindType(keyKind(j.Left[0].Type())).GoString() == String().GoString() {
		// The cache outlives the chunk the key is a view of.
		keep = append(keep, Id("k").Op("=").Qual("strings", "Clone").Call(Id("k")))
	}
	eg.emit(
		Id("k").Op(":=").Add(key),
		If(List(Id("_"), Id("ok")).Op(":=").Add(look).Index(Id("k")), Op("!").Id("ok")).Block(append(keep,
			look.Clone().Index(Id("k")).Op("=").Nil(),
			keys.Clone().Op("=").Append(keys, Id("k")))...),
	)
	g.base = saved
	// The pass parses only the key's columns (and the NOT NULL ones, which a record must have).
	keyIn := *in
	keyIn.decode = "decode" + exported(jg.field) + "Key"
	keyIn.read = make([]bool, len(in.src.Columns))
	plan.Walk(j.Left[0], func(e plan.Expr) {
		if r, ok := e.(*plan.ColRef); ok && r.Idx < len(keyIn.read) {
			keyIn.read[r.Idx] = true
		}
	})
	g.decoder(&keyIn, g.id("Worker"))
	g.f.Commentf("%s gets the rows of the chunk's keys of lookup table %q, fetching those not cached in one query.", jg.lookupMethod(), j.Table.Name)
	g.f.Func().Params(Id("w").Op("*").Id(g.id("Worker"))).Id(jg.lookupMethod()).Params(Id("c").Op("*").Qual(pkgRT, "Chunk")).Error().Block(
		keys.Clone().Op(":=").Id("w").Dot("keys"+n).Index(Empty(), Lit(0)),
		For(Id("data").Op(":=").Id("c").Dot("Data"), Len(Id("data")).Op(">").Lit(0), Empty()).Block(append([]Code{
			Var().Id("rec").Index().Byte(),
			List(Id("rec"), Id("data")).Op("=").Qual(pkgRT, "NextLine").Call(Id("data")),
			Var().Id("in").Id(in.typ),
			If(Id(in.recv).Dot(keyIn.decode).Call(Op("&").Id("in"), Id("rec")).Op("!=").Lit("")).Block(Continue()),
		}, eg.b.stmts...)...),
		Id("w").Dot("keys"+n).Op("=").Add(keys),
		Return(Id("w").Dot(jg.field).Dot("Get").Call(keys, look)),
	)
}

// attach is a lookup table's rt.TableSpec.Attach: the query's cache, whose misses a builder
// decodes from the records the lookup returns.
func (jg *joinGen) attach(init Dict) Code {
	q := Id("q").Assert(Op("*").Id(jg.g.id("Query")))
	return Func().Params(Id("q").Qual(pkgRT, "Query"), Id("l").Qual(pkgRT, "Lookup"), Id("rec").Op("*").Qual(pkgRT, "RecordErrors"), Id("opts").Qual(pkgRT, "LookupOptions")).Block(
		q.Clone().Dot(jg.field).Op("=").Qual(pkgRT, "NewLookupCache").Call(Id("opts"),
			Func().Params(Id("keys").Index().Add(jg.keyType())).Params(jg.rowsType(), Error()).Block(
				Id("b").Op(":=").Op("&").Id(jg.in.typ+"Builder").Values(init),
				Err().Op(":=").Id("l").Dot("Lookup").Call(Qual("context", "Background").Call(), Qual(pkgRT, "LookupArgs").Call(Id("keys")), Id("b").Dot("Add")),
				Return(Id("b").Dot("t").Dot("rows"), Err()),
			)),
	)
}
