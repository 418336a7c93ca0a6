package grammar

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Parse parses a sqlstream SQL file. Syntax errors come back as an ErrorList of
// participle.Errors, each positioned at the offending token, with a message such as
// `unexpected "FROM": expected an expression`. After an error the parser skips to the next
// statement (after a ";", or at CREATE or INSERT) and goes on, as go/parser does, so each
// broken statement is reported once; it gives up after maxErrors. The file is nil when
// there was an error. Parse never panics. A leading UTF-8 byte order mark, which some
// Windows editors write, is skipped: positions count from after it.
func Parse(filename string, src []byte) (*File, error) {
	src = bytes.TrimPrefix(src, utf8BOM)
	p := &parser{toks: lex(filename, src)}
	p.prevEnd = p.toks[0].pos
	f := p.file()
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return f, nil
}

// maxErrors is how many syntax errors Parse reports before it stops, as go/parser does.
const maxErrors = 10

// ErrorList is the syntax errors of a file in source order. errors.As finds the first
// participle.Error in it.
type ErrorList []participle.Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

var utf8BOM = []byte("\uFEFF")

// maxDepth bounds the nesting of expressions and subqueries, so that hostile input
// cannot overflow the stack.
const maxDepth = 500

type parser struct {
	toks    []token
	i       int
	prevEnd lexer.Position // end of the last consumed token
	depth   int            // nesting of expr and query calls
	inCase  int            // nesting of CASE expressions: END is reserved inside
	errs    ErrorList
}

// bailout carries a syntax error up to Parse.
type bailout struct{ err participle.Error }

// reserved are the words that are never names unless quoted.
var reserved = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "BY": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "AND": true, "OR": true, "NOT": true, "NULL": true,
	"TRUE": true, "FALSE": true, "CASE": true, "WHEN": true, "THEN": true, "ELSE": true,
	"AS": true, "IN": true, "IS": true, "BETWEEN": true, "LIKE": true, "DISTINCT": true,
	"INSERT": true, "INTO": true, "CREATE": true, "WITH": true, "CAST": true, "INTERVAL": true,
	"JOIN": true, "ON": true, "USING": true, "UNION": true,
}

// isReserved reports whether the unquoted word w is a reserved word.
func isReserved(w string) bool { return reserved[strings.ToUpper(w)] }

func (p *parser) peek() token { return p.toks[p.i] }

// peekAt returns the token n ahead of the current one (0 is the current one).
func (p *parser) peekAt(n int) token {
	if p.i+n >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.i+n]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind == tInvalid {
		p.failAt(t.pos, "%s", t.msg)
	}
	if t.kind != tEOF {
		p.i++
		p.prevEnd = t.end
	}
	return t
}

func isWord(t token, kw string) bool { return t.kind == tWord && strings.EqualFold(t.text, kw) }
func isOp(t token, op string) bool   { return t.kind == tOp && t.text == op }

func (p *parser) atWord(kw string) bool { return isWord(p.peek(), kw) }
func (p *parser) atOp(op string) bool   { return isOp(p.peek(), op) }

func (p *parser) acceptWord(kw string) bool {
	if p.atWord(kw) {
		p.next()
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if p.atOp(op) {
		p.next()
		return true
	}
	return false
}

// expectWord consumes the keyword kw; context completes "expected KW ..." in the error.
func (p *parser) expectWord(kw, context string) token {
	if !p.atWord(kw) {
		p.unexpected(strings.TrimSpace(kw + " " + context))
	}
	return p.next()
}

func (p *parser) expectOp(op, context string) token {
	if !p.atOp(op) {
		p.unexpected(strings.TrimSpace(fmt.Sprintf("%q %s", op, context)))
	}
	return p.next()
}

// failAt aborts the parse with an error at pos.
func (p *parser) failAt(pos lexer.Position, format string, args ...any) {
	panic(bailout{participle.Errorf(pos, format, args...)})
}

// unexpected aborts the parse at the current token: `unexpected X: expected <expected>`.
func (p *parser) unexpected(expected string) {
	t := p.peek()
	if t.kind == tInvalid {
		p.failAt(t.pos, "%s", t.msg)
	}
	note := ""
	if p.i > 0 {
		// A Windows path such as 'C:\dir\' reads on past its last quote: say why.
		if prev := p.toks[p.i-1]; prev.kind == tString && strings.Contains(prev.text, `\'`) {
			note = fmt.Sprintf(` (the string at %d:%d contains \', an escaped quote; a backslash is written \\)`, prev.pos.Line, prev.pos.Column)
		}
	}
	p.failAt(t.pos, "unexpected %s: expected %s%s", describe(t), expected, note)
}

// describe names a token for an error message.
func describe(t token) string {
	text := t.text
	if r := []rune(text); len(r) > 24 {
		text = string(r[:21]) + "..."
	}
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		return "string " + text
	case tQuoted:
		return "quoted name " + text
	}
	return fmt.Sprintf("%q", text)
}

