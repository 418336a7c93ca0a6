package sqlfn

import (
	"fmt"
	"regexp"
	"strings"
)

// Regexps are Go's RE2 syntax, which agrees with Java's for the common cases (no
// backreferences or lookaround).

// MustCompileRegexp compiles a pattern the compiler has validated.
func MustCompileRegexp(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

// maxPatterns bounds each map of a Patterns: a stream whose rows each carry a new pattern
// must not grow memory without limit.
const maxPatterns = 64

// Patterns caches the regular expressions and LIKE patterns that come from data (a column as
// the pattern of rlike, regexp_extract, regexp_replace or LIKE). Each worker owns one, so a
// lookup takes no lock; it is not safe for concurrent use. When a map is full it is cleared:
// rows usually repeat a few patterns, and a cleared cache only costs recompiling them. The
// zero value is ready to use.
type Patterns struct {
	re   map[string]*regexp.Regexp
	like map[string]*Like
}

// Regexp compiles pattern, or returns it from the cache. An invalid pattern is an error,
// as in Spark; the generated code applies the source's bad-record policy to it.
func (p *Patterns) Regexp(pattern string) (*regexp.Regexp, error) {
	if re, ok := p.re[pattern]; ok {
		return re, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("invalid regular expression %q: %w", pattern, err)
	}
	if p.re == nil || len(p.re) >= maxPatterns {
		p.re = make(map[string]*regexp.Regexp, maxPatterns)
	}
	p.re[strings.Clone(pattern)] = re // the pattern may alias a reused input buffer
	return re, nil
}

// Like compiles a LIKE pattern with the default escape character, or returns it from the
// cache; an invalid pattern is an error, as in Spark.
func (p *Patterns) Like(pattern string) (*Like, error) {
	if l, ok := p.like[pattern]; ok {
		return l, nil
	}
	l, err := CompileLike(pattern)
	if err != nil {
		return nil, err
	}
	if p.like == nil || len(p.like) >= maxPatterns {
		p.like = make(map[string]*Like, maxPatterns)
	}
	p.like[strings.Clone(pattern)] = l
	return l, nil
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
