// Package codec decodes records (JSON lines, CSV, text) and formats values with Spark's conventions for
// generated code: TIMESTAMP is µs since the epoch in UTC, DATE days since it, an empty CSV field is NULL.
package codec

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON scans one JSON object per line for a generated, schema-specific decoder:
//
//	var fields = codec.NewFields("user", ...)
//	var d codec.JSON // zero value ready; reuse one per worker
//	d.Reset(line)
//	for d.NextKey() {
//		switch d.Field(fields) {
//		case 0: // user
//			v, null, ok := d.StringView()
//			...
//		default:
//			d.Skip()
//		}
//	}
//	if err := d.Err(); err != nil { /* malformed: err says why and where */ }
//
// After NextKey returns true the caller must consume the value with exactly one typed reader
// or Skip. A reader returns ok=false when the line is malformed or the value has the wrong
// JSON type for it; Err then says why (`field "bytes": expected a number, got string`) and
// NextKey returns false from then on. JSON null gives null=true, ok=true with a zero value.
//
// Keys are case-sensitive (as in Spark; encoding/json is not) and when a key repeats, the
// generated switch assigns again, so the last value wins. The whole line must be one object
// with nothing but whitespace (space, tab, CR, LF) around it; skipped objects and arrays are
// checked for syntax too. Invalid UTF-8 inside strings is read as U+FFFD, as encoding/json
// does. Error messages give byte offsets: `expected ',' or '}', found 'x' at offset 12`.
type JSON struct {
	buf   []byte
	full  []byte // buf up to its capacity
	pos   int
	key   []byte
	err   error
	state uint8 // stBefore, stInside or stDone
	arena []byte

	// The key order of the lines before (see NextKey): shape[i] is the i-th key, at the
	// index of the next one in this line, field the current key's index in fields.
	shape  []shapeKey
	at     int
	field  int
	fields *Fields
}

// Fields names the members a generated decoder reads, numbered as its switch's cases.
type Fields struct {
	index map[string]int
}

// NewFields numbers names from 0.
func NewFields(names ...string) *Fields {
	f := &Fields{index: make(map[string]int, len(names))}
	for i, n := range names {
		f.index[n] = i
	}
	return f
}

// shapeKey is one key of a learnt shape: its raw bytes from the end of the value before
// through ':' (lit), the key unescaped, and its index in the decoder's Fields. lo and hi are
// lit's first 16 bytes as words, mlo and mhi the masks of those that are lit's.
type shapeKey struct {
	lit, key         []byte
	lo, hi, mlo, mhi uint64
	field            int
}

// fieldUnknown marks a key Field has not looked up yet.
const fieldUnknown = -2

// maxShape bounds the keys a shape remembers: the members beyond take the unpredicted path.
const maxShape = 256

// match reports whether line[pos:] starts with k.lit. full is line up to its capacity: a line
// is mostly a slice of a larger chunk, so two 8-byte loads can read past its end, and the
// masks keep the bytes beyond lit out of the comparison.
func (k *shapeKey) match(line, full []byte, pos int) bool {
	n := len(k.lit)
	if pos+n > len(line) {
		return false
	}
	if n <= 16 && pos+16 <= len(full) {
		return binary.LittleEndian.Uint64(full[pos:])&k.mlo == k.lo && binary.LittleEndian.Uint64(full[pos+8:])&k.mhi == k.hi
	}
	return string(line[pos:pos+n]) == string(k.lit)
}

// set makes k the key read from lit.
func (k *shapeKey) set(lit, key []byte) {
	k.lit = append(k.lit[:0], lit...)
	k.key = append(k.key[:0], key...)
	k.field = fieldUnknown
	var w, m [16]byte
	copy(w[:], lit)
	for i := range min(len(lit), 16) {
		m[i] = 0xff
	}
	k.lo, k.hi = binary.LittleEndian.Uint64(w[:]), binary.LittleEndian.Uint64(w[8:])
	k.mlo, k.mhi = binary.LittleEndian.Uint64(m[:]), binary.LittleEndian.Uint64(m[8:])
}

const (
	stBefore = iota
	stInside
	stDone
)

