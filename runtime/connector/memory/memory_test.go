package memory

import (
	"context"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type rows []int64

func (r rows) Len() int                            { return len(r) }
func (r rows) AppendJSON(dst []byte, i int) []byte { return dst }
func (r rows) AppendCSV(dst []byte, i int) []byte  { return dst }
func (r rows) Cell(i, j int) string                { return "" }
func (r rows) Value(i, j int) any                  { return r[i] }

func TestAppendKeepsEverythingCompleteKeepsTheLastBatch(t *testing.T) {
	cols := []rt.Column{{Name: "n", Type: "BIGINT"}}
	ctx := context.Background()
	for _, c := range []struct {
		mode rt.OutputMode
		want int
	}{{rt.Append, 3}, {rt.Complete, 1}} {
		s, _ := OpenSink(ctx, rt.Endpoint{Name: "t" + c.mode.String(), Options: map[string]string{}}, cols, c.mode)
		s.Write(ctx, 0, rows{1, 2})
		s.Write(ctx, 1, rows{3})
		tbl, ok := Lookup("t" + c.mode.String())
		if !ok || len(tbl.Rows()) != c.want || tbl.Batches() != 2 {
			t.Errorf("%s: %v rows after 2 batches", c.mode, tbl.Rows())
		}
	}
}
