package codec

import (
	"math"
	"strconv"
)

// isJavaSpace reports the bytes Java's Character.isWhitespace accepts in the ASCII range,
// which Spark's casts trim: space, \t, \n, \v, \f, \r and 0x1C-0x1F.
func isJavaSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f)
}

// TrimSpace trims the ASCII whitespace Spark's casts and readers ignore (see isJavaSpace).
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && isJavaSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isJavaSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// ParseBool reads true or false in any case, as Spark's CSV reader does (1/0, yes/no are
// not booleans there). Surrounding whitespace is ignored.
func ParseBool(b []byte) (v, ok bool) {
	b = TrimSpace(b)
	switch {
	case equalFoldASCII(b, "true"):
		return true, true
	case equalFoldASCII(b, "false"):
		return false, true
	}
	return false, false
}

// equalFoldASCII compares b with the lower-case ASCII word w, ignoring ASCII case only.
func equalFoldASCII(b []byte, w string) bool {
	if len(b) != len(w) {
		return false
	}
	for i := range len(b) {
		if b[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// ParseInt64 reads a decimal integer with an optional sign; surrounding whitespace is
// ignored. Fractions, exponents and out-of-range values are rejected.
func ParseInt64(b []byte) (int64, bool) {
	if n := len(b); n > 0 && n < 19 {
		i := 0
		neg := b[0] == '-'
		if neg || b[0] == '+' {
			i = 1
		}
		if i < n {
			var v int64
			for ; i < n; i++ {
				c := b[i] - '0'
				if c > 9 {
					goto slow
				}
				v = v*10 + int64(c)
			}
			if neg {
				v = -v
			}
			return v, true
		}
	}
slow:
	b = TrimSpace(b)
	if len(b) == 0 || b[len(b)-1] < '0' || b[len(b)-1] > '9' {
		return 0, false
	}
	for _, c := range b {
		if c == '_' { // strconv would accept some with base 0; never here
			return 0, false
		}
	}
	v, err := strconv.ParseInt(viewString(b), 10, 64)
	if err != nil {
		return 0, false
	}
	return v, true
}

// ParseInt32 reads a decimal integer within INT's range (see ParseInt64).
func ParseInt32(b []byte) (int32, bool) {
	v, ok := ParseInt64(b)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, false
	}
	return int32(v), true
}

// ParseFloat64 reads a DOUBLE as Spark's CSV reader does: "NaN", "Inf" and "-Inf" (its
// default nanValue/positiveInf/negativeInf), else Java's Double.parseDouble syntax, which
// also takes "Infinity", "+Infinity", "-Infinity", hex floats and a trailing d/D/f/F, and
// ignores surrounding whitespace. Values beyond DOUBLE's range become ±Inf, as in Java.
func ParseFloat64(b []byte) (float64, bool) {
	switch string(b) {
	case "NaN":
		return math.NaN(), true
	case "Inf":
		return math.Inf(1), true
	case "-Inf":
		return math.Inf(-1), true
	}
	return ParseJavaDouble(b)
}

// ParseJavaDouble reads b with Java's Double.parseDouble syntax: optional sign, decimal or hex
// (0x…p…) digits, optional trailing d/D/f/F, or "NaN"/"Infinity" (exact case, signed);
// surrounding bytes <= ' ' are ignored.
func ParseJavaDouble(b []byte) (float64, bool) {
	for len(b) > 0 && b[0] <= ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] <= ' ' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return 0, false
	}
	body := b
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	switch string(body) {
	case "NaN":
		return math.NaN(), true
	case "Infinity":
		if b[0] == '-' {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	if n := len(b); n > 1 {
		switch b[n-1] {
		case 'd', 'D', 'f', 'F':
			hex := len(body) > 1 && body[0] == '0' && body[1]|0x20 == 'x'
			if !hex { // in a hex float without 'p' these are digits (and invalid anyway)
				b = b[:n-1]
			}
		}
	}
	// strconv accepts a superset (inf, nan, underscores); allow only Java's characters.
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9', c == '.', c == '+', c == '-', c == 'e', c == 'E':
		case c == 'x' || c == 'X' || c == 'p' || c == 'P' || (c|0x20 >= 'a' && c|0x20 <= 'f'):
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(viewString(b), 64)
	if err != nil && !isRange(err) {
		return 0, false
	}
	return f, true
}

// ParseTimestamp reads a timestamp as Spark's string-to-timestamp conversion does (the CSV
// and JSON readers fall back to it, and CAST uses it), as microseconds since the epoch:
//
//	[+-]yyyy[y[y]][-[m]m[-[d]d]][( |T)[h]h:[m]m[:[s]s[.f…]]][zone]
//
// The fraction may have any number of digits; digits past microseconds are truncated. The
// zone is Z, UTC, GMT, or an offset +h, +hh, +hhmm, +hh:mm (also after "UTC"/"GMT"), with an
// optional space before it. Without a zone the time is UTC. Surrounding whitespace is
// ignored. Region names (Europe/Paris) are not supported.
func ParseTimestamp(b []byte) (int64, bool) {
	b = TrimSpace(b)
	days, rest, ok := parseDatePart(b)
	if !ok {
		return 0, false
	}
	var secs, frac int64
	if len(rest) > 0 {
		if rest[0] != ' ' && rest[0] != 'T' {
			return 0, false
		}
		rest = rest[1:]
		// a date followed by just a separator is midnight (Spark: "yyyy-mm-dd ")
		if len(rest) > 0 {
			var h, m, s int
			if h, rest, ok = digits12(rest); !ok || h > 23 || len(rest) == 0 || rest[0] != ':' {
				return 0, false
			}
			if m, rest, ok = digits12(rest[1:]); !ok || m > 59 {
				return 0, false
			}
			if len(rest) > 0 && rest[0] == ':' {
				if s, rest, ok = digits12(rest[1:]); !ok || s > 59 {
					return 0, false
				}
				if len(rest) > 0 && rest[0] == '.' {
					rest = rest[1:]
					n := 0
					for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
						if n < 6 {
							frac = frac*10 + int64(rest[n]-'0')
						}
						n++
					}
					if n == 0 {
						return 0, false
					}
					for i := n; i < 6; i++ {
						frac *= 10
					}
					rest = rest[n:]
				}
			}
			secs = int64(h)*3600 + int64(m)*60 + int64(s)
			off, ok := parseZone(rest)
			if !ok {
				return 0, false
			}
			secs -= off
		}
	}
	return (days*86400+secs)*1e6 + frac, true
}

// parseZone reads a zone suffix and returns its offset east of UTC in seconds.
func parseZone(z []byte) (int64, bool) {
	if len(z) > 0 && z[0] == ' ' {
		z = z[1:]
	}
	if len(z) == 0 {
		return 0, true
	}
	switch {
	case string(z) == "Z":
		return 0, true
	case len(z) >= 3 && (string(z[:3]) == "UTC" || string(z[:3]) == "GMT"):
		z = z[3:]
		if len(z) == 0 {
			return 0, true
		}
	case len(z) >= 2 && string(z[:2]) == "UT":
		z = z[2:]
		if len(z) == 0 {
			return 0, true
		}
	}
	if len(z) < 2 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	sign := int64(1)
	if z[0] == '-' {
		sign = -1
	}
	z = z[1:]
	h, rest, ok := digits12(z)
	if !ok || h > 18 {
		return 0, false
	}
	m := 0
	switch {
	case len(rest) == 0:
	case rest[0] == ':':
		if len(rest) != 3 {
			return 0, false
		}
		m, rest, ok = digits12(rest[1:])
	case len(rest) == 2 && h < 100 && len(z) == 4:
		m, rest, ok = digits12(rest)
	default:
		return 0, false
	}
	if !ok || len(rest) != 0 || m > 59 {
		return 0, false
	}
	return sign * (int64(h)*3600 + int64(m)*60), true
}

// digits12 reads one or two decimal digits.
func digits12(b []byte) (int, []byte, bool) {
	if len(b) == 0 || b[0] < '0' || b[0] > '9' {
		return 0, b, false
	}
	v := int(b[0] - '0')
	if len(b) > 1 && b[1] >= '0' && b[1] <= '9' {
		return v*10 + int(b[1]-'0'), b[2:], true
	}
	return v, b[1:], true
}

// parseDatePart reads [+-]yyyy[yy][-[m]m[-[d]d]] and returns the days since the epoch and what
// follows it.
func parseDatePart(b []byte) (int64, []byte, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	y, n := 0, 0
	for n < len(b) && n < 7 && b[n] >= '0' && b[n] <= '9' {
		y = y*10 + int(b[n]-'0')
		n++
	}
	if n < 4 || n > 6 {
		return 0, nil, false
	}
	if neg {
		y = -y
	}
	b = b[n:]
	m, d := 1, 1
	var ok bool
	if len(b) > 0 && b[0] == '-' {
		if m, b, ok = digits12(b[1:]); !ok {
			return 0, nil, false
		}
		if len(b) > 0 && b[0] == '-' {
			if d, b, ok = digits12(b[1:]); !ok {
				return 0, nil, false
			}
		}
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, nil, false
	}
	days := DaysFromCivil(y, m, d)
	if days < -maxDays || days > maxDays {
		return 0, nil, false
	}
	return days, b, true
}

// maxDays keeps every parsed timestamp's microseconds inside int64 (about ±292,000 years).
const maxDays = 106_751_000

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// DaysFromCivil is the number of days from 1970-01-01 to y-m-d in the proleptic Gregorian
// calendar (m in 1..12, d in 1..31; not validated).
func DaysFromCivil(y, m, d int) int64 {
	yy := int64(y)
	if m <= 2 {
		yy--
	}
	era := floorDiv(yy, 400)
	yoe := yy - era*400
	mp := int64(m+9) % 12
	doy := (153*mp+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// CivilFromDays is the inverse of DaysFromCivil.
func CivilFromDays(days int64) (y, m, d int) {
	z := days + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	mm := mp + 3
	if mm > 12 {
		mm -= 12
	}
	if mm <= 2 {
		yy++
	}
	return int(yy), int(mm), int(dd)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// ParseDate reads a date as Spark's string-to-date conversion does (the CSV and JSON readers
// fall back to it, and CAST uses it): [+-]yyyy[y[y]][-[m]m[-[d]d]], optionally followed by ' '
// or 'T' and anything (a time part is ignored, zone included). Surrounding whitespace is
// ignored.
func ParseDate(b []byte) (int32, bool) {
	days, rest, ok := parseDatePart(TrimSpace(b))
	if !ok || (len(rest) > 0 && rest[0] != ' ' && rest[0] != 'T') {
		return 0, false
	}
	return int32(days), true
}
