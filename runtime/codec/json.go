// Package codec decodes records (JSON lines, CSV, text) into typed values and formats values
// for the sinks, with Spark's conventions; generated decoders and Rows methods call it per row.
//
// Conventions: an empty CSV field is NULL (Spark's default nullValue); JSON keys are
// case-sensitive and a repeated key's last value wins; timestamps are microseconds since the
// Unix epoch in UTC.
package codec

import (
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON scans one JSON object per line for a generated, schema-specific decoder:
//
//	d.Reset(line)
//	for d.NextKey() {
//		switch string(d.Key()) {
//		case "user":
//			v, null, ok := d.StringView()
//			...
//		default:
//			d.Skip()
//		}
//	}
//	if err := d.Err(); err != nil { /* malformed */ }
//
// The zero value is ready to use; reuse one JSON per worker.
type JSON struct {
	buf   []byte
	pos   int
	key   []byte
	err   error
	state int // 0: before '{', 1: inside, 2: done
	arena []byte
}

// Reset starts scanning line. Strings returned for the previous line become invalid.
func (d *JSON) Reset(line []byte) {
	d.buf, d.pos, d.key, d.err, d.state = line, 0, nil, nil, 0
	d.arena = d.arena[:0]
}

// Err is why the line is malformed, or nil.
func (d *JSON) Err() error { return d.err }

func (d *JSON) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf(format, args...)
	}
	d.state = 2
}

func (d *JSON) ws() {
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

func (d *JSON) describe() string {
	if d.pos >= len(d.buf) {
		return "end of line"
	}
	return fmt.Sprintf("%q at offset %d", d.buf[d.pos], d.pos)
}

// NextKey moves to the next key of the object; false at its end or on an error.
func (d *JSON) NextKey() bool {
	switch d.state {
	case 2:
		return false
	case 0:
		d.ws()
		if d.pos >= len(d.buf) || d.buf[d.pos] != '{' {
			d.fail("expected a JSON object, found %s", d.describe())
			return false
		}
		d.pos++
		d.ws()
		if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
			d.pos++
			d.end()
			return false
		}
		d.state = 1
	default:
		d.ws()
		if d.pos >= len(d.buf) {
			d.fail("unexpected end of line in object")
			return false
		}
		switch d.buf[d.pos] {
		case ',':
			d.pos++
			d.ws()
		case '}':
			d.pos++
			d.end()
			return false
		default:
			d.fail("expected ',' or '}', found %s", d.describe())
			return false
		}
	}
	if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
		d.fail("expected a key, found %s", d.describe())
		return false
	}
	k, ok := d.str()
	if !ok {
		return false
	}
	d.key = k
	d.ws()
	if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
		d.fail("expected ':' after key %q, found %s", k, d.describe())
		return false
	}
	d.pos++
	d.ws()
	return true
}

// end checks that nothing but whitespace follows the object.
func (d *JSON) end() {
	d.ws()
	if d.pos < len(d.buf) {
		d.fail("unexpected %s after the object", d.describe())
	}
	d.state = 2
}

// Key is the current key, unescaped.
func (d *JSON) Key() []byte { return d.key }

// str reads a string at d.pos (which is '"'): a view of the line when it has no escapes,
// else unescaped into the arena. Either stays valid until Reset.
func (d *JSON) str() ([]byte, bool) {
	start := d.pos + 1
	i := start
	for i < len(d.buf) {
		c := d.buf[i]
		if c == '"' {
			d.pos = i + 1
			s := d.buf[start:i]
			if !utf8.Valid(s) {
				return d.unescape(start)
			}
			return s, true
		}
		if c == '\\' {
			return d.unescape(start)
		}
		if c < 0x20 {
			d.fail("control character in string at offset %d", i)
			return nil, false
		}
		i++
	}
	d.fail("unterminated string")
	return nil, false
}