// maxDepth bounds the nesting of skipped values.
const maxDepth = 1000

// Reset starts scanning line. Views returned for the previous line become invalid.
func (d *JSON) Reset(line []byte) {
	d.buf, d.pos, d.key, d.err, d.state = line, 0, nil, nil, stBefore
	d.arena = d.arena[:0]
	d.full, d.at = line[:cap(line)], 0
}

// Err is why the line is malformed, or nil.
func (d *JSON) Err() error { return d.err }

// Key is the current key, unescaped; it aliases the line or an internal buffer and stays
// valid until Reset.
func (d *JSON) Key() []byte { return d.key }

func (d *JSON) fail(msg string) {
	if d.err == nil {
		d.err = errors.New(msg)
	}
	d.state = stDone
}

// found describes the byte at d.pos for an error message: "'x' at offset 12" or
// "end of line".
func (d *JSON) found() string {
	if d.pos >= len(d.buf) {
		return "end of line"
	}
	c := d.buf[d.pos]
	if c < utf8.RuneSelf {
		return fmt.Sprintf("%q at offset %d", rune(c), d.pos)
	}
	return fmt.Sprintf("byte 0x%02x at offset %d", c, d.pos)
}

// expected fails with "expected <what>, found <found>".
func (d *JSON) expected(what string) {
	if d.err == nil {
		d.fail("expected " + what + ", found " + d.found())
	}
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

// NextKey moves to the next key of the object; false at its end or on an error.
//
// JSON lines mostly repeat one key order, so NextKey predicts the key from the lines before:
// when the bytes from here through the ':' equal those the same key had there, the key and
// its Field are known after one or two word comparisons, as a hand-written decoder that
// expects its keys in order would. Any other key takes scanKey and is learnt in its place.
func (d *JSON) NextKey() bool {
	buf, pos := d.buf, d.pos
	if pos == len(buf)-1 && buf[pos] == '}' && d.state == stInside { // the line's end, as nextKey reads it
		d.pos, d.state = len(buf), stDone
		return false
	}
	if d.at < len(d.shape) && d.state != stDone {
		if k := &d.shape[d.at]; k.match(buf, d.full, pos) {
			d.at++
			d.key, d.field, d.state = k.key, k.field, stInside
			d.pos = pos + len(k.lit)
			if d.pos < len(buf) && buf[d.pos] > ' ' {
				return true
			}
			d.ws()
			return true
		}
	}
	if !d.scanKey() {
		return false
	}
	d.learn(pos)
	return true
}

// learn records the key NextKey just read from start at its index in the shape, which the
// line leaves there: the keys learnt after it belong to an order this line does not have.
func (d *JSON) learn(start int) {
	d.field = fieldUnknown
	if d.at > len(d.shape) || d.at == maxShape {
		d.at++
		return
	}
	end := d.pos
	for d.buf[end-1] != ':' {
		end--
	}
	if d.at < cap(d.shape) {
		d.shape = d.shape[:d.at+1]
	} else {
		d.shape = append(d.shape, shapeKey{})
	}
	d.shape[d.at].set(d.buf[start:end], d.key)
	d.at++
}

// Field is the current key's index in f (-1 when f does not name it). A decoder uses one
// Fields: the learnt shape remembers the indexes.
func (d *JSON) Field(f *Fields) int {
	if f != d.fields {
		d.fields, d.shape, d.field = f, d.shape[:0], fieldUnknown
	}
	if d.field == fieldUnknown {
		i, ok := f.index[string(d.key)]
		if !ok {
			i = -1
		}
		d.field = i
		if d.at > 0 && d.at <= len(d.shape) {
			d.shape[d.at-1].field = i
		}
	}
	return d.field
}

// scanKey reads the next key without a prediction. Compact JSON lines (`{"k":` and `,"k":`
// with a key that needs no unescaping) take a fast path: one word-at-a-time scan for the
// key's end. Anything else takes nextKey, which reaches the same key by the general route.
func (d *JSON) scanKey() bool {
	buf, pos := d.buf, d.pos
	if pos+1 < len(buf) && buf[pos+1] == '"' && (d.state == stInside && buf[pos] == ',' || d.state == stBefore && buf[pos] == '{') {
		start := pos + 2
		end := scanString(buf, start, true)
		if end+1 < len(buf) && buf[end] == '"' && buf[end+1] == ':' {
			d.key, d.pos, d.state = buf[start:end:end], end+2, stInside
			if d.pos < len(buf) && buf[d.pos] > ' ' {
				return true
			}
			d.ws()
			return true
		}
	}
	return d.nextKey()
}

// nextKey is NextKey's general route: whitespace anywhere, escaped keys, the object's end
// and every error.
func (d *JSON) nextKey() bool {
	switch d.state {
	case stDone:
		return false
	case stBefore:
		d.ws()
		if d.pos >= len(d.buf) || d.buf[d.pos] != '{' {
			d.expected("a JSON object")
			return false
		}
		d.pos++
		d.ws()
		if d.pos < len(d.buf) && d.buf[d.pos] == '}' {
			d.pos++
			d.end()
			return false
		}
		d.state = stInside
	default:
		d.ws()
		if d.pos >= len(d.buf) {
			d.expected("',' or '}'")
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
			d.expected("',' or '}'")
			return false
		}
	}
	if d.pos >= len(d.buf) || d.buf[d.pos] != '"' {
		d.expected("a key")
		return false
	}
	k, ok := d.str()
	if !ok {
		return false
	}
	d.key = k
	if d.pos < len(d.buf) && d.buf[d.pos] == ':' {
		d.pos++
	} else {
		d.ws()
		if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
			d.expected(fmt.Sprintf("':' after key %q", k))
			return false
		}
		d.pos++
	}
	if d.pos < len(d.buf) && d.buf[d.pos] > ' ' {
		return true
	}
	d.ws()
	return true
}

