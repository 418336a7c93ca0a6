package codec

import (
	"encoding/base64"
	"math"
	"strconv"
	"unicode/utf8"
)

// AppendDouble formats f like Java's Double.toString, which is how Spark shows and casts
// doubles: the shortest digits that round-trip; plain notation with at least one decimal
// for 1e-3 <= |f| < 1e7 ("1.0", "100.0", "0.001"), else computerized scientific notation
// ("1.0E7", "1.234E-5", "-1.5E10"); "NaN", "Infinity", "-Infinity", "0.0" and "-0.0".
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
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
		if !hasDot(dst[start:]) {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	// scientific: d[.ddd]e±xx from strconv, re-laid out as d.ddd[E-]x
	var tmp [32]byte
	s := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	if abs < 0x1p-1022 && (s[1] == 'e' || s[0] == '-' && s[2] == 'e') {
		// Java prints at least two digits and then picks the two-digit decimal closest to f
		// (4.9E-324, not 5.0E-324); that differs from d.0 only for tiny subnormals.
		two := strconv.AppendFloat(tmp[len(s):len(s)], f, 'e', 1, 64)
		if back, _ := strconv.ParseFloat(viewString(two), 64); back == f {
			s = two
		}
	}
	e := len(s) - 1
	for s[e] != 'e' {
		e--
	}
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

// FormatDouble is AppendDouble as a string (CAST(double AS STRING), console cells).
func FormatDouble(f float64) string {
	var buf [32]byte
	return string(AppendDouble(buf[:0], f))
}

// AppendJSONDouble is AppendDouble for JSON output: NaN and the infinities become quoted
// strings ("NaN", "Infinity", "-Infinity"), as Spark's (Jackson's) JSON writer does.
func AppendJSONDouble(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		dst = append(dst, '"')
		dst = AppendDouble(dst, f)
		return append(dst, '"')
	}
	return AppendDouble(dst, f)
}

// AppendInt appends the decimal form of v (INT and BIGINT).
func AppendInt(dst []byte, v int64) []byte { return strconv.AppendInt(dst, v, 10) }

// AppendBool appends "true" or "false".
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// appendDigits appends v (>= 0) zero-padded to width digits.
func appendDigits(dst []byte, v int64, width int) []byte {
	var tmp [20]byte
	i := len(tmp)
	for v >= 10 || width > 1 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		width--
	}
	i--
	tmp[i] = byte('0' + v)
	return append(dst, tmp[i:]...)
}

// appendYMD appends yyyy-mm-dd; years outside 0..9999 get a sign ("+10000", "-0001").
func appendYMD(dst []byte, days int64) []byte {
	y, m, d := CivilFromDays(days)
	switch {
	case y < 0:
		dst = append(dst, '-')
		dst = appendDigits(dst, int64(-y), 4)
	case y > 9999:
		dst = append(dst, '+')
		dst = appendDigits(dst, int64(y), 4)
	default:
		dst = appendDigits(dst, int64(y), 4)
	}
	dst = append(dst, '-')
	dst = appendDigits(dst, int64(m), 2)
	dst = append(dst, '-')
	return appendDigits(dst, int64(d), 2)
}

// splitMicros splits microseconds since the epoch into days, seconds of the day and
// microseconds of the second, all but days non-negative.
func splitMicros(us int64) (days, secs, frac int64) {
	sec := floorDiv(us, 1e6)
	frac = us - sec*1e6
	days = floorDiv(sec, 86400)
	return days, sec - days*86400, frac
}

func appendHMS(dst []byte, secs int64) []byte {
	dst = appendDigits(dst, secs/3600, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, secs/60%60, 2)
	dst = append(dst, ':')
	return appendDigits(dst, secs%60, 2)
}

// AppendTimestamp formats microseconds as '2024-01-02 03:04:05[.ffffff]' in UTC, the fraction
// only when it is not zero and without trailing zeros ('2024-01-02 03:04:05.12'): Spark's
// form for console cells and CAST(timestamp AS STRING).
func AppendTimestamp(dst []byte, us int64) []byte {
	days, secs, frac := splitMicros(us)
	dst = appendYMD(dst, days)
	dst = append(dst, ' ')
	dst = appendHMS(dst, secs)
	if frac != 0 {
		width := 6
		for frac%10 == 0 {
			frac /= 10
			width--
		}
		dst = append(dst, '.')
		dst = appendDigits(dst, frac, width)
	}
	return dst
}

// FormatTimestamp is AppendTimestamp as a string.
func FormatTimestamp(us int64) string {
	var buf [40]byte
	return string(AppendTimestamp(buf[:0], us))
}

// AppendTimestampISO formats microseconds as '2024-01-02T03:04:05.000Z' (UTC, milliseconds,
// sub-millisecond digits truncated): Spark 3's default timestampFormat for writing JSON and
// CSV, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", with the session time zone UTC.
func AppendTimestampISO(dst []byte, us int64) []byte {
	days, secs, frac := splitMicros(us)
	dst = appendYMD(dst, days)
	dst = append(dst, 'T')
	dst = appendHMS(dst, secs)
	dst = append(dst, '.')
	dst = appendDigits(dst, frac/1000, 3)
	return append(dst, 'Z')
}

