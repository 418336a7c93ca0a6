package sqlfn

import (
	"regexp"
	"strings"
	"sync"
)

// Regexps are Go's RE2 syntax, which agrees with Java's for the common cases (no
// backreferences or lookaround).

// MustCompileRegexp compiles a pattern the compiler has validated.
func MustCompileRegexp(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

var dynamic sync.Map // pattern → *regexp.Regexp, for patterns that are not constants

// Regexp compiles a pattern that comes from data, caching it; ok is false for a bad one.
func Regexp(pattern string) (*regexp.Regexp, bool) {
	if re, ok := dynamic.Load(pattern); ok {
		return re.(*regexp.Regexp), true
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, false
	}
	dynamic.Store(pattern, re)
	return re, true
}

// RegexpExtract is Spark's regexp_extract: group idx of the first match of re in s, or ""
// when there is none; an idx beyond the groups is NULL (ok false).
func RegexpExtract(re *regexp.Regexp, s string, idx int32) (string, bool) {
	if idx < 0 || int(idx) > re.NumSubexp() {
		return "", false
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil || m[2*idx] < 0 {
		return "", true
	}
	return s[m[2*idx]:m[2*idx+1]], true
}

// RegexpReplace replaces every match of re in s by repl, where $1 or ${1} stand for groups.
func RegexpReplace(re *regexp.Regexp, s, repl string) string {
	return re.ReplaceAllString(s, repl)
}

// ConcatWS joins the non-NULL parts with sep (Spark's concat_ws skips NULLs).
func ConcatWS(sep string, parts []string, null []bool) string {
	var b strings.Builder
	first := true
	for i, p := range parts {
		if null[i] {
			continue
		}
		if !first {
			b.WriteString(sep)
		}
		b.WriteString(p)
		first = false
	}
	return b.String()
}