// name parses a (non-reserved or quoted) name; what describes it for errors ("a sink name").
func (p *parser) name(what string) Ident {
	t := p.peek()
	switch {
	case t.kind == tWord && !isReserved(t.text):
		p.next()
		return Ident{Pos: t.pos, EndPos: t.end, Name: t.text}
	case t.kind == tQuoted:
		p.next()
		s, _ := unquote(t.text)
		if s == "" {
			p.failAt(t.pos, "empty quoted name: expected %s", what)
		}
		return Ident{Pos: t.pos, EndPos: t.end, Name: s}
	case t.kind == tWord:
		// Hint at quoting only when the keyword looks like it was meant as a name.
		if n := p.peekAt(1); n.kind == tWord || n.kind == tQuoted || isOp(n, ",") || isOp(n, ")") || isOp(n, ".") {
			p.failAt(t.pos, "unexpected %q: expected %s (%s is a reserved word; to use it as a name, quote it: \"%s\")",
				t.text, what, strings.ToUpper(t.text), t.text)
		}
	}
	p.unexpected(what)
	panic("unreachable")
}

// isName reports whether t can start a name.
func isName(t token) bool {
	return t.kind == tQuoted || t.kind == tWord && !isReserved(t.text)
}

func (p *parser) file() *File {
	f := &File{Pos: p.peek().pos}
	for len(p.errs) < maxErrors {
		for p.acceptOp(";") {
		}
		if p.peek().kind == tEOF {
			break
		}
		if s := p.stmtRecovering(); s != nil {
			f.Stmts = append(f.Stmts, s)
		}
	}
	f.EndPos = p.peek().pos
	return f
}

// stmtRecovering parses a statement and what ends it. On a syntax error it records the
// error, skips to where the next statement can start and returns nil.
func (p *parser) stmtRecovering() (s Stmt) {
	start := p.i
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		b, ok := r.(bailout)
		if !ok {
			panic(r)
		}
		p.errs = append(p.errs, b.err)
		p.depth, p.inCase = 0, 0
		if p.i == start {
			p.skip() // the statement's first token is what is wrong
		}
		for t := p.peek(); t.kind != tEOF && !isOp(t, ";") && !isWord(t, "CREATE") && !isWord(t, "INSERT"); t = p.peek() {
			p.skip()
		}
		s = nil
	}()
	s = p.stmt()
	if !p.atOp(";") && p.peek().kind != tEOF {
		p.unexpected(`";" or end of file after statement`)
	}
	return s
}

// skip moves past the current token without looking at it (an invalid one was reported or
// is part of a statement already reported).
func (p *parser) skip() {
	if t := p.peek(); t.kind != tEOF {
		p.i++
		p.prevEnd = t.end
	}
}

