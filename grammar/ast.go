package grammar

import "github.com/alecthomas/participle/v2/lexer"

// Node is implemented by every AST node. Span returns the node's first position and the
// position just after its last token; String prints it as canonical SQL.
type Node interface {
	Span() (pos, end lexer.Position)
	String() string
}

// Stmt is a top-level statement: *CreateSource, *CreateTable, *CreateSink, *CreateView,
// *CreateFunction or *Insert.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is an expression: *Literal, *ColumnRef, *Star, *BinaryExpr, *UnaryExpr,
// *IsNullExpr, *InExpr, *BetweenExpr, *LikeExpr, *CaseExpr, *CastExpr or *FuncCall.
// Parentheses leave no node: "(a + b)" is the *BinaryExpr of "a + b", whose span
// excludes the parentheses (the span of an enclosing node includes them).
type Expr interface {
	Node
	exprNode()
}

// File is a parsed source file.
type File struct {
	Pos, EndPos lexer.Position
	Stmts       []Stmt
}

// Ident is a name as written, without quotes (quoted names keep their case; so do
// unquoted ones: names are matched case-insensitively by the checker).
type Ident struct {
	Pos, EndPos lexer.Position
	Name        string
}

// CreateSource is CREATE SOURCE name (columns [, WATERMARK ...]) [WITH (...)].
type CreateSource struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Columns     []*ColumnDef
	Watermark   *Watermark // nil if absent
	With        []*Option  // nil if absent
}

// CreateTable is CREATE TABLE name (columns) [WITH (...)]: a bounded, static input.
type CreateTable struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Columns     []*ColumnDef
	With        []*Option
}

// CreateSink is CREATE SINK name [(columns)] [WITH (...)].
type CreateSink struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Columns     []*ColumnDef // nil if no column list
	With        []*Option
}

// CreateView is CREATE VIEW name AS select.
type CreateView struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Query       *Select
}

// CreateFunction is CREATE FUNCTION name AS 'import/path.Func'.
type CreateFunction struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Target      *Literal // Kind LitString
}

// Insert is INSERT INTO sink select [OUTPUT MODE m] [TRIGGER t] [WITH (...)].
type Insert struct {
	Pos, EndPos lexer.Position
	Sink        Ident
	Query       *Select
	OutputMode  *OutputMode // nil if absent
	Trigger     *Trigger    // nil if absent
	With        []*Option   // nil if absent
}

// ColumnDef is one column of a CREATE SOURCE, TABLE or SINK.
type ColumnDef struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Type        *TypeName
	NotNull     bool
}

// TypeName is a column or CAST type. Name is the word as written, upper-cased
// ("INTEGER", "VARCHAR"); synonyms are mapped by the checker. A length after
// VARCHAR or CHAR is accepted and dropped.
type TypeName struct {
	Pos, EndPos lexer.Position
	Name        string
}

// Watermark is WATERMARK FOR column AS expr.
type Watermark struct {
	Pos, EndPos lexer.Position
	Column      Ident
	Expr        Expr
}

// Option is key = value in a WITH list. Dotted keys (kafka.bootstrap) are one name; a
// key may also be quoted ("x" or 'x'). Value is a LitString, LitInt, LitDecimal or LitBool;
// a negative number keeps its sign in Text ("-5").
type Option struct {
	Pos, EndPos lexer.Position
	Key         Ident
	Value       *Literal
}

// OutputMode is OUTPUT MODE APPEND|UPDATE|COMPLETE; Mode is upper-cased.
type OutputMode struct {
	Pos, EndPos lexer.Position
	Mode        string
}

// Trigger is TRIGGER EVERY interval | ONCE | AVAILABLE NOW. Kind is "EVERY", "ONCE" or
// "AVAILABLE NOW". For EVERY, Interval is a LitString ('2 seconds') or a LitInterval
// (INTERVAL '2' SECOND), as written; nil otherwise.
type Trigger struct {
	Pos, EndPos lexer.Position
	Kind        string
	Interval    *Literal
}

