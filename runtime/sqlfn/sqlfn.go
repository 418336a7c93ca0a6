// Package sqlfn implements SQL's scalar functions, casts and LIKE with Spark's semantics
// (non-ANSI mode) for generated code; callers handle NULL, so arguments here are never NULL.
package sqlfn

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// Length is the number of characters (not bytes) of s.
func Length(s string) int32 { return int32(utf8.RuneCountInString(s)) }

// Trim removes leading and trailing spaces (only ' ', as Spark's trim does).
func Trim(s string) string { return strings.Trim(s, " ") }

// LTrim removes leading spaces.
func LTrim(s string) string { return strings.TrimLeft(s, " ") }

// RTrim removes trailing spaces.
func RTrim(s string) string { return strings.TrimRight(s, " ") }

// Substring is Spark's substring(s, pos, len) in characters: pos is 1-based, 0 acts as 1,
// a negative pos counts from the end; len <= 0 gives "".
func Substring(s string, pos, length int32) string {
	if length <= 0 {
		return ""
	}
	return substr(s, pos, int64(length))
}

// SubstringFrom is substring(s, pos): from pos to the end.
func SubstringFrom(s string, pos int32) string { return substr(s, pos, math.MaxInt64) }

func substr(s string, pos int32, length int64) string {
	n := int64(utf8.RuneCountInString(s))
	var start int64
	switch {
	case pos > 0:
		start = int64(pos) - 1
	case pos < 0:
		start = n + int64(pos)
	}
	end := n
	if length < n {
		end = start + length
	}
	if start < 0 {
		start = 0
	}
	if end > n {
		end = n
	}
	if start >= end {
		return ""
	}
	if n == int64(len(s)) { // ASCII
		return s[start:end]
	}
	i, from, to := int64(0), -1, len(s)
	for b := range s {
		if i == start {
			from = b
		}
		if i == end {
			to = b
			break
		}
		i++
	}
	return s[from:to]
}

// Mod is Java's remainder (the sign of a); 0 when b is 0, which the caller reports as NULL.
func Mod[T int32 | int64](a, b T) T {
	if b == 0 || b == -1 {
		return 0
	}
	return a % b
}

// AbsInt32 is |x|, wrapping for the minimum as Java does.
func AbsInt32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// AbsInt64 is |x|, wrapping for the minimum as Java does.
func AbsInt64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// RoundHalfUp rounds x to digits decimal places, halves away from zero, on x's shortest
// decimal representation (so round(1.005, 2) is 1.01, as in Spark).
func RoundHalfUp(x float64, digits int32) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || digits > 300 {
		return x
	}
	s := strconv.FormatFloat(math.Abs(x), 'e', -1, 64) // d.ddddde±x
	e := strings.IndexByte(s, 'e')
	exp, _ := strconv.Atoi(s[e+1:])
	mant := strings.Replace(s[:e], ".", "", 1)
	// value = 0.mant × 10^(exp+1); keep the digits before position exp+1+digits
	keep := exp + 1 + int(digits)
	if keep < 0 {
		return math.Copysign(0, x)
	}
	var r float64
	if keep >= len(mant) {
		return x
	}
	head := mant[:keep]
	up := mant[keep] >= '5'
	n, _ := strconv.ParseUint("0"+head, 10, 64)
	if up {
		n++
	}
	r, _ = strconv.ParseFloat(strconv.FormatUint(n, 10)+"e"+strconv.Itoa(-int(digits)), 64)
	return math.Copysign(r, x)
}

// RoundInt64 rounds x to digits decimal places: unchanged for digits >= 0, else half up at
// that power of ten (round(1250, -2) = 1300).
func RoundInt64(x int64, digits int32) int64 {
	if digits >= 0 {
		return x
	}
	if digits < -18 {
		return 0
	}
	p := int64(1)
	for range -digits {
		p *= 10
	}
	q, rem := x/p, x%p
	if rem < 0 {
		rem = -rem
	}
	if 2*rem >= p {
		if x < 0 {
			q--
		} else {
			q++
		}
	}
	return q * p
}

// Floor rounds down to a BIGINT, saturating like Java.
func Floor(x float64) int64 { return DoubleToInt64(math.Floor(x)) }

// Ceil rounds up to a BIGINT, saturating like Java.
func Ceil(x float64) int64 { return DoubleToInt64(math.Ceil(x)) }

// FloorDiv divides rounding toward negative infinity (b > 0).
func FloorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// DoubleToInt64 converts like Java's (long) cast: NaN is 0, out-of-range values saturate.
func DoubleToInt64(f float64) int64 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

// DoubleToInt32 converts like Java's (int) cast: NaN is 0, out-of-range values saturate.
func DoubleToInt32(f float64) int32 {
	switch {
	case math.IsNaN(f):
		return 0
	case f >= math.MaxInt32:
		return math.MaxInt32
	case f <= math.MinInt32:
		return math.MinInt32
	}
	return int32(f)
}

// BoolToInt is 1 for TRUE, 0 for FALSE.
func BoolToInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CastToBoolean reads 't', 'true', 'y', 'yes', '1' and 'f', 'false', 'n', 'no', '0' (any
// case, trimmed); anything else is NULL.
func CastToBoolean(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "t", "true", "y", "yes", "1":
		return true, true
	case "f", "false", "n", "no", "0":
		return false, true
	}
	return false, false
}

// CastToInt64 reads an integer, truncating a decimal fraction ('1.9' is 1) as Spark does;
// anything else, or out of range, is NULL.
func CastToInt64(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		whole, frac := s[:i], s[i+1:]
		if whole == "" || whole == "-" || whole == "+" {
			whole += "0"
		}
		for _, c := range frac {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		v, err := strconv.ParseInt(whole, 10, 64)
		return v, err == nil
	}
	return 0, false
}

// CastToInt32 is CastToInt64 within INT's range.
func CastToInt32(s string) (int32, bool) {
	v, ok := CastToInt64(s)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// CastToDouble reads a number, also NaN, Infinity and -Infinity; anything else is NULL.
func CastToDouble(s string) (float64, bool) {
	return codec.ParseFloat64([]byte(s))
}

// CastToTimestamp reads a timestamp (see codec.ParseTimestamp); anything else is NULL.
func CastToTimestamp(s string) (int64, bool) { return codec.ParseTimestamp([]byte(s)) }

// CastToDate reads a date, or the date of a timestamp; anything else is NULL.
func CastToDate(s string) (int32, bool) {
	if d, ok := codec.ParseDate([]byte(s)); ok {
		return d, true
	}
	us, ok := codec.ParseTimestamp([]byte(s))
	if !ok {
		return 0, false
	}
	return int32(FloorDiv(us, 86400_000_000)), true
}