// end checks that nothing but whitespace follows the object.
func (d *JSON) end() {
	d.ws()
	if d.pos < len(d.buf) {
		d.fail("unexpected " + d.found() + " after the object")
	}
	d.state = stDone
}

// scanString returns the index of the first byte at or after i where a string's text stops
// being plain: '"', '\\', a control character or, with nonASCII, a byte ≥ 0x80; len(buf)
// when there is none. It tests eight bytes at a time: JSON strings are mostly short runs of
// plain ASCII, on which a byte loop spends a branch per byte. A skipped string needs no look
// at non-ASCII bytes (invalid UTF-8 is replaced, never an error); a string str returns as a
// view does.
func scanString(buf []byte, i int, nonASCII bool) int {
	for ; i+8 <= len(buf); i += 8 {
		if m := stops(binary.LittleEndian.Uint64(buf[i:]), nonASCII); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	if i < len(buf) {
		// The last bytes, padded with a letter that never stops.
		tail := [8]byte{'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'}
		copy(tail[:], buf[i:])
		if m := stops(binary.LittleEndian.Uint64(tail[:]), nonASCII); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return len(buf)
}

// stops marks, in the high bit of each byte of x, the bytes where scanString stops. Its bit
// tricks: v-ones borrows through the zero bytes of v, x-n*ones through the bytes below n; a
// borrow may also mark a byte above a marked one, never below, so the lowest mark, the only
// one scanString uses, is exact.
func stops(x uint64, nonASCII bool) uint64 {
	const ones, high = 0x0101010101010101, 0x8080808080808080
	q, e := x^(ones*'"'), x^(ones*'\\')
	m := ((q-ones)&^q | (e-ones)&^e | (x-ones*0x20)&^x) & high
	if nonASCII {
		m |= x & high
	}
	return m
}

// str reads the string starting at d.pos (a '"'): a view of the line when it needs no
// unescaping, else unescaped into the arena. Either stays valid until Reset.
func (d *JSON) str() ([]byte, bool) {
	start := d.pos + 1
	buf := d.buf
	i := scanString(buf, start, true)
	if i < len(buf) && buf[i] == '"' {
		d.pos = i + 1
		return buf[start:i:i], true
	}
	// slow path: non-ASCII text, escapes, or an error
	ascii := true
	for i < len(buf) {
		c := buf[i]
		switch {
		case c == '"':
			d.pos = i + 1
			s := buf[start:i:i]
			if !ascii && !utf8.Valid(s) {
				return d.unescape(start)
			}
			return s, true
		case c == '\\':
			return d.unescape(start)
		case c < 0x20:
			d.pos = i
			d.expected("a string without raw control characters")
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		i++
	}
	d.pos = i
	d.fail(fmt.Sprintf("unterminated string starting at offset %d", start-1))
	return nil, false
}

// unescape reads the string whose text starts at start into the arena.
func (d *JSON) unescape(start int) ([]byte, bool) {
	from := len(d.arena)
	buf := d.buf
	i := start
	for i < len(buf) {
		c := buf[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.arena[from:len(d.arena):len(d.arena)], true
		case c < 0x20:
			d.pos = i
			d.expected("a string without raw control characters")
			return nil, false
		case c == '\\':
			if i+1 >= len(buf) {
				d.pos = i
				d.fail(fmt.Sprintf("unterminated string starting at offset %d", start-1))
				return nil, false
			}
			e := buf[i+1]
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
				r, ok := hex4(buf, i+2)
				if !ok {
					d.pos = i
					d.fail(fmt.Sprintf("invalid \\u escape at offset %d", i))
					return nil, false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A high surrogate pairs with an immediately following low one; anything
					// else is a lone surrogate and becomes U+FFFD (as in encoding/json).
					if i+1 < len(buf) && buf[i] == '\\' && buf[i+1] == 'u' {
						if r2, ok := hex4(buf, i+2); ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								r = dec
								i += 6
							} else {
								r = utf8.RuneError
							}
						}
					} else {
						r = utf8.RuneError
					}
				}
				d.arena = utf8.AppendRune(d.arena, r)
				continue
			default:
				d.pos = i
				d.fail(fmt.Sprintf("invalid escape '\\%c' at offset %d", rune(e), i))
				return nil, false
			}
			i += 2
		case c < utf8.RuneSelf:
			d.arena = append(d.arena, c)
			i++
		default:
			r, n := utf8.DecodeRune(buf[i:])
			d.arena = utf8.AppendRune(d.arena, r) // invalid bytes become U+FFFD
			i += n
		}
	}
	d.pos = i
	d.fail(fmt.Sprintf("unterminated string starting at offset %d", start-1))
	return nil, false
}

