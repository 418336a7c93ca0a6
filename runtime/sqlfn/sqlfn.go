// Package sqlfn implements SQL scalar functions, casts and LIKE with Spark 3.x (non-ANSI) semantics
// for generated code; callers handle NULL arguments, and a result that may be NULL comes with an ok flag.
package sqlfn

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// MaxStringBytes is the largest string Repeat, LPad and RPad build, Spark's array limit.
const MaxStringBytes = math.MaxInt32

// ---- strings ----

// Length is length(s): the number of characters (not bytes) of s. ASCII is checked eight
// bytes at a time, the last eight overlapping the word before, and a string with a non-ASCII
// byte is decoded. The check has no branch on the bytes, only on the length: over lines of
// every length, a loop that stops at the first non-ASCII byte or walks the last bytes one by
// one mispredicts its exit on most lines (W1's profile).
func Length(s string) int32 {
	const high = 0x8080808080808080
	n := len(s)
	if n < 8 {
		for i := range n {
			if s[i] >= utf8.RuneSelf {
				return int32(utf8.RuneCountInString(s))
			}
		}
		return int32(n)
	}
	word := func(i int) uint64 { return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8)) }
	acc := word(n - 8)
	for i := 0; i+8 <= n; i += 8 {
		acc |= word(i)
	}
	if acc&high == 0 {
		return int32(n)
	}
	return int32(utf8.RuneCountInString(s))
}

// LengthIn is Length of s, a view of text that is all ASCII when ascii is (a text source's
// line, whose chunk generated code checked once with rt.ASCII).
func LengthIn(s string, ascii bool) int32 {
	if ascii {
		return int32(len(s))
	}
	return Length(s)
}

// Lower is lower(s) like Java's String.toLowerCase (Spark's): Unicode simple mappings plus
// Java's special cases 'İ' → "i̇" and a final 'Σ' → 'ς'.
func Lower(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return strings.ToLower(s) // ASCII; returns s itself when it has no upper case
	}
	var b strings.Builder
	b.Grow(len(s))
	for j, r := range s {
		switch r {
		case 'İ':
			b.WriteString("i\u0307")
		case 'Σ':
			if finalSigma(s, j) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			if r == utf8.RuneError {
				if _, n := utf8.DecodeRuneInString(s[j:]); n == 1 {
					b.WriteByte(s[j]) // keep invalid bytes
					continue
				}
			}
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma reports whether the Σ at s[i] ends a word: a letter before it, none after.
func finalSigma(s string, i int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:i])
	after, _ := utf8.DecodeRuneInString(s[i+len("Σ"):])
	return i > 0 && unicode.IsLetter(before) && !(i+len("Σ") < len(s) && unicode.IsLetter(after))
}

// upperSpecial holds Java's unconditional multi-character upper-case mappings (SpecialCasing)
// that Go's simple mapping lacks. Greek letters with ypogegrammeni are not included.
var upperSpecial = map[rune]string{
	'ß': "SS", 'ŉ': "ʼN", 'ǰ': "J̌", 'ΐ': "Ϊ́", 'ΰ': "Ϋ́", 'և': "ԵՒ",
	'ẖ': "H̱", 'ẗ': "T̈", 'ẘ': "W̊", 'ẙ': "Y̊", 'ẚ': "Aʾ",
	'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
	'ﬓ': "ՄՆ", 'ﬔ': "ՄԵ", 'ﬕ': "ՄԻ", 'ﬖ': "ՎՆ", 'ﬗ': "ՄԽ",
}

// Upper is upper(s) like Java's String.toUpperCase (Spark's): Unicode simple mappings plus
// Java's multi-character ones such as 'ß' → "SS" and 'ﬁ' → "FI".
func Upper(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for j, r := range s {
		if sp, ok := upperSpecial[r]; ok {
			b.WriteString(sp)
			continue
		}
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[j:]); n == 1 {
				b.WriteByte(s[j])
				continue
			}
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// InitCap is initcap(s): lower-cases s (as Lower) and then title-cases the first character
// and every character that follows a space ' ' (only a space separates words, as in Spark:
// initcap('a-b c') is 'A-b C').
func InitCap(s string) string {
	s = Lower(s)
	b := make([]byte, 0, len(s))
	prevSpace := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if prevSpace && !(r == utf8.RuneError && n == 1) {
			b = utf8.AppendRune(b, unicode.ToTitle(r))
		} else {
			b = append(b, s[i:i+n]...)
		}
		prevSpace = r == ' '
		i += n
	}
	return string(b)
}

