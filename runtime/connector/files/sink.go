package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/atomicfile"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type sink struct {
	dir      string
	query    string // the file name part naming the query
	format   string
	header   bool
	cols     []rt.Column
	buf      []byte
	manifest *os.File
}

// manifestEntry is one line of the manifest: a batch whose files are in place.
type manifestEntry struct {
	Batch int64    `json:"batchId"`
	Files []string `json:"files"`
	Rows  int      `json:"rows"`
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
	s := &sink{dir: dir, query: query, format: format, header: connector.Bool(e.Options, "header", true), cols: cols}
	if err := s.openManifest(e); err != nil {
		return nil, fmt.Errorf("files sink %q: %w", e.Name, err)
	}
	return s, nil
}

// openManifest claims the directory for this run (e.RunID) and opens the manifest, a JSON
// line per batch written, under _sqlstream/<query>/. A directory holding another run's
// output is refused: writing batch 0 again would replace that output.
func (s *sink) openManifest(e rt.Endpoint) error {
	meta := filepath.Join(s.dir, "_sqlstream", s.query)
	if err := os.MkdirAll(meta, 0o755); err != nil {
		return err
	}
	runFile := filepath.Join(meta, "run")
	switch b, err := os.ReadFile(runFile); {
	case errors.Is(err, fs.ErrNotExist):
		if err := atomicfile.Write(runFile, []byte(e.RunID+"\n")); err != nil {
			return err
		}
	case err != nil:
		return err
	case strings.TrimSpace(string(b)) != e.RunID:
		return fmt.Errorf("directory %s already holds the output of another run of query %s (run %s, see %s): "+
			"writing here would replace it. Point the sink elsewhere (--set %s.path=DIR), remove the directory, "+
			"or resume that run with the --checkpoint it used",
			s.dir, s.query, strings.TrimSpace(string(b)), runFile, e.Name)
	}
	// Files a crash left half-written are dot-files nobody reads; remove this query's.
	tmps, _ := filepath.Glob(filepath.Join(s.dir, ".tmp-part-*-"+s.query+".*"))
	for _, t := range tmps {
		os.Remove(t)
	}
	f, err := os.OpenFile(filepath.Join(meta, "manifest.jsonl"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.manifest = f
	return nil
}

func (s *sink) Write(ctx context.Context, batchID int64, rows rt.Rows) error {
	entry := manifestEntry{Batch: batchID, Files: []string{}, Rows: rows.Len()}
	if rows.Len() > 0 {
		name, err := s.writeFile(batchID, rows)
		if err != nil {
			return err
		}
		entry.Files = append(entry.Files, name)
	}
	// The manifest records the batch once its files are in place. A replayed batch adds a
	// second line for the same id, with the same files: the last line of an id counts.
	line, _ := json.Marshal(entry)
	if _, err := s.manifest.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	if err := s.manifest.Sync(); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// writeFile writes the batch's rows as one file and returns its name.
func (s *sink) writeFile(batchID int64, rows rt.Rows) (string, error) {
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
	return name, atomicfile.Write(filepath.Join(s.dir, name), b)
}

func (s *sink) Close() error { return s.manifest.Close() }

// appendCSVField appends f as one CSV field, quoted when it needs to be (RFC 4180).
func appendCSVField(b []byte, f string) []byte {
	if f != "" && !strings.ContainsAny(f, ",\"\r\n") && f[0] != ' ' && f[len(f)-1] != ' ' {
		return append(b, f...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
	return append(b, '"')
}