// hex4 reads the four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i < 0 || i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// Skip skips the current value, whatever its type, checking its syntax. A string without
// escapes and a number followed by a delimiter take a fast path; the rest, skip.
func (d *JSON) Skip() {
	buf, pos := d.buf, d.pos
	if pos < len(buf) {
		switch c := buf[pos]; {
		case c == '"':
			if end := scanString(buf, pos+1, false); end < len(buf) && buf[end] == '"' {
				d.pos = end + 1
				return
			}
		case c-'0' <= 9 || c == '-':
			if end := numberEnd(buf, pos); end > pos && (end == len(buf) || isDelim(buf[end])) {
				d.pos = end
				return
			}
		}
	}
	d.skip(0)
}

func (d *JSON) skip(depth int) {
	if depth > maxDepth {
		d.fail(fmt.Sprintf("nesting deeper than %d at offset %d", maxDepth, d.pos))
		return
	}
	d.ws()
	if d.pos >= len(d.buf) {
		d.expected("a value")
		return
	}
	switch c := d.buf[d.pos]; c {
	case '"':
		d.str()
	case '{', '[':
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
					d.expected("a key")
					return
				}
				if _, ok := d.str(); !ok {
					return
				}
				d.ws()
				if d.pos >= len(d.buf) || d.buf[d.pos] != ':' {
					d.expected("':'")
					return
				}
				d.pos++
			}
			d.skip(depth + 1)
			if d.err != nil {
				return
			}
			d.ws()
			if d.pos < len(d.buf) && d.buf[d.pos] == closer {
				d.pos++
				return
			}
			if d.pos >= len(d.buf) || d.buf[d.pos] != ',' {
				d.expected(fmt.Sprintf("',' or '%c'", closer))
				return
			}
			d.pos++
		}
	default:
		d.literal()
	}
}