// Trim is trim(s): removes leading and trailing spaces (only ' ', as Spark does; not tabs).
func Trim(s string) string { return strings.Trim(s, " ") }

// LTrim is ltrim(s): removes leading spaces (' ' only).
func LTrim(s string) string { return strings.TrimLeft(s, " ") }

// RTrim is rtrim(s): removes trailing spaces (' ' only).
func RTrim(s string) string { return strings.TrimRight(s, " ") }

// TrimChars is trim(BOTH chars FROM s): removes leading and trailing characters that occur in
// chars (a set of characters, not a substring). An empty chars removes nothing.
func TrimChars(s, chars string) string { return strings.Trim(s, chars) }

// LTrimChars is trim(LEADING chars FROM s) / ltrim(s, chars).
func LTrimChars(s, chars string) string { return strings.TrimLeft(s, chars) }

// RTrimChars is trim(TRAILING chars FROM s) / rtrim(s, chars).
func RTrimChars(s, chars string) string { return strings.TrimRight(s, chars) }

// Substring is substring(s, pos, len) with Spark's rules, in characters: pos is 1-based, 0
// acts as 1, a negative pos counts from the end (-1 is the last character); the end is
// computed from the unclamped start (substring('hello', -7, 3) is 'h'); len <= 0 or a start
// past the end gives the empty string.
func Substring(s string, pos, length int32) string {
	if length <= 0 {
		return ""
	}
	return substr(s, pos, int64(length))
}

// SubstringFrom is substring(s, pos): from pos (as in Substring) to the end.
func SubstringFrom(s string, pos int32) string { return substr(s, pos, math.MaxInt32) }

func substr(s string, pos int32, length int64) string {
	ascii := isASCII(s)
	var n int64
	if ascii {
		n = int64(len(s))
	} else {
		n = int64(utf8.RuneCountInString(s))
	}
	var start int64
	switch {
	case pos > 0:
		start = int64(pos) - 1
	case pos < 0:
		start = n + int64(pos)
	}
	end := min(start+length, math.MaxInt32) // Spark saturates start+length at Int.MaxValue
	start = max(start, 0)
	end = min(end, n)
	if start >= end {
		return ""
	}
	if ascii {
		return s[start:end]
	}
	from, to := runeOffset(s, 0, start), 0
	to = runeOffset(s, from, end-start)
	return s[from:to]
}

