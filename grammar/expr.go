package grammar

import (
	"fmt"
	"strings"
)

// Expression parsing by precedence climbing, lowest to highest:
//
//	OR; AND; NOT; comparison (= <> < <= > >=, IS [NOT] NULL, [NOT] IN, [NOT] BETWEEN,
//	[NOT] LIKE; left-associative); ||; + -; * / %; unary - +; primary.
//
// Each node spans from its first token to its last, parentheses included.

// Operator precedences, shared with the printer.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCompare
	precConcat
	precAdd
	precMul
	precUnary
	precPrimary
)

var binaryPrec = map[string]int{
	"OR": precOr, "AND": precAnd,
	"=": precCompare, "<>": precCompare, "<": precCompare, "<=": precCompare, ">": precCompare, ">=": precCompare,
	"||": precConcat, "+": precAdd, "-": precAdd, "*": precMul, "/": precMul, "%": precMul,
}

// binaryOp returns the normalised operator of t at precedence prec, if it is one.
func binaryOp(t token, prec int) (string, bool) {
	var op string
	switch t.kind {
	case tWord:
		op = strings.ToUpper(t.text)
		if op != "OR" && op != "AND" {
			return "", false
		}
	case tOp:
		switch op = t.text; op {
		case "==":
			op = "="
		case "!=":
			op = "<>"
		}
	default:
		return "", false
	}
	pr, ok := binaryPrec[op]
	return op, ok && pr == prec
}

// expr parses a full expression.
func (p *parser) expr() Expr {
	defer p.enter()()
	return p.binary(precOr)
}

// binary parses a left-associative chain of operators at precedence prec (OR, AND,
// ||, + -, * /); NOT and comparisons have their own functions.
func (p *parser) binary(prec int) Expr {
	switch prec {
	case precNot:
		return p.not()
	case precCompare:
		return p.comparison()
	case precUnary:
		return p.unary()
	}
	start := p.peek().pos
	x := p.binary(prec + 1)
	for {
		op, ok := binaryOp(p.peek(), prec)
		if !ok {
			return x
		}
		p.next()
		y := p.binary(prec + 1)
		x = &BinaryExpr{Pos: start, EndPos: p.prevEnd, Op: op, Left: x, Right: y}
	}
}

func (p *parser) not() Expr {
	var nots []token
	for p.atWord("NOT") {
		nots = append(nots, p.next())
	}
	x := p.comparison()
	for i := len(nots) - 1; i >= 0; i-- {
		x = &UnaryExpr{Pos: nots[i].pos, EndPos: p.prevEnd, Op: "NOT", X: x}
	}
	return x
}

func (p *parser) comparison() Expr {
	start := p.peek().pos
	x := p.binary(precConcat)
	for {
		t := p.peek()
		if op, ok := binaryOp(t, precCompare); ok {
			p.next()
			y := p.binary(precConcat)
			x = &BinaryExpr{Pos: start, EndPos: p.prevEnd, Op: op, Left: x, Right: y}
			continue
		}
		if isWord(t, "IS") {
			p.next()
			not := p.acceptWord("NOT")
			if !p.atWord("NULL") {
				if not {
					p.unexpected("NULL after IS NOT")
				}
				p.unexpected("NULL or NOT NULL after IS")
			}
			p.next()
			x = &IsNullExpr{Pos: start, EndPos: p.prevEnd, X: x, Not: not}
			continue
		}
		not := false
		if isWord(t, "NOT") {
			n := p.peekAt(1)
			if !isWord(n, "IN") && !isWord(n, "BETWEEN") && !isWord(n, "LIKE") {
				p.next()
				p.unexpected("IN, BETWEEN or LIKE after NOT")
			}
			p.next()
			not = true
			t = p.peek()
		}
		switch {
		case isWord(t, "IN"):
			p.next()
			open := p.expectOp("(", "after IN")
			if p.atWord("SELECT") {
				p.failAt(p.peek().pos, "subqueries are not supported in IN; list the values: IN (a, b, ...)")
			}
			list := p.exprList()
			p.closeParen(open, `"," or ")" in IN list`)
			x = &InExpr{Pos: start, EndPos: p.prevEnd, X: x, List: list, Not: not}
		case isWord(t, "BETWEEN"):
			p.next()
			low := p.binary(precConcat)
			p.expectWord("AND", "in BETWEEN ... AND ...")
			high := p.binary(precConcat)
			x = &BetweenExpr{Pos: start, EndPos: p.prevEnd, X: x, Low: low, High: high, Not: not}
		case isWord(t, "LIKE"):
			p.next()
			pat := p.binary(precConcat)
			x = &LikeExpr{Pos: start, EndPos: p.prevEnd, X: x, Pattern: pat, Not: not}
		default:
			return x
		}
	}
}