// AppendTimestampJSON is AppendTimestampISO quoted, for the JSON sink:
// "2024-01-02T03:04:05.000Z".
func AppendTimestampJSON(dst []byte, us int64) []byte {
	dst = append(dst, '"')
	dst = AppendTimestampISO(dst, us)
	return append(dst, '"')
}

// AppendDate formats days since the epoch as '2024-01-02' (Spark's display, cast and
// JSON/CSV form).
func AppendDate(dst []byte, d int32) []byte { return appendYMD(dst, int64(d)) }

// FormatDate is AppendDate as a string.
func FormatDate(d int32) string {
	var buf [16]byte
	return string(AppendDate(buf[:0], d))
}

// AppendDateJSON is AppendDate, quoted.
func AppendDateJSON(dst []byte, d int32) []byte {
	dst = append(dst, '"')
	dst = AppendDate(dst, d)
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes that need no escaping in a JSON string.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = c >= 0x20 && c != '"' && c != '\\'
	}
	return t
}()

// AppendJSONString appends s as a quoted JSON string the way Jackson (Spark's JSON writer)
// escapes it: \" \\ \b \f \n \r \t, other control characters as \u00XX, everything else
// (including '/' and non-ASCII) as is. Invalid UTF-8 becomes U+FFFD, so the output is valid.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
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
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendBase64JSON appends the bytes of s (a BINARY value) as a quoted standard base64
// string, Spark's JSON form of BINARY.
func AppendBase64JSON(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, []byte(s))
	return append(dst, '"')
}

// AppendCSVField appends s as one RFC 4180 field, quoted only when it has to be: when it
// holds sep, '"', '\n' or '\r', starts or ends with a space or tab, or is empty (Spark writes
// an empty string as "" so that it differs from NULL, which is written as nothing). Quotes
// inside are doubled. Spark's writer differs in two ways: it escapes quotes as \" and it trims
// leading and trailing whitespace; sqlstream keeps RFC 4180 and the value.
func AppendCSVField(dst []byte, s string, sep byte) []byte {
	need := len(s) == 0 || isBlank(s[0]) || isBlank(s[len(s)-1])
	quotes := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case sep, '\n', '\r':
			need = true
		case '"':
			need = true
			quotes++
		}
	}
	if !need {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	if quotes == 0 {
		dst = append(dst, s...)
	} else {
		for i := 0; i < len(s); i++ {
			if s[i] == '"' {
				dst = append(dst, '"')
			}
			dst = append(dst, s[i])
		}
	}
	return append(dst, '"')
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// FormatBytes shows BINARY as Spark's console does: "[61 62 63]" (upper-case hex).
func FormatBytes(s string) string {
	if len(s) == 0 {
		return "[]"
	}
	b := make([]byte, 0, 3*len(s)+1)
	b = append(b, '[')
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, "0123456789ABCDEF"[s[i]>>4], "0123456789ABCDEF"[s[i]&0xf])
	}
	b = append(b, ']')
	return string(b)
}

// FormatWindow shows the window [start, start+size) as Spark's console shows the struct:
// "{2024-01-02 03:00:00, 2024-01-02 03:10:00}".
func FormatWindow(start, size int64) string {
	b := append([]byte{'{'}, FormatTimestamp(start)...)
	b = append(b, ", "...)
	b = append(b, FormatTimestamp(start+size)...)
	return string(append(b, '}'))
}

// AppendWindowJSON appends the window as {"start":...,"end":...}.
func AppendWindowJSON(dst []byte, start, size int64) []byte {
	dst = append(dst, `{"start":`...)
	dst = AppendTimestampJSON(dst, start)
	dst = append(dst, `,"end":`...)
	dst = AppendTimestampJSON(dst, start+size)
	return append(dst, '}')
}

// AppendTimestampMicrosJSON writes microseconds since the epoch as an RFC 3339 string in UTC with all
// six fraction digits: "2024-01-02T03:04:05.000123Z". Years outside 0000-9999 get a sign
// ("+10000-01-01T...", "-0001-...") as in AppendDate, which ParseTimestamp reads: the
// lossless form of records handed to the JSON decoder (Parquet files, database tables).
func AppendTimestampMicrosJSON(dst []byte, us int64) []byte {
	sec := us / 1e6
	frac := us - sec*1e6
	if frac < 0 {
		sec--
		frac += 1e6
	}
	days := sec / 86400
	tod := sec - days*86400
	if tod < 0 {
		days--
		tod += 86400
	}
	dst = append(dst, '"')
	dst = AppendDate(dst, int32(days)) // |days| < 2^31 for any int64 of microseconds
	dst = append(dst, 'T')
	dst = append2(dst, tod/3600)
	dst = append(dst, ':')
	dst = append2(dst, tod/60%60)
	dst = append(dst, ':')
	dst = append2(dst, tod%60)
	dst = append(dst, '.',
		byte('0'+frac/100000), byte('0'+frac/10000%10), byte('0'+frac/1000%10),
		byte('0'+frac/100%10), byte('0'+frac/10%10), byte('0'+frac%10))
	return append(dst, 'Z', '"')
}

// append2 appends v (0..99) as two digits.
func append2(dst []byte, v int64) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}
