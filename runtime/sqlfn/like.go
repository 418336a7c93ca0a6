package sqlfn

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Like is a compiled LIKE pattern with Spark's semantics: '%' matches any run of characters
// (including none), '_' exactly one character (code point), the escape character (default
// '\') makes the following '%', '_' or escape character literal; the match is case-sensitive
// and covers the whole string, and '%' and '_' match line breaks too. Compile it once per
// query and call Match per row; a Like is safe for concurrent use.
type Like struct {
	kind likeKind
	lit  string // exact, prefix, suffix, contains
	lit2 string // prefixSuffix: the suffix
	segs []likeSeg
}

type likeKind uint8

const (
	likeGeneral likeKind = iota
	likeExact
	likePrefix
	likeSuffix
	likeContains
	likePrefixSuffix
	likeAll
)

// likeSeg is the part of a pattern between two '%': literal text and '_' in order.
type likeSeg []likeTok

// likeTok is literal text, or (when lit is "") one '_'.
type likeTok struct{ lit string }

// literal reports the segment's text when it has no '_'.
func (s likeSeg) literal() (string, bool) {
	switch len(s) {
	case 0:
		return "", true
	case 1:
		return s[0].lit, s[0].lit != ""
	}
	return "", false
}

// CompileLike compiles pattern with the default escape character '\'. The pattern is
// invalid (as in Spark) when the escape character ends it or precedes anything but '%', '_'
// or itself.
func CompileLike(pattern string) (*Like, error) { return CompileLikeEscape(pattern, '\\') }

// CompileLikeEscape compiles pattern for LIKE … ESCAPE 'c' with escape character esc.
func CompileLikeEscape(pattern string, esc rune) (*Like, error) {
	var segs []likeSeg
	var cur likeSeg
	var lit []byte
	flush := func() {
		if len(lit) > 0 {
			cur = append(cur, likeTok{lit: string(lit)})
			lit = lit[:0]
		}
	}
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		raw := pattern[i : i+n]
		i += n
		switch {
		case r == esc && !(r == utf8.RuneError && n == 1):
			if i >= len(pattern) {
				return nil, fmt.Errorf("invalid LIKE pattern %q: it must not end with the escape character", pattern)
			}
			r2, n2 := utf8.DecodeRuneInString(pattern[i:])
			if r2 != '%' && r2 != '_' && r2 != esc {
				return nil, fmt.Errorf("invalid LIKE pattern %q: the escape character must not precede %q", pattern, r2)
			}
			lit = append(lit, pattern[i:i+n2]...)
			i += n2
		case r == '%':
			flush()
			segs = append(segs, cur)
			cur = nil
		case r == '_':
			flush()
			cur = append(cur, likeTok{})
		default:
			lit = append(lit, raw...) // raw bytes: invalid UTF-8 stays as is
		}
	}
	flush()
	segs = append(segs, cur)

	l := &Like{segs: segs}
	first, firstLit := segs[0].literal()
	last, lastLit := segs[len(segs)-1].literal()
	switch {
	case len(segs) == 1 && firstLit:
		l.kind, l.lit = likeExact, first
	case len(segs) == 2 && firstLit && lastLit:
		switch {
		case first == "" && last == "":
			l.kind = likeAll
		case last == "":
			l.kind, l.lit = likePrefix, first
		case first == "":
			l.kind, l.lit = likeSuffix, last
		default:
			l.kind, l.lit, l.lit2 = likePrefixSuffix, first, last
		}
	case len(segs) == 3 && len(segs[0]) == 0 && len(segs[2]) == 0:
		if mid, ok := segs[1].literal(); ok {
			l.kind, l.lit = likeContains, mid
		}
	}
	return l, nil
}

// MustCompileLike is CompileLike for patterns the compiler has already validated with
// CompileLike; it panics on an invalid pattern, so it must not see user input at run time.
func MustCompileLike(pattern string) *Like {
	l, err := CompileLike(pattern)
	if err != nil {
		panic(err)
	}
	return l
}

// Match reports whether the whole of s matches the pattern.
func (l *Like) Match(s string) bool {
	switch l.kind {
	case likeExact:
		return s == l.lit
	case likePrefix:
		return strings.HasPrefix(s, l.lit)
	case likeSuffix:
		return strings.HasSuffix(s, l.lit)
	case likeContains:
		return strings.Contains(s, l.lit)
	case likePrefixSuffix:
		return len(s) >= len(l.lit)+len(l.lit2) && strings.HasPrefix(s, l.lit) && strings.HasSuffix(s, l.lit2)
	case likeAll:
		return true
	}
	segs := l.segs
	n, ok := segs[0].matchPrefix(s)
	if !ok {
		return false
	}
	if len(segs) == 1 {
		return n == len(s)
	}
	s = s[n:]
	// The last segment matches a fixed number of characters at the end.
	last := segs[len(segs)-1]
	start, ok := last.suffixStart(s)
	if !ok {
		return false
	}
	if m, ok := last.matchPrefix(s[start:]); !ok || start+m != len(s) {
		return false
	}
	s = s[:start]
	// Middle segments: the leftmost match of each leaves the most room for the rest.
	for _, seg := range segs[1 : len(segs)-1] {
		i, m := seg.find(s)
		if i < 0 {
			return false
		}
		s = s[i+m:]
	}
	return true
}

// width is the byte length of the character at the start of s (an invalid byte counts as
// one character).
func width(s string) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// matchPrefix matches seg at the start of s and returns the bytes it covers.
func (seg likeSeg) matchPrefix(s string) (int, bool) {
	n := 0
	for _, t := range seg {
		if t.lit == "" {
			if n >= len(s) {
				return 0, false
			}
			n += width(s[n:])
			continue
		}
		if !strings.HasPrefix(s[n:], t.lit) {
			return 0, false
		}
		n += len(t.lit)
	}
	return n, true
}

// chars is the number of characters seg matches.
func (seg likeSeg) chars() int {
	c := 0
	for _, t := range seg {
		if t.lit == "" {
			c++
		} else {
			c += utf8.RuneCountInString(t.lit)
		}
	}
	return c
}

// suffixStart is the byte offset in s where the last seg.chars() characters begin.
func (seg likeSeg) suffixStart(s string) (int, bool) {
	i := len(s)
	for c := seg.chars(); c > 0; c-- {
		if i == 0 {
			return 0, false
		}
		_, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
	}
	return i, true
}

// find returns the leftmost offset where seg matches in s and the bytes it covers, or -1.
func (seg likeSeg) find(s string) (int, int) {
	if len(seg) == 0 {
		return 0, 0
	}
	if lit := seg[0].lit; lit != "" {
		for from := 0; from <= len(s); {
			j := strings.Index(s[from:], lit)
			if j < 0 {
				return -1, 0
			}
			i := from + j
			if m, ok := seg.matchPrefix(s[i:]); ok {
				return i, m
			}
			from = i + 1
		}
		return -1, 0
	}
	for i := 0; i < len(s); i += width(s[i:]) {
		if m, ok := seg.matchPrefix(s[i:]); ok {
			return i, m
		}
	}
	return -1, 0
}
