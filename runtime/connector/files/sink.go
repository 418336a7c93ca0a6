package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/atomicfile"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type sink struct {
	dir    string
	query  string // the file name part naming the query
	format string
	header bool
	cols   []rt.Column
	buf    []byte
}

// OpenSink opens the files sink of endpoint e: each non-empty batch becomes one file
// part-<batch>-<query>.<format> in the directory, written under a dot-name and renamed into
// place so that readers skipping dot-files never see a partial file.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	if mode != rt.Append {
		return nil, fmt.Errorf("files sink %q: supports only append output mode, not %s", e.Name, mode)
	}
	dir := e.Options["path"]
	if dir == "" {
		return nil, fmt.Errorf("files sink %q: option path is empty", e.Name)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files sink %q: %w", e.Name, err)
	}
	format := strings.ToLower(e.Options["format"])
	switch format {
	case "":
		format = "json"
	case "json", "csv":
	case "text":
		if len(cols) != 1 || cols[0].Type != "STRING" {
			return nil, fmt.Errorf("files sink %q: format text writes one STRING column per line, but the query has %d columns", e.Name, len(cols))
		}
	default:
		return nil, fmt.Errorf("files sink %q: format %q is not json, csv or text", e.Name, format)
	}
	query := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == os.PathSeparator || r < ' ' {
			return '_'
		}
		return r
	}, e.Name)
	return &sink{dir: dir, query: query, format: format, header: connector.Bool(e.Options, "header", true), cols: cols}, nil
}

func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	if rows.Len() == 0 {
		return nil
	}
	b := s.buf[:0]
	if s.format == "csv" && s.header {
		for i, c := range s.cols {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCSVField(b, c.Name)
		}
		b = append(b, '\n')
	}
	for i := range rows.Len() {
		switch s.format {
		case "csv":
			b = rows.AppendCSV(b, i)
		case "text":
			if v, ok := rows.Value(i, 0).(string); ok { // NULL is an empty line
				b = append(b, v...)
			}
		default:
			b = rows.AppendJSON(b, i)
		}
		b = append(b, '\n')
	}
	s.buf = b
	ext := s.format
	if ext == "text" {
		ext = "txt"
	}
	name := fmt.Sprintf("part-%05d-%s.%s", batchID, s.query, ext)
	return atomicfile.Write(filepath.Join(s.dir, name), b)
}

func (s *sink) Close() error { return nil }

// appendCSVField appends f as one CSV field, quoted when it needs to be (RFC 4180).
func appendCSVField(b []byte, f string) []byte {
	if f != "" && !strings.ContainsAny(f, ",\"\r\n") && f[0] != ' ' && f[len(f)-1] != ' ' {
		return append(b, f...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
	return append(b, '"')
}
