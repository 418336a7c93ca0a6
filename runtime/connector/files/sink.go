package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/atomicfile"
	"github.com/sqlstream/sqlstream/runtime/codec"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type sink struct {
	dir       string
	query     string // the file name part naming the query
	enc       Encoder
	header    bool
	cols      []rt.Column
	partition []int // the columns of partition_by, in its order
	data      []int // the other columns: what the files hold
	buf       []byte
	manifest  *os.File
	name      string    // the sink's, for warnings
	warn      io.Writer // where rows that cannot be written are reported
}

// manifestEntry is one line of the manifest: a batch whose files are in place.
type manifestEntry struct {
	Batch int64    `json:"batchId"`
	Files []string `json:"files"`
	Rows  int      `json:"rows"`
}

// Encoder writes a batch's rows as the content of one file, appended to dst. Ext is the file
// name extension. The files package has json, csv and text; the parquet package adds parquet,
// so only programs writing Parquet link its library.
type Encoder struct {
	Ext    string
	Encode func(dst []byte, cols []rt.Column, rows rt.Rows, header bool) ([]byte, error)
}

var encoders = map[string]Encoder{
	"json": {"json", func(b []byte, cols []rt.Column, rows rt.Rows, header bool) ([]byte, error) {
		for i := range rows.Len() {
			b = append(rows.AppendJSON(b, i), '\n')
		}
		return b, nil
	}},
	"csv": {"csv", func(b []byte, cols []rt.Column, rows rt.Rows, header bool) ([]byte, error) {
		if header {
			for i, c := range cols {
				if i > 0 {
					b = append(b, ',')
				}
				b = codec.AppendCSVField(b, c.Name, ',')
			}
			b = append(b, '\n')
		}
		for i := range rows.Len() {
			b = append(rows.AppendCSV(b, i), '\n')
		}
		return b, nil
	}},
	"text": {"txt", func(b []byte, cols []rt.Column, rows rt.Rows, header bool) ([]byte, error) {
		for i := range rows.Len() {
			if v, ok := rows.Value(i, 0).(string); ok { // NULL is an empty line
				b = append(b, v...)
			}
			b = append(b, '\n')
		}
		return b, nil
	}},
}

// OpenSink opens the files sink of endpoint e: each non-empty batch becomes one file
// part-<batch>-<query>.<format> in the directory (one per partition with partition_by),
// written under a dot-name and renamed into place so that readers skipping dot-files never
// see a partial file.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	format := strings.ToLower(e.Options["format"])
	if format == "" {
		format = "json"
	}
	enc, ok := encoders[format]
	if !ok {
		return nil, fmt.Errorf("files sink %q: format %q is not json, csv or text (parquet is linked when the SQL says format = 'parquet')", e.Name, format)
	}
	return OpenSinkWith(ctx, e, cols, mode, enc)
}