// isDelim reports whether c may follow a scalar value.
func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// literal reads a number, true, false or null and returns its bytes; nil on an error.
func (d *JSON) literal() []byte {
	start := d.pos
	for d.pos < len(d.buf) && !isDelim(d.buf[d.pos]) {
		d.pos++
	}
	lit := d.buf[start:d.pos]
	switch string(lit) {
	case "true", "false", "null":
		return lit
	}
	if len(lit) == 0 || !validNumber(lit) && !isNonNumeric(lit) {
		d.pos = start
		if len(lit) == 0 {
			d.expected("a value")
		} else {
			d.fail(fmt.Sprintf("invalid value %q at offset %d", truncate(lit), start))
		}
		return nil
	}
	return lit
}

func truncate(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// nonNumeric reads the tokens Spark's JSON reader takes for the DOUBLEs that JSON has no
// number for (Jackson's ALLOW_NON_NUMERIC_NUMBERS, on by default in Spark:
// allowNonNumericNumbers): NaN, Infinity, +Infinity, -Infinity, +INF and -INF. Spark reads
// them bare or as strings.
func nonNumeric(b []byte) (float64, bool) {
	switch string(b) {
	case "NaN":
		return math.NaN(), true
	case "Infinity", "+Infinity", "+INF":
		return math.Inf(1), true
	case "-Infinity", "-INF":
		return math.Inf(-1), true
	}
	return 0, false
}

func isNonNumeric(b []byte) bool {
	_, ok := nonNumeric(b)
	return ok
}

// validNumber checks JSON number syntax.
func validNumber(b []byte) bool {
	return numberEnd(b, 0) == len(b)
}

// numberEnd returns the end of the JSON number that starts at b[i:] (the longest prefix the
// grammar takes), or -1 when none does.
func numberEnd(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return -1
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return -1
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || b[i] < '0' || b[i] > '9' {
			return -1
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
			return -1
		}
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	}
	return i
}

// Kinds of JSON values, as value reports them.
const (
	kError byte = iota
	kString
	kNull
	kBool
	kNumber
	kNonNumeric // NaN or an infinity, which only a DOUBLE reads
	kComposite
)

var kindNames = [...]string{kString: "string", kNull: "null", kBool: "boolean", kNumber: "number", kNonNumeric: "NaN or Infinity", kComposite: "object or array"}

// value reads the current value: a string (unescaped), null, a boolean or a number (its raw
// bytes); objects and arrays are skipped.
func (d *JSON) value() (kind byte, v []byte) {
	if d.state != stInside {
		if d.err == nil {
			d.fail("a value was read without a preceding NextKey")
		}
		return kError, nil
	}
	if d.pos >= len(d.buf) {
		d.expected("a value")
		return kError, nil
	}
	switch d.buf[d.pos] {
	case '"':
		s, ok := d.str()
		if !ok {
			return kError, nil
		}
		return kString, s
	case '{', '[':
		d.Skip()
		if d.err != nil {
			return kError, nil
		}
		return kComposite, nil
	}
	lit := d.literal()
	switch {
	case lit == nil:
		return kError, nil
	case lit[0] == 'n':
		return kNull, lit
	case lit[0] == 't' || lit[0] == 'f':
		return kBool, lit
	case isNonNumeric(lit):
		return kNonNumeric, lit
	}
	return kNumber, lit
}

// mismatch fails with `field "k": expected <want>, got <kind>` unless the line already failed.
func (d *JSON) mismatch(want string, kind byte) {
	if d.err == nil && kind != kError {
		d.fail(fmt.Sprintf("field %q: expected %s, got %s", d.key, want, kindNames[kind]))
	}
}

func (d *JSON) badValue(raw []byte, what string) {
	d.fail(fmt.Sprintf("field %q: %s is not %s", d.key, truncate(raw), what))
}

// Bool reads true or false.
func (d *JSON) Bool() (v, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case kNull:
		return false, true, true
	case kBool:
		return raw[0] == 't', false, true
	}
	d.mismatch("a boolean", kind)
	return false, false, false
}

