package codec

import (
	"bytes"
	"errors"
)

// CSV splits CSV records (one line each) into fields; reuse one per worker.
type CSV struct {
	scratch []byte
}

var errUnterminated = errors.New("unterminated quoted field (a record must fit on one line)")

// Split appends the fields of line to fields and returns them. Unquoted fields alias line;
// quoted ones are unescaped into a buffer that stays valid until the next Split.
func (c *CSV) Split(line []byte, sep byte, fields [][]byte) ([][]byte, error) {
	if bytes.IndexByte(line, '"') < 0 {
		for {
			i := bytes.IndexByte(line, sep)
			if i < 0 {
				return append(fields, line), nil
			}
			fields = append(fields, line[:i])
			line = line[i+1:]
		}
	}
	c.scratch = c.scratch[:0]
	// Quoted fields are appended to scratch; remember their bounds and slice at the end,
	// since scratch may grow.
	type span struct {
		quoted   bool
		from, to int
	}
	var spans []span
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
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
				return fields, errors.New("unexpected character after a quoted field")
			}
		} else {
			j := bytes.IndexByte(line[i:], sep)
			end := len(line)
			if j >= 0 {
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
		if s.quoted {
			fields = append(fields, c.scratch[s.from:s.to:s.to])
		} else {
			fields = append(fields, line[s.from:s.to])
		}
	}
	return fields, nil
}
