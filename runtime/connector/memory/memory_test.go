package memory

import (
	"context"
	"fmt"
	"sync"
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
		want string
	}{{rt.Append, "[[1] [2] [3]]"}, {rt.Update, "[[1] [2] [3]]"}, {rt.Complete, "[[3]]"}} {
		name := "t" + c.mode.String()
		s, err := OpenSink(ctx, rt.Endpoint{Name: name, Options: map[string]string{}}, cols, c.mode)
		if err != nil {
			t.Fatal(err)
		}
		s.Write(ctx, 0, rows{1, 2})
		s.Write(ctx, 1, rows{})
		s.Write(ctx, 2, rows{3})
		if got := fmt.Sprint(Table(name)); got != c.want {
			t.Errorf("%s: table %s, want %s", c.mode, got, c.want)
		}
		if got := fmt.Sprint(Batches(name)); got != "[[[1] [2]] [] [[3]]]" {
			t.Errorf("%s: batches %s", c.mode, got)
		}
		s.Close()
	}
	if Table("nope") != nil || Batches("nope") != nil {
		t.Error("an unknown table is nil")
	}
}

func TestNameOptionReplayAndConcurrentReads(t *testing.T) {
	ctx := context.Background()
	s, _ := OpenSink(ctx, rt.Endpoint{Name: "sink", Options: map[string]string{"name": "custom"}}, []rt.Column{{Name: "n"}}, rt.Append)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 100 {
			Table("custom")
			Batches("custom")
		}
	}()
	for i := range 100 {
		s.Write(ctx, int64(i), rows{int64(i)})
	}
	wg.Wait()
	s.Write(ctx, 98, rows{7}) // a replay of batch 98 replaces it and what followed
	b := Batches("custom")
	if len(b) != 99 || fmt.Sprint(b[98]) != "[[7]]" || len(Table("custom")) != 99 {
		t.Errorf("after replay: %d batches, last %v", len(b), b[len(b)-1])
	}
	if Table("sink") != nil {
		t.Error("the name option names the table")
	}
	if fmt.Sprint(Names()) == "" || Columns("custom")[0].Name != "n" {
		t.Error("Names/Columns")
	}
	Drop("custom")
	if Table("custom") != nil {
		t.Error("Drop")
	}
}