func (p *parser) stmt() Stmt {
	t := p.peek()
	switch {
	case isWord(t, "CREATE"):
		p.next()
		k := p.peek()
		switch {
		case isWord(k, "SOURCE"):
			p.next()
			s := &CreateSource{Pos: t.pos, Name: p.name("a source name")}
			s.Columns, s.Watermark = p.columns("SOURCE", true)
			s.With = p.optWith()
			s.EndPos = p.prevEnd
			return s
		case isWord(k, "TABLE"):
			p.next()
			s := &CreateTable{Pos: t.pos, Name: p.name("a table name")}
			s.Columns, _ = p.columns("TABLE", false)
			s.With = p.optWith()
			s.EndPos = p.prevEnd
			return s
		case isWord(k, "SINK"):
			p.next()
			s := &CreateSink{Pos: t.pos, Name: p.name("a sink name")}
			if p.atOp("(") {
				s.Columns, _ = p.columns("SINK", false)
			}
			s.With = p.optWith()
			s.EndPos = p.prevEnd
			return s
		case isWord(k, "VIEW"):
			p.next()
			s := &CreateView{Pos: t.pos, Name: p.name("a view name")}
			p.expectWord("AS", "after the view name")
			if !p.atWord("SELECT") {
				p.unexpected("SELECT after CREATE VIEW ... AS")
			}
			s.Query = p.query()
			s.EndPos = p.prevEnd
			return s
		case isWord(k, "FUNCTION"):
			p.next()
			s := &CreateFunction{Pos: t.pos, Name: p.name("a function name")}
			p.expectWord("AS", "after the function name")
			if p.peek().kind != tString {
				p.unexpected("a string naming the Go function, e.g. 'example.com/pkg.Func'")
			}
			s.Target = p.stringLit()
			s.EndPos = p.prevEnd
			return s
		}
		p.unexpected("SOURCE, TABLE, SINK, VIEW or FUNCTION after CREATE")
	case isWord(t, "INSERT"):
		return p.insert()
	case isWord(t, "SELECT"):
		p.failAt(t.pos, `unexpected %q: a query must name its sink: INSERT INTO <sink> SELECT ...`, t.text)
	}
	p.unexpected("CREATE or INSERT at start of statement")
	panic("unreachable")
}

// columns parses "(" column definitions ")"; the watermark is allowed in a source only.
func (p *parser) columns(what string, watermarkOK bool) ([]*ColumnDef, *Watermark) {
	open := p.expectOp("(", "and the column list after the "+strings.ToLower(what)+" name")
	var cols []*ColumnDef
	var wm *Watermark
	for {
		t := p.peek()
		if isWord(t, "WATERMARK") && isWord(p.peekAt(1), "FOR") {
			switch {
			case !watermarkOK:
				p.failAt(t.pos, "WATERMARK is only allowed in CREATE SOURCE, not in CREATE %s", what)
			case wm != nil:
				p.failAt(t.pos, "duplicate WATERMARK: a source has at most one (first at %d:%d)", wm.Pos.Line, wm.Pos.Column)
			}
			p.next()
			p.next()
			wm = &Watermark{Pos: t.pos, Column: p.name("the event-time column after WATERMARK FOR")}
			p.expectWord("AS", "after WATERMARK FOR "+wm.Column.Name)
			wm.Expr = p.expr()
			wm.EndPos = p.prevEnd
		} else {
			c := &ColumnDef{Pos: t.pos, Name: p.name("a column name")}
			c.Type = p.typeName(fmt.Sprintf("a type for column %q", c.Name.Name))
			if nt := p.peek(); isWord(nt, "NOT") {
				p.next()
				p.expectWord("NULL", "after NOT")
				c.NotNull = true
			}
			c.EndPos = p.prevEnd
			cols = append(cols, c)
		}
		if p.acceptOp(",") {
			continue
		}
		if p.acceptOp(")") {
			return cols, wm
		}
		p.unexpected(fmt.Sprintf(`"," or ")" after column definition (to close "(" at %d:%d)`, open.pos.Line, open.pos.Column))
	}
}

// typeName parses a type name; what describes it for errors.
func (p *parser) typeName(what string) *TypeName {
	t := p.peek()
	if t.kind != tWord || isReserved(t.text) {
		p.unexpected(what + " (BOOLEAN, INT, BIGINT, DOUBLE, STRING, BYTES, TIMESTAMP or DATE)")
	}
	p.next()
	tn := &TypeName{Pos: t.pos, Name: strings.ToUpper(t.text)}
	if (tn.Name == "VARCHAR" || tn.Name == "CHAR") && p.atOp("(") {
		p.next()
		if n := p.peek(); n.kind != tNumber || strings.ContainsAny(n.text, ".eE") {
			p.unexpected("a length after " + tn.Name + "(")
		}
		p.next()
		p.expectOp(")", "after the length")
	}
	tn.EndPos = p.prevEnd
	return tn
}

// optWith parses an optional WITH (options) list.
func (p *parser) optWith() []*Option {
	if !p.atWord("WITH") {
		return nil
	}
	p.next()
	p.expectOp("(", "after WITH")
	var opts []*Option
	for {
		opts = append(opts, p.option())
		if p.acceptOp(",") {
			continue
		}
		if p.acceptOp(")") {
			return opts
		}
		p.unexpected(`"," or ")" after option`)
	}
}

