// Package grammar turns sqlstream SQL text into an AST: lexer, parser and printer.
// It checks syntax only; names, types and streaming rules are checked by compiler/check.
//
// Tokens come from a participle lexer ([lexer.MustSimple]); statements and expressions
// are parsed by hand-written recursive descent with precedence climbing, so that soft
// keywords (count, window, timestamp, output, trigger, ...) can be names wherever the
// grammar does not need them as keywords, and so that errors name what was expected.
// Every syntax error is a [participle.Error] positioned at the offending token; Parse
// recovers at the next statement and returns all of them (up to ten) as an [ErrorList].
//
// Grammar (keywords are case-insensitive; [x] optional, {x} repeated):
//
//	File        = [Stmt] {";" [Stmt]} .
//	Stmt        = CreateSource | CreateTable | CreateSink | CreateView | CreateFunction | Insert .
//	CreateSource   = "CREATE" "SOURCE" Name "(" Element {"," Element} ")" [With] .
//	Element     = ColumnDef | "WATERMARK" "FOR" Name "AS" Expr .
//	CreateTable    = "CREATE" "TABLE" Name "(" ColumnDef {"," ColumnDef} ")" [With] .
//	CreateSink     = "CREATE" "SINK" Name ["(" ColumnDef {"," ColumnDef} ")"] [With] .
//	CreateView     = "CREATE" "VIEW" Name "AS" Select .
//	CreateFunction = "CREATE" "FUNCTION" Name "AS" String .
//	Insert      = "INSERT" "INTO" Name Select {OutputMode | Trigger | With} .   (each clause at most once)
//	OutputMode  = "OUTPUT" "MODE" ("APPEND" | "UPDATE" | "COMPLETE") .
//	Trigger     = "TRIGGER" ("EVERY" (String | Interval) | "ONCE" | "AVAILABLE" "NOW") .
//	ColumnDef   = Name Type ["NOT" "NULL"] .
//	Type        = Word [ "(" Int ")" ]    (the length only after VARCHAR or CHAR; ignored) .
//	With        = "WITH" "(" Option {"," Option} ")" .
//	Option      = (Word {"." Word} | QuotedIdent | String) "=" (String | ["-"|"+"] Number | "TRUE" | "FALSE") .
//	Select      = Core {"UNION" ["ALL"] Core}
//	              ["ORDER" "BY" OrderItem {"," OrderItem}] ["LIMIT" Int] .   (of the whole union)
//	Core        = "SELECT" ["DISTINCT" ["ON" "(" Expr {"," Expr} ")"]] Item {"," Item} "FROM" From
//	              ["WHERE" Expr] ["GROUP" "BY" Expr {"," Expr}] ["HAVING" Expr] .
//	Item        = "*" | Name "." "*" | Expr [["AS"] Name] .
//	From        = Relation {Join} .
//	Relation    = (Name | "(" Select ")") [["AS"] Name] .
//	Join        = ["INNER" | "LEFT" ["OUTER" | "SEMI" | "ANTI"] | "RIGHT" ["OUTER"] | "FULL" ["OUTER"] | "CROSS"]
//	              "JOIN" Relation ["ON" Expr | "USING" "(" Name {"," Name} ")"] .   (ON or USING unless CROSS)
//	OrderItem   = Expr ["ASC" | "DESC"] ["NULLS" ("FIRST" | "LAST")] .
//	Expr        = Expr "OR" Expr | Expr "AND" Expr | "NOT" Expr
//	            | Expr ("=" | "==" | "<>" | "!=" | "<" | "<=" | ">" | ">=") Expr
//	            | Expr "IS" ["NOT"] "NULL" | Expr ["NOT"] "IN" "(" Expr {"," Expr} ")"
//	            | Expr ["NOT"] "BETWEEN" Expr "AND" Expr | Expr ["NOT"] "LIKE" Expr
//	            | Expr "||" Expr | Expr ("+" | "-") Expr | Expr ("*" | "/" | "%") Expr
//	            | ("-" | "+") Expr | Primary .          (lowest to highest precedence)
//	Primary     = Number | String | "NULL" | "TRUE" | "FALSE" | Interval
//	            | Name {"." (Word | QuotedIdent)}
//	            | Name "(" ["*" | ["DISTINCT"] Expr {"," Expr}] ")"
//	            | "CAST" "(" Expr "AS" Type ")"
//	            | "CASE" [Expr] "WHEN" Expr "THEN" Expr {"WHEN" Expr "THEN" Expr} ["ELSE" Expr] "END"
//	            | "(" Expr ")" .
//	Interval    = "INTERVAL" (String | Number) [Unit] .
//	Unit        = YEAR | MONTH | WEEK | DAY | HOUR | MINUTE | SECOND | MILLISECOND | MICROSECOND (plural accepted) .
//	Name        = Word (not a reserved word) | QuotedIdent .
//
// Reserved words (need quoting to be used as names): SELECT FROM WHERE GROUP BY HAVING
// ORDER LIMIT AND OR NOT NULL TRUE FALSE CASE WHEN THEN ELSE AS IN IS BETWEEN LIKE
// DISTINCT INSERT INTO CREATE WITH CAST INTERVAL JOIN ON USING UNION; END inside a CASE
// expression. INNER, LEFT, RIGHT, FULL, CROSS and NATURAL are not aliases without AS.
package grammar