// closeParen expects the ")" that closes open.
func (p *parser) closeParen(open token, expected string) {
	if !p.atOp(")") {
		p.unexpected(fmt.Sprintf(`%s (to close "(" at %d:%d)`, expected, open.pos.Line, open.pos.Column))
	}
	p.next()
}

func (p *parser) unary() Expr {
	var ops []token
	for p.atOp("-") || p.atOp("+") {
		ops = append(ops, p.next())
	}
	x := p.primary()
	for i := len(ops) - 1; i >= 0; i-- {
		x = &UnaryExpr{Pos: ops[i].pos, EndPos: p.prevEnd, Op: ops[i].text, X: x}
	}
	return x
}

func (p *parser) primary() Expr {
	t := p.peek()
	switch t.kind {
	case tNumber:
		return p.numberLit()
	case tString:
		return p.stringLit()
	case tQuoted:
		return p.nameExpr()
	case tOp:
		if t.text == "(" {
			p.next()
			if p.atWord("SELECT") {
				p.failAt(p.peek().pos, "subqueries are only supported in FROM")
			}
			x := p.expr()
			p.closeParen(t, `")"`)
			return x
		}
	case tWord:
		switch strings.ToUpper(t.text) {
		case "NULL":
			p.next()
			return &Literal{Pos: t.pos, EndPos: t.end, Kind: LitNull, Text: "NULL"}
		case "TRUE", "FALSE":
			p.next()
			return &Literal{Pos: t.pos, EndPos: t.end, Kind: LitBool, Text: strings.ToUpper(t.text)}
		case "INTERVAL":
			return p.interval()
		case "CASE":
			return p.caseExpr()
		case "CAST":
			return p.cast()
		case "END":
			if p.inCase > 0 {
				p.unexpected(`an expression (inside CASE, END ends the CASE; write a column named end as "end")`)
			}
		}
		if !isReserved(t.text) {
			return p.nameExpr()
		}
	}
	p.unexpected("an expression")
	panic("unreachable")
}

// nameExpr parses a column reference or a function call.
func (p *parser) nameExpr() Expr {
	id := p.name("an expression")
	if p.atOp("(") {
		return p.call(id)
	}
	c := &ColumnRef{Pos: id.Pos, Parts: []string{id.Name}}
	for p.atOp(".") {
		p.next()
		t := p.peek()
		switch t.kind {
		case tWord:
			p.next()
			c.Parts = append(c.Parts, t.text)
		case tQuoted:
			p.next()
			s, _ := unquote(t.text)
			if s == "" {
				p.failAt(t.pos, "empty quoted name")
			}
			c.Parts = append(c.Parts, s)
		default:
			if isOp(t, "*") {
				p.failAt(t.pos, `unexpected "*": %s.* is only allowed as a select item`, strings.Join(c.Parts, "."))
			}
			p.unexpected(`a column name after "."`)
		}
	}
	c.EndPos = p.prevEnd
	return c
}

