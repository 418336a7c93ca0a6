// Package diag holds the compiler's diagnostics: positioned errors and warnings collected
// many per run, and their rendering as file:line:col, the source line, a caret and a help line.
package diag

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Severity of a diagnostic.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a SQL file. End, when set, marks the end of the offending
// token so the caret can underline all of it.
type Diagnostic struct {
	Pos      lexer.Position
	End      lexer.Position
	Severity Severity
	Msg      string
	Help     string
}

func (d *Diagnostic) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s: %s", d.Pos.Filename, d.Pos.Line, d.Pos.Column, d.Severity, d.Msg)
}

// List collects diagnostics.
type List []*Diagnostic

// Errorf adds an error at pos and returns it, so a caller can set End or Help.
func (l *List) Errorf(pos lexer.Position, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Pos: pos, Severity: Error, Msg: fmt.Sprintf(format, args...)}
	*l = append(*l, d)
	return d
}

// Warnf adds a warning at pos.
func (l *List) Warnf(pos lexer.Position, format string, args ...any) *Diagnostic {
	d := &Diagnostic{Pos: pos, Severity: Warning, Msg: fmt.Sprintf(format, args...)}
	*l = append(*l, d)
	return d
}

// WithHelp sets the help line and returns d.
func (d *Diagnostic) WithHelp(format string, args ...any) *Diagnostic {
	d.Help = fmt.Sprintf(format, args...)
	return d
}

// WithEnd sets the end of the offending span and returns d.
func (d *Diagnostic) WithEnd(end lexer.Position) *Diagnostic {
	d.End = end
	return d
}

// HasErrors reports whether any diagnostic is an error (not only warnings).
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders diagnostics by position, errors before warnings at the same place, and drops
// exact duplicates (the same message at the same place).
func (l *List) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Pos.Filename != b.Pos.Filename {
			return a.Pos.Filename < b.Pos.Filename
		}
		if a.Pos.Offset != b.Pos.Offset {
			return a.Pos.Offset < b.Pos.Offset
		}
		return a.Severity < b.Severity
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && d.Pos == s[i-1].Pos && d.Msg == s[i-1].Msg {
			continue
		}
		out = append(out, d)
	}
	*l = out
}

// Err returns the list as an error if it holds any error, else nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return listError(l)
}

type listError List

func (e listError) Error() string {
	var b strings.Builder
	for i, d := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.Error())
	}
	return b.String()
}

// Render writes every diagnostic as
//
//	file:line:col: error: message
//	   3 | SELECT lenght(value) FROM lines
//	     |        ^~~~~~
//	help: did you mean "length"?
//
// src is the text of the file the positions refer to.
func Render(w io.Writer, l List, src []byte) {
	// The parser skips a byte order mark, so columns on line 1 count from after it.
	lines := strings.Split(strings.TrimPrefix(string(src), "\uFEFF"), "\n")
	for _, d := range l {
		fmt.Fprintln(w, d.Error())
		if d.Pos.Line >= 1 && d.Pos.Line <= len(lines) {
			line := strings.TrimRight(lines[d.Pos.Line-1], "\r")
			gutter := fmt.Sprintf("%4d | ", d.Pos.Line)
			fmt.Fprintf(w, "%s%s\n", gutter, expandTabs(line))
			col := d.Pos.Column - 1
			if col < 0 {
				col = 0
			}
			if col > len(line) {
				col = len(line)
			}
			prefix := expandTabs(line[:col])
			width := 1
			if d.End.Line == d.Pos.Line && d.End.Column > d.Pos.Column {
				endCol := d.End.Column - 1
				if endCol > len(line) {
					endCol = len(line)
				}
				width = utf8.RuneCountInString(line[col:endCol])
				if width < 1 {
					width = 1
				}
			}
			fmt.Fprintf(w, "%s%s^%s\n", strings.Repeat(" ", len(gutter)-2)+"| ", strings.Repeat(" ", utf8.RuneCountInString(prefix)), strings.Repeat("~", width-1))
		}
		if d.Help != "" {
			fmt.Fprintf(w, "help: %s\n", d.Help)
		}
	}
}

func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }

// Closest returns the candidate nearest to name by edit distance, or "" when none is close
// enough to be a plausible typo. It drives the "did you mean" hints.
func Closest(name string, candidates []string) string {
	best, bestD := "", len(name)/2+2
	lname := strings.ToLower(name)
	for _, c := range candidates {
		d := levenshtein(lname, strings.ToLower(c))
		if d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	if bestD > 2 && bestD > len(name)/3 {
		return ""
	}
	return best
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