// runeOffset is the byte offset of the character count characters after byte offset from.
func runeOffset(s string, from int, count int64) int {
	i := from
	for ; count > 0 && i < len(s); count-- {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
	}
	return i
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Replace is replace(s, search, repl): every occurrence of search replaced; an empty search
// leaves s unchanged (unlike strings.ReplaceAll).
func Replace(s, search, repl string) string {
	if search == "" {
		return s
	}
	return strings.ReplaceAll(s, search, repl)
}

// InStr is instr(s, sub): the 1-based character position of the first sub in s, 0 when absent;
// an empty sub is found at 1.
func InStr(s, sub string) int32 {
	i := strings.Index(s, sub)
	if i < 0 {
		return 0
	}
	return int32(utf8.RuneCountInString(s[:i])) + 1
}

// Locate is locate(sub, s, pos): InStr starting the search at character pos (1-based); 0 when
// absent or when pos < 1; an empty sub gives 1 for any pos >= 1 (as Spark's indexOf).
func Locate(sub, s string, pos int32) int32 {
	if pos < 1 {
		return 0
	}
	if sub == "" {
		return 1 // Spark's indexOf finds an empty string at once, wherever it starts
	}
	from := runeOffset(s, 0, int64(pos)-1)
	i := strings.Index(s[from:], sub)
	if i < 0 {
		return 0
	}
	return pos + int32(utf8.RuneCountInString(s[from:from+i]))
}

// Reverse is reverse(s), by characters; invalid UTF-8 bytes are kept as single units.
func Reverse(s string) string {
	b := make([]byte, len(s))
	j := len(s)
	for i := 0; i < len(s); {
		n := 1
		if s[i] >= utf8.RuneSelf {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		j -= n
		copy(b[j:], s[i:i+n])
		i += n
	}
	return string(b)
}

// Repeat is repeat(s, n): s n times; empty when n <= 0. ok=false when the result would exceed
// MaxStringBytes (Spark fails the query).
func Repeat(s string, n int32) (string, bool) {
	if n <= 0 || s == "" {
		return "", true
	}
	if int64(len(s))*int64(n) > MaxStringBytes {
		return "", false
	}
	return strings.Repeat(s, int(n)), true
}

// LPad is lpad(s, n, pad): s left-padded with repetitions of pad to n characters; when s has n
// or more characters, or pad is empty, it is cut to its first n characters (n < 0 gives the empty string).
// ok=false when the result would exceed MaxStringBytes (Spark fails the query).
func LPad(s string, n int32, pad string) (string, bool) { return padding(s, n, pad, true) }

// RPad is rpad(s, n, pad), as LPad but padding on the right.
func RPad(s string, n int32, pad string) (string, bool) { return padding(s, n, pad, false) }

func padding(s string, n int32, pad string, left bool) (string, bool) {
	chars := int64(utf8.RuneCountInString(s))
	spaces := int64(n) - chars
	if spaces <= 0 || pad == "" {
		if n <= 0 {
			return "", true
		}
		return s[:runeOffset(s, 0, int64(n))], true
	}
	padChars := int64(utf8.RuneCountInString(pad))
	count := spaces / padChars
	rest := pad[:runeOffset(pad, 0, spaces-count*padChars)]
	size := int64(len(s)) + count*int64(len(pad)) + int64(len(rest))
	if size > MaxStringBytes {
		return "", false
	}
	var b strings.Builder
	b.Grow(int(size))
	if !left {
		b.WriteString(s)
	}
	for range count {
		b.WriteString(pad)
	}
	b.WriteString(rest)
	if left {
		b.WriteString(s)
	}
	return b.String(), true
}

// SplitPart is split_part(s, delim, n): the n-th part (1-based; negative counts from the end)
// of s split on the string delim; the empty string when n is out of range; an empty delim leaves s whole
// (one part). ok=false when n is 0, where Spark raises an error.
func SplitPart(s, delim string, n int32) (string, bool) {
	if n == 0 {
		return "", false
	}
	if delim == "" {
		if n == 1 || n == -1 {
			return s, true
		}
		return "", true
	}
	if n > 0 {
		for i := int32(1); ; i++ {
			j := strings.Index(s, delim)
			if i == n {
				if j < 0 {
					return s, true
				}
				return s[:j], true
			}
			if j < 0 {
				return "", true
			}
			s = s[j+len(delim):]
		}
	}
	for i := int32(-1); ; i-- {
		j := strings.LastIndex(s, delim)
		if i == n {
			if j < 0 {
				return s, true
			}
			return s[j+len(delim):], true
		}
		if j < 0 {
			return "", true
		}
		s = s[:j]
	}
}

// ---- math ----

// Mod is a % b for INT and BIGINT with Java's sign rule (the result has a's sign). b == 0 is
// NULL in Spark: the caller checks it; Mod returns 0 then.
func Mod[T int32 | int64](a, b T) T {
	if b == 0 || b == -1 {
		return 0
	}
	return a % b
}

// Pmod is pmod(a, b): the non-negative remainder for b > 0 ((a % b + b) % b in general).
// b == 0 is NULL: the caller checks it; Pmod returns 0 then.
func Pmod[T int32 | int64](a, b T) T {
	r := Mod(a, b)
	if r < 0 {
		r = Mod(r+b, b)
	}
	return r
}

// PmodDouble is pmod for DOUBLE; b == 0 is NULL (the caller checks it).
func PmodDouble(a, b float64) float64 {
	r := math.Mod(a, b)
	if r < 0 {
		r = math.Mod(r+b, b)
	}
	return r
}

// AbsInt32 is abs(x) for INT, wrapping for the minimum as Java does (abs(-2147483648) is
// -2147483648 in non-ANSI mode).
func AbsInt32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// AbsInt64 is abs(x) for BIGINT, wrapping for the minimum as Java does.
func AbsInt64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// RoundHalfUp is round(x, digits) for DOUBLE: half away from zero on x's shortest decimal
// representation (Java's Double.toString), as Spark's BigDecimal(x).setScale(digits, HALF_UP)
// does, so round(2.5) is 3, round(-2.5) is -3 and round(1.005, 2) is 1.01. NaN and ±Inf are
// returned unchanged; a zero result is +0.0; results beyond DOUBLE's range are ±Inf.
func RoundHalfUp(x float64, digits int32) float64 { return roundDecimal(x, digits, false) }

// BRound is bround(x, digits) for DOUBLE: as RoundHalfUp but halves go to the even neighbour
// (bround(2.5) is 2, bround(3.5) is 4).
func BRound(x float64, digits int32) float64 { return roundDecimal(x, digits, true) }

func roundDecimal(x float64, digits int32, even bool) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	if digits == 0 && !even {
		// Exact: a double's shortest representation ends in .5 only if the double is k+0.5.
		return math.Round(x) + 0 // + 0 turns -0 into +0
	}
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], math.Abs(x), 'e', -1, 64) // d[.ddd]e±xx
	e := len(s) - 1
	for s[e] != 'e' {
		e--
	}
	exp := 0
	for _, c := range s[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	if s[e+1] == '-' {
		exp = -exp
	}
	var mant [20]byte // at most 17 significant digits
	nm := 0
	for _, c := range s[:e] {
		if c != '.' {
			mant[nm] = c
			nm++
		}
	}
	// value = 0.mant × 10^(exp+1); keep the first exp+1+digits digits
	keep := int64(exp) + 1 + int64(digits)
	if keep >= int64(nm) {
		return x
	}
	if keep < 0 {
		return 0
	}
	var n uint64
	for _, c := range mant[:keep] {
		n = n*10 + uint64(c-'0')
	}
	next := mant[keep]
	up := next >= '5'
	if even && next == '5' {
		rest := false
		for _, c := range mant[keep+1 : nm] {
			rest = rest || c != '0'
		}
		up = rest || n%2 == 1
	}
	if up {
		n++
	}
	if n == 0 {
		return 0
	}
	b := strconv.AppendUint(tmp[:0], n, 10)
	b = append(b, 'e')
	b = strconv.AppendInt(b, -int64(digits), 10)
	r, _ := strconv.ParseFloat(unsafe.String(&b[0], len(b)), 64) // overflow gives ±Inf, as BigDecimal.toDouble
	return math.Copysign(r, x)
}