func (p *parser) call(name Ident) Expr {
	if strings.EqualFold(name.Name, "EXTRACT") {
		return p.extract(name)
	}
	open := p.next() // (
	f := &FuncCall{Pos: name.Pos, Name: name}
	switch {
	case p.atOp("*"):
		p.next()
		f.Star = true
		p.closeParen(open, `")" after "*"`)
	case p.atOp(")"):
		p.next()
	default:
		f.Distinct = p.acceptWord("DISTINCT")
		f.Args = p.exprList()
		p.closeParen(open, fmt.Sprintf(`"," or ")" in the arguments of %s`, name.Name))
	}
	f.EndPos = p.prevEnd
	return f
}

// extract parses EXTRACT(field FROM x) into the call field(x): year(x), hour(x), ...
func (p *parser) extract(name Ident) Expr {
	open := p.next() // (
	field := p.name("a field such as YEAR or HOUR in EXTRACT(field FROM ...)")
	p.expectWord("FROM", "in EXTRACT(field FROM ...)")
	f := &FuncCall{Pos: name.Pos, Name: Ident{Pos: field.Pos, EndPos: field.EndPos, Name: strings.ToLower(field.Name)}, Args: []Expr{p.expr()}}
	p.closeParen(open, `")" after EXTRACT(field FROM ...)`)
	f.EndPos = p.prevEnd
	return f
}

func (p *parser) cast() Expr {
	t := p.next() // CAST
	open := p.expectOp("(", "after CAST")
	c := &CastExpr{Pos: t.pos, X: p.expr()}
	p.expectWord("AS", "and a type in CAST(... AS type)")
	c.Type = p.typeName("a type name")
	p.closeParen(open, `")" after the CAST type`)
	c.EndPos = p.prevEnd
	return c
}

func (p *parser) caseExpr() Expr {
	t := p.next() // CASE
	p.inCase++
	defer func() { p.inCase-- }()
	c := &CaseExpr{Pos: t.pos}
	if !p.atWord("WHEN") {
		c.Operand = p.expr()
		if !p.atWord("WHEN") {
			p.unexpected("WHEN in CASE expression")
		}
	}
	for p.atWord("WHEN") {
		w := &When{Pos: p.next().pos, Cond: p.expr()}
		p.expectWord("THEN", "after the WHEN condition")
		w.Result = p.expr()
		w.EndPos = p.prevEnd
		c.Whens = append(c.Whens, w)
	}
	if p.acceptWord("ELSE") {
		c.Else = p.expr()
		p.expectWord("END", "after the ELSE result of CASE")
	} else {
		p.expectWord("END", "(or WHEN, ELSE) to finish CASE")
	}
	c.EndPos = p.prevEnd
	return c
}

// intervalUnits maps accepted unit spellings (singular and plural) to the Unit kept.
var intervalUnits = map[string]string{}

func init() {
	for _, u := range []string{"YEAR", "MONTH", "WEEK", "DAY", "HOUR", "MINUTE", "SECOND", "MILLISECOND", "MICROSECOND"} {
		intervalUnits[u] = u
		intervalUnits[u+"S"] = u
	}
}

// interval parses INTERVAL 'text' [unit] (or INTERVAL n unit).
func (p *parser) interval() *Literal {
	t := p.next() // INTERVAL
	l := &Literal{Pos: t.pos, Kind: LitInterval}
	switch v := p.peek(); v.kind {
	case tString:
		l.Text = p.stringLit().Text
	case tNumber:
		l.Text = p.next().text
	default:
		p.unexpected("a quoted interval after INTERVAL, e.g. INTERVAL '10' MINUTE or INTERVAL '10 minutes'")
	}
	if u := p.peek(); u.kind == tWord {
		if unit, ok := intervalUnits[strings.ToUpper(u.text)]; ok {
			p.next()
			l.Unit = unit
		}
	}
	l.EndPos = p.prevEnd
	return l
}