func (d *JSON) unescape(start int) ([]byte, bool) {
	from := len(d.arena)
	i := start
	for i < len(d.buf) {
		c := d.buf[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.arena[from:len(d.arena):len(d.arena)], true
		case c < 0x20:
			d.fail("control character in string at offset %d", i)
			return nil, false
		case c == '\\':
			if i+1 >= len(d.buf) {
				d.fail("unterminated string")
				return nil, false
			}
			e := d.buf[i+1]
			i += 2
			switch e {
			case '"', '\\', '/':
				d.arena = append(d.arena, e)
			case 'b':
				d.arena = append(d.arena, '\b')
			case 'f':
				d.arena = append(d.arena, '\f')
			case 'n':
				d.arena = append(d.arena, '\n')
			case 'r':
				d.arena = append(d.arena, '\r')
			case 't':
				d.arena = append(d.arena, '\t')
			case 'u':
				r, n := d.hex4(i)
				if n < 0 {
					return nil, false
				}
				i = n
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+1 < len(d.buf) && d.buf[i] == '\\' && d.buf[i+1] == 'u' {
						if x, n2 := d.hex4(i + 2); n2 >= 0 {
							r2, i = x, n2
						} else {
							return nil, false
						}
					}
					r = utf16.DecodeRune(r, r2)
				}
				d.arena = utf8.AppendRune(d.arena, r)
			default:
				d.fail("invalid escape \\%c at offset %d", e, i-1)
				return nil, false
			}
		case c < utf8.RuneSelf:
			d.arena = append(d.arena, c)
			i++
		default:
			r, n := utf8.DecodeRune(d.buf[i:])
			d.arena = utf8.AppendRune(d.arena, r) // invalid bytes become U+FFFD
			i += n
		}
	}
	d.fail("unterminated string")
	return nil, false
}

func (d *JSON) hex4(i int) (rune, int) {
	if i+4 > len(d.buf) {
		d.fail("invalid \\u escape")
		return 0, -1
	}
	v, err := strconv.ParseUint(string(d.buf[i:i+4]), 16, 32)
	if err != nil {
		d.fail("invalid \\u escape at offset %d", i)
		return 0, -1
	}
	return rune(v), i + 4
}

// Skip skips the current value, whatever its type.
func (d *JSON) Skip() {
	d.skip(0)
}

func (d *JSON) skip(depth int) {
	if depth > 1000 {
		d.fail("nesting too deep")
		return
	}
	d.ws()
	if d.pos >= len(d.buf) {
		d.fail("expected a value, found end of line")
		return
	}
	switch c := d.buf[d.pos]; {
	case c == '"':
		d.str()
	case c == '{' || c == '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.pos++
		d.ws()
		if d.pos < len(d.buf) && d.buf[d.pos] == closer {
			d.pos++
			return
		}
		for d.err == nil {
			if c == '{' {
				d.ws()
				if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
					d.fail("expected a key, found %s", d.describe())
					return
				}
				d.str()
				d.ws()
				if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
					d.fail("expected ':', found %s", d.describe())
					return
				}
				d.pos++
			}
			d.skip(depth + 1)
			d.ws()
			if d.pos >= len(d.buf) {
				d.fail("unexpected end of line")
				return
			}
			if d.buf[d.pos] == closer {
				d.pos++
				return
			}
			if d.buf[d.pos] != ',' {
				d.fail("expected ',' or '%c', found %s", closer, d.describe())
				return
			}
			d.pos++
		}
	default:
		d.literal()
	}
}

// literal reads a number, true, false or null and returns its bytes.
func (d *JSON) literal() []byte {
	start := d.pos
	for d.pos < len(d.buf) {
		switch d.buf[d.pos] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			goto done
		}
		d.pos++
	}
done:
	lit := d.buf[start:d.pos]
	if len(lit) == 0 {
		d.fail("expected a value, found %s", d.describe())
		return nil
	}
	switch string(lit) {
	case "true", "false", "null":
		return lit
	}
	if !validNumber(lit) {
		d.pos = start
		d.fail("invalid value %q at offset %d", lit, start)
		return nil
	}
	return lit
}

