package grammar

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignorePos compares ASTs without their positions.
var ignorePos = cmpopts.IgnoreTypes(lexer.Position{})

func mustParse(t *testing.T, src string) *File {
	t.Helper()
	f, err := Parse("q.sql", []byte(src))
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	return f
}

// parseExpr parses a lone expression.
func parseExpr(src string) (e Expr, err error) {
	p := &parser{toks: lex("e.sql", []byte(src))}
	defer func() {
		if r := recover(); r != nil {
			err = r.(bailout).err
		}
	}()
	e = p.expr()
	if p.peek().kind != tEOF {
		p.unexpected("end of expression")
	}
	return e, nil
}

// sexpr prints e fully parenthesised, to show the tree's shape.
func sexpr(e Expr) string {
	not := func(n bool) string {
		if n {
			return "NOT "
		}
		return ""
	}
	list := func(es []Expr) string {
		s := make([]string, len(es))
		for i, e := range es {
			s[i] = sexpr(e)
		}
		return strings.Join(s, " ")
	}
	switch e := e.(type) {
	case *BinaryExpr:
		return fmt.Sprintf("(%s %s %s)", e.Op, sexpr(e.Left), sexpr(e.Right))
	case *UnaryExpr:
		return fmt.Sprintf("(%s %s)", e.Op, sexpr(e.X))
	case *IsNullExpr:
		return fmt.Sprintf("(IS %sNULL %s)", not(e.Not), sexpr(e.X))
	case *InExpr:
		return fmt.Sprintf("(%sIN %s [%s])", not(e.Not), sexpr(e.X), list(e.List))
	case *BetweenExpr:
		return fmt.Sprintf("(%sBETWEEN %s %s %s)", not(e.Not), sexpr(e.X), sexpr(e.Low), sexpr(e.High))
	case *LikeExpr:
		return fmt.Sprintf("(%sLIKE %s %s)", not(e.Not), sexpr(e.X), sexpr(e.Pattern))
	case *FuncCall:
		if e.Star {
			return e.Name.Name + "(*)"
		}
		d := ""
		if e.Distinct {
			d = "DISTINCT "
		}
		return fmt.Sprintf("%s(%s%s)", e.Name.Name, d, list(e.Args))
	case *CaseExpr:
		s := "(CASE"
		if e.Operand != nil {
			s += " " + sexpr(e.Operand)
		}
		for _, w := range e.Whens {
			s += fmt.Sprintf(" [%s %s]", sexpr(w.Cond), sexpr(w.Result))
		}
		if e.Else != nil {
			s += " ELSE " + sexpr(e.Else)
		}
		return s + ")"
	case *CastExpr:
		return fmt.Sprintf("(CAST %s %s)", sexpr(e.X), e.Type.Name)
	case *ColumnRef:
		return strings.Join(e.Parts, ".")
	case *Literal:
		return fmt.Sprintf("%s:%s%s", e.Kind, e.Text, e.Unit)
	}
	return fmt.Sprintf("%T", e)
}