// OpenSinkWith opens a files sink that writes its files with enc.
func OpenSinkWith(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode, enc Encoder) (rt.Sink, error) {
	if mode != rt.Append {
		return nil, fmt.Errorf("files sink %q: supports only append output mode, not %s", e.Name, mode)
	}
	dir := e.Options["path"]
	if dir == "" {
		return nil, fmt.Errorf("files sink %q: option path is empty", e.Name)
	}
	s := &sink{dir: dir, enc: enc, header: connector.Bool(e.Options, "header", true), cols: cols, name: e.Name, warn: e.Stderr}
	if s.warn == nil {
		s.warn = os.Stderr
	}
	if err := s.partitionBy(e.Options["partition_by"]); err != nil {
		return nil, fmt.Errorf("files sink %q: %w", e.Name, err)
	}
	if enc.Ext == "txt" {
		if c := s.dataCols(); len(c) != 1 || c[0].Type != "STRING" {
			return nil, fmt.Errorf("files sink %q: format text writes one STRING column per line, but the query has %d columns", e.Name, len(c))
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("files sink %q: %w", e.Name, err)
	}
	s.query = rt.FileName(e.WriterName())
	if err := s.openManifest(e); err != nil {
		return nil, fmt.Errorf("files sink %q: %w", e.Name, err)
	}
	return s, nil
}

// partitionBy reads the partition_by option: a comma-separated list of output columns, as
// the compiler checked it (again here for --set and embedded programs).
func (s *sink) partitionBy(opt string) error {
	names := make([]string, len(s.cols))
	for i, c := range s.cols {
		names[i] = c.Name
	}
	idx, err := connector.PartitionBy(opt, names)
	if err != nil {
		return err
	}
	for _, j := range idx {
		if strings.HasPrefix(s.cols[j].Type, "STRUCT") || s.cols[j].Type == "WINDOW" {
			return fmt.Errorf("partition_by: column %q is a window; partition by window.start instead", s.cols[j].Name)
		}
	}
	s.partition = idx
	for j := range s.cols {
		if !slices.Contains(idx, j) {
			s.data = append(s.data, j)
		}
	}
	return nil
}

func (s *sink) dataCols() []rt.Column {
	var out []rt.Column
	for _, j := range s.data {
		out = append(out, s.cols[j])
	}
	return out
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
	if s.manifest == nil {
		return fmt.Errorf("files sink %q: write of batch %d after Close", s.name, batchID)
	}
	entry := manifestEntry{Batch: batchID, Files: []string{}, Rows: rows.Len()}
	name := fmt.Sprintf("part-%05d-%s.%s", batchID, s.query, s.enc.Ext)
	if len(s.partition) == 0 && rows.Len() > 0 {
		if err := s.writeFile(name, s.cols, rows); err != nil {
			return err
		}
		entry.Files = append(entry.Files, name)
	}
	if len(s.partition) > 0 {
		// Hive-style folders, col=value/..., in the order of their first row.
		var dirs []string
		byDir := map[string][]int{}
		skipped := 0
		for i := range rows.Len() {
			d, long := s.partitionDir(rows, i)
			if long >= 0 {
				// A malformed row at the sink: it is reported and not written, as a source
				// drops a malformed record, rather than failing a batch that would fail again
				// on every restart. The sink has no access to the source's record policy,
				// so this holds under mode = 'failfast' too.
				if skipped++; skipped <= rt.MaxReported {
					fmt.Fprintf(s.warn, "warning: sink %s: batch %d: row %d not written: the value of partition column %s makes a folder name of more than %d bytes\n",
						s.name, batchID, i+1, s.cols[long].Name, maxSegment)
				}
				continue
			}
			if _, ok := byDir[d]; !ok {
				dirs = append(dirs, d)
			}
			byDir[d] = append(byDir[d], i)
		}
		if skipped > rt.MaxReported {
			fmt.Fprintf(s.warn, "warning: sink %s: batch %d: %d rows not written in all (%d shown)\n", s.name, batchID, skipped, rt.MaxReported)
		}
		entry.Rows -= skipped
		cols := s.dataCols()
		for _, d := range dirs {
			if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
				return err
			}
			file := filepath.ToSlash(filepath.Join(d, name))
			if err := s.writeFile(file, cols, &subRows{rows: rows, cols: cols, col: s.data, row: byDir[d]}); err != nil {
				return err
			}
			entry.Files = append(entry.Files, file)
		}
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

// writeFile writes rows as the file name (relative to the directory).
func (s *sink) writeFile(name string, cols []rt.Column, rows rt.Rows) error {
	b, err := s.enc.Encode(s.buf[:0], cols, rows, s.header)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	s.buf = b
	return atomicfile.Write(filepath.Join(s.dir, filepath.FromSlash(name)), b)
}

// maxSegment is the longest file name most file systems allow, in bytes.
const maxSegment = 255

// partitionDir is row i's folder, col=value/... with Hive's escaping; NULL is Hive's
// __HIVE_DEFAULT_PARTITION__. long is the partition column whose folder name would be longer
// than a file name can be, or -1.
func (s *sink) partitionDir(rows rt.Rows, i int) (dir string, long int) {
	var b strings.Builder
	for n, j := range s.partition {
		if n > 0 {
			b.WriteByte('/')
		}
		start := b.Len()
		b.WriteString(escapePartition(s.cols[j].Name))
		b.WriteByte('=')
		if rows.Value(i, j) == nil {
			b.WriteString("__HIVE_DEFAULT_PARTITION__")
		} else {
			b.WriteString(escapePartition(rows.Cell(i, j)))
		}
		if b.Len()-start > maxSegment {
			return "", j
		}
	}
	return b.String(), -1
}

// escapePartition escapes what Hive escapes in partition paths, as %XX.
func escapePartition(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < ' ' || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "__HIVE_DEFAULT_PARTITION__"
	}
	return b.String()
}

// Close closes the manifest; closing again does nothing, and a Write after it fails before
// writing a file that the manifest would not record.
func (s *sink) Close() error {
	if s.manifest == nil {
		return nil
	}
	err := s.manifest.Close()
	s.manifest = nil
	return err
}