func (p *parser) option() *Option {
	t := p.peek()
	o := &Option{Pos: t.pos}
	switch t.kind {
	case tWord:
		p.next()
		name := t.text
		for p.atOp(".") {
			p.next()
			if p.peek().kind != tWord {
				p.unexpected(`an option name part after "."`)
			}
			name += "." + p.next().text
		}
		o.Key = Ident{Pos: t.pos, EndPos: p.prevEnd, Name: name}
	case tQuoted, tString:
		p.next()
		s, _ := unquote(t.text)
		if t.kind == tString {
			s, _ = unescapeString(t.text)
		}
		if s == "" {
			p.failAt(t.pos, "empty option name")
		}
		o.Key = Ident{Pos: t.pos, EndPos: t.end, Name: s}
	default:
		p.unexpected("an option name")
	}
	p.expectOp("=", fmt.Sprintf("after option name %q", o.Key.Name))
	o.Value = p.optionValue(o.Key.Name)
	o.EndPos = p.prevEnd
	return o
}

// optionValue parses a string, number (optionally signed) or boolean.
func (p *parser) optionValue(key string) *Literal {
	t := p.peek()
	switch {
	case t.kind == tString:
		return p.stringLit()
	case t.kind == tNumber:
		return p.numberLit()
	case (isOp(t, "-") || isOp(t, "+")) && p.peekAt(1).kind == tNumber:
		p.next()
		l := p.numberLit()
		l.Pos = t.pos
		if t.text == "-" {
			l.Text = "-" + l.Text
		}
		return l
	case isWord(t, "TRUE") || isWord(t, "FALSE"):
		p.next()
		return &Literal{Pos: t.pos, EndPos: t.end, Kind: LitBool, Text: strings.ToUpper(t.text)}
	case t.kind == tWord || t.kind == tQuoted:
		p.failAt(t.pos, "unexpected %s: option %q needs a string, number or boolean value (quote text: '%s')",
			describe(t), key, strings.ReplaceAll(strings.Trim(t.text, "\"`"), "'", "''"))
	}
	p.unexpected(fmt.Sprintf("a string, number or boolean value for option %q", key))
	panic("unreachable")
}

func (p *parser) stringLit() *Literal {
	t := p.next()
	s, _ := unescapeString(t.text)
	return &Literal{Pos: t.pos, EndPos: t.end, Kind: LitString, Text: s}
}

func (p *parser) numberLit() *Literal {
	t := p.next()
	k := LitInt
	if strings.ContainsAny(t.text, ".eE") {
		k = LitDecimal
	}
	return &Literal{Pos: t.pos, EndPos: t.end, Kind: k, Text: t.text}
}

func (p *parser) insert() *Insert {
	t := p.next() // INSERT
	p.expectWord("INTO", "after INSERT")
	s := &Insert{Pos: t.pos, Sink: p.name("a sink name after INSERT INTO")}
	if !p.atWord("SELECT") {
		p.unexpected("SELECT after INSERT INTO " + s.Sink.Name)
	}
	s.Query = p.query()
	for {
		t := p.peek()
		switch {
		case isWord(t, "OUTPUT") && isWord(p.peekAt(1), "MODE"):
			if s.OutputMode != nil {
				p.failAt(t.pos, "duplicate OUTPUT MODE clause")
			}
			p.next()
			p.next()
			m := p.peek()
			if !isWord(m, "APPEND") && !isWord(m, "UPDATE") && !isWord(m, "COMPLETE") {
				p.unexpected("APPEND, UPDATE or COMPLETE after OUTPUT MODE")
			}
			p.next()
			s.OutputMode = &OutputMode{Pos: t.pos, EndPos: m.end, Mode: strings.ToUpper(m.text)}
		case isWord(t, "TRIGGER"):
			if s.Trigger != nil {
				p.failAt(t.pos, "duplicate TRIGGER clause")
			}
			p.next()
			s.Trigger = p.trigger(t.pos)
		case isWord(t, "WITH"):
			if s.With != nil {
				p.failAt(t.pos, "duplicate WITH clause")
			}
			s.With = p.optWith()
		default:
			s.EndPos = p.prevEnd
			return s
		}
	}
}

