package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/compiler/sqltype"
	"github.com/sqlstream/sqlstream/compiler/udf"
)

// Expr is a typed expression. The checker has resolved names to column indexes, inserted
// implicit widening casts, and computed whether each node can be NULL.
type Expr interface {
	Type() sqltype.Type
	Nullable() bool
	String() string
	expr()
}

// ColRef reads column Idx of the step's input row.
type ColRef struct {
	Idx  int
	Name string
	T    sqltype.Type
	Null bool
}

// Const is a literal. Interval constants hold microseconds in Int.
type Const struct {
	T      sqltype.Type
	IsNull bool
	Bool   bool
	Int    int64
	Float  float64
	Str    string
}

// Binary is an arithmetic, comparison, concatenation or logical operator. Both operands have
// the operator's operand type (the checker widened them); comparisons and AND/OR yield BOOLEAN.
type Binary struct {
	Op   string // + - * / % = <> < <= > >= || AND OR
	L, R Expr
	T    sqltype.Type
	Null bool
}

// Unary is NOT or unary minus.
type Unary struct {
	Op   string // NOT, -
	X    Expr
	Null bool
}

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

// In is X [NOT] IN (List...), with List widened to X's type.
type In struct {
	X    Expr
	List []Expr
	Not  bool
	Null bool
}

// Like is X [NOT] LIKE Pattern (Spark semantics: case-sensitive, \ escapes).
type Like struct {
	X, Pattern Expr
	Not        bool
	Null       bool
}

// When is one arm of a CASE.
type When struct {
	Cond, Result Expr
}

// Case is a searched CASE; a simple CASE x WHEN v is rewritten to x = v conditions. COALESCE
// and IF are Calls.
type Case struct {
	Whens []When
	Else  Expr // nil: NULL
	T     sqltype.Type
	Null  bool
}

// Cast converts X to To with Spark's non-ANSI rules (invalid input gives NULL).
type Cast struct {
	X    Expr
	To   sqltype.Type
	Null bool
}

// Call is a built-in scalar function; Name is lower case.
type Call struct {
	Name string
	Args []Expr
	T    sqltype.Type
	Null bool
	UDF  *udf.Func // a Go function from CREATE FUNCTION, or nil for a built-in
}

func (e *ColRef) Type() sqltype.Type { return e.T }
func (e *Const) Type() sqltype.Type  { return e.T }
func (e *Binary) Type() sqltype.Type { return e.T }
func (e *Unary) Type() sqltype.Type {
	if e.Op == "NOT" {
		return sqltype.Boolean
	}
	return e.X.Type()
}
func (e *IsNull) Type() sqltype.Type { return sqltype.Boolean }
func (e *In) Type() sqltype.Type     { return sqltype.Boolean }
func (e *Like) Type() sqltype.Type   { return sqltype.Boolean }
func (e *Case) Type() sqltype.Type   { return e.T }
func (e *Cast) Type() sqltype.Type   { return e.To }
func (e *Call) Type() sqltype.Type   { return e.T }

func (e *ColRef) Nullable() bool { return e.Null }
func (e *Const) Nullable() bool  { return e.IsNull }
func (e *Binary) Nullable() bool { return e.Null }
func (e *Unary) Nullable() bool  { return e.Null }
func (e *IsNull) Nullable() bool { return false }
func (e *In) Nullable() bool     { return e.Null }
func (e *Like) Nullable() bool   { return e.Null }
func (e *Case) Nullable() bool   { return e.Null }
func (e *Cast) Nullable() bool   { return e.Null }
func (e *Call) Nullable() bool   { return e.Null }

func (*ColRef) expr() {}
func (*Const) expr()  {}
func (*Binary) expr() {}
func (*Unary) expr()  {}
func (*IsNull) expr() {}
func (*In) expr()     {}
func (*Like) expr()   {}
func (*Case) expr()   {}
func (*Cast) expr()   {}
func (*Call) expr()   {}

func (e *ColRef) String() string { return fmt.Sprintf("%s#%d", e.Name, e.Idx) }

func (e *Const) String() string {
	if e.IsNull {
		return "NULL"
	}
	switch e.T {
	case sqltype.Boolean:
		return strings.ToUpper(strconv.FormatBool(e.Bool))
	case sqltype.Int, sqltype.BigInt, sqltype.Timestamp, sqltype.Date:
		return strconv.FormatInt(e.Int, 10)
	case sqltype.Interval:
		return fmt.Sprintf("INTERVAL '%v'", time.Duration(e.Int)*time.Microsecond)
	case sqltype.Double:
		return strconv.FormatFloat(e.Float, 'g', -1, 64)
	}
	return "'" + strings.ReplaceAll(e.Str, "'", "''") + "'"
}

func (e *Binary) String() string { return "(" + e.L.String() + " " + e.Op + " " + e.R.String() + ")" }

func (e *Unary) String() string {
	if e.Op == "NOT" {
		return "(NOT " + e.X.String() + ")"
	}
	return "(-" + e.X.String() + ")"
}

func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

func (e *In) String() string {
	not := ""
	if e.Not {
		not = "NOT "
	}
	return "(" + e.X.String() + " " + not + "IN (" + join(e.List) + "))"
}

func (e *Like) String() string {
	not := ""
	if e.Not {
		not = "NOT "
	}
	return "(" + e.X.String() + " " + not + "LIKE " + e.Pattern.String() + ")"
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *Cast) String() string { return "CAST(" + e.X.String() + " AS " + e.To.String() + ")" }

func (e *Call) String() string {
	if e.Name == "window_time" { // as written: its second argument is the window's size less 1µs
		return "window_time(" + e.Args[0].String() + ")"
	}
	return e.Name + "(" + join(e.Args) + ")"
}

func join(es []Expr) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.String()
	}
	return strings.Join(s, ", ")
}