// Select is a query.
type Select struct {
	Pos, EndPos lexer.Position
	Distinct    bool
	DistinctOn  []Expr // DISTINCT ON (exprs): the columns that make rows duplicates
	Items       []*SelectItem
	From        *From
	Where       Expr // nil if absent
	GroupBy     []Expr
	Having      Expr // nil if absent
	OrderBy     []*OrderItem
	Limit       *Literal // LitInt; nil if absent
	// Unions are the SELECTs joined to this one by UNION [ALL], in order. ORDER BY and LIMIT
	// then belong to the whole union (they are parsed after its last SELECT), not to this
	// SELECT alone; the Unions' own queries have neither.
	Unions []*Union
}

// SelectItem is expr [AS alias]; "*" and "t.*" are a *Star Expr.
type SelectItem struct {
	Pos, EndPos lexer.Position
	Expr        Expr
	Alias       *Ident // nil if absent
}

// From is the FROM clause: a named source, table or view, or a subquery, joined to the
// relations of Joins from left to right. Exactly one of Name and Subquery is set.
type From struct {
	Pos, EndPos lexer.Position
	Name        *Ident
	Subquery    *Select
	Alias       *Ident // nil if absent
	Joins       []*Join
}

// Join is [INNER | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | LEFT SEMI | LEFT ANTI |
// CROSS] JOIN right [ON cond | USING (cols)]. Kind is one of INNER, LEFT, RIGHT, FULL, SEMI,
// ANTI, CROSS. Right has no joins of its own.
type Join struct {
	Pos, EndPos lexer.Position
	Kind        string
	Right       *From
	On          Expr    // nil if absent
	Using       []Ident // nil if absent
}

// Union is one more SELECT of a query, after UNION [ALL]; All is false for UNION (distinct).
type Union struct {
	Pos, EndPos lexer.Position
	All         bool
	Query       *Select
}

// OrderItem is expr [ASC|DESC] [NULLS FIRST|LAST]; Nulls is "", "FIRST" or "LAST".
type OrderItem struct {
	Pos, EndPos lexer.Position
	Expr        Expr
	Desc        bool
	Nulls       string
}

// LitKind is the kind of a Literal.
type LitKind int

// Literal kinds.
const (
	LitNull     LitKind = iota // NULL
	LitBool                    // TRUE, FALSE
	LitInt                     // digits only; may overflow int64 (the checker reports it)
	LitDecimal                 // 1.5, .5, 1e3
	LitString                  // 'text'
	LitInterval                // INTERVAL '10' MINUTE, INTERVAL '10 minutes'
)

var litKindNames = [...]string{"Null", "Bool", "Int", "Decimal", "String", "Interval"}

func (k LitKind) String() string {
	if k >= 0 && int(k) < len(litKindNames) {
		return litKindNames[k]
	}
	return "LitKind(?)"
}

// Literal is a constant. Text is "NULL"; "TRUE" or "FALSE"; the digits as written
// (negative only in WITH options); or the unescaped string (also for LitInterval).
// Unit is the upper-cased, singular interval unit ("MINUTE") or "" (LitInterval only).
type Literal struct {
	Pos, EndPos lexer.Position
	Kind        LitKind
	Text        string
	Unit        string
}

// ColumnRef is a possibly qualified column name: a, t.a, window.start.
type ColumnRef struct {
	Pos, EndPos lexer.Position
	Parts       []string
}

// Star is * (Table "") or t.* in a select item.
type Star struct {
	Pos, EndPos lexer.Position
	Table       string
}

// BinaryExpr is Left Op Right. Op is one of "OR", "AND", "=", "<>", "<", "<=", ">",
// ">=", "||", "+", "-", "*", "/", "%" ("==" is read as "=", "!=" as "<>").
type BinaryExpr struct {
	Pos, EndPos lexer.Position
	Op          string
	Left, Right Expr
}

// UnaryExpr is Op X with Op "NOT", "-" or "+". A minus sign before a number is a
// UnaryExpr too: the checker folds it.
type UnaryExpr struct {
	Pos, EndPos lexer.Position
	Op          string
	X           Expr
}

// IsNullExpr is X IS [NOT] NULL.
type IsNullExpr struct {
	Pos, EndPos lexer.Position
	X           Expr
	Not         bool
}

// InExpr is X [NOT] IN (List...).
type InExpr struct {
	Pos, EndPos lexer.Position
	X           Expr
	List        []Expr
	Not         bool
}

// BetweenExpr is X [NOT] BETWEEN Low AND High.
type BetweenExpr struct {
	Pos, EndPos lexer.Position
	X, Low      Expr
	High        Expr
	Not         bool
}

