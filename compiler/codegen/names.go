package codegen

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	. "github.com/dave/jennifer/jen"

	"github.com/sqlstream/sqlstream/compiler/sqltype"
)

const (
	pkgRT    = "github.com/sqlstream/sqlstream/runtime"
	pkgCodec = "github.com/sqlstream/sqlstream/runtime/codec"
	pkgSQLFn = "github.com/sqlstream/sqlstream/runtime/sqlfn"
	pkgMath  = "math"
)

// exported turns a SQL name into an exported Go identifier: "len" → "Len",
// "user_id" → "UserID"-ish "UserId", "window.start" → "WindowStart".
func exported(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if b.Len() == 0 && unicode.IsDigit(r) {
			b.WriteString("C")
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Col"
	}
	return b.String()
}

// unexported turns a SQL name into an unexported Go identifier prefix: "out" → "out",
// "Top_Words" → "topWords".
func unexported(name string) string {
	e := exported(name)
	r := []rune(e)
	r[0] = unicode.ToLower(r[0])
	s := string(r)
	if isGoKeyword(s) {
		s += "Q"
	}
	return s
}

func isGoKeyword(s string) bool {
	switch s {
	case "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough",
		"for", "func", "go", "goto", "if", "import", "interface", "map", "package", "range",
		"return", "select", "struct", "switch", "type", "var":
		return true
	}
	return false
}

// fieldNames gives each column a distinct exported Go field name.
func fieldNames(cols []string) []string {
	seen := map[string]int{}
	out := make([]string, len(cols))
	for i, c := range cols {
		n := exported(c)
		if k := seen[n]; k > 0 {
			seen[n]++
			n += strconv.Itoa(k + 1)
		} else {
			seen[n] = 1
		}
		out[i] = n
	}
	return out
}

// goType is the Go type generated code uses for values of t. BYTES are kept in strings so
// they can be compared and used as map keys; the sinks encode them as bytes.
func goType(t sqltype.Type) *Statement { return kindType(stateKind(t)) }

// zero is the placeholder value of a NULL of type t.
func zero(t sqltype.Type) *Statement {
	switch t {
	case sqltype.Boolean:
		return False()
	case sqltype.Int, sqltype.Date, sqltype.BigInt, sqltype.Timestamp, sqltype.Interval, sqltype.Window:
		return Lit(0)
	case sqltype.Double:
		return Lit(0.0)
	}
	return Lit("") // STRING, BYTES and the type of a bare NULL, which are strings in Go
}

// operand is x.v ready to be an operand of an operator: parenthesised unless it is atomic.
func (x val) operand() *Statement {
	if x.op {
		return Parens(x.v)
	}
	return Add(x.v)
}

// not negates a Go condition, parenthesising it unless it is a name, a field or a negation.
func not(c Code) *Statement {
	if atom.MatchString(fmt.Sprintf("%#v", c)) {
		return Op("!").Add(c)
	}
	return Op("!").Parens(c)
}

var atom = regexp.MustCompile(`^!?[A-Za-z_][A-Za-z0-9_.]*(\([A-Za-z0-9_., ]*\))?$`)
