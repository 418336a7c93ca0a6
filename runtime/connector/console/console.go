// Package console is the console sink: it prints every batch as a table in the layout of
// Spark's console sink (a "Batch: N" banner, then Dataset.show's bordered table).
package console

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type sink struct {
	w        io.Writer
	cols     []rt.Column
	numRows  int
	truncate bool
}

// OpenSink opens the console sink of endpoint e (options num_rows and truncate).
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	w := e.Stdout
	if w == nil {
		w = os.Stdout
	}
	return &sink{
		w:        w,
		cols:     cols,
		numRows:  int(connector.Int(e.Options, "num_rows", 20)),
		truncate: connector.Bool(e.Options, "truncate", true),
	}, nil
}

func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	b := bufio.NewWriter(s.w)
	const rule = "-------------------------------------------\n"
	b.WriteString(rule)
	b.WriteString("Batch: ")
	b.WriteString(itoa(batchID))
	b.WriteString("\n")
	b.WriteString(rule)
	Table(b, s.cols, rows, s.numRows, s.truncate)
	b.WriteString("\n")
	return b.Flush()
}

func (s *sink) Close() error { return nil }

// Table writes rows as Spark's Dataset.show(numRows, truncate) does: cells right-aligned
// (left-aligned when not truncating), at least 3 wide, cells over 20 characters cut to 17 and
// "...", and "only showing top N rows" when rows were left out.
func Table(w *bufio.Writer, cols []rt.Column, rows rt.Rows, numRows int, truncate bool) {
	n := min(rows.Len(), max(numRows, 0))
	cells := make([][]string, n+1)
	cells[0] = make([]string, len(cols))
	for j, c := range cols {
		cells[0][j] = cut(c.Name, truncate)
	}
	for i := range n {
		row := make([]string, len(cols))
		for j := range cols {
			row[j] = cut(rows.Cell(i, j), truncate)
		}
		cells[i+1] = row
	}
	width := make([]int, len(cols))
	for _, row := range cells {
		for j, c := range row {
			width[j] = max(width[j], 3, utf8.RuneCountInString(c))
		}
	}
	sep := func() {
		w.WriteByte('+')
		for _, wd := range width {
			w.WriteString(strings.Repeat("-", wd))
			w.WriteByte('+')
		}
		w.WriteByte('\n')
	}
	line := func(row []string) {
		w.WriteByte('|')
		for j, c := range row {
			pad := strings.Repeat(" ", width[j]-utf8.RuneCountInString(c))
			if truncate {
				w.WriteString(pad + c)
			} else {
				w.WriteString(c + pad)
			}
			w.WriteByte('|')
		}
		w.WriteByte('\n')
	}
	sep()
	line(cells[0])
	sep()
	for _, row := range cells[1:] {
		line(row)
	}
	sep()
	if rows.Len() > n {
		word := "rows"
		if n == 1 {
			word = "row"
		}
		w.WriteString("only showing top " + itoa(int64(n)) + " " + word + "\n")
	}
}

// escaper keeps a cell on one line of the table.
var escaper = strings.NewReplacer("\n", "\\n", "\r", "\\r", "\t", "\\t")

func cut(s string, truncate bool) string {
	s = escaper.Replace(s)
	if !truncate || utf8.RuneCountInString(s) <= 20 {
		return s
	}
	return string([]rune(s)[:17]) + "..."
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	for ; n != 0; n /= 10 {
		d := n % 10
		if d < 0 {
			d = -d
		}
		i--
		b[i] = byte('0' + d)
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
