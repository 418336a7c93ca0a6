package codec

import (
	"bytes"
	"errors"
)

// CSV splits CSV records into fields. A record is one line (the caller strips the line
// terminator); a quoted field may hold the separator and "" (an escaped quote), but not a
// line break, so a quote that does not close on its line is an error. The zero value is
// ready; reuse one per worker. An empty field is NULL, as Spark reads CSV by default: the
// generated code checks that before calling ParseInt64 and friends on a field.
type CSV struct {
	scratch []byte
	spans   []span
	quoted  []bool // of the last Split's fields; nil when none was quoted
}

type span struct {
	quoted   bool
	from, to int
}

var (
	errUnterminated = errors.New("unterminated quoted field (a CSV record must fit on one line)")
	errAfterQuote   = errors.New("unexpected character after a closing quote (a quote inside a quoted field is written \"\")")
)

// Split appends the fields of line to fields (pass fields[:0] to reuse it) and returns them.
// Unquoted fields alias line; quoted ones are unescaped into a buffer of c that stays valid
// until the next Split. An empty line is one empty field. A quote that starts an unquoted
// field's text later on (a"b) is taken literally.
func (c *CSV) Split(line []byte, sep byte, fields [][]byte) ([][]byte, error) {
	c.quoted = c.quoted[:0]
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, sep)
			if i < 0 {
				return append(fields, line), nil
			}
			fields = append(fields, line[:i:i])
			line = line[i+1:]
		}
	}
	c.scratch = c.scratch[:0]
	// Quoted fields go into scratch, which may grow; record bounds and slice at the end.
	spans := c.spans[:0]
	defer func() { c.spans = spans[:0] }()
	i := 0
	for {
		if i < len(line) && line[i] == '"' && sep != '"' {
			from := len(c.scratch)
			i++
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return fields, errUnterminated
				}
				c.scratch = append(c.scratch, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					c.scratch = append(c.scratch, '"')
					i++
					continue
				}
				break
			}
			spans = append(spans, span{true, from, len(c.scratch)})
			if i < len(line) && line[i] != sep {
				return fields, errAfterQuote
			}
		} else {
			end := len(line)
			if j := bytes.IndexByte(line[i:], sep); j >= 0 {
				end = i + j
			}
			spans = append(spans, span{false, i, end})
			i = end
		}
		if i >= len(line) {
			break
		}
		i++ // the separator
		if i == len(line) {
			spans = append(spans, span{false, i, i})
			break
		}
	}
	for _, s := range spans {
		c.quoted = append(c.quoted, s.quoted)
		if s.quoted {
			fields = append(fields, c.scratch[s.from:s.to:s.to])
		} else {
			fields = append(fields, line[s.from:s.to:s.to])
		}
	}
	return fields, nil
}

// Quoted reports whether the i-th field of the last Split's line (counting from 0, not from
// the start of the fields slice passed in) was quoted. Spark reads an unquoted empty field as
// NULL but a quoted one ("") as the empty string; generated code can tell them apart with
// len(field) == 0 && !c.Quoted(i).
func (c *CSV) Quoted(i int) bool { return i >= 0 && i < len(c.quoted) && c.quoted[i] }

// SplitCSV is Split with a fresh CSV, for callers without one to reuse: quoted fields are
// then copied, unquoted ones still alias line.
func SplitCSV(line []byte, sep byte, fields [][]byte) ([][]byte, error) {
	var c CSV
	return c.Split(line, sep, fields)
}
