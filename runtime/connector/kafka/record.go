package kafka

import (
	"bytes"
	"strconv"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sqlstream/sqlstream/runtime/codec"
)

// Record formats of the source option format.
const (
	FormatText  = "text"
	FormatJSON  = "json"
	FormatCSV   = "csv"
	FormatBytes = "bytes"
)

// AppendRecord appends r to dst as the one-line JSON object the source hands the generated
// decoder (no trailing newline), for the given format (text, json, csv or bytes):
//
//	{"key":<key>,"partition":N,"offset":N,"timestamp":"<RFC 3339, µs, UTC>","topic":"<topic>", ...}
//
// The key is a JSON string (invalid UTF-8 as U+FFFD) or null for a record without one; the
// timestamp is null for a record without one (a negative timestamp). What follows depends on
// the format:
//
//   - text: "value":<the value as a JSON string, invalid UTF-8 as U+FFFD>, or null for a
//     null value (a tombstone).
//   - bytes: "value":<the value in standard base64, as the JSON decoder reads BYTES>, or
//     null.
//   - csv: no object at all: the value itself is the line, a CSV record for the generated
//     CSV decoder (line breaks inside it become spaces; a tombstone is a blank line, which
//     the decoder skips). The metadata columns are not available in this format.
//   - json: the fields of the value, which must be a JSON object, follow the metadata fields
//     (so a value field named like one of them overrides it). Line breaks between its tokens
//     become spaces, and a raw line break inside one of its strings (invalid JSON) becomes a
//     raw tab, which keeps it invalid. A null, empty or blank value gives the metadata fields
//     alone. A value that is not an object is appended as it is (on one line) instead of the
//     object, so that the decoder reports the record as malformed.
func AppendRecord(dst []byte, r *kgo.Record, format string) []byte {
	if format == FormatCSV {
		for _, c := range r.Value {
			if c == '\n' || c == '\r' {
				c = ' '
			}
			dst = append(dst, c)
		}
		return dst
	}
	start := len(dst)
	dst = append(dst, `{"key":`...)
	if r.Key == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendText(dst, r.Key)
	}
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(r.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, r.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	if r.Timestamp.UnixMilli() < 0 {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '"')
		dst = r.Timestamp.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
		dst = append(dst, '"')
	}
	dst = append(dst, `,"topic":`...)
	dst = appendText(dst, []byte(r.Topic))
	switch format {
	case FormatJSON:
		return appendObject(dst, start, r.Value)
	case FormatBytes:
		dst = append(dst, `,"value":`...)
		if r.Value == nil {
			dst = append(dst, "null"...)
		} else {
			dst = codec.AppendBase64JSON(dst, unsafe.String(unsafe.SliceData(r.Value), len(r.Value)))
		}
	default: // text
		dst = append(dst, `,"value":`...)
		if r.Value == nil {
			dst = append(dst, "null"...)
		} else {
			dst = appendText(dst, r.Value)
		}
	}
	return append(dst, '}')
}

// appendText appends b as a JSON string, escaped as the JSON sink escapes strings.
func appendText(dst, b []byte) []byte {
	if len(b) == 0 {
		return append(dst, `""`...)
	}
	// The string is only read during the call.
	return codec.AppendJSONString(dst, unsafe.String(unsafe.SliceData(b), len(b)))
}

// trimJSONSpace trims JSON whitespace and a UTF-8 byte order mark.
func trimJSONSpace(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	return bytes.Trim(b, " \t\r\n")
}

// appendObject splices the JSON object v after the metadata fields that dst holds from start
// on (an open object), as AppendRecord describes.
func appendObject(dst []byte, start int, v []byte) []byte {
	v = trimJSONSpace(v)
	if len(v) == 0 {
		return append(dst, '}')
	}
	if v[0] != '{' {
		// Not an object: the value alone, which the decoder rejects.
		return oneLine(dst[:start], v)
	}
	rest := v[1:]
	if t := bytes.TrimLeft(rest, " \t\r\n"); len(t) > 0 && t[0] == '}' {
		return oneLine(dst, t) // an empty object: its '}' closes ours
	}
	dst = append(dst, ',')
	return oneLine(dst, rest)
}

// oneLine appends JSON text v with its line breaks removed: a '\n' between tokens becomes a
// space, one inside a string (where JSON does not allow it) a tab, which keeps the string
// invalid.
func oneLine(dst, v []byte) []byte {
	if bytes.IndexByte(v, '\n') < 0 {
		return append(dst, v...)
	}
	inString, escaped := false, false
	for _, c := range v {
		switch {
		case c == '\n':
			if inString {
				c = '\t'
			} else {
				c = ' '
			}
			escaped = false
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		}
		dst = append(dst, c)
	}
	return dst
}
