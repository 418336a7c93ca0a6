package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/sqlstream/sqlstream/runtime/connector"
)

// TableSpec is a static table (CREATE TABLE) that a query joins.
type TableSpec struct {
	Name   string
	Source Endpoint // the table's connector (files) and options; Columns set for parquet; its Name is the table's
	Format string   // the record format the generated decoder expects: text, csv, json
	// OpenSource opens the table's connector (files.OpenSource or parquet.OpenSource): the
	// engine opens a fresh one for every load, so a load lists every file the path matches.
	OpenSource func(ctx context.Context, e Endpoint) (Source, error)
	// New returns a builder for one load of the table into query q (the query's instance,
	// which keeps the loaded version); rec applies the table's record policy.
	New func(q Query, rec *RecordErrors) TableBuilder
	// OpenLookup, for a table with lookup = true, connects to the table for the whole run
	// instead of loading it; Attach hands the query the connection and its cache's bounds.
	OpenLookup func(ctx context.Context, e Endpoint) (Lookup, error)
	Attach     func(q Query, l Lookup, rec *RecordErrors, opts LookupOptions)
}

// TableBuilder builds one version of a table from its records: Add is called with every chunk
// of every file, in order, from one goroutine; Done installs the built version (generated
// code swaps an atomic pointer, so workers of the next batch see it and a running batch keeps
// the old one). A load that fails never calls Done, so the version before it stays.
//
// Like Worker.Process, Add must copy whatever it keeps of the chunk's Data.
type TableBuilder interface {
	Add(c *Chunk) error
	Done() error
}

// Versioner is implemented by sources whose data can change under the same offsets (the files
// source: a file replaced under its name): Version describes the data that Read(nil, end)
// reads, so that two loads with the same version read the same data. A table with refresh =
// 'on_change' needs it.
type Versioner interface {
	Version(end Offset) (string, error)
}

// table is one static table of a running query: what it was loaded from and when.
type table struct {
	spec    TableSpec
	q       Query    // the query the table is loaded into
	end     Endpoint // options resolved, --set applied
	rec     *RecordErrors
	refresh string        // never, on_change, or "" for every
	every   time.Duration // with refresh "": reload when this much has passed since the last load
	loaded  time.Time     // when the last load began
	version string        // the Version of the last load, with on_change
	lookup  Lookup        // a lookup table's connection: it is never loaded
	stats   *LookupStats  // a lookup table's counts, reported per batch
	// retryFor bounds the retries of a load or lookup that lost its database connection
	// (option retry_timeout; 0: none).
	retryFor time.Duration
}

// tables are a query's static tables.
type tables []*table

