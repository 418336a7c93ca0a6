package console

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
)

type strRows [][]string

func (r strRows) Len() int                            { return len(r) }
func (r strRows) AppendJSON(dst []byte, i int) []byte { return dst }
func (r strRows) AppendCSV(dst []byte, i int) []byte  { return dst }
func (r strRows) Cell(i, j int) string                { return r[i][j] }
func (r strRows) Value(i, j int) any                  { return r[i][j] }

func table(cols []string, rows strRows, n int, truncate bool) string {
	var b bytes.Buffer
	w := bufio.NewWriter(&b)
	var c []rt.Column
	for _, name := range cols {
		c = append(c, rt.Column{Name: name})
	}
	Table(w, c, rows, n, truncate)
	w.Flush()
	return b.String()
}

func lines(s ...string) string { return strings.Join(s, "\n") + "\n" }

func TestTableLikeSparkShow(t *testing.T) {
	rows := strRows{{"café", "1"}, {"a very long word that goes on", "22"}, {"null", "3"}}
	for _, c := range []struct {
		name     string
		cols     []string
		rows     strRows
		n        int
		truncate bool
		want     string
	}{
		{"truncate and num_rows", []string{"word", "n"}, rows, 2, true, lines(
			"+--------------------+---+",
			"|                word|  n|",
			"+--------------------+---+",
			"|                café|  1|",
			"|a very long word ...| 22|",
			"+--------------------+---+",
			"only showing top 2 rows")},
		{"one row", []string{"word", "n"}, rows, 1, true, lines(
			"+----+---+",
			"|word|  n|",
			"+----+---+",
			"|café|  1|",
			"+----+---+",
			"only showing top 1 row")},
		{"no truncate: left-aligned, uncut", []string{"word", "n"}, rows[:2], 20, false, lines(
			"+-----------------------------+---+",
			"|word                         |n  |",
			"+-----------------------------+---+",
			"|café                         |1  |",
			"|a very long word that goes on|22 |",
			"+-----------------------------+---+")},
		{"empty batch", []string{"word", "n"}, nil, 20, true, lines(
			"+----+---+",
			"|word|  n|",
			"+----+---+",
			"+----+---+")},
		{"exactly 20 is kept, headers are never cut", []string{"a_header_longer_than_twenty"}, strRows{{"12345678901234567890"}, {"123456789012345678901"}}, 20, true, lines(
			"+---------------------------+",
			"|a_header_longer_than_twenty|",
			"+---------------------------+",
			"|       12345678901234567890|",
			"|       12345678901234567...|",
			"+---------------------------+")},
		{"wide characters count twice", []string{"w"}, strRows{{"日本"}, {"ab"}}, 20, true, lines(
			"+----+",
			"|   w|",
			"+----+",
			"|日本|",
			"|  ab|",
			"+----+")},
		{"cut counts runes", []string{"w"}, strRows{{strings.Repeat("é", 25)}}, 20, true, lines(
			"+--------------------+",
			"|                   w|",
			"+--------------------+",
			"|"+strings.Repeat("é", 17)+"...|",
			"+--------------------+")},
		{"control characters escaped", []string{"a\tb"}, strRows{{"x\ny"}}, 20, true, lines(
			"+----+",
			`|a\tb|`,
			"+----+",
			`|x\ny|`,
			"+----+")},
		{"num_rows 0", []string{"n"}, strRows{{"1"}}, 0, true, lines(
			"+---+",
			"|  n|",
			"+---+",
			"+---+",
			"only showing top 0 rows")},
	} {
		if got := table(c.cols, c.rows, c.n, c.truncate); got != c.want {
			t.Errorf("%s: got\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

func TestSinkBannerAndOptions(t *testing.T) {
	var out bytes.Buffer
	ctx := context.Background()
	s, err := OpenSink(ctx, rt.Endpoint{Name: "out", Options: map[string]string{"num_rows": "1", "truncate": "false"}, Stdout: &out},
		[]rt.Column{{Name: "len"}, {Name: "count"}}, rt.Update)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(ctx, 7, strRows{{"5", "2"}, {"12", "1"}})
	s.Close()
	want := lines(
		"-------------------------------------------",
		"Batch: 7",
		"-------------------------------------------",
		"+---+-----+",
		"|len|count|",
		"+---+-----+",
		"|5  |2    |",
		"+---+-----+",
		"only showing top 1 row",
		"")
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// syncBuffer is a bytes.Buffer that checks its writes never overlap.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	if !b.mu.TryLock() {
		panic("concurrent writes")
	}
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func TestConcurrentSinksDoNotInterleave(t *testing.T) {
	var out syncBuffer
	ctx := context.Background()
	long := strings.Repeat("x", 100)
	var rows strRows
	for range 100 {
		rows = append(rows, []string{long})
	}
	var wg sync.WaitGroup
	for range 4 {
		s, _ := OpenSink(ctx, rt.Endpoint{Options: map[string]string{"num_rows": "100", "truncate": "false"}, Stdout: &out}, []rt.Column{{Name: "v"}}, rt.Append)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				s.Write(ctx, int64(i), rows)
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(out.buf.String(), "|"+long+"|\n"); n != 4000 {
		t.Errorf("%d whole rows, want 4000", n)
	}
}

// TestWidthsOfALargeTable: the widths measured in parts on all cores are the widest cell of
// any part, wherever it lies.
func TestWidthsOfALargeTable(t *testing.T) {
	const n = 5 << 15
	for _, at := range []int{0, n / 2, n - 1} {
		rows := make(strRows, n)
		for i := range rows {
			rows[i] = []string{"x", "yy"}
		}
		rows[at] = []string{"wide cell", "y"}
		var width []int
		for _, l := range strings.SplitN(table([]string{"a", "b"}, rows, n, true), "\n", 2)[:1] {
			for _, f := range strings.Split(strings.Trim(l, "+"), "+") {
				width = append(width, len(f))
			}
		}
		if width[0] != len("wide cell") || width[1] != 3 {
			t.Errorf("widest cell at row %d: widths %v, want [9 3]", at, width)
		}
	}
}
