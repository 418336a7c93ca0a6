package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type sink struct {
	dir    string
	format string
	header bool
	cols   []rt.Column
	buf    []byte
}

// OpenSink opens the files sink of endpoint e: each non-empty batch becomes one file
// part-<batch>.<format> in the directory, written under a dot-name and renamed into place so
// that readers skipping dot-files never see a partial file.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	if mode != rt.Append {
		return nil, fmt.Errorf("files sink %q: supports only append output mode, not %s", e.Name, mode)
	}
	dir := e.Options["path"]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files sink %q: %w", e.Name, err)
	}
	format := e.Options["format"]
	if format == "" {
		format = "json"
	}
	return &sink{dir: dir, format: format, header: connector.Bool(e.Options, "header", true), cols: cols}, nil
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
			b = append(b, c.Name...)
		}
		b = append(b, '\n')
	}
	for i := range rows.Len() {
		if s.format == "csv" {
			b = rows.AppendCSV(b, i)
		} else {
			b = rows.AppendJSON(b, i)
		}
		b = append(b, '\n')
	}
	s.buf = b
	name := fmt.Sprintf("part-%05d.%s", batchID, s.format)
	return writeAtomic(filepath.Join(s.dir, name), b)
}

// writeAtomic writes data to a temporary dot-file beside path, syncs it and renames it.
func writeAtomic(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func (s *sink) Close() error { return nil }
