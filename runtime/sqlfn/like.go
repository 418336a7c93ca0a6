package sqlfn

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Like is a compiled LIKE pattern: % matches any run of characters, _ exactly one, and \
// escapes the next character. Matching is case-sensitive and covers the whole string.
type Like struct {
	kind  int // 0: general, 1: exact, 2: prefix, 3: suffix, 4: contains
	lit   string
	parts []likePart
}

type likePart struct {
	lit string // literal text
	any bool   // %: any run
	one bool   // _: one character
}

// CompileLike compiles pattern; a trailing lone \ is an error.
func CompileLike(pattern string) (*Like, error) {
	var parts []likePart
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, likePart{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		i += n
		switch r {
		case '\\':
			if i >= len(pattern) {
				return nil, errors.New(`the pattern ends with an escape character \`)
			}
			r2, n2 := utf8.DecodeRuneInString(pattern[i:])
			i += n2
			lit.WriteRune(r2)
		case '%':
			flush()
			if len(parts) == 0 || !parts[len(parts)-1].any {
				parts = append(parts, likePart{any: true})
			}
		case '_':
			flush()
			parts = append(parts, likePart{one: true})
		default:
			lit.WriteRune(r)
		}
	}
	flush()
	l := &Like{parts: parts}
	switch {
	case len(parts) == 0:
		l.kind, l.lit = 1, ""
	case len(parts) == 1 && parts[0].lit != "":
		l.kind, l.lit = 1, parts[0].lit
	case len(parts) == 2 && parts[0].lit != "" && parts[1].any:
		l.kind, l.lit = 2, parts[0].lit
	case len(parts) == 2 && parts[0].any && parts[1].lit != "":
		l.kind, l.lit = 3, parts[1].lit
	case len(parts) == 3 && parts[0].any && parts[1].lit != "" && parts[2].any:
		l.kind, l.lit = 4, parts[1].lit
	}
	return l, nil
}

// MustCompileLike is CompileLike for patterns the compiler has validated.
func MustCompileLike(pattern string) *Like {
	l, err := CompileLike(pattern)
	if err != nil {
		panic(err)
	}
	return l
}

// LikeMatch compiles pattern and matches s; an invalid pattern matches nothing.
func LikeMatch(s, pattern string) bool {
	l, err := CompileLike(pattern)
	return err == nil && l.Match(s)
}

// Match reports whether s matches the whole pattern.
func (l *Like) Match(s string) bool {
	switch l.kind {
	case 1:
		return s == l.lit
	case 2:
		return strings.HasPrefix(s, l.lit)
	case 3:
		return strings.HasSuffix(s, l.lit)
	case 4:
		return strings.Contains(s, l.lit)
	}
	return match(l.parts, s)
}

func match(parts []likePart, s string) bool {
	for i, p := range parts {
		switch {
		case p.any:
			rest := parts[i+1:]
			if len(rest) == 0 {
				return true
			}
			for j := 0; j <= len(s); {
				if match(rest, s[j:]) {
					return true
				}
				if j == len(s) {
					break
				}
				_, n := utf8.DecodeRuneInString(s[j:])
				j += n
			}
			return false
		case p.one:
			if s == "" {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			s = s[n:]
		default:
			if !strings.HasPrefix(s, p.lit) {
				return false
			}
			s = s[len(p.lit):]
		}
	}
	return s == ""
}