func (p *parser) trigger(pos lexer.Position) *Trigger {
	tr := &Trigger{Pos: pos}
	switch t := p.peek(); {
	case isWord(t, "EVERY"):
		p.next()
		tr.Kind = "EVERY"
		switch n := p.peek(); {
		case n.kind == tString:
			tr.Interval = p.stringLit()
		case isWord(n, "INTERVAL"):
			tr.Interval = p.interval()
		default:
			p.unexpected("an interval after TRIGGER EVERY, e.g. '2 seconds' or INTERVAL '2' SECOND")
		}
	case isWord(t, "ONCE"):
		p.next()
		tr.Kind = "ONCE"
	case isWord(t, "AVAILABLE"):
		p.next()
		p.expectWord("NOW", "after TRIGGER AVAILABLE")
		tr.Kind = "AVAILABLE NOW"
	default:
		p.unexpected("EVERY, ONCE or AVAILABLE NOW after TRIGGER")
	}
	tr.EndPos = p.prevEnd
	return tr
}

// enter guards recursion depth; call as defer p.enter()().
func (p *parser) enter() func() {
	p.depth++
	if p.depth > maxDepth {
		p.failAt(p.peek().pos, "expression or query nested too deeply (more than %d levels)", maxDepth)
	}
	return func() { p.depth-- }
}

