package sqlfn

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// String functions after Spark's: left, right, ascii, chr, translate, octet_length,
// bit_length, format_number.

// Left is left(s, n): the first n characters; empty when n <= 0.
func Left(s string, n int32) string { return Substring(s, 1, n) }

// Right is right(s, n): the last n characters; empty when n <= 0.
func Right(s string, n int32) string {
	if n <= 0 {
		return ""
	}
	return Substring(s, -n, n)
}

// ASCII is ascii(s): the code point of the first character, 0 for the empty string.
func ASCII(s string) int32 {
	if s == "" {
		return 0
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// Chr is chr(n): the character with code point n mod 256 (Spark's rule: chr(256 + 65) is
// 'A', chr(0) is U+0000); empty for a negative n.
func Chr(n int64) string {
	if n < 0 {
		return ""
	}
	return string(rune(n & 0xff))
}

// Translate is translate(s, from, to): each character of s found in from is replaced by the
// character at the same place in to, or removed when to is shorter; the first occurrence of
// a character in from counts.
func Translate(s, from, to string) string {
	if from == "" {
		return s
	}
	dict := map[rune]rune{} // -1: remove
	tr := []rune(to)
	i := 0
	for _, r := range from {
		if _, seen := dict[r]; !seen {
			if i < len(tr) {
				dict[r] = tr[i]
			} else {
				dict[r] = -1
			}
		}
		i++
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m, ok := dict[r]
		switch {
		case !ok:
			b.WriteRune(r)
		case m >= 0:
			b.WriteRune(m)
		}
	}
	return b.String()
}

// OctetLength is octet_length(s): its length in bytes (UTF-8).
func OctetLength(s string) int32 { return int32(len(s)) }

// BitLength is bit_length(s): its length in bits.
func BitLength(s string) int32 { return int32(len(s)) * 8 }

// FormatNumber is format_number(x, d) for a DOUBLE: x rounded half to even (from its exact
// binary value, as Java's DecimalFormat) to d decimals, with commas between thousands, e.g.
// "12,332.12"; NULL (ok false) for d < 0. Like DecimalFormat it writes at most 340
// decimals.
func FormatNumber(x float64, d int32) (string, bool) {
	d = min(d, maxFractionDigits)
	switch {
	case d < 0:
		return "", false
	case math.IsNaN(x):
		return "NaN", true
	case math.IsInf(x, 1):
		return "∞", true
	case math.IsInf(x, -1):
		return "-∞", true
	}
	return groupThousands(strconv.FormatFloat(x, 'f', int(d), 64)), true
}

// FormatNumberInt is format_number(n, d) for an integer: exact, with d zero decimals.
func FormatNumberInt(n int64, d int32) (string, bool) {
	d = min(d, maxFractionDigits)
	if d < 0 {
		return "", false
	}
	s := groupThousands(strconv.FormatInt(n, 10))
	if d > 0 {
		s += "." + strings.Repeat("0", int(d))
	}
	return s, true
}

// maxFractionDigits is Java's DecimalFormat limit for a double.
const maxFractionDigits = 340

// groupThousands puts commas into the integer part of a decimal number.
func groupThousands(s string) string {
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(intPart[i])
	}
	b.WriteString(frac)
	return b.String()
}