// RoundInt64 is round(x, digits) for BIGINT (and INT, through int64): unchanged for
// digits >= 0, else half away from zero at that power of ten (round(1250, -2) is 1300), with
// Java's wrap-around when the result overflows (as BigDecimal.longValue).
func RoundInt64(x int64, digits int32) int64 { return roundInt(x, digits, false) }

// BRoundInt64 is bround(x, digits) for BIGINT: as RoundInt64 with halves to even.
func BRoundInt64(x int64, digits int32) int64 { return roundInt(x, digits, true) }

func roundInt(x int64, digits int32, even bool) int64 {
	if digits >= 0 {
		return x
	}
	if digits < -19 {
		return 0
	}
	// work on |x| as uint64 so that MinInt64 and 10^19 fit
	neg := x < 0
	ux := uint64(x)
	if neg {
		ux = -ux
	}
	p := uint64(1)
	for range -digits {
		p *= 10
	}
	q, rem, half := ux/p, ux%p, p/2
	if rem > half || (rem == half && (!even || q%2 == 1)) {
		q++
	}
	r := q * p // wraps like BigDecimal.longValue's low 64 bits
	if neg {
		return -int64(r)
	}
	return int64(r)
}

// Floor is floor(x) for DOUBLE, which Spark returns as BIGINT: saturating like Java's
// (long) cast, NaN gives 0.
func Floor(x float64) int64 { return DoubleToInt64(math.Floor(x)) }

