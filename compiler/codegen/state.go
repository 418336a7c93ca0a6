package codegen

import (
	"fmt"
	"strconv"
	"strings"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

// stateField is one field of a state struct: its Go type follows from its kind, and so does
// how a checkpoint snapshot writes it. kind names the rt.StateEncoder method for a scalar
// (Bool, Int32, Int64, Float64, String), or is "set <kind>" (a COUNT(DISTINCT) set), HLL,
// Moments or Pos; doc is the field's comment.
type stateField struct {
	name string
	kind string
	doc  string
}

// kindType is the Go type of a field of that kind.
func kindType(kind string) *Statement {
	switch kind {
	case "Bool":
		return Bool()
	case "Int32":
		return Int32()
	case "Int64":
		return Int64()
	case "Float64":
		return Float64()
	case "String":
		return String()
	case "DoubleKey":
		return Uint64() // sqlfn.DoubleKey bits: see keyKind
	case "Mark":
		return Uint32() // rt.BatchMark: see accType
	case "HLL", "Moments", "Pos":
		return Qual(pkgSQLFn, kind)
	case "Watermarks":
		return Op("*").Qual(pkgRT, kind)
	}
	return Map(kindType(strings.TrimPrefix(kind, "set "))).Struct()
}

// kindAlign is the alignment of a field of that kind, to order a struct's fields by.
func kindAlign(kind string) int {
	switch kind {
	case "Bool":
		return 1
	case "Int32", "Mark":
		return 4
	}
	return 8
}

// stateKind is the kind of a value of SQL type t: what goType is made from.
func stateKind(t sqltype.Type) string {
	switch t {
	case sqltype.Boolean:
		return "Bool"
	case sqltype.Int, sqltype.Date:
		return "Int32"
	case sqltype.BigInt, sqltype.Timestamp, sqltype.Interval, sqltype.Window:
		return "Int64"
	case sqltype.Double:
		return "Float64"
	}
	return "String"
}

// keyKind is stateKind for a value in a group key, a DISTINCT key or a COUNT(DISTINCT) set:
// a DOUBLE is held as its sqlfn.DoubleKey bits there, so that Go's == on keys groups every
// NaN together and -0.0 with 0.0, as Spark does.
func keyKind(t sqltype.Type) string {
	if t == sqltype.Double {
		return "DoubleKey"
	}
	return stateKind(t)
}

// keyState is columnState for the fields of a key struct (see keyKind).
func keyState(names []string, cols []plan.Column) []stateField {
	fs := columnState(names, cols)
	for i := range fs {
		if fs[i].kind == "Float64" {
			fs[i].kind = "DoubleKey"
		}
	}
	return fs
}

// toKey is the key form of a value v of type t; fromKey is the value of a key field.
func toKey(t sqltype.Type, v Code) Code {
	if t == sqltype.Double {
		return Qual(pkgSQLFn, "DoubleKey").Call(v)
	}
	return v
}

func fromKey(t sqltype.Type, v Code) Code {
	if t == sqltype.Double {
		return Qual(pkgSQLFn, "KeyDouble").Call(v)
	}
	return v
}

// layoutKind is how the checkpoint's compatibility check names a kind: a DoubleKey is written
// as the Float64 it holds, so a snapshot from before keys were normalised still loads.
func layoutKind(kind string) string {
	if kind == "Mark" {
		return "Int64" // as a snapshot has always held it
	}
	return strings.ReplaceAll(kind, "DoubleKey", "Float64")
}

// columnState lists the fields of a struct of columns: one per column, and a <Name>Null flag
// for the nullable ones.
func columnState(names []string, cols []plan.Column) []stateField {
	var fs []stateField
	for i, c := range cols {
		fs = append(fs, stateField{names[i], stateKind(c.Type), ""})
		if c.Nullable {
			fs = append(fs, stateField{names[i] + "Null", "Bool", ""})
		}
	}
	return fs
}

// fieldRef is field f of recv, or recv itself for a field without a name (a join's key of
// one column).
func fieldRef(recv string, f stateField) *Statement {
	if f.name == "" {
		return Id(recv)
	}
	return Id(recv).Dot(f.name)
}

// saveField writes field f of recv.
func saveField(recv string, f stateField) Code {
	x := fieldRef(recv, f)
	switch {
	case strings.HasPrefix(f.kind, "set "):
		return Block(
			Id("e").Dot("Len").Call(Len(x)),
			For(Id("v").Op(":=").Range().Add(x)).Block(encode(strings.TrimPrefix(f.kind, "set "), Id("v"))))
	case f.kind == "HLL":
		return Id("e").Dot("Raw").Call(x.Clone().Dot("Registers").Call())
	case f.kind == "Watermarks":
		return x.Clone().Dot("Save").Call(Id("e"))
	case f.kind == "Pos":
		return Block(Id("e").Dot("Int64").Call(x.Clone().Dot("Batch")), Id("e").Dot("Int64").Call(x.Clone().Dot("Row")))
	case f.kind == "Moments":
		return Block(Id("e").Dot("Int64").Call(x.Clone().Dot("N")), Id("e").Dot("Float64").Call(x.Clone().Dot("Mean")),
			Id("e").Dot("Float64").Call(x.Clone().Dot("M2")))
	}
	return encode(f.kind, x)
}

// encode writes a scalar x of kind.
func encode(kind string, x Code) Code {
	switch kind {
	case "DoubleKey":
		return Id("e").Dot("Float64").Call(Qual(pkgSQLFn, "KeyDouble").Call(x))
	case "Mark":
		return Id("e").Dot("Int64").Call(Int64().Call(x))
	}
	return Id("e").Dot(kind).Call(x)
}

// decode reads a scalar of kind.
func decode(kind string) Code {
	if kind == "DoubleKey" {
		return Qual(pkgSQLFn, "DoubleKey").Call(Id("d").Dot("Float64").Call())
	}
	return Id("d").Dot(kind).Call()
}

// loadField reads field f of recv back; sets must have been allocated.
func loadField(recv string, f stateField) []Code {
	x := fieldRef(recv, f)
	switch {
	case strings.HasPrefix(f.kind, "set "):
		return []Code{For(Range().Id("d").Dot("Len").Call()).Block(
			x.Clone().Index(decode(strings.TrimPrefix(f.kind, "set "))).Op("=").Struct().Values())}
	case f.kind == "HLL":
		return []Code{If(Err().Op(":=").Add(x.Clone().Dot("SetRegisters").Call(Id("d").Dot("Raw").Call())), Err().Op("!=").Nil()).Block(Return(Err()))}
	case f.kind == "Watermarks":
		return []Code{If(Err().Op(":=").Add(x.Clone().Dot("Load").Call(Id("d"))), Err().Op("!=").Nil()).Block(Return(Err()))}
	case f.kind == "Pos":
		return []Code{
			x.Clone().Dot("Batch").Op("=").Id("d").Dot("Int64").Call(),
			x.Clone().Dot("Row").Op("=").Id("d").Dot("Int64").Call(),
		}
	case f.kind == "Mark":
		return []Code{Id("d").Dot("Int64").Call().Comment("the mark: a restored group has none, as no batch since changed it")}
	case f.kind == "Mark":
		return []Code{Id("d").Dot("Int64").Call().Comment("the mark: a restored group has none, as no batch since changed it")}
	case f.kind == "Moments":
		return []Code{
			x.Clone().Dot("N").Op("=").Id("d").Dot("Int64").Call(),
			x.Clone().Dot("Mean").Op("=").Id("d").Dot("Float64").Call(),
			x.Clone().Dot("M2").Op("=").Id("d").Dot("Float64").Call(),
		}
	}
	return []Code{x.Op("=").Add(decode(f.kind))}
}

// queryState lists the query struct's own state fields (the groups aside), which queryType
// declares.
func (g *queryGen) queryState() []stateField {
	var fs []stateField
	if g.q.Limit >= 0 && g.q.Mode == plan.Append && g.q.Agg == nil {
		fs = append(fs, stateField{"emitted", "Int64", "rows emitted so far, for LIMIT"})
	}
	switch {
	case g.watermarks():
		fs = append(fs, stateField{"wm", "Watermarks", "the sources' largest event times, combined into the watermark"},
			stateField{"watermark", "Int64", "the watermark of the batch running, from the batches before it"})
		if g.chained() {
			// Spark 3.4's watermark for late events: a pair the join emits now may be older
			// than this batch's watermark, but its group is still in state if the batch
			// before did not finalise it.
			fs = append(fs, stateField{"lastWatermark", "Int64", "the watermark of the batch before: the aggregation over the join drops rows by it"})
		}
	case g.timed && g.staged():
		fs = append(fs, stateField{"watermark", "Int64", "the watermark of the batch running, the chain's first stage's"},
			stateField{"lastWatermark", "Int64", "the watermark of the batch before, by which rows are late"})
	case g.timed:
		fs = append(fs, stateField{"maxEvent", "Int64", "the largest event time seen"},
			stateField{"watermark", "Int64", "the watermark of the batch running: maxEvent of the earlier ones minus the delay"})
	}
	return fs
}

// stateLayout describes the query's snapshot for the checkpoint's compatibility check, ""
// for a stateless query: the physical operators' state schemas (key and value types, as
// Spark checks them, so that an expression changed with the same types keeps its state) and
// the kind of every field the snapshot holds, so that a snapshot that would not load is
// refused too. Field names are positional (n0, s1): a renamed column keeps its state.
func (g *queryGen) stateLayout() string {
	var parts []string
	for _, s := range g.phys.States() {
		parts = append(parts, s.String())
	}
	var fields []string
	for _, f := range g.queryState() {
		fields = append(fields, f.name+" "+f.kind)
	}
	kinds := func(fs []stateField) string {
		var ks []string
		for _, f := range fs {
			ks = append(ks, layoutKind(f.kind))
		}
		return strings.Join(ks, ", ")
	}
	if g.q.Agg != nil {
		var acc []string
		for _, f := range g.accState {
			acc = append(acc, f.name+" "+layoutKind(f.kind))
		}
		fields = append(fields, fmt.Sprintf("key (%s)", kinds(keyState(g.keyNms, g.q.Agg.KeyCols))),
			fmt.Sprintf("acc (%s)", strings.Join(acc, ", ")))
	}
	if g.q.Dedup != nil {
		fields = append(fields, fmt.Sprintf("seen (%s)", kinds(keyState(g.keyNms, g.keyCols))))
	}
	if g.q.StreamJoin != nil {
		for i, side := range sides {
			fields = append(fields, fmt.Sprintf("%s (key (%s); row (%s); Bool; Int64)", side, kinds(g.joinKeyState()), kinds(g.sideState(i))))
		}
	}
	if len(fields) == 0 {
		return ""
	}
	return strings.Join(append(parts, "fields "+strings.Join(fields, "; ")), "; ")
}

// stateful reports whether the query has state to checkpoint.
func (g *queryGen) stateful() bool {
	return len(g.queryState()) > 0 || g.q.Agg != nil || g.q.Dedup != nil || g.q.StreamJoin != nil
}

// stateMethods generates SaveState and LoadState (rt.StatefulQuery) for a query with state.
func (g *queryGen) stateMethods() {
	if !g.stateful() {
		return
	}
	own := g.queryState()
	var save, load []Code
	for _, f := range own {
		save = append(save, saveField("q", f))
		load = append(load, loadField("q", f)...)
	}
	if g.q.Agg != nil {
		keyType := g.id("Key")
		var saveGroup, loadGroup []Code
		loadGroup = append(loadGroup, Var().Id("k").Id(keyType))
		for _, f := range keyState(g.keyNms, g.q.Agg.KeyCols) {
			saveGroup = append(saveGroup, saveField("k", f))
			loadGroup = append(loadGroup, loadField("k", f)...)
		}
		loadGroup = append(loadGroup, Id("a").Op(":=").Id("q").Dot("groups").Dot("Add").Call(Id("k"), g.newAcc().Call()))
		for _, f := range g.accState {
			saveGroup = append(saveGroup, saveField("a", f))
			loadGroup = append(loadGroup, loadField("a", f)...)
		}
		k := Id("k")
		if len(g.q.Agg.KeyCols) == 0 {
			k = Id("_") // a global aggregation has one group, with an empty key
		}
		save = append(save,
			Id("e").Dot("Len").Call(groupsLen()),
			For(List(k, Id("a")).Op(":=").Range().Add(allGroups())).Block(saveGroup...))
		load = append(load,
			Id("n").Op(":=").Id("d").Dot("Len").Call(),
			Id("q").Dot("groups").Dot("Reset").Call(Id("n")),
			For(Range().Id("n")).Block(loadGroup...))
	}
	if g.q.Dedup != nil {
		var saveKey, loadKey []Code
		loadKey = append(loadKey, Var().Id("k").Id(g.id("Key")))
		for _, f := range keyState(g.keyNms, g.keyCols) {
			saveKey = append(saveKey, saveField("k", f))
			loadKey = append(loadKey, loadField("k", f)...)
		}
		loadKey = append(loadKey, Id("q").Dot("seen").Index(Id("k")).Op("=").Struct().Values())
		save = append(save,
			Id("e").Dot("Len").Call(Len(Id("q").Dot("seen"))),
			For(Id("k").Op(":=").Range().Id("q").Dot("seen")).Block(saveKey...))
		load = append(load,
			Id("n").Op(":=").Id("d").Dot("Len").Call(),
			Id("q").Dot("seen").Op("=").Make(Map(Id(g.id("Key"))).Struct(), Id("n")),
			For(Range().Id("n")).Block(loadKey...))
	}
	if g.q.StreamJoin != nil {
		s, l := g.joinState()
		save, load = append(save, s...), append(load, l...)
	}
	load = append(load, Return(Id("d").Dot("Err").Call()))
	qt := Op("*").Id(g.id("Query"))
	g.f.Comment("SaveState writes the query's state to a checkpoint snapshot.")
	g.f.Func().Params(Id("q").Add(qt)).Id("SaveState").Params(Id("e").Op("*").Qual(pkgRT, "StateEncoder")).Block(save...)
	g.f.Line()
	g.f.Comment("LoadState replaces the query's state with a snapshot written by SaveState.")
	g.f.Func().Params(Id("q").Add(qt)).Id("LoadState").Params(Id("d").Op("*").Qual(pkgRT, "StateDecoder")).Error().Block(load...)
	g.f.Line()
	n := Lit(0) // counters only (LIMIT, the watermark): no rows
	switch {
	case g.q.Dedup != nil && g.q.StreamJoin != nil:
		n = Len(Id("q").Dot("seen")).Op("+").Id("q").Dot("left").Dot("Len").Call().Op("+").Id("q").Dot("right").Dot("Len").Call()
	case g.q.Agg != nil && g.q.StreamJoin != nil:
		n = groupsLen().Op("+").Id("q").Dot("left").Dot("Len").Call().Op("+").Id("q").Dot("right").Dot("Len").Call()
	case g.q.Agg != nil && g.q.Dedup != nil:
		n = groupsLen().Op("+").Len(Id("q").Dot("seen"))
	case g.q.Agg != nil:
		n = groupsLen()
	case g.q.Dedup != nil:
		n = Len(Id("q").Dot("seen"))
	case g.q.StreamJoin != nil:
		n = Id("q").Dot("left").Dot("Len").Call().Op("+").Id("q").Dot("right").Dot("Len").Call()
	}
	g.f.Comment("StateRows is the number of groups or keys in the state, as a checkpoint records it.")
	g.f.Func().Params(Id("q").Add(qt)).Id("StateRows").Params().Int().Block(Return(n))
	if g.countsState() {
		g.f.Line()
		g.f.Comment("StateChanges reports the state rows the last batch wrote and the ones the watermark evicted.")
		g.f.Func().Params(Id("q").Add(qt)).Id("StateChanges").Params().Params(List(Id("updated"), Id("removed")).Int64()).Block(
			Return(Id("q").Dot("updated"), Id("q").Dot("removed")))
	}
}

// joinKeyState lists the fields of a join key: K0, K1... of a struct, or the key itself
// ("k") when there is one.
func (g *queryGen) joinKeyState() []stateField {
	keys := g.q.StreamJoin.LeftKeys
	if len(keys) == 1 {
		return []stateField{{name: "", kind: keyKind(keys[0].Type())}}
	}
	fs := make([]stateField, len(keys))
	for i, k := range keys {
		fs[i] = stateField{name: "K" + strconv.Itoa(i), kind: keyKind(k.Type())}
	}
	return fs
}

// sideState lists the fields of a record of side i.
func (g *queryGen) sideState(i int) []stateField {
	return columnState(g.inputs[i].names, g.inputs[i].src.Columns)
}

// joinState generates the snapshot of a join's two sides: per stored record its key, its
// fields, its matched flag and its expiry. Loading adds them back, which rebuilds the
// expiry heap.
func (g *queryGen) joinState() (save, load []Code) {
	for i, side := range sides {
		var saveRow, loadRow []Code
		loadRow = append(loadRow, Var().Id("k").Add(g.joinKeyType()), Var().Id("r").Id(g.inputs[i].typ))
		for _, f := range g.joinKeyState() {
			saveRow = append(saveRow, saveField("k", f))
			loadRow = append(loadRow, loadField("k", f)...)
		}
		for _, f := range g.sideState(i) {
			saveRow = append(saveRow, saveField("rows[i].Row", f))
			loadRow = append(loadRow, loadField("r", f)...)
		}
		saveRow = append(saveRow, Id("e").Dot("Bool").Call(Id("rows").Index(Id("i")).Dot("Matched")),
			Id("e").Dot("Int64").Call(Id("rows").Index(Id("i")).Dot("Expires")))
		loadRow = append(loadRow, Id("q").Dot(side).Dot("Add").Call(Id("k"), Id("r"), Id("d").Dot("Bool").Call(), Id("d").Dot("Int64").Call()))
		st := Id("q").Dot(side)
		save = append(save, Id("e").Dot("Len").Call(st.Clone().Dot("Len").Call()),
			st.Clone().Dot("All").Call(Func().Params(Id("k").Add(g.joinKeyType()), Id("rows").Index().Qual(pkgRT, "Joined").Types(Id(g.inputs[i].typ))).Block(
				For(Id("i").Op(":=").Range().Id("rows")).Block(saveRow...))))
		load = append(load, st.Clone().Op("=").Qual(pkgRT, "NewJoinSide").Types(g.joinKeyType(), Id(g.inputs[i].typ)).Call(),
			For(Range().Id("d").Dot("Len").Call()).Block(loadRow...))
	}
	return save, load
}

// countsState reports whether the query keeps rows in state (groups, deduplication keys):
// it then counts the rows each batch writes and evicts (rt.StateChangesQuery).
func (g *queryGen) countsState() bool { return g.q.Agg != nil || g.q.Dedup != nil }
