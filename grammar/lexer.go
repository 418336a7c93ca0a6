package grammar

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Lexer is the participle lexer definition for sqlstream SQL. Every input lexes: text
// that no other rule accepts becomes an Invalid token, reported by the parser when it
// reaches it.
var Lexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `\s+`},
	{Name: "LineComment", Pattern: `--[^\n]*`},
	{Name: "BlockComment", Pattern: `/\*(?:[^*]|\*+[^*/])*\*+/`},
	{Name: "UnterminatedComment", Pattern: `/\*[\s\S]*`},
	{Name: "String", Pattern: `'(?:[^'\\]|\\[\s\S]|'')*\\?'?`},
	{Name: "QuotedIdent", Pattern: `"(?:[^"]|"")*"?|` + "`(?:[^`]|``)*`?"},
	{Name: "Number", Pattern: `(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?`},
	{Name: "Word", Pattern: `[\p{L}_][\p{L}\p{N}_$]*`},
	{Name: "Operator", Pattern: `<>|!=|<=|>=|==|\|\||[-+*/%=<>(),.;]`},
	{Name: "Invalid", Pattern: `[\s\S]`},
})

type tokKind int

const (
	tEOF tokKind = iota
	tWord
	tQuoted
	tString
	tNumber
	tOp
	tInvalid
)

// token is one significant token with its start and end (just after its last character).
type token struct {
	kind tokKind
	text string // raw source text
	pos  lexer.Position
	end  lexer.Position
	msg  string // for tInvalid: what is wrong
}

// lex splits src into significant tokens, dropping whitespace and comments. The last
// token is always tEOF.
func lex(filename string, src []byte) []token {
	syms := Lexer.Symbols()
	kinds := map[lexer.TokenType]tokKind{
		syms["Word"]:                tWord,
		syms["QuotedIdent"]:         tQuoted,
		syms["String"]:              tString,
		syms["Number"]:              tNumber,
		syms["Operator"]:            tOp,
		syms["Invalid"]:             tInvalid,
		syms["UnterminatedComment"]: tInvalid,
	}
	skip := map[lexer.TokenType]bool{
		syms["Whitespace"]:   true,
		syms["LineComment"]:  true,
		syms["BlockComment"]: true,
	}
	var toks []token
	l, err := Lexer.LexString(filename, string(src))
	if err != nil { // cannot happen: LexString never fails
		return []token{{kind: tInvalid, msg: err.Error(), pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}}
	}
	for {
		t, err := l.Next()
		if err != nil { // cannot happen: the Invalid rule matches any character
			pos := lexer.Position{Filename: filename, Line: 1, Column: 1}
			if len(toks) > 0 {
				pos = toks[len(toks)-1].end
			}
			return append(toks, token{kind: tInvalid, pos: pos, end: pos, msg: err.Error()})
		}
		if t.EOF() {
			return append(toks, token{kind: tEOF, pos: t.Pos, end: t.Pos})
		}
		if skip[t.Type] {
			continue
		}
		end := t.Pos
		end.Advance(t.Value)
		tok := token{kind: kinds[t.Type], text: t.Value, pos: t.Pos, end: end}
		switch {
		case t.Type == syms["UnterminatedComment"]:
			tok.msg = `unterminated block comment: missing "*/"`
		case tok.kind == tInvalid:
			tok.msg = invalidCharMessage(t.Value)
		case tok.kind == tString:
			if _, ok := unescapeString(t.Value); !ok {
				tok.kind, tok.msg = tInvalid, "unterminated string literal: missing closing '"
				if strings.HasSuffix(t.Value, `\'`) {
					tok.msg += ` (\' is an escaped quote; a backslash is written \\)`
				}
			}
		case tok.kind == tQuoted:
			if _, ok := unquote(t.Value); !ok {
				tok.kind, tok.msg = tInvalid, "unterminated quoted identifier: missing closing "+t.Value[:1]
			}
		}
		toks = append(toks, tok)
	}
}

func invalidCharMessage(s string) string {
	r, _ := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError:
		return "invalid UTF-8 in source text"
	case s == "!":
		return `unexpected character "!": use NOT or <> instead`
	case s == "|":
		return `unexpected character "|": use || to concatenate strings, OR for logical or`
	case unicode.IsPrint(r) && !unicode.IsSpace(r) && r != '"':
		return fmt.Sprintf("unexpected character %q", s)
	}
	return fmt.Sprintf("unexpected character U+%04X", r)
}

// unquote strips the quotes of a string literal or quoted identifier and undoubles the
// quote character inside. It reports false if the closing quote is missing.
func unquote(s string) (string, bool) {
	if s == "" {
		return "", false
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != q {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == q {
			b.WriteByte(q)
			i++
			continue
		}
		return b.String(), i == len(s)-1
	}
	return "", false
}

// unescapeString is the value of a string literal, as Spark's unescapeSQLString reads it:
// a backslash escapes the next character (\0 \b \n \r \t \Z are control characters;
// \uXXXX, \UXXXXXXXX and octal \000 to \177 are code points; \% and \_ keep their
// backslash so that LIKE sees them escaped; any other character stands for itself). Two
// quotes in a row are one quote, as in standard SQL. It reports false if the closing quote
// is missing.
func unescapeString(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i == len(s)-1
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		rest := s[i+1:]
		if len(rest) == 0 {
			return "", false
		}
		if r, n, ok := codePoint(rest); ok {
			b.WriteRune(r)
			i += n
			continue
		}
		e, size := utf8.DecodeRuneInString(rest)
		switch e {
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'Z':
			b.WriteByte(0x1a)
		case '%', '_':
			b.WriteByte('\\')
			b.WriteRune(e)
		default:
			b.WriteString(rest[:size])
		}
		i += size
	}
	return "", false
}

// codePoint reads the \uXXXX, \UXXXXXXXX or \ooo (octal, first digit 0 or 1, so ASCII) escape
// at the start of s, which follows the backslash; n is how many bytes it takes. A code point
// that is not a valid character (a surrogate, or beyond U+10FFFF) becomes U+FFFD.
func codePoint(s string) (r rune, n int, ok bool) {
	parse := func(digits string, base int) (rune, bool) {
		v, err := strconv.ParseUint(digits, base, 32)
		if err == nil && !utf8.ValidRune(rune(v)) {
			return utf8.RuneError, true
		}
		return rune(v), err == nil
	}
	switch {
	case s[0] == 'u' && len(s) >= 5:
		r, ok = parse(s[1:5], 16)
		n = 5
	case s[0] == 'U' && len(s) >= 9:
		r, ok = parse(s[1:9], 16)
		n = 9
	case (s[0] == '0' || s[0] == '1') && len(s) >= 3:
		r, ok = parse(s[:3], 8)
		n = 3
	}
	return r, n, ok
}