// Ceil is ceil(x) for DOUBLE as BIGINT (see Floor).
func Ceil(x float64) int64 { return DoubleToInt64(math.Ceil(x)) }

// FloorDiv divides rounding toward negative infinity; b must not be 0 (callers use it with
// constant divisors, e.g. microseconds to seconds).
func FloorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Pow is power(x, y) like Java's Math.pow: as math.Pow except that a NaN exponent always
// gives NaN and (±1)^±Inf is NaN.
func Pow(x, y float64) float64 {
	if math.IsNaN(y) || (math.IsInf(y, 0) && math.Abs(x) == 1) {
		return math.NaN()
	}
	return math.Pow(x, y)
}

// Sqrt is sqrt(x): NaN for x < 0, as in Spark.
func Sqrt(x float64) float64 { return math.Sqrt(x) }

// Exp is exp(x).
func Exp(x float64) float64 { return math.Exp(x) }

// Ln is ln(x) / log(x): ok=false (NULL) for x <= 0, as in Spark.
func Ln(x float64) (float64, bool) {
	if x <= 0 {
		return 0, false
	}
	return math.Log(x), true
}

// Log10 is log10(x): ok=false (NULL) for x <= 0.
func Log10(x float64) (float64, bool) {
	if x <= 0 {
		return 0, false
	}
	return math.Log10(x), true
}

// Log2 is log2(x): ok=false (NULL) for x <= 0.
func Log2(x float64) (float64, bool) {
	if x <= 0 {
		return 0, false
	}
	return math.Log(x) / math.Ln2, true
}

// Log1p is log1p(x): ok=false (NULL) for x <= -1.
func Log1p(x float64) (float64, bool) {
	if x <= -1 {
		return 0, false
	}
	return math.Log1p(x), true
}

// Log is log(base, x): ln(x)/ln(base); ok=false (NULL) when either is <= 0.
func Log(base, x float64) (float64, bool) {
	if base <= 0 || x <= 0 {
		return 0, false
	}
	return math.Log(x) / math.Log(base), true
}

// Sign is sign(x) / signum(x), a DOUBLE: -1.0, 0.0 or 1.0; NaN stays NaN and -0.0 stays -0.0
// (Java's Math.signum).
func Sign(x float64) float64 {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return x // ±0 or NaN
}

// ---- casts ----

// DoubleToInt64 is CAST(double AS BIGINT): Java's (long) cast, truncating toward zero,
// saturating out-of-range values and giving 0 for NaN.
func DoubleToInt64(f float64) int64 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// DoubleToInt32 is CAST(double AS INT): Java's (int) cast, which saturates at INT's range
// directly (not through long) and gives 0 for NaN.
func DoubleToInt32(f float64) int32 {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// BoolToInt is CAST(boolean AS numeric): 1 for TRUE, 0 for FALSE.
func BoolToInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CastToBoolean is CAST(string AS BOOLEAN): 't', 'true', 'y', 'yes', '1' and 'f', 'false',
// 'n', 'no', '0', in any ASCII case, with surrounding whitespace and control characters
// trimmed; anything else is NULL (ok=false).
func CastToBoolean(s string) (v, ok bool) {
	s = trimAll(s)
	if len(s) > 5 {
		return false, false
	}
	var low [5]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(s)]) {
	case "t", "true", "y", "yes", "1":
		return true, true
	case "f", "false", "n", "no", "0":
		return false, true
	}
	return false, false
}

