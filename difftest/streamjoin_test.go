package difftest

import (
	"fmt"
	"path/filepath"
	"testing"
)

// streamJoinOns are ON conditions between the CSV stream t (x, 4 batches of two files) and
// the JSON stream t2 (y, 3 batches): keys of every type with NULLs in both, several keys,
// expression keys, residual conditions.
var streamJoinOns = []pair{
	both("x.k = y.k"),
	both("x.a = y.a"),
	both("x.b = y.b"),
	both("x.k = y.k AND x.b = y.b"),
	both("x.s = y.s AND x.a > y.a"),
	{"upper(x.s) = upper(y.s)", "upper(x.s) = upper(y.s)"},
	both("x.a + 1 = y.b * 2"),
	both("x.k = y.k AND (x.d = y.d OR x.a = y.a)"),
	both("x.k = y.k AND x.d < y.d AND y.f"),
	both("y.b = x.b AND x.k <> y.k"),
	both("x.f = y.f AND x.b = y.b"),
}

// streamJoinSelects are what is read from the join: columns of both sides, expressions, a
// WHERE, a projection of one side only.
var streamJoinSelects = []struct{ s, q string }{
	{"SELECT x.k, x.a, y.k AS k2, y.a AS a2, y.s FROM t x JOIN t2 y ON %s", "SELECT x.k, x.a, y.k AS k2, y.a AS a2, y.s FROM t x JOIN t2 y ON %s"},
	{"SELECT x.a + y.b AS ab, coalesce(x.s, y.s) AS s FROM t x JOIN t2 y ON %s WHERE x.d > -5", "SELECT x.a + y.b AS ab, coalesce(x.s, y.s) AS s FROM t x JOIN t2 y ON %s WHERE x.d > -5"},
	{"SELECT y.* FROM t2 y JOIN t x ON %s", "SELECT y.* FROM t2 y JOIN t x ON %s"},
}

func streamJoinQueries() []query {
	var qs []query
	for _, on := range streamJoinOns {
		for i, sel := range streamJoinSelects {
			qs = append(qs, query{
				name:   fmt.Sprintf("stream join %d ON %s", i, on.s),
				stream: fmt.Sprintf(sel.s, on.s),
				sqlite: fmt.Sprintf(sel.q, on.q),
			})
		}
	}
	return qs
}

// TestStreamJoinsAgainstSQLite joins the two streams batch by batch (each batch's rows with
// the other stream's rows of all batches so far, and of its own) and compares every pair
// emitted over the run with SQLite's join of all the rows.
func TestStreamJoinsAgainstSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of many joins")
	}
	work := t.TempDir()
	decls := joinData(t, filepath.Join(work, "data"))
	qs := streamJoinQueries()
	compare(t, joinDB(t), runProgram(t, work, decls, qs), qs)
}
