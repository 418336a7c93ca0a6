package golden_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// marksComeRound drives a generated query's Finish across the batch whose mark starts the
// marks again (rt.BatchMark: batch 4294967295 has mark 1, as batch 0 does): a group batch 0
// changed, changed again then, is a changed group of that batch, emitted in UPDATE mode
// and counted in numRowsUpdated.
const marksComeRound = `package main

import (
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

func TestMarksComeRound(t *testing.T) {
	q := newOutQuery().(*outQuery)
	for _, batch := range []int64{0, 1<<32 - 1} {
		w := q.NewWorker(nil)
		if err := w.Process(&rt.Chunk{Data: []byte("{\"u\":VALUE}\n"), Line: 1, Batch: batch}); err != nil {
			t.Fatal(err)
		}
		rows, err := q.Finish(batch, []rt.Worker{w})
		if err != nil {
			t.Fatal(err)
		}
		if updated, _ := q.StateChanges(); rows.Len() != 1 || updated != 1 {
			t.Errorf("batch %d: %d rows emitted, %d state rows updated; want the group, once", batch, rows.Len(), updated)
		}
	}
}
`

// TestBatchMarksComeRound runs marksComeRound against the Go generated for a count per
// string key and per number key in UPDATE mode (the two kinds of groups).
func TestBatchMarksComeRound(t *testing.T) {
	for _, key := range []string{"STRING", "BIGINT"} {
		t.Run(key, func(t *testing.T) {
			value := `\"a\"`
			if key == "BIGINT" {
				value = "7"
			}
			src := `CREATE SOURCE src (u ` + key + `) WITH (connector = 'files', path = 'in', format = 'json');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT u, count(*) AS n FROM src GROUP BY u OUTPUT MODE UPDATE;`
			res, errs := compiler.Compile("q.sql", []byte(src))
			if errs.HasErrors() {
				t.Fatal(errs.Err())
			}
			dir := t.TempDir()
			test := []byte(strings.ReplaceAll(marksComeRound, "VALUE", value))
			for name, b := range map[string][]byte{"main.go": res.Go, "marks_test.go": test} {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := gobuild.WriteModule(dir); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("go", "test", "-count=1", ".")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		})
	}
}
