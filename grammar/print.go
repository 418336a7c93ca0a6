package grammar

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The printer writes canonical SQL: upper-case keywords, one space between tokens, a
// statement per line, names quoted only when needed, parentheses only where precedence
// requires them. Parse(x.String()) yields x again, positions aside.

// quoteName returns name as it must be written to read back as the same name.
func quoteName(name string) string {
	if isPlainWord(name) && !isReserved(name) && !strings.EqualFold(name, "END") {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// isPlainWord reports whether s lexes as a single Word token.
func isPlainWord(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			return false
		}
		if !(unicode.IsLetter(r) || r == '_' || i > 0 && (unicode.IsNumber(r) || r == '$')) {
			return false
		}
	}
	return s != ""
}

// quoteString returns s as a string literal that reads back as s: backslashes are escaped
// and quotes doubled.
func quoteString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", "''").Replace(s) + "'"
}

func (x *File) String() string {
	var b strings.Builder
	for _, s := range x.Stmts {
		b.WriteString(s.String())
		b.WriteString(";\n")
	}
	return b.String()
}

func (x *Ident) String() string { return quoteName(x.Name) }

func (x *CreateSource) String() string {
	var b strings.Builder
	b.WriteString("CREATE SOURCE " + x.Name.String() + " (")
	for i, c := range x.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.String())
	}
	if x.Watermark != nil {
		if len(x.Columns) > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.Watermark.String())
	}
	b.WriteString(")")
	writeWith(&b, x.With)
	return b.String()
}

func (x *CreateTable) String() string {
	return "CREATE TABLE " + x.Name.String() + columnList(x.Columns) + withString(x.With)
}

func (x *CreateSink) String() string {
	s := "CREATE SINK " + x.Name.String()
	if x.Columns != nil {
		s += columnList(x.Columns)
	}
	return s + withString(x.With)
}

func columnList(cols []*ColumnDef) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.String()
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func withString(opts []*Option) string {
	var b strings.Builder
	writeWith(&b, opts)
	return b.String()
}

func writeWith(b *strings.Builder, opts []*Option) {
	if len(opts) == 0 {
		return
	}
	b.WriteString(" WITH (")
	for i, o := range opts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(o.String())
	}
	b.WriteString(")")
}

func (x *CreateView) String() string {
	return "CREATE VIEW " + x.Name.String() + " AS " + x.Query.String()
}

func (x *CreateFunction) String() string {
	return "CREATE FUNCTION " + x.Name.String() + " AS " + x.Target.String()
}

func (x *Insert) String() string {
	s := "INSERT INTO " + x.Sink.String() + " " + x.Query.String()
	if x.OutputMode != nil {
		s += " " + x.OutputMode.String()
	}
	if x.Trigger != nil {
		s += " " + x.Trigger.String()
	}
	return s + withString(x.With)
}

func (x *ColumnDef) String() string {
	s := x.Name.String() + " " + x.Type.String()
	if x.NotNull {
		s += " NOT NULL"
	}
	return s
}

func (x *TypeName) String() string { return x.Name }

func (x *Watermark) String() string {
	return "WATERMARK FOR " + x.Column.String() + " AS " + x.Expr.String()
}

func (x *Option) String() string {
	key := x.Key.Name
	for _, part := range strings.Split(key, ".") {
		if !isPlainWord(part) {
			key = quoteString(x.Key.Name)
			break
		}
	}
	return key + " = " + x.Value.String()
}

func (x *OutputMode) String() string { return "OUTPUT MODE " + x.Mode }

func (x *Trigger) String() string {
	if x.Kind == "EVERY" && x.Interval != nil {
		return "TRIGGER EVERY " + x.Interval.String()
	}
	return "TRIGGER " + x.Kind
}

func (x *Select) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if x.Distinct {
		b.WriteString("DISTINCT ")
	}
	if len(x.DistinctOn) > 0 {
		b.WriteString("ON (" + exprList(x.DistinctOn) + ") ")
	}
	for i, it := range x.Items {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.String())
	}
	if x.From != nil {
		b.WriteString(" " + x.From.String())
	}
	if x.Where != nil {
		b.WriteString(" WHERE " + x.Where.String())
	}
	if len(x.GroupBy) > 0 {
		b.WriteString(" GROUP BY " + exprList(x.GroupBy))
	}
	if x.Having != nil {
		b.WriteString(" HAVING " + x.Having.String())
	}
	for _, u := range x.Unions {
		b.WriteString(" " + u.String())
	}
	for i, o := range x.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(o.String())
	}
	if x.Limit != nil {
		b.WriteString(" LIMIT " + x.Limit.String())
	}
	return b.String()
}

