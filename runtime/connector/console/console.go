// Package console is the console sink: it prints every batch as a table in the layout of
// Spark's console sink (a "Batch: N" banner, then Dataset.show's bordered table).
//
// The table follows Spark's Dataset.showString: every column is at least 3 wide; with
// truncate (the default) cells longer than 20 characters are cut to 17 and "...", and cells
// and headers are right-aligned; without it they are left-aligned and never cut. Header names
// are never cut. Newlines, tabs and other control characters in cells are shown escaped
// ("\n"), as Spark's escapeMetaCharacters does. Width is counted in runes, and East Asian
// full-width characters count twice (the ranges of Spark's Utils.stringHalfWidth), so the
// borders line up on a terminal; Spark counts UTF-16 units, which differs only for characters
// outside the Basic Multilingual Plane (emoji), where sqlstream counts one per rune.
// num_rows limits the rows printed and adds "only showing top N rows" when some were left out.
package console

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type sink struct {
	w        *bufio.Writer // writes to the endpoint's stdout
	cols     []rt.Column
	numRows  int
	truncate bool
}

// OpenSink opens the console sink of endpoint e (options num_rows and truncate). It writes to
// e.Stdout, or os.Stdout when that is nil.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	w := e.Stdout
	if w == nil {
		w = os.Stdout
	}
	s := &sink{
		cols:     cols,
		numRows:  int(max(connector.Int(e.Options, "num_rows", 20), 0)),
		truncate: connector.Bool(e.Options, "truncate", true),
	}
	s.w = bufio.NewWriterSize(w, 64<<10)
	return s, nil
}

// outputMu serializes the console sinks' writes, so that the tables of queries running
// concurrently never interleave.
var outputMu sync.Mutex

// Write prints one batch, holding outputMu until the whole table is written.
func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	outputMu.Lock()
	defer outputMu.Unlock()
	const rule = "-------------------------------------------\n"
	s.w.WriteString(rule)
	s.w.WriteString("Batch: ")
	s.w.WriteString(strconv.FormatInt(batchID, 10))
	s.w.WriteString("\n")
	s.w.WriteString(rule)
	Table(s.w, s.cols, rows, s.numRows, s.truncate)
	s.w.WriteString("\n")
	return s.w.Flush()
}

func (s *sink) Close() error { return nil }

// AtLeastOnce: a batch printed again is printed again, under whatever id.
func (s *sink) AtLeastOnce() bool { return true }

// truncateAt is Spark's default show() truncation width.
const truncateAt = 20

// Table writes rows as Spark's Dataset.show(numRows, truncate) does (see the package doc).
func Table(w *bufio.Writer, cols []rt.Column, rows rt.Rows, numRows int, truncate bool) {
	numRows = max(numRows, 0)
	n := min(rows.Len(), numRows)
	header := make([]string, len(cols))
	width := make([]int, len(cols))
	for j, c := range cols {
		header[j] = escape(c.Name)
		width[j] = max(3, Width(header[j]))
	}
	// Two passes over the rows, the first for the widths: a large result is formatted twice
	// rather than held as a string per cell.
	cell := func(i, j int) string { return cut(escape(rows.Cell(i, j)), truncate) }
	widths(width, n, cell)
	sep := func() {
		w.WriteByte('+')
		for _, wd := range width {
			pad(w, '-', wd)
			w.WriteByte('+')
		}
		w.WriteByte('\n')
	}
	line := func(cell func(j int) string) {
		w.WriteByte('|')
		for j := range cols {
			c := cell(j)
			gap := width[j] - Width(c)
			if truncate {
				pad(w, ' ', gap)
				w.WriteString(c)
			} else {
				w.WriteString(c)
				pad(w, ' ', gap)
			}
			w.WriteByte('|')
		}
		w.WriteByte('\n')
	}
	sep()
	line(func(j int) string { return header[j] })
	sep()
	for i := range n {
		line(func(j int) string { return cell(i, j) })
	}
	sep()
	if rows.Len() > n {
		word := "rows"
		if numRows == 1 {
			word = "row"
		}
		w.WriteString("only showing top " + strconv.Itoa(numRows) + " " + word + "\n")
	}
}

// widths widens width to the cells of n rows. A large result's rows are measured in parts on
// all cores: the batch waits on its sink, and this pass was a sixth of W4's serial time.
func widths(width []int, n int, cell func(i, j int) string) {
	const part = 1 << 15
	parts := min(runtime.GOMAXPROCS(0), (n+part-1)/part)
	if parts <= 1 {
		measure(width, 0, n, cell)
		return
	}
	got := make([][]int, parts)
	var wg sync.WaitGroup
	for p := range parts {
		got[p] = slices.Clone(width)
		wg.Go(func() { measure(got[p], p*n/parts, (p+1)*n/parts, cell) })
	}
	wg.Wait()
	for _, g := range got {
		for j, wd := range g {
			width[j] = max(width[j], wd)
		}
	}
}

func measure(width []int, from, to int, cell func(i, j int) string) {
	for i := from; i < to; i++ {
		for j := range width {
			width[j] = max(width[j], Width(cell(i, j)))
		}
	}
}

func pad(w *bufio.Writer, b byte, n int) {
	for range n {
		w.WriteByte(b)
	}
}

// Width is the number of terminal columns s takes, as Spark's Utils.stringHalfWidth counts
// them: one per rune, two for the East Asian full-width ranges.
func Width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if fullWidth(r) {
			n++
		}
	}
	return n
}

func fullWidth(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115F, 0x2E80 <= r && r <= 0xA4CF, 0xAC00 <= r && r <= 0xD7A3, 0xF900 <= r && r <= 0xFAFF,
		0xFE10 <= r && r <= 0xFE19, 0xFE30 <= r && r <= 0xFE6F, 0xFF00 <= r && r <= 0xFF60, 0xFFE0 <= r && r <= 0xFFE6:
		return true
	}
	return false
}

// escaper is Spark's SchemaUtils.escapeMetaCharacters: it keeps a cell on one line.
var escaper = strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`, "\f", `\f`, "\b", `\b`, "\v", `\v`, "\a", `\a`)

// escape is escaper's replacement when s holds one of its characters. They are the bytes
// \a to \r (7 to 13), so one range check per byte finds them; strings.ContainsAny was
// 6 % of W4's run (860,000 rows printed).
func escape(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '\a' && c <= '\r' {
			return escaper.Replace(s)
		}
	}
	return s
}

// cut shortens a cell longer than 20 runes to its first 17 and "...".
func cut(s string, truncate bool) string {
	if !truncate || len(s) <= truncateAt || utf8.RuneCountInString(s) <= truncateAt {
		return s
	}
	i, k := 0, 0
	for i = range s {
		if k == truncateAt-3 {
			break
		}
		k++
	}
	return s[:i] + "..."
}