// openTables loads every table of the query, before its first batch.
func (r *queryRun) openTables(ctx context.Context, q Query) (tables, error) {
	var ts tables
	for _, spec := range r.spec.Tables {
		spec.Source.Name = spec.Name // what --set names it by
		e, err := r.endpoint(spec.Source, connector.Table)
		if err != nil {
			return nil, err
		}
		t := &table{spec: spec, q: q, end: e, rec: NewRecordErrors(spec.Name, e.Options["mode"], r.stderr),
			retryFor: connector.Duration(e.Options, "retry_timeout", 0)}
		t.rec.sources[0].what = "table"
		if spec.OpenLookup != nil {
			t.stats = &LookupStats{}
			err := t.retry(ctx, r.stderr, "connecting", func(ctx context.Context) (err error) {
				t.lookup, err = spec.OpenLookup(ctx, e)
				return err
			})
			if err != nil {
				return nil, errors.Join(err, ts.close())
			}
			spec.Attach(q, t.lookup, t.rec, LookupOptions{Rows: int(connector.Int(e.Options, "lookup_cache_rows", 0)),
				TTL: connector.Duration(e.Options, "lookup_cache_ttl", 0), RetryFor: t.retryFor, Log: r.stderr, Stats: t.stats})
			ts = append(ts, t)
			continue
		}
		switch v := e.Options["refresh"]; v {
		case "", "never", "on_change":
			t.refresh = v
		default:
			if t.every, err = time.ParseDuration(v); err != nil || t.every < 0 {
				return nil, fmt.Errorf("table %s: option refresh: expected 'never', 'on_change' or a duration such as '5 minutes', got %q", spec.Name, v)
			}
		}
		if err := r.load(ctx, t); err != nil {
			return nil, errors.Join(err, ts.close())
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// close closes the lookup tables' connections.
func (ts tables) close() error {
	var errs []error
	for _, t := range ts {
		if t.lookup != nil {
			errs = append(errs, t.lookup.Close())
		}
	}
	return errors.Join(errs...)
}

// refresh reloads, before a batch, the tables whose refresh option says so. A reload that
// fails stops the query, as the first load does: a table silently older than its files
// would join wrong rows.
func (r *queryRun) refresh(ctx context.Context, ts tables) error {
	start := time.Now()
	defer func() { r.planning = time.Since(start) }() // the progress's queryPlanning
	for _, t := range ts {
		switch {
		case t.lookup != nil: // looked up per chunk, never loaded
		case t.refresh == "on_change":
			if err := t.retry(ctx, r.stderr, "loading", func(ctx context.Context) error { return r.reloadChanged(ctx, t) }); err != nil {
				return err
			}
		case t.refresh == "" && time.Since(t.loaded) >= t.every:
			if err := r.load(ctx, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// reloadChanged reloads t when its files are not those of its last load.
func (r *queryRun) reloadChanged(ctx context.Context, t *table) error {
	s, err := t.snapshot(ctx)
	if err != nil {
		return err
	}
	if s.version == t.version {
		return s.src.Close()
	}
	return r.loadFrom(ctx, t, s)
}

// snapshot is one listing of a table's files: a fresh source, the end offset that covers
// every file present, and their version.
type snapshot struct {
	src     Source
	end     Offset
	version string
}

// snapshot opens a fresh source for t (so that every file the path matches now is new to
// it) and takes everything it has.
func (t *table) snapshot(ctx context.Context) (snapshot, error) {
	src, err := t.spec.OpenSource(ctx, t.end)
	if err != nil {
		return snapshot{}, fmt.Errorf("table %s: %w", t.spec.Name, err)
	}
	s := snapshot{src: src}
	s.end, err = src.Next(ctx, nil, false)
	if errors.Is(err, ErrEndOfInput) {
		err = nil
	}
	if err == nil && t.refresh == "on_change" {
		v, ok := src.(Versioner)
		if !ok {
			err = fmt.Errorf("refresh = 'on_change' needs a connector that can tell when its data changed, which %s cannot: give a duration such as '5 minutes'", t.end.Connector)
		} else if s.end != nil {
			s.version, err = v.Version(s.end)
		}
	}
	if err != nil {
		return snapshot{}, errors.Join(fmt.Errorf("table %s: %w", t.spec.Name, err), src.Close())
	}
	return s, nil
}

// load reads all of t's files now.
func (r *queryRun) load(ctx context.Context, t *table) error {
	return t.retry(ctx, r.stderr, "loading", func(ctx context.Context) error {
		s, err := t.snapshot(ctx)
		if err != nil {
			return err
		}
		return r.loadFrom(ctx, t, s)
	})
}

// retry runs fn, which does what to t, again while it loses its database connection, up to
// t's retry_timeout. A failed load never installs a version, so the next starts afresh.
func (t *table) retry(ctx context.Context, log io.Writer, what string, fn func(context.Context) error) error {
	return Retry(ctx, log, t.retryFor, what, IsConnectionLost, nil, fn) // the errors name the table
}

// loadFrom reads the files of snapshot s into a new version of t and installs it. A file
// removed between the listing and its read (a writer replacing the table's files) makes it
// list and read once more.
func (r *queryRun) loadFrom(ctx context.Context, t *table, s snapshot) error {
	began := time.Now()
	st, err := t.read(ctx, s, began)
	err = errors.Join(err, s.src.Close())
	if errors.Is(err, fs.ErrNotExist) {
		if s, err = t.snapshot(ctx); err != nil {
			return err
		}
		st, err = t.read(ctx, s, began)
		err = errors.Join(err, s.src.Close())
	}
	if err != nil {
		return fmt.Errorf("table %s: load: %w", t.spec.Name, err)
	}
	t.loaded, t.version = began, s.version
	r.reportLoad(t, st, time.Since(began))
	return nil
}

// loadStats describes one load of a table.
type loadStats struct {
	rows, malformed int64
	files           int    // the distinct origins of the chunks: files, or one database table
	origin          string // the last of them
}

// read builds a version of t from the files of s and installs it.
func (t *table) read(ctx context.Context, s snapshot, began time.Time) (loadStats, error) {
	var st loadStats
	b := t.spec.New(t.q, t.rec)
	origin := ""
	if s.end != nil {
		seq := 0
		err := s.src.Read(ctx, nil, s.end, func(c *Chunk) error {
			defer c.release()
			c.Seq, c.Time = seq, began.UnixMicro()
			seq++
			if c.Origin != origin {
				origin = c.Origin
				st.files++
			}
			st.origin = origin
			st.rows += c.records()
			return b.Add(c)
		})
		st.malformed = t.rec.endLoad(t.spec.Name)
		if err != nil {
			return st, err
		}
	}
	return st, b.Done()
}

// endLoad reports a load's malformed records beyond those printed, resets the counts and
// returns the load's count.
func (r *RecordErrors) endLoad(table string) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &r.sources[0] // a table's records are of its one source
	n := s.count
	if n > int64(s.printed) {
		fmt.Fprintf(r.w, "warning: table %s: %d malformed records skipped in all (%d shown)\n", table, n, s.printed)
	}
	s.count, s.printed = 0, 0
	return n
}

// tableLoad is a table load's report under --progress json.
type tableLoad struct {
	Name          string           `json:"name"`
	Table         string           `json:"table"`
	Timestamp     string           `json:"timestamp"`
	NumFiles      int              `json:"numFiles"`
	NumInputRows  int64            `json:"numInputRows"`
	MalformedRows int64            `json:"malformedRows"`
	DurationMs    map[string]int64 `json:"durationMs"`
}

// reportLoad reports a load on stderr as --progress asks, beside the batches' reports.
func (r *queryRun) reportLoad(t *table, st loadStats, took time.Duration) {
	switch r.opts.progress {
	case "json":
		b, _ := json.Marshal(tableLoad{Name: r.spec.Name, Table: t.spec.Name, Timestamp: t.loaded.UTC().Format(time.RFC3339Nano),
			NumFiles: st.files, NumInputRows: st.rows, MalformedRows: st.malformed, DurationMs: map[string]int64{"load": took.Milliseconds()}})
		fmt.Fprintf(r.stderr, "%s\n", b)
	case "text":
		from := fmt.Sprintf("%d %s", st.files, plural(st.files, "file"))
		if st.files == 1 {
			from = st.origin // the file, or a database's "postgres table users"
		}
		fmt.Fprintf(r.stderr, "progress: query %s table %s: loaded %d rows (%d malformed) from %s in %v\n",
			r.spec.Name, t.spec.Name, st.rows, st.malformed, from, took.Round(time.Microsecond))
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