// query parses a SELECT, with the SELECTs UNION [ALL] joins to it, and the ORDER BY and
// LIMIT of the whole.
func (p *parser) query() *Select {
	defer p.enter()()
	saveCase := p.inCase
	p.inCase = 0
	defer func() { p.inCase = saveCase }()

	s := p.selectCore()
	for p.atWord("UNION") {
		t := p.next()
		u := &Union{Pos: t.pos, All: p.acceptWord("ALL")}
		if !p.atWord("SELECT") {
			p.unexpected(`SELECT after UNION`)
		}
		u.Query = p.selectCore()
		u.EndPos = p.prevEnd
		s.Unions = append(s.Unions, u)
	}
	if p.acceptWord("ORDER") {
		p.expectWord("BY", "after ORDER")
		for {
			s.OrderBy = append(s.OrderBy, p.orderItem())
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if p.acceptWord("LIMIT") {
		if n := p.peek(); n.kind != tNumber || strings.ContainsAny(n.text, ".eE") {
			p.unexpected("an integer after LIMIT")
		}
		s.Limit = p.numberLit()
	}
	s.EndPos = p.prevEnd
	return s
}

// selectCore parses SELECT ... [HAVING ...]: a query without UNION, ORDER BY and LIMIT.
func (p *parser) selectCore() *Select {
	t := p.expectWord("SELECT", "")
	s := &Select{Pos: t.pos}
	s.Distinct = p.acceptWord("DISTINCT")
	if s.Distinct && p.acceptWord("ON") {
		p.expectOp("(", "after DISTINCT ON")
		s.DistinctOn = p.exprList()
		p.expectOp(")", "after the DISTINCT ON columns")
	}
	for {
		s.Items = append(s.Items, p.selectItem())
		if !p.acceptOp(",") {
			break
		}
	}
	if !p.atWord("FROM") {
		p.unexpected(`"," or FROM after select item`)
	}
	s.From = p.from()
	if p.acceptWord("WHERE") {
		s.Where = p.expr()
	}
	if p.acceptWord("GROUP") {
		p.expectWord("BY", "after GROUP")
		s.GroupBy = p.exprList()
	}
	if p.acceptWord("HAVING") {
		s.Having = p.expr()
	}
	s.EndPos = p.prevEnd
	return s
}

func (p *parser) exprList() []Expr {
	list := []Expr{p.expr()}
	for p.acceptOp(",") {
		list = append(list, p.expr())
	}
	return list
}

func (p *parser) selectItem() *SelectItem {
	t := p.peek()
	it := &SelectItem{Pos: t.pos}
	switch {
	case isOp(t, "*"):
		p.next()
		it.Expr = &Star{Pos: t.pos, EndPos: t.end}
		it.EndPos = t.end
		return it // "*" takes no alias
	case isName(t) && isOp(p.peekAt(1), ".") && isOp(p.peekAt(2), "*"):
		table := p.name("a table name")
		p.next()
		star := p.next()
		it.Expr = &Star{Pos: t.pos, EndPos: star.end, Table: table.Name}
		it.EndPos = star.end
		return it
	}
	it.Expr = p.expr()
	if p.acceptWord("AS") {
		a := p.name("an alias after AS")
		it.Alias = &a
	} else if isName(p.peek()) {
		a := p.name("an alias")
		it.Alias = &a
	}
	it.EndPos = p.prevEnd
	return it
}

// joinWords start a join: never an alias written without AS.
var joinWords = map[string]bool{"JOIN": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true, "NATURAL": true}

// from parses FROM item [join ...].
func (p *parser) from() *From {
	t := p.next() // FROM
	f := p.fromItem(t.pos, "a source, table or view name after FROM")
	for {
		j := p.join()
		if j == nil {
			break
		}
		f.Joins = append(f.Joins, j)
	}
	f.EndPos = p.prevEnd
	return f
}

// fromItem parses a name or a parenthesised SELECT, and its alias.
func (p *parser) fromItem(pos lexer.Position, what string) *From {
	f := &From{Pos: pos}
	if open := p.peek(); isOp(open, "(") {
		p.next()
		if !p.atWord("SELECT") {
			p.unexpected("SELECT after \"(\"")
		}
		f.Subquery = p.query()
		if !p.atOp(")") {
			p.unexpected(fmt.Sprintf(`")" to close "(" at %d:%d`, open.pos.Line, open.pos.Column))
		}
		p.next()
	} else {
		n := p.name(what)
		f.Name = &n
	}
	if p.acceptWord("AS") {
		a := p.name("an alias after AS")
		f.Alias = &a
	} else if p.implicitAlias() {
		a := p.name("an alias")
		f.Alias = &a
	}
	f.EndPos = p.prevEnd
	return f
}

// join parses one join, or returns nil when the next token starts none.
func (p *parser) join() *Join {
	t := p.peek()
	if t.kind != tWord || !joinWords[strings.ToUpper(t.text)] {
		return nil
	}
	j := &Join{Pos: t.pos}
	switch strings.ToUpper(t.text) {
	case "NATURAL":
		p.failAt(t.pos, "NATURAL JOIN is not supported: name the join columns with USING (...) or ON")
	case "JOIN":
		j.Kind = "INNER"
	case "INNER", "CROSS", "FULL", "RIGHT":
		p.next()
		j.Kind = strings.ToUpper(t.text)
		if j.Kind == "FULL" || j.Kind == "RIGHT" {
			p.acceptWord("OUTER")
		}
	case "LEFT":
		p.next()
		j.Kind = "LEFT"
		switch {
		case p.acceptWord("SEMI"):
			j.Kind = "SEMI"
		case p.acceptWord("ANTI"):
			j.Kind = "ANTI"
		default:
			p.acceptWord("OUTER")
		}
	}
	p.expectWord("JOIN", "after "+strings.ToUpper(t.text))
	j.Right = p.fromItem(p.peek().pos, "a table, source or view name after JOIN")
	switch {
	case p.acceptWord("ON"):
		j.On = p.expr()
	case p.acceptWord("USING"):
		p.expectOp("(", "after USING")
		for {
			j.Using = append(j.Using, p.name("a column name in USING"))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectOp(")", "after the USING columns")
	case j.Kind != "CROSS":
		p.unexpected("ON or USING after the joined relation")
	}
	j.EndPos = p.prevEnd
	return j
}

// implicitAlias reports whether the next token is an alias written without AS after a
// FROM item: a name that does not start a later clause or a join.
func (p *parser) implicitAlias() bool {
	t := p.peek()
	if !isName(t) {
		return false
	}
	if t.kind == tQuoted {
		return true
	}
	next := p.peekAt(1)
	switch strings.ToUpper(t.text) {
	case "OUTPUT":
		return !isWord(next, "MODE")
	case "TRIGGER":
		return !isWord(next, "EVERY") && !isWord(next, "ONCE") && !isWord(next, "AVAILABLE")
	}
	return !joinWords[strings.ToUpper(t.text)]
}

func (p *parser) orderItem() *OrderItem {
	o := &OrderItem{Pos: p.peek().pos, Expr: p.expr()}
	if p.acceptWord("DESC") {
		o.Desc = true
	} else {
		p.acceptWord("ASC")
	}
	if p.acceptWord("NULLS") {
		switch t := p.peek(); {
		case isWord(t, "FIRST"), isWord(t, "LAST"):
			p.next()
			o.Nulls = strings.ToUpper(t.text)
		default:
			p.unexpected("FIRST or LAST after NULLS")
		}
	}
	o.EndPos = p.prevEnd
	return o
}
