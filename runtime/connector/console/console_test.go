package console

import (
	"bufio"
	"bytes"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type strRows [][]string

func (r strRows) Len() int                            { return len(r) }
func (r strRows) AppendJSON(dst []byte, i int) []byte { return dst }
func (r strRows) AppendCSV(dst []byte, i int) []byte  { return dst }
func (r strRows) Cell(i, j int) string                { return r[i][j] }
func (r strRows) Value(i, j int) any                  { return r[i][j] }

func table(rows strRows, n int, truncate bool) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	Table(w, []rt.Column{{Name: "word"}, {Name: "n"}}, rows, n, truncate)
	w.Flush()
	return b.String()
}

func TestTableLikeSparkShow(t *testing.T) {
	rows := strRows{{"café", "1"}, {"a very long word that goes on", "22"}, {"null", "3"}}
	got := table(rows, 2, true)
	want := "+--------------------+---+\n" +
		"|                word|  n|\n" +
		"+--------------------+---+\n" +
		"|                café|  1|\n" +
		"|a very long word ...| 22|\n" +
		"+--------------------+---+\n" +
		"only showing top 2 rows\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	got = table(rows[:1], 20, false)
	want = "+----+---+\n|word|n  |\n+----+---+\n|café|1  |\n+----+---+\n"
	if got != want {
		t.Errorf("truncate=false: got\n%s\nwant\n%s", got, want)
	}
	got = table(nil, 20, true)
	want = "+----+---+\n|word|  n|\n+----+---+\n+----+---+\n"
	if got != want {
		t.Errorf("empty: got\n%s\nwant\n%s", got, want)
	}
}