// Int64 reads a number that is an integer within BIGINT's range. Integral values written with
// a fraction or an exponent (100.0, 1e2) are accepted; 1.5 is an error.
func (d *JSON) Int64() (v int64, null, ok bool) {
	// fast path: up to 18 digits followed by a delimiter
	if d.state == stInside {
		i, buf := d.pos, d.buf
		neg := i < len(buf) && buf[i] == '-'
		if neg {
			i++
		}
		j := i
		var n int64
		for j+8 <= len(buf) && j-i <= 10 { // eight digits at a time, while 18 digits cannot overflow
			x := binary.LittleEndian.Uint64(buf[j:])
			if !eightDigits(x) {
				break
			}
			n = n*1e8 + int64(eightDigitsValue(x))
			j += 8
		}
		for j < len(buf) && j-i < 18 {
			c := buf[j] - '0'
			if c > 9 {
				break
			}
			n = n*10 + int64(c)
			j++
		}
		if j > i && (j == len(buf) || isDelim(buf[j])) && (buf[i] != '0' || j == i+1) {
			d.pos = j
			if neg {
				n = -n
			}
			return n, false, true
		}
	}
	kind, raw := d.value()
	switch kind {
	case kNull:
		return 0, true, true
	case kNumber:
		if n, err := strconv.ParseInt(viewString(raw), 10, 64); err == nil {
			return n, false, true
		}
		if f, err := strconv.ParseFloat(viewString(raw), 64); err == nil && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return int64(f), false, true
		}
		d.badValue(raw, "a BIGINT")
		return 0, false, false
	}
	d.mismatch("a number", kind)
	return 0, false, false
}

// eightDigits reports whether the eight bytes of x, read little-endian, are all ASCII
// digits: each byte's high nibble is 3, and stays 3 with 6 added (Lemire's test).
func eightDigits(x uint64) bool {
	const hi, sixes, threes = 0xF0F0F0F0F0F0F0F0, 0x0606060606060606, 0x3333333333333333
	return x&hi|(x+sixes)&hi>>4 == threes
}

// eightDigitsValue is the number the eight digits of x spell, the first byte the most
// significant digit: pairs, then quadruples, then the whole in three multiplications
// (simdjson's parse_eight_digits_unrolled).
func eightDigitsValue(x uint64) uint64 {
	const mask, mul1, mul2 = 0x000000FF000000FF, 100 + 1000000<<32, 1 + 10000<<32
	x -= 0x3030303030303030
	x = x*10 + x>>8
	return (x&mask*mul1 + x>>16&mask*mul2) >> 32
}

// Int32 reads a number that is an integer within INT's range (see Int64).
func (d *JSON) Int32() (v int32, null, ok bool) {
	start := d.pos
	n, null, ok := d.Int64()
	if ok && !null && (n < math.MinInt32 || n > math.MaxInt32) {
		d.fail(fmt.Sprintf("field %q: %s is out of range for INT", d.key, truncate(d.buf[start:d.pos])))
		return 0, false, false
	}
	return int32(n), null, ok
}

// Float64 reads any number as a DOUBLE; magnitudes beyond DOUBLE's range become ±Inf. NaN and
// the infinities come bare or quoted (see nonNumeric), as Spark reads them.
func (d *JSON) Float64() (v float64, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case kNull:
		return 0, true, true
	case kNumber:
		f, err := strconv.ParseFloat(viewString(raw), 64)
		if err != nil && !isRange(err) {
			d.badValue(raw, "a DOUBLE")
			return 0, false, false
		}
		return f, false, true
	case kNonNumeric, kString:
		if f, ok := nonNumeric(raw); ok {
			return f, false, true
		}
	}
	d.mismatch("a number", kind)
	return 0, false, false
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// StringView reads a string without copying: the result aliases the line or an internal
// buffer and stays valid until the next Reset (and while the line is unchanged). Use it when
// the value is only compared or measured; clone what is kept longer, or call String.
func (d *JSON) StringView() (s string, null, ok bool) {
	if buf, pos := d.buf, d.pos; d.state == stInside && pos < len(buf) && buf[pos] == '"' {
		if end := scanString(buf, pos+1, true); end < len(buf) && buf[end] == '"' {
			d.pos = end + 1
			return viewString(buf[pos+1 : end : end]), false, true
		}
	}
	kind, raw := d.value()
	switch kind {
	case kNull:
		return "", true, true
	case kString:
		return viewString(raw), false, true
	}
	d.mismatch("a string", kind)
	return "", false, false
}

