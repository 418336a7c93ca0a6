package codec

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AppendDouble formats f like Java's Double.toString, which is how Spark shows doubles:
// shortest round-trip digits, plain for 1e-3 <= |f| < 1e7 with at least one decimal
// ("1.0", "0.001"), else scientific ("1.0E7", "1.234E-5").
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if !hasDot(dst) {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	// scientific: d.dddE[-]x
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64) // e.g. -1.234e+07
	e := strings.LastIndexByte(string(s), 'e')
	mant, exp := s[:e], s[e+1:]
	dst = append(dst, mant...)
	if !hasDot(mant) {
		dst = append(dst, ".0"...)
	}
	dst = append(dst, 'E')
	if exp[0] == '-' {
		dst = append(dst, '-')
	}
	exp = exp[1:]
	for len(exp) > 1 && exp[0] == '0' {
		exp = exp[1:]
	}
	return append(dst, exp...)
}

func hasDot(b []byte) bool {
	for _, c := range b {
		if c == '.' {
			return true
		}
	}
	return false
}

// FormatDouble is AppendDouble as a string.
func FormatDouble(f float64) string { return string(AppendDouble(nil, f)) }

// AppendJSONDouble is AppendDouble for JSON: NaN and infinities become quoted strings, as in
// Spark's JSON writer.
func AppendJSONDouble(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		dst = append(dst, '"')
		dst = AppendDouble(dst, f)
		return append(dst, '"')
	}
	return AppendDouble(dst, f)
}

// AppendTimestamp formats microseconds as '2024-01-02 03:04:05[.ffffff]' in UTC, with the
// fraction only when it is not zero and without trailing zeros (Spark's display form).
func AppendTimestamp(dst []byte, us int64) []byte {
	t := time.UnixMicro(us).UTC()
	dst = t.AppendFormat(dst, "2006-01-02 15:04:05")
	if frac := t.Nanosecond() / 1000; frac != 0 {
		s := strconv.Itoa(frac + 1000000)[1:]
		dst = append(dst, '.')
		dst = append(dst, strings.TrimRight(s, "0")...)
	}
	return dst
}

// FormatTimestamp is AppendTimestamp as a string.
func FormatTimestamp(us int64) string { return string(AppendTimestamp(nil, us)) }

// AppendTimestampJSON formats microseconds as Spark's JSON writer does by default:
// "2024-01-02T03:04:05.000Z" (milliseconds, UTC), quoted.
func AppendTimestampJSON(dst []byte, us int64) []byte {
	dst = append(dst, '"')
	dst = time.UnixMicro(us).UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	return append(dst, '"')
}

// AppendDate formats days since the epoch as '2024-01-02'.
func AppendDate(dst []byte, d int32) []byte {
	return time.Unix(int64(d)*86400, 0).UTC().AppendFormat(dst, "2006-01-02")
}

// FormatDate is AppendDate as a string.
func FormatDate(d int32) string { return string(AppendDate(nil, d)) }

// AppendDateJSON is AppendDate, quoted.
func AppendDateJSON(dst []byte, d int32) []byte {
	dst = append(dst, '"')
	dst = AppendDate(dst, d)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i++
				start = i
				continue
			}
			i += n
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendBase64JSON appends the bytes of s as a quoted base64 string.
func AppendBase64JSON(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, []byte(s))
	return append(dst, '"')
}

// AppendCSVField appends s as one CSV field, quoted only when it has to be (it holds the
// separator, a quote or a line break, or starts or ends with a space).
func AppendCSVField(dst []byte, s string, sep byte) []byte {
	need := len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ')
	for i := 0; i < len(s) && !need; i++ {
		switch s[i] {
		case sep, '"', '\n', '\r':
			need = true
		}
	}
	if !need {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	dst = append(dst, strings.ReplaceAll(s, `"`, `""`)...)
	return append(dst, '"')
}

// FormatBytes shows binary as Spark's console does: "[61 62 63]".
func FormatBytes(s string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte("0123456789ABCDEF"[s[i]>>4])
		b.WriteByte("0123456789ABCDEF"[s[i]&0xf])
	}
	b.WriteByte(']')
	return b.String()
}