func TestPrecedence(t *testing.T) {
	tests := []struct{ src, want string }{
		{"a OR b AND c", "(OR a (AND b c))"},
		{"a AND b OR c", "(OR (AND a b) c)"},
		{"NOT a = b", "(NOT (= a b))"},
		{"NOT a AND b", "(AND (NOT a) b)"},
		{"NOT NOT a", "(NOT (NOT a))"},
		{"-x * y", "(* (- x) y)"},
		{"- -x", "(- (- x))"},
		{"a || b + c", "(|| a (+ b c))"},
		{"a + b || c", "(|| (+ a b) c)"},
		{"a + b * c - d", "(- (+ a (* b c)) d)"},
		{"a - b - c", "(- (- a b) c)"},
		{"a / b % c", "(% (/ a b) c)"},
		{"(a + b) * c", "(* (+ a b) c)"},
		{"a == b", "(= a b)"},
		{"a != b", "(<> a b)"},
		{"a <> b AND c >= d", "(AND (<> a b) (>= c d))"},
		{"a < b = c", "(= (< a b) c)"},
		{"a + 1 > b * 2", "(> (+ a Int:1) (* b Int:2))"},
		{"a IS NULL", "(IS NULL a)"},
		{"a IS NOT NULL AND b", "(AND (IS NOT NULL a) b)"},
		{"NOT a IS NULL", "(NOT (IS NULL a))"},
		{"a + 1 IS NULL", "(IS NULL (+ a Int:1))"},
		{"a IN (1, 2, 3)", "(IN a [Int:1 Int:2 Int:3])"},
		{"a NOT IN ('x')", "(NOT IN a [String:x])"},
		{"a BETWEEN 1 AND 2 AND b", "(AND (BETWEEN a Int:1 Int:2) b)"},
		{"a NOT BETWEEN b + 1 AND c", "(NOT BETWEEN a (+ b Int:1) c)"},
		{"a LIKE 'x%' OR b NOT LIKE c || 'y'", "(OR (LIKE a String:x%) (NOT LIKE b (|| c String:y)))"},
		{"count(*)", "count(*)"},
		{"count(DISTINCT user)", "count(DISTINCT user)"},
		{"f()", "f()"},
		{"window.start", "window.start"},
		{"t.a + 1", "(+ t.a Int:1)"},
		{"CAST(a AS bigint) + 1", "(+ (CAST a BIGINT) Int:1)"},
		{"CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END", "(CASE [a Int:1] [b Int:2] ELSE Int:3)"},
		{"CASE x WHEN 1 THEN 'a' END", "(CASE x [Int:1 String:a])"},
		{"CASE WHEN a THEN window.end END", "(CASE [a window.end])"},
		{"INTERVAL '10' MINUTE", "Interval:10MINUTE"},
		{"INTERVAL '10 minutes'", "Interval:10 minutes"},
		{"INTERVAL '1' hours", "Interval:1HOUR"},
		{"ts - INTERVAL '10' SECOND", "(- ts Interval:10SECOND)"},
		{"1.5 + .5 + 1e3 + 7", "(+ (+ (+ Decimal:1.5 Decimal:.5) Decimal:1e3) Int:7)"},
		{"99999999999999999999999", "Int:99999999999999999999999"},
		{"'it''s'", "String:it's"},
		{"NULL", "Null:NULL"},
		{"true OR False", "(OR Bool:TRUE Bool:FALSE)"},
		{`"Weird Name" + ` + "`x`", "(+ Weird Name x)"},
		{"end + start", "(+ end start)"},
	}
	for _, tt := range tests {
		e, err := parseExpr(tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if got := sexpr(e); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestSeedExample(t *testing.T) {
	f := mustParse(t, `CREATE SOURCE lines (value STRING)
WITH (connector = 'files', path = '/tmp/text', format = 'text');

CREATE SINK out WITH (connector = 'console');

INSERT INTO out
SELECT length(value) AS len, count(*) AS count
FROM lines
GROUP BY len
OUTPUT MODE UPDATE
TRIGGER EVERY '2 seconds';
`)
	str := func(s string) *Literal { return &Literal{Kind: LitString, Text: s} }
	opt := func(k string, v *Literal) *Option { return &Option{Key: Ident{Name: k}, Value: v} }
	want := &File{Stmts: []Stmt{
		&CreateSource{
			Name:    Ident{Name: "lines"},
			Columns: []*ColumnDef{{Name: Ident{Name: "value"}, Type: &TypeName{Name: "STRING"}}},
			With:    []*Option{opt("connector", str("files")), opt("path", str("/tmp/text")), opt("format", str("text"))},
		},
		&CreateSink{Name: Ident{Name: "out"}, With: []*Option{opt("connector", str("console"))}},
		&Insert{
			Sink: Ident{Name: "out"},
			Query: &Select{
				Items: []*SelectItem{
					{Expr: &FuncCall{Name: Ident{Name: "length"}, Args: []Expr{&ColumnRef{Parts: []string{"value"}}}}, Alias: &Ident{Name: "len"}},
					{Expr: &FuncCall{Name: Ident{Name: "count"}, Star: true}, Alias: &Ident{Name: "count"}},
				},
				From:    &From{Name: &Ident{Name: "lines"}},
				GroupBy: []Expr{&ColumnRef{Parts: []string{"len"}}},
			},
			OutputMode: &OutputMode{Mode: "UPDATE"},
			Trigger:    &Trigger{Kind: "EVERY", Interval: str("2 seconds")},
		},
	}}
	if diff := cmp.Diff(want, f, ignorePos); diff != "" {
		t.Errorf("AST (-want +got):\n%s", diff)
	}
}

func TestStatements(t *testing.T) {
	f := mustParse(t, `
create source clicks (
  user string not null, url STRING, ts TIMESTAMP, key BYTES, "Value" varchar(20),
  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
) with (connector = 'kafka', kafka.bootstrap.servers = 'b:9092', 'scan.mode' = 'x',
        rows = -5, ratio = 0.5, header = true);
CREATE TABLE users (id BIGINT, name TEXT) WITH (connector = 'files');
CREATE SINK s2 (a INT, b DOUBLE) WITH (connector = 'memory');
CREATE VIEW v AS SELECT DISTINCT user FROM clicks;
CREATE FUNCTION slug AS 'example.com/udf.Slug';
INSERT INTO s2 SELECT * FROM (SELECT c.* FROM clicks c) AS t TRIGGER ONCE OUTPUT MODE append WITH (checkpoint = '/tmp/c');
INSERT INTO s2 SELECT a FROM t TRIGGER AVAILABLE NOW;
INSERT INTO s2 SELECT a FROM t ORDER BY a DESC NULLS LAST, b ASC, c NULLS FIRST LIMIT 10
`)
	if len(f.Stmts) != 8 {
		t.Fatalf("got %d statements, want 8", len(f.Stmts))
	}
	src := f.Stmts[0].(*CreateSource)
	if !src.Columns[0].NotNull || src.Columns[1].NotNull || src.Columns[4].Name.Name != "Value" || src.Columns[4].Type.Name != "VARCHAR" {
		t.Errorf("columns: %v", src)
	}
	if src.Watermark == nil || src.Watermark.Column.Name != "ts" || src.Watermark.Expr.String() != "ts - INTERVAL '10' SECOND" {
		t.Errorf("watermark: %v", src.Watermark)
	}
	wantOpts := "connector = 'kafka', kafka.bootstrap.servers = 'b:9092', scan.mode = 'x', rows = -5, ratio = 0.5, header = TRUE"
	var opts []string
	for _, o := range src.With {
		opts = append(opts, o.String())
	}
	if got := strings.Join(opts, ", "); got != wantOpts {
		t.Errorf("options:\n got %s\nwant %s", got, wantOpts)
	}
	if k := src.With[3].Value.Kind; k != LitInt || src.With[3].Value.Text != "-5" {
		t.Errorf("rows = -5: got %v %q", k, src.With[3].Value.Text)
	}
	if k := src.With[4].Value.Kind; k != LitDecimal {
		t.Errorf("ratio kind: %v", k)
	}
	if fn := f.Stmts[4].(*CreateFunction); fn.Target.Text != "example.com/udf.Slug" {
		t.Errorf("function target %q", fn.Target.Text)
	}
	ins := f.Stmts[5].(*Insert)
	if ins.OutputMode.Mode != "APPEND" || ins.Trigger.Kind != "ONCE" || ins.Trigger.Interval != nil || len(ins.With) != 1 {
		t.Errorf("insert clauses: %v", ins)
	}
	sub := ins.Query.From.Subquery
	if sub == nil || ins.Query.From.Alias.Name != "t" || sub.Items[0].Expr.(*Star).Table != "c" || sub.From.Alias.Name != "c" {
		t.Errorf("subquery: %v", ins.Query.From)
	}
	if k := f.Stmts[6].(*Insert).Trigger.Kind; k != "AVAILABLE NOW" {
		t.Errorf("trigger kind %q", k)
	}
	q := f.Stmts[7].(*Insert).Query
	got := []OrderItem{*q.OrderBy[0], *q.OrderBy[1], *q.OrderBy[2]}
	want := []OrderItem{
		{Expr: &ColumnRef{Parts: []string{"a"}}, Desc: true, Nulls: "LAST"},
		{Expr: &ColumnRef{Parts: []string{"b"}}},
		{Expr: &ColumnRef{Parts: []string{"c"}}, Nulls: "FIRST"},
	}
	if diff := cmp.Diff(want, got, ignorePos); diff != "" {
		t.Errorf("ORDER BY (-want +got):\n%s", diff)
	}
	if q.Limit.Kind != LitInt || q.Limit.Text != "10" {
		t.Errorf("limit %v", q.Limit)
	}
}

// TestJoinsAndUnions parses every join kind and a UNION chain, and prints them back.
func TestJoinsAndUnions(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"SELECT * FROM e JOIN u ON e.id = u.id", "SELECT * FROM e INNER JOIN u ON e.id = u.id"},
		{"SELECT * FROM e AS x INNER JOIN u y ON x.id = y.id AND y.ok", "SELECT * FROM e AS x INNER JOIN u AS y ON x.id = y.id AND y.ok"},
		{"SELECT * FROM e LEFT JOIN u USING (id, k) LEFT OUTER JOIN c ON c.k = u.k", "SELECT * FROM e LEFT OUTER JOIN u USING (id, k) LEFT OUTER JOIN c ON c.k = u.k"},
		{"SELECT * FROM u RIGHT JOIN e ON true", "SELECT * FROM u RIGHT OUTER JOIN e ON TRUE"},
		{"SELECT * FROM u FULL OUTER JOIN e ON true", "SELECT * FROM u FULL OUTER JOIN e ON TRUE"},
		{"SELECT * FROM e LEFT SEMI JOIN u ON e.id = u.id", "SELECT * FROM e LEFT SEMI JOIN u ON e.id = u.id"},
		{"SELECT * FROM e LEFT ANTI JOIN (SELECT id FROM u) v ON e.id = v.id", "SELECT * FROM e LEFT ANTI JOIN (SELECT id FROM u) AS v ON e.id = v.id"},
		{"SELECT * FROM e CROSS JOIN u", "SELECT * FROM e CROSS JOIN u"},
		{"SELECT a FROM x UNION ALL SELECT b FROM y UNION SELECT c FROM z ORDER BY 1 LIMIT 3", "SELECT a FROM x UNION ALL SELECT b FROM y UNION SELECT c FROM z ORDER BY 1 LIMIT 3"},
		{"SELECT * FROM (SELECT a FROM x UNION ALL SELECT a FROM y) t", "SELECT * FROM (SELECT a FROM x UNION ALL SELECT a FROM y) AS t"},
	} {
		f := mustParse(t, "INSERT INTO s "+tc.src)
		q := f.Stmts[0].(*Insert).Query
		if got := q.String(); got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
	q := mustParse(t, "INSERT INTO s SELECT a FROM x WHERE a > 1 UNION ALL SELECT a FROM y ORDER BY a LIMIT 2").Stmts[0].(*Insert).Query
	if len(q.Unions) != 1 || !q.Unions[0].All || q.Unions[0].Query.OrderBy != nil || len(q.OrderBy) != 1 || q.Limit == nil {
		t.Errorf("ORDER BY and LIMIT belong to the union: %#v", q)
	}
}

func TestSoftKeywords(t *testing.T) {
	for _, src := range []string{
		"INSERT INTO out SELECT count(*) AS count FROM t",
		"INSERT INTO out SELECT count(*) count FROM t",
		"INSERT INTO out SELECT window.start, window.end, count(*) FROM t GROUP BY window(ts, INTERVAL '10' MINUTE, INTERVAL '5' MINUTE)",
		"INSERT INTO out SELECT user, value, timestamp, key, date, year, month, day, hour, minute, second FROM t",
		"INSERT INTO out SELECT first, last, mode, output, trigger, source, sink, start, end FROM t",
		"INSERT INTO out SELECT year(ts) AS year, date(ts) AS date, key AS value FROM t",
		"CREATE SOURCE source (timestamp TIMESTAMP, value BIGINT, date DATE, user STRING, watermark INT) WITH (connector = 'rate')",
		"CREATE SINK sink WITH (connector = 'console')",
		"CREATE SINK output WITH (connector = 'console'); INSERT INTO output SELECT a FROM t output OUTPUT MODE APPEND",
		"INSERT INTO out SELECT a FROM t trigger TRIGGER EVERY '1 second'",
		"INSERT INTO out SELECT a FROM trigger",
		"INSERT INTO out SELECT a end FROM t",
		"INSERT INTO out SELECT session_window(ts, INTERVAL '5' MINUTE).start FROM t",
	} {
		if _, err := Parse("q.sql", []byte(src)); err != nil && !strings.Contains(src, ").start") {
			t.Errorf("%s: %v", src, err)
		}
	}
	f := mustParse(t, "INSERT INTO out SELECT a FROM t output OUTPUT MODE APPEND")
	if q := f.Stmts[0].(*Insert); q.Query.From.Alias.Name != "output" || q.OutputMode.Mode != "APPEND" {
		t.Errorf("alias output: %v", q)
	}
	f = mustParse(t, "INSERT INTO out SELECT a FROM t OUTPUT MODE APPEND")
	if q := f.Stmts[0].(*Insert); q.Query.From.Alias != nil || q.OutputMode == nil {
		t.Errorf("OUTPUT MODE taken as alias: %v", q)
	}
}

func TestCommentsAndQuoting(t *testing.T) {
	f := mustParse(t, `-- leading comment
/* block
   comment */ INSERT /* inline */ INTO "My Sink" -- trailing
SELECT `+"`a``b`"+` AS "x""y", 'don''t' FROM "from" ; ;
-- only a comment after the last statement`)
	ins := f.Stmts[0].(*Insert)
	if ins.Sink.Name != "My Sink" {
		t.Errorf("sink %q", ins.Sink.Name)
	}
	it := ins.Query.Items
	if c := it[0].Expr.(*ColumnRef); c.Parts[0] != "a`b" || it[0].Alias.Name != `x"y` {
		t.Errorf("quoted: %v %v", c.Parts, it[0].Alias)
	}
	if l := it[1].Expr.(*Literal); l.Text != "don't" {
		t.Errorf("string %q", l.Text)
	}
	if ins.Query.From.Name.Name != "from" {
		t.Errorf("from %q", ins.Query.From.Name.Name)
	}
	if got := ins.String(); got != "INSERT INTO \"My Sink\" SELECT `a``b` AS \"x\"\"y\", 'don''t' FROM \"from\"" &&
		got != `INSERT INTO "My Sink" SELECT "a`+"`"+`b" AS "x""y", 'don''t' FROM "from"` {
		t.Errorf("printed %s", got)
	}
	if f := mustParse(t, "  -- nothing\n/* here */ ;"); len(f.Stmts) != 0 {
		t.Errorf("empty file: %d statements", len(f.Stmts))
	}
}

func TestPositions(t *testing.T) {
	src := "INSERT INTO out\nSELECT (a + b) * c AS x FROM t WHERE y IS NOT NULL"
	f := mustParse(t, src)
	ins := f.Stmts[0].(*Insert)
	span := func(n Node) string {
		pos, end := n.Span()
		return fmt.Sprintf("%d:%d-%d:%d %q", pos.Line, pos.Column, end.Line, end.Column, src[pos.Offset:end.Offset])
	}
	item := ins.Query.Items[0]
	mul := item.Expr.(*BinaryExpr)
	checks := []struct {
		n    Node
		want string
	}{
		{ins, `1:1-2:51 "INSERT INTO out\nSELECT (a + b) * c AS x FROM t WHERE y IS NOT NULL"`},
		{&ins.Sink, `1:13-1:16 "out"`},
		{ins.Query, `2:1-2:51 "SELECT (a + b) * c AS x FROM t WHERE y IS NOT NULL"`},
		{item, `2:8-2:24 "(a + b) * c AS x"`},
		{mul, `2:8-2:19 "(a + b) * c"`},
		{mul.Left, `2:9-2:14 "a + b"`},
		{item.Alias, `2:23-2:24 "x"`},
		{ins.Query.From, `2:25-2:31 "FROM t"`},
		{ins.Query.Where, `2:38-2:51 "y IS NOT NULL"`},
	}
	for _, c := range checks {
		if got := span(c.n); got != c.want {
			t.Errorf("%T: got %s, want %s", c.n, got, c.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"INSERT INTO out SELECT a, FROM t", `q.sql:1:27: unexpected "FROM": expected an expression`},
		{"INSERT INTO out SELECT a FROM t x y", `q.sql:1:35: unexpected "y": expected ";" or end of file after statement`},
		{"INSERT INTO out SELECT a FROM t\nWHERE a >", `q.sql:2:10: unexpected end of file: expected an expression`},
		{"INSERT INTO out SELECT a FROM t WHERE b = 'abc", `q.sql:1:43: unterminated string literal: missing closing '`},
		{"CREATE SINK WITH (connector = 'console')", `q.sql:1:13: unexpected "WITH": expected a sink name`},
		{"CREATE SOURCE s (a INT, b) WITH (connector = 'x')", `q.sql:1:26: unexpected ")": expected a type for column "b" (BOOLEAN, INT, BIGINT, DOUBLE, STRING, BYTES, TIMESTAMP or DATE)`},
		{"CREATE SINK s WITH (format = csv)", `q.sql:1:30: unexpected "csv": option "format" needs a string, number or boolean value (quote text: 'csv')`},
		{"CREATE TABLE t (a INT, WATERMARK FOR a AS a)", `q.sql:1:24: WATERMARK is only allowed in CREATE SOURCE, not in CREATE TABLE`},
		{"INSERT INTO out SELECT a FROM t OUTPUT MODE sometimes", `q.sql:1:45: unexpected "sometimes": expected APPEND, UPDATE or COMPLETE after OUTPUT MODE`},
		{"INSERT INTO out SELECT a FROM t TRIGGER EVERY 5", `q.sql:1:47: unexpected "5": expected an interval after TRIGGER EVERY, e.g. '2 seconds' or INTERVAL '2' SECOND`},
		{"SELECT a FROM t", `q.sql:1:1: unexpected "SELECT": a query must name its sink: INSERT INTO <sink> SELECT ...`},
		{"INSERT INTO out SELECT f(a, b FROM t", `q.sql:1:31: unexpected "FROM": expected "," or ")" in the arguments of f (to close "(" at 1:25)`},
		{"INSERT INTO out SELECT a AS select FROM t", `q.sql:1:29: unexpected "select": expected an alias after AS (SELECT is a reserved word; to use it as a name, quote it: "select")`},
		{"INSERT INTO out SELECT a FROM t WHERE a NOT b", `q.sql:1:45: unexpected "b": expected IN, BETWEEN or LIKE after NOT`},
		{"INSERT INTO out SELECT CASE WHEN a THEN 1 FROM t", `q.sql:1:43: unexpected "FROM": expected END (or WHEN, ELSE) to finish CASE`},
		{"INSERT INTO out SELECT a FROM t JOIN u", `q.sql:1:39: unexpected end of file: expected ON or USING after the joined relation`},
		{"INSERT INTO out SELECT a FROM t NATURAL JOIN u", `q.sql:1:33: NATURAL JOIN is not supported: name the join columns with USING (...) or ON`},
		{"INSERT INTO out SELECT a FROM t LEFT u", `q.sql:1:38: unexpected "u": expected JOIN after LEFT`},
		{"INSERT INTO out SELECT a FROM t JOIN u USING ()", `q.sql:1:47: unexpected ")": expected a column name in USING`},
		{"INSERT INTO out SELECT a FROM t UNION ALL a", `q.sql:1:43: unexpected "a": expected SELECT after UNION`},
		{"INSERT INTO out SELECT a # b FROM t", `q.sql:1:26: unexpected character "#"`},
		{"INSERT INTO out SELECT a FROM t /* oops", `q.sql:1:33: unterminated block comment: missing "*/"`},
		{"INSERT INTO out SELECT a FROM t TRIGGER ONCE TRIGGER ONCE", `q.sql:1:46: duplicate TRIGGER clause`},
		{"CREATE VIEW v SELECT a FROM t", `q.sql:1:15: unexpected "SELECT": expected AS after the view name`},
		{"INSERT INTO out SELECT a FROM t LIMIT 1.5", `q.sql:1:39: unexpected "1.5": expected an integer after LIMIT`},
		{"DROP TABLE t", `q.sql:1:1: unexpected "DROP": expected CREATE or INSERT at start of statement`},
		{"INSERT INTO out SELECT a FROM t WHERE t.* = 1", `q.sql:1:41: unexpected "*": t.* is only allowed as a select item`},
		{"INSERT INTO out SELECT t.* + 1 FROM t", `q.sql:1:28: unexpected "+": expected "," or FROM after select item`},
	}
	for _, tt := range tests {
		_, err := Parse("q.sql", []byte(tt.src))
		var perr participle.Error
		if !errors.As(err, &perr) {
			t.Errorf("%s: got %v, want a participle.Error", tt.src, err)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s\n got %s\nwant %s", tt.src, got, tt.want)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	deep := "INSERT INTO o SELECT " + strings.Repeat("(", 100000) + "a" + strings.Repeat(")", 100000) + " FROM t"
	if _, err := Parse("q.sql", []byte(deep)); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Errorf("deep parens: %v", err)
	}
	ok := "INSERT INTO o SELECT " + strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100) + " FROM t"
	mustParse(t, ok)
	unary := "INSERT INTO o SELECT " + strings.Repeat("- ", 100000) + "a FROM t WHERE " + strings.Repeat("NOT ", 100000) + "b"
	mustParse(t, unary)
}

func TestStringEscapes(t *testing.T) {
	tests := []struct{ sql, want string }{
		{`'a\tb'`, "a\tb"},
		{`'line\nnext\r'`, "line\nnext\r"},
		{`'back\\slash'`, `back\slash`},
		{`'it\'s'`, "it's"},
		{`'it''s'`, "it's"},
		{`'nul\0'`, "nul\x00"},
		{`'\u00e9\u20AC'`, "é€"},
		{`'\U0001F600'`, "\U0001F600"},
		{`'\101\060'`, "A0"},
		{`'\200\18'`, "2001" + "8"}, // octal only up to \177: \2 is 2, \18 is 1 then 8
		{`'\uD800\U00110000'`, "\uFFFD\uFFFD"},
		{`'\x\y\u12'`, "xyu12"},
		{`'\b\Z'`, "\b\x1a"},
		// LIKE sees \% and \_ still escaped; \\% is the same pattern.
		{`'a\%b\_'`, `a\%b\_`},
		{`'a\\%'`, `a\%`},
		{`'\'\''`, "''"},
		{`'é\é'`, "éé"},
	}
	for _, tt := range tests {
		e, err := parseExpr(tt.sql)
		if err != nil {
			t.Errorf("%s: %v", tt.sql, err)
			continue
		}
		l, ok := e.(*Literal)
		if !ok || l.Kind != LitString || l.Text != tt.want {
			t.Errorf("%s: got %#v, want %q", tt.sql, e, tt.want)
			continue
		}
		// The printed literal reads back as the same text.
		back, err := parseExpr(l.String())
		if err != nil || back.(*Literal).Text != tt.want {
			t.Errorf("%s printed as %s reads back as %v (%v)", tt.sql, l.String(), back, err)
		}
	}
	if _, err := parseExpr(`'C:\dir\'`); err == nil || !strings.HasSuffix(err.Error(), `missing closing ' (\' is an escaped quote; a backslash is written \\)`) {
		t.Errorf("a string ending in a backslash: %v", err)
	}
	for _, src := range []string{`'abc\'`, `'abc\`, `'\`} {
		_, err := parseExpr(src)
		if err == nil || !strings.Contains(err.Error(), "unterminated string literal") {
			t.Errorf("%s: got %v, want an unterminated string literal", src, err)
		}
	}
	// Options take the same escapes.
	f := mustParse(t, `CREATE SINK s WITH ('a\tb' = 'C:\\data')`)
	if o := f.Stmts[0].(*CreateSink).With[0]; o.Key.Name != "a\tb" || o.Value.Text != `C:\data` {
		t.Errorf("option %q = %q", o.Key.Name, o.Value.Text)
	}
}

func TestByteOrderMark(t *testing.T) {
	src := "\uFEFFCREATE SINK s WITH (connector = 'console');"
	f := mustParse(t, src)
	if s := f.Stmts[0].(*CreateSink); s.Pos.Line != 1 || s.Pos.Column != 1 {
		t.Errorf("statement at %v", s.Pos)
	}
	_, err := Parse("q.sql", []byte("\uFEFFCREATE SINK"))
	if err == nil || err.Error() != "q.sql:1:12: unexpected end of file: expected a sink name" {
		t.Errorf("error after a BOM: %v", err)
	}
	// Only a leading one: elsewhere it is an unexpected character.
	if _, err := Parse("q.sql", []byte("CREATE \uFEFFSINK s")); err == nil {
		t.Error("a BOM inside the text was accepted")
	}
}

func TestErrorRecovery(t *testing.T) {
	src := `CREATE SOURCE s (a INT, b) WITH (connector = 'x');
CREATE SINK ok WITH (connector = 'console');
INSERT INTO ok SELECT a, FROM s;
INSERT INTO ok SELECT a FROM s
CREATE SINK WITH (connector = 'console');
DROP TABLE t; SELECT 1;
INSERT INTO ok SELECT 'abc FROM s;`
	_, err := Parse("q.sql", []byte(src))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v, want an ErrorList", err)
	}
	want := []string{
		`q.sql:1:26: unexpected ")": expected a type for column "b" (BOOLEAN, INT, BIGINT, DOUBLE, STRING, BYTES, TIMESTAMP or DATE)`,
		`q.sql:3:26: unexpected "FROM": expected an expression`,
		`q.sql:5:1: unexpected "CREATE": expected ";" or end of file after statement`,
		`q.sql:5:13: unexpected "WITH": expected a sink name`,
		`q.sql:6:1: unexpected "DROP": expected CREATE or INSERT at start of statement`,
		`q.sql:6:15: unexpected "SELECT": a query must name its sink: INSERT INTO <sink> SELECT ...`,
		`q.sql:7:23: unterminated string literal: missing closing '`,
	}
	var got []string
	for _, e := range list {
		got = append(got, e.Error())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	var first participle.Error
	if !errors.As(err, &first) || first.Position().Line != 1 {
		t.Errorf("errors.As finds %v, want the first error", first)
	}

	many := strings.Repeat("DROP x;\n", 50)
	_, err = Parse("q.sql", []byte(many))
	if !errors.As(err, &list) || len(list) != maxErrors {
		t.Errorf("%d errors, want the first %d", len(list), maxErrors)
	}
	// Recovery resets the nesting depth: a deep expression after a broken one still parses.
	deep := "INSERT INTO o SELECT " + strings.Repeat("(", 499) + "FROM t;\nINSERT INTO o SELECT " + strings.Repeat("(", 400) + "a" + strings.Repeat(")", 400) + " FROM t;"
	_, err = Parse("q.sql", []byte(deep))
	if !errors.As(err, &list) || len(list) != 1 {
		t.Errorf("deep after broken: %v", err)
	}
}