// String reads a string into a fresh copy.
func (d *JSON) String() (s string, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case kNull:
		return "", true, true
	case kString:
		return string(raw), false, true
	}
	d.mismatch("a string", kind)
	return "", false, false
}

// Bytes reads a base64 string (standard alphabet, padding optional; Spark's JSON form of
// BINARY) into a fresh slice.
func (d *JSON) Bytes() (b []byte, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case kNull:
		return nil, true, true
	case kString:
		b, ok := decodeBase64(raw)
		if !ok {
			d.badValue(raw, "valid base64")
			return nil, false, false
		}
		return b, false, true
	}
	d.mismatch("a base64 string", kind)
	return nil, false, false
}

// BytesString is Bytes for generated code that keeps BINARY values in Go strings.
func (d *JSON) BytesString() (s string, null, ok bool) {
	b, null, ok := d.Bytes()
	return viewString(b), null, ok // b is fresh and never reused
}

func decodeBase64(raw []byte) ([]byte, bool) {
	enc := base64.StdEncoding
	if len(raw)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	out := make([]byte, enc.DecodedLen(len(raw)))
	n, err := enc.Decode(out, raw)
	return out[:n:n], err == nil
}

// Timestamp reads a timestamp: a string in any form ParseTimestamp accepts (RFC 3339 with an
// optional fraction and zone; UTC when there is no zone), or a number of seconds since the
// epoch, possibly fractional (digits beyond microseconds are truncated). Spark itself reads
// only integral numbers here; fractions are a sqlstream extension.
func (d *JSON) Timestamp() (us int64, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case kNull:
		return 0, true, true
	case kString:
		if us, ok := ParseTimestamp(raw); ok {
			return us, false, true
		}
		d.badValue(strconv.AppendQuote(nil, viewString(raw)), "a timestamp")
		return 0, false, false
	case kNumber:
		if us, ok := secondsToMicros(raw); ok {
			return us, false, true
		}
		d.badValue(raw, "a timestamp in range")
		return 0, false, false
	}
	d.mismatch("a timestamp string or number", kind)
	return 0, false, false
}

// secondsToMicros converts a JSON number of seconds to microseconds, exactly when it has no
// exponent.
func secondsToMicros(raw []byte) (int64, bool) {
	i := 0
	neg := raw[0] == '-'
	if neg {
		i++
	}
	var sec, frac int64
	digits := 0
	for ; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
		sec = sec*10 + int64(raw[i]-'0')
		if sec > maxSeconds {
			return 0, false
		}
	}
	if i < len(raw) && raw[i] == '.' {
		for i++; i < len(raw) && raw[i] >= '0' && raw[i] <= '9'; i++ {
			if digits < 6 {
				frac = frac*10 + int64(raw[i]-'0')
				digits++
			}
		}
	}
	if i < len(raw) { // exponent
		f, err := strconv.ParseFloat(viewString(raw), 64)
		if err != nil || math.Abs(f) > maxSeconds {
			return 0, false
		}
		return int64(f * 1e6), true
	}
	for ; digits < 6; digits++ {
		frac *= 10
	}
	us := sec*1e6 + frac
	if neg {
		us = -us
	}
	return us, true
}

// maxSeconds keeps seconds*1e6 well inside int64.
const maxSeconds = 9_000_000_000_000

// Date reads a date string (see ParseDate).
func (d *JSON) Date() (days int32, null, ok bool) {
	kind, raw := d.value()
	switch kind {
	case kNull:
		return 0, true, true
	case kString:
		if v, ok := ParseDate(raw); ok {
			return v, false, true
		}
		d.badValue(strconv.AppendQuote(nil, viewString(raw)), "a date")
		return 0, false, false
	}
	d.mismatch("a date string", kind)
	return 0, false, false
}
