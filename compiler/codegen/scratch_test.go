package codegen

import (
	"os"
	"testing"

	"github.com/sqlstream/sqlstream/compiler/plan"
	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

func TestScratch(t *testing.T) {
	src := &plan.Source{Name: "lines", Connector: "files", Format: "text", Options: map[string]string{"path": "/tmp/x"},
		Columns: []plan.Column{{Name: "value", Type: sqltype.String}}}
	length := &plan.Call{Name: "length", Args: []plan.Expr{&plan.ColRef{Idx: 0, Name: "value", T: sqltype.String}}, T: sqltype.Int}
	q := &plan.Query{Name: "out", Source: src, Sink: &plan.Sink{Name: "out", Connector: "console"},
		Agg: &plan.Aggregate{Keys: []plan.Expr{length}, KeyCols: []plan.Column{{Name: "len", Type: sqltype.Int}},
			Aggs: []*plan.AggCall{{Func: plan.CountStar, Type: sqltype.BigInt}}},
		Post:   []plan.Step{&plan.Project{Exprs: []plan.Expr{&plan.ColRef{Idx: 0, Name: "len", T: sqltype.Int}, &plan.ColRef{Idx: 1, Name: "agg0", T: sqltype.BigInt}}, Columns: []plan.Column{{Name: "len", Type: sqltype.Int}, {Name: "count", Type: sqltype.BigInt}}}},
		Output: []plan.Column{{Name: "len", Type: sqltype.Int}, {Name: "count", Type: sqltype.BigInt}},
		Limit:  -1, Mode: plan.Update}
	b, err := Generate(&plan.Program{Queries: []*plan.Query{q}}, "x.sql")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("/tmp/cg/main.go", b, 0o644)
}