// validNumber checks JSON number syntax.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// value reads the current value's raw form: kind is 's' for a string (returned unescaped),
// 'n' null, 'b' boolean, '#' number, 'o' object or array (skipped).
func (d *JSON) value() (kind byte, v []byte) {
	if d.pos >= len(d.buf) {
		d.fail("expected a value, found end of line")
		return 0, nil
	}
	switch c := d.buf[d.pos]; c {
	case '"':
		s, ok := d.str()
		if !ok {
			return 0, nil
		}
		return 's', s
	case '{', '[':
		d.Skip()
		return 'o', nil
	}
	lit := d.literal()
	switch {
	case lit == nil:
		return 0, nil
	case string(lit) == "null":
		return 'n', lit
	case string(lit) == "true" || string(lit) == "false":
		return 'b', lit
	}
	return '#', lit
}

var kindNames = map[byte]string{'s': "string", 'n': "null", 'b': "boolean", '#': "number", 'o': "object or array"}

func (d *JSON) mismatch(want string, kind byte) {
	if d.err == nil && kind != 0 {
		d.fail("field %q: expected %s, got %s", d.key, want, kindNames[kind])
	}
}

// Bool reads a boolean.
func (d *JSON) Bool() (v, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return false, true, true
	case 'b':
		return raw[0] == 't', false, true
	}
	d.mismatch("a boolean", kind)
	return false, false, false
}

// Int64 reads an integral number.
func (d *JSON) Int64() (int64, bool, bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return 0, true, true
	case '#':
		if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
			return n, false, true
		}
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil && f == math.Trunc(f) && math.Abs(f) < 9.2e18 {
			return int64(f), false, true
		}
		d.fail("field %q: %s is not a BIGINT", d.key, raw)
		return 0, false, false
	}
	d.mismatch("a number", kind)
	return 0, false, false
}

// Int32 reads an integral number within INT's range.
func (d *JSON) Int32() (int32, bool, bool) {
	n, null, ok := d.Int64()
	if ok && !null && (n < math.MinInt32 || n > math.MaxInt32) {
		d.fail("field %q: %d is out of range for INT", d.key, n)
		return 0, false, false
	}
	return int32(n), null, ok
}

// Float64 reads any number.
func (d *JSON) Float64() (float64, bool, bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return 0, true, true
	case '#':
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil && !isRange(err) {
			d.fail("field %q: invalid number %s", d.key, raw)
			return 0, false, false
		}
		return f, false, true
	}
	d.mismatch("a number", kind)
	return 0, false, false
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// StringView reads a string. The result may alias the line or a buffer that stays valid until
// the next Reset; callers clone what they keep longer.
func (d *JSON) StringView() (string, bool, bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return "", true, true
	case 's':
		return viewString(raw), false, true
	}
	d.mismatch("a string", kind)
	return "", false, false
}

// BytesString reads a base64 string (Spark's JSON form of BINARY) as a Go string of bytes.
func (d *JSON) BytesString() (string, bool, bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return "", true, true
	case 's':
		b, err := base64.StdEncoding.DecodeString(string(raw))
		if err != nil {
			d.fail("field %q: invalid base64", d.key)
			return "", false, false
		}
		return string(b), false, true
	}
	d.mismatch("a base64 string", kind)
	return "", false, false
}

// Timestamp reads an RFC 3339 string, or a number of seconds since the epoch.
func (d *JSON) Timestamp() (int64, bool, bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return 0, true, true
	case 's':
		if us, ok := ParseTimestamp(raw); ok {
			return us, false, true
		}
		d.fail("field %q: %q is not a timestamp", d.key, raw)
		return 0, false, false
	case '#':
		f, err := strconv.ParseFloat(string(raw), 64)
		if err == nil && math.Abs(f) < 9.2e12 {
			return int64(math.Round(f * 1e6)), false, true
		}
		d.fail("field %q: %s is not a timestamp", d.key, raw)
		return 0, false, false
	}
	d.mismatch("a timestamp", kind)
	return 0, false, false
}

// Date reads a 'YYYY-MM-DD' string.
func (d *JSON) Date() (int32, bool, bool) {
	kind, raw := d.value()
	switch kind {
	case 'n':
		return 0, true, true
	case 's':
		if v, ok := ParseDate(raw); ok {
			return v, false, true
		}
		d.fail("field %q: %q is not a date", d.key, raw)
		return 0, false, false
	}
	d.mismatch("a date", kind)
	return 0, false, false
}