// trimAll trims bytes <= ' ' at both ends (Spark's UTF8String.trimAll for ASCII input).
func trimAll(s string) string {
	for len(s) > 0 && s[0] <= ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] <= ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// CastToInt64 is CAST(string AS BIGINT) as Spark's UTF8String.toLong: ASCII whitespace
// trimmed, an optional sign, digits, and an optional '.' followed by digits that are dropped
// ('1.9' is 1, '-1.9' is -1, '.5' is 0, '1.' is 1); anything else, or out of range, is NULL.
func CastToInt64(s string) (int64, bool) {
	b := codec.TrimSpace(unsafeBytes(s))
	if len(b) == 0 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg || b[0] == '+' {
		if len(b) == 1 {
			return 0, false
		}
		b = b[1:]
	}
	var v uint64
	i := 0
	for ; i < len(b) && b[i] != '.'; i++ {
		c := b[i] - '0'
		if c > 9 {
			return 0, false
		}
		if v > (1<<63)/10 {
			return 0, false
		}
		v = v*10 + uint64(c)
		if v > 1<<63 {
			return 0, false
		}
	}
	if i < len(b) { // the fraction: digits only, ignored
		for _, c := range b[i+1:] {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
	}
	if neg {
		return -int64(v), true // v == 1<<63 wraps to MinInt64, as intended
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// CastToInt32 is CAST(string AS INT): as CastToInt64 within INT's range.
func CastToInt32(s string) (int32, bool) {
	v, ok := CastToInt64(s)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// CastToDouble is CAST(string AS DOUBLE): Java's Double.parseDouble (surrounding whitespace
// ignored, 'NaN', 'Infinity', hex floats, a trailing d/f), or, case-insensitively, 'inf',
// 'infinity', 'nan' with an optional sign; anything else is NULL.
func CastToDouble(s string) (float64, bool) {
	if f, ok := codec.ParseJavaDouble(unsafeBytes(s)); ok {
		return f, true
	}
	t := trimAll(s)
	if len(t) > 9 {
		return 0, false
	}
	var low [9]byte
	for i := 0; i < len(t); i++ {
		c := t[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(t)]) {
	case "inf", "+inf", "infinity", "+infinity":
		return math.Inf(1), true
	case "-inf", "-infinity":
		return math.Inf(-1), true
	case "nan", "+nan", "-nan":
		return math.NaN(), true
	}
	return 0, false
}

// CastToTimestamp is CAST(string AS TIMESTAMP) with session time zone UTC (see
// codec.ParseTimestamp for the accepted forms); anything else is NULL.
func CastToTimestamp(s string) (int64, bool) { return codec.ParseTimestamp(unsafeBytes(s)) }

// CastToDate is CAST(string AS DATE): 'yyyy[-[m]m[-[d]d]]' optionally followed by ' ' or 'T'
// and anything, which is ignored (so a timestamp string gives its own date, whatever its
// zone); see codec.ParseDate. Anything else is NULL.
func CastToDate(s string) (int32, bool) { return codec.ParseDate(unsafeBytes(s)) }

// IntToString is CAST(INT or BIGINT AS STRING).
func IntToString(v int64) string { return strconv.FormatInt(v, 10) }

// BoolToString is CAST(BOOLEAN AS STRING): 'true' or 'false'.
func BoolToString(v bool) string { return strconv.FormatBool(v) }

// DoubleToString is CAST(DOUBLE AS STRING), Java's Double.toString (codec.FormatDouble).
func DoubleToString(v float64) string { return codec.FormatDouble(v) }

// TimestampToString is CAST(TIMESTAMP AS STRING): '2024-01-02 03:04:05[.ffffff]' in UTC with
// trailing fraction zeros trimmed (codec.FormatTimestamp).
func TimestampToString(us int64) string { return codec.FormatTimestamp(us) }

// DateToString is CAST(DATE AS STRING): '2024-01-02' (codec.FormatDate).
func DateToString(d int32) string { return codec.FormatDate(d) }

// unsafeBytes views s as bytes for read-only parsers.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