// LikeExpr is X [NOT] LIKE Pattern.
type LikeExpr struct {
	Pos, EndPos lexer.Position
	X, Pattern  Expr
	Not         bool
}

// CaseExpr is CASE [Operand] WHEN ... THEN ... [ELSE Else] END.
type CaseExpr struct {
	Pos, EndPos lexer.Position
	Operand     Expr // nil for a searched CASE
	Whens       []*When
	Else        Expr // nil if absent
}

// When is one WHEN Cond THEN Result arm of a CaseExpr.
type When struct {
	Pos, EndPos  lexer.Position
	Cond, Result Expr
}

// CastExpr is CAST(X AS Type).
type CastExpr struct {
	Pos, EndPos lexer.Position
	X           Expr
	Type        *TypeName
}

// FuncCall is name([DISTINCT] args) or name(*) (Star set, Args nil).
type FuncCall struct {
	Pos, EndPos lexer.Position
	Name        Ident
	Distinct    bool
	Star        bool
	Args        []Expr
}

var (
	_ Stmt = (*CreateSource)(nil)
	_ Stmt = (*CreateTable)(nil)
	_ Stmt = (*CreateSink)(nil)
	_ Stmt = (*CreateView)(nil)
	_ Stmt = (*CreateFunction)(nil)
	_ Stmt = (*Insert)(nil)

	_ Expr = (*Literal)(nil)
	_ Expr = (*ColumnRef)(nil)
	_ Expr = (*Star)(nil)
	_ Expr = (*BinaryExpr)(nil)
	_ Expr = (*UnaryExpr)(nil)
	_ Expr = (*IsNullExpr)(nil)
	_ Expr = (*InExpr)(nil)
	_ Expr = (*BetweenExpr)(nil)
	_ Expr = (*LikeExpr)(nil)
	_ Expr = (*CaseExpr)(nil)
	_ Expr = (*CastExpr)(nil)
	_ Expr = (*FuncCall)(nil)

	_ Node = (*File)(nil)
	_ Node = (*Ident)(nil)
	_ Node = (*ColumnDef)(nil)
	_ Node = (*TypeName)(nil)
	_ Node = (*Watermark)(nil)
	_ Node = (*Option)(nil)
	_ Node = (*OutputMode)(nil)
	_ Node = (*Trigger)(nil)
	_ Node = (*Select)(nil)
	_ Node = (*SelectItem)(nil)
	_ Node = (*From)(nil)
	_ Node = (*Join)(nil)
	_ Node = (*Union)(nil)
	_ Node = (*OrderItem)(nil)
	_ Node = (*When)(nil)
)

func (*CreateSource) stmtNode()   {}
func (*CreateTable) stmtNode()    {}
func (*CreateSink) stmtNode()     {}
func (*CreateView) stmtNode()     {}
func (*CreateFunction) stmtNode() {}
func (*Insert) stmtNode()         {}

func (*Literal) exprNode()     {}
func (*ColumnRef) exprNode()   {}
func (*Star) exprNode()        {}
func (*BinaryExpr) exprNode()  {}
func (*UnaryExpr) exprNode()   {}
func (*IsNullExpr) exprNode()  {}
func (*InExpr) exprNode()      {}
func (*BetweenExpr) exprNode() {}
func (*LikeExpr) exprNode()    {}
func (*CaseExpr) exprNode()    {}
func (*CastExpr) exprNode()    {}
func (*FuncCall) exprNode()    {}

// Span implements Node.
func (x *File) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Ident) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CreateSource) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CreateTable) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CreateSink) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CreateView) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CreateFunction) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Insert) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *ColumnDef) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *TypeName) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Watermark) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Option) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *OutputMode) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Trigger) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Select) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *SelectItem) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *From) Span() (pos, end lexer.Position)  { return x.Pos, x.EndPos }
func (x *Join) Span() (pos, end lexer.Position)  { return x.Pos, x.EndPos }
func (x *Union) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *OrderItem) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Literal) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *ColumnRef) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *Star) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *BinaryExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *UnaryExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *IsNullExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *InExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *BetweenExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *LikeExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CaseExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *When) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *CastExpr) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }

// Span implements Node.
func (x *FuncCall) Span() (pos, end lexer.Position) { return x.Pos, x.EndPos }