func exprList(list []Expr) string {
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (x *SelectItem) String() string {
	if x.Alias == nil {
		return x.Expr.String()
	}
	return x.Expr.String() + " AS " + x.Alias.String()
}

func (x *From) String() string {
	s := "FROM " + x.item()
	for _, j := range x.Joins {
		s += " " + j.String()
	}
	return s
}

// item prints the relation of a FROM or a join, without the joins.
func (x *From) item() string {
	var s string
	switch {
	case x.Subquery != nil:
		s = "(" + x.Subquery.String() + ")"
	case x.Name != nil:
		s = x.Name.String()
	}
	if x.Alias != nil {
		s += " AS " + x.Alias.String()
	}
	return s
}

func (x *Join) String() string {
	kind := map[string]string{"SEMI": "LEFT SEMI", "ANTI": "LEFT ANTI", "LEFT": "LEFT OUTER", "RIGHT": "RIGHT OUTER", "FULL": "FULL OUTER"}[x.Kind]
	if kind == "" {
		kind = x.Kind
	}
	s := kind + " JOIN " + x.Right.item()
	switch {
	case x.On != nil:
		s += " ON " + x.On.String()
	case x.Using != nil:
		names := make([]string, len(x.Using))
		for i, n := range x.Using {
			names[i] = n.String()
		}
		s += " USING (" + strings.Join(names, ", ") + ")"
	}
	return s
}

func (x *Union) String() string {
	if x.All {
		return "UNION ALL " + x.Query.String()
	}
	return "UNION " + x.Query.String()
}

func (x *OrderItem) String() string {
	s := x.Expr.String()
	if x.Desc {
		s += " DESC"
	}
	if x.Nulls != "" {
		s += " NULLS " + x.Nulls
	}
	return s
}

// prec returns the precedence of e's outermost operator (precPrimary for atoms).
func prec(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		if p, ok := binaryPrec[e.Op]; ok {
			return p
		}
		return precOr // unknown operator: parenthesise everywhere
	case *UnaryExpr:
		if e.Op == "NOT" {
			return precNot
		}
		return precUnary
	case *IsNullExpr, *InExpr, *BetweenExpr, *LikeExpr:
		return precCompare
	}
	return precPrimary
}

// sub prints e as an operand that the parser reads at precedence min.
func sub(e Expr, min int) string {
	if e == nil {
		return "<nil>"
	}
	if prec(e) < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func not(n bool) string {
	if n {
		return " NOT"
	}
	return ""
}

func (x *Literal) String() string {
	switch x.Kind {
	case LitString:
		return quoteString(x.Text)
	case LitInterval:
		s := "INTERVAL " + quoteString(x.Text)
		if x.Unit != "" {
			s += " " + x.Unit
		}
		return s
	}
	return x.Text
}

func (x *ColumnRef) String() string {
	parts := make([]string, len(x.Parts))
	for i, p := range x.Parts {
		if i > 0 && isPlainWord(p) {
			parts[i] = p // any word may follow "."
		} else {
			parts[i] = quoteName(p)
		}
	}
	return strings.Join(parts, ".")
}

func (x *Star) String() string {
	if x.Table == "" {
		return "*"
	}
	return quoteName(x.Table) + ".*"
}

func (x *BinaryExpr) String() string {
	p := prec(x)
	return sub(x.Left, p) + " " + x.Op + " " + sub(x.Right, p+1)
}

func (x *UnaryExpr) String() string {
	if x.Op == "NOT" {
		return "NOT " + sub(x.X, precNot)
	}
	s := sub(x.X, precUnary)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		s = " " + s // "- -x", never "--x" (a comment)
	}
	return x.Op + s
}

func (x *IsNullExpr) String() string {
	return sub(x.X, precCompare) + " IS" + not(x.Not) + " NULL"
}

func (x *InExpr) String() string {
	return sub(x.X, precCompare) + not(x.Not) + " IN (" + exprList(x.List) + ")"
}

func (x *BetweenExpr) String() string {
	return sub(x.X, precCompare) + not(x.Not) + " BETWEEN " + sub(x.Low, precConcat) + " AND " + sub(x.High, precConcat)
}

func (x *LikeExpr) String() string {
	return sub(x.X, precCompare) + not(x.Not) + " LIKE " + sub(x.Pattern, precConcat)
}

func (x *CaseExpr) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if x.Operand != nil {
		b.WriteString(" " + x.Operand.String())
	}
	for _, w := range x.Whens {
		b.WriteString(" " + w.String())
	}
	if x.Else != nil {
		b.WriteString(" ELSE " + x.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (x *When) String() string {
	return "WHEN " + x.Cond.String() + " THEN " + x.Result.String()
}

func (x *CastExpr) String() string {
	return "CAST(" + x.X.String() + " AS " + x.Type.String() + ")"
}

func (x *FuncCall) String() string {
	switch {
	case x.Star:
		return x.Name.String() + "(*)"
	case x.Distinct:
		return x.Name.String() + "(DISTINCT " + exprList(x.Args) + ")"
	}
	return x.Name.String() + "(" + exprList(x.Args) + ")"
}
