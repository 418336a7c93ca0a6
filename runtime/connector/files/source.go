// Package files is the files connector: a source that reads new files appearing in a
// directory, and a sink that writes one file per batch.
//
// # Source
//
// path is a directory, or a glob of files (filepath.Match syntax, e.g. /data/in/*.csv, whose
// directory part has no wildcards). The source lists it (os.ReadDir) at every trigger and
// takes the regular files it has not read yet, oldest modification time first, then by name
// (under the default trigger, a file-system notification from fsnotify says when to list
// again; the listing stays the source of truth, and a slow poll the fallback);
// max_files_per_trigger caps the files per batch (TRIGGER ONCE ignores the cap). Each file is
// read exactly once per run: the seen-set is keyed by path, so a file rewritten in place, or
// removed and recreated under the same name, is not read again. With a checkpoint the
// seen-set is saved with every batch, so "once" holds across restarts. The seen-set grows
// with the files read; with max_file_age (Spark's maxFileAge; sqlstream's default is no
// limit, as nothing should be skipped silently) a file modified that long before the newest
// file read is ignored, with a warning, and such files leave the seen-set, which keeps it
// (and the checkpoint) bounded by the files of that window.
//
// Files must appear complete. Names starting with "." or "_" are ignored, and so are
// sub-directories: a writer creates the file under such a name (or elsewhere on the same file
// system) and renames it into the directory when it is complete, which is Spark's convention
// and atomic on POSIX file systems. A file written in place may be read half-written; the
// records that were not there yet are then never read.
//
// A batch's end offset is the JSON list of the files it reads ({"files":[...]}), so the
// checkpoint can record it and a replay reads the same files. Chunks never span two files,
// and the first chunk of each file has Line 1: a CSV decoder with header = true skips it.
// A file that cannot be read (permissions, deleted after listing) fails the batch with an
// error naming the file.
//
// # Sink
//
// The sink writes each non-empty batch as one file, part-<batch id>-<query>.<format>, with the
// batch id in at least five digits, into path (created if missing): json is one object per
// line, csv a header line (unless header = false) then one record per row. Files are written
// under a name starting with "." and renamed into place, so a reader that skips dot-files (the
// files source, Spark) never sees a partial file, and a replayed batch replaces its own file.
// Only append mode is supported.
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
	"time"

	"github.com/fsnotify/fsnotify"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type source struct {
	read     func(path string, emit func(*rt.Chunk) error) error // one file's records
	name     string
	dir      string // the directory listed
	pattern  string // the glob the base names must match; "" for all
	maxFiles int
	seen     map[string]int64 // path → modification time (µs) of the files read
	latest   int64            // the newest modification time read (µs)
	maxAge   int64            // max_file_age in µs; 0: no limit
	warn     io.Writer
	warned   map[string]bool // files reported as too old
	frozen   map[string]bool // set by Freeze: the files that "available now" covers
	waiting  int64           // files listed but left for later batches by the last Next
	listed   rt.Offset       // every file the last Next listed, as an offset (latestOffset)
	backlog  rt.Backlog      // under Freeze: the frozen files and bytes, and those handed out

	// The directory's watcher, started by the first Wake; the listing stays the source of
	// truth, the notifications only say when to list again.
	watcher   *fsnotify.Watcher
	unwatched bool // the watcher could not start: the engine polls
	changed   rt.Signal
}

// offset is the end offset of a batch: the files it reads, in order, so a replay reads the
// same ones.
type offset struct {
	Files []string `json:"files"`
}

// listing is latestOffset: the files listed, in reading order, and how many more were listed
// past the first latestFiles, which it leaves out so that a long backlog does not put every
// waiting path into every batch's progress.
type listing struct {
	Files []string `json:"files"`
	More  int      `json:"more,omitempty"`
}

const latestFiles = 100

// OpenSource opens the files source of endpoint e. A missing directory is an error here, at
// start, rather than an empty stream.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	return OpenSourceWith(ctx, e, rt.ReadFile)
}

// OpenSourceWith opens a files source that reads each file with read, which emits its
// records as chunks of lines for the generated decoder (the parquet package converts its
// rows to JSON lines).
func OpenSourceWith(ctx context.Context, e rt.Endpoint, read func(path string, emit func(*rt.Chunk) error) error) (rt.Source, error) {
	path := e.Options["path"]
	if path == "" {
		return nil, fmt.Errorf("files source %q: option path is empty", e.Name)
	}
	s := &source{read: read, name: e.Name, dir: path, seen: map[string]int64{}, warn: e.Stderr, warned: map[string]bool{}}
	if s.warn == nil {
		s.warn = io.Discard
	}
	if a := e.Options["max_file_age"]; a != "" {
		d, err := time.ParseDuration(a)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("files source %q: max_file_age must be a non-negative duration such as 168h, got %q", e.Name, a)
		}
		s.maxAge = d.Microseconds()
	}
	if strings.ContainsAny(path, "*?[") {
		s.dir, s.pattern = filepath.Split(path)
		if s.dir == "" {
			s.dir = "."
		}
		if strings.ContainsAny(s.dir, "*?[") {
			return nil, fmt.Errorf("files source %q: path %q: wildcards are allowed only in the last element", e.Name, path)
		}
		if _, err := filepath.Match(s.pattern, ""); err != nil {
			return nil, fmt.Errorf("files source %q: path %q: %w", e.Name, path, err)
		}
	}
	st, err := os.Stat(s.dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("files source %q: path %q does not exist (create it, or point the source elsewhere with --set %s.path=DIR)", e.Name, s.dir, e.Name)
	case err != nil:
		return nil, fmt.Errorf("files source %q: %w", e.Name, err)
	case !st.IsDir():
		return nil, fmt.Errorf("files source %q: path %q is not a directory", e.Name, s.dir)
	}
	// Offsets and the checkpointed seen-set hold absolute paths, so that a program restarted
	// from another working directory reads the same files and no others.
	if s.dir, err = filepath.Abs(s.dir); err != nil {
		return nil, fmt.Errorf("files source %q: %w", e.Name, err)
	}
	if m := connector.Int(e.Options, "max_files_per_trigger", 0); m < 0 {
		return nil, fmt.Errorf("files source %q: max_files_per_trigger must be positive, got %d", e.Name, m)
	} else {
		s.maxFiles = int(m)
	}
	return s, nil
}

type file struct {
	path  string
	mtime time.Time
	size  int64
}

// list returns the files not read yet, oldest first.
func (s *source) list() ([]file, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("files source %q: %w", s.name, err)
	}
	var out []file
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			continue
		}
		if s.pattern != "" {
			if ok, _ := filepath.Match(s.pattern, name); !ok {
				continue
			}
		}
		path := filepath.Join(s.dir, name)
		if _, seen := s.seen[path]; seen || (s.frozen != nil && !s.frozen[path]) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the listing
		}
		if err != nil {
			return nil, fmt.Errorf("files source %q: %w", s.name, err)
		}
		if !info.Mode().IsRegular() {
			if info.Mode()&fs.ModeSymlink == 0 {
				continue
			}
			// a symlink counts as the file it points to
			if t, err := os.Stat(path); err != nil || !t.Mode().IsRegular() {
				continue
			} else {
				info = t
			}
		}
		if s.tooOld(info.ModTime().UnixMicro()) {
			if !s.warned[path] {
				s.warned[path] = true
				fmt.Fprintf(s.warn, "warning: files source %s: ignoring %s: modified %v, more than max_file_age before the newest file read\n",
					s.name, path, info.ModTime().UTC().Format(time.RFC3339))
			}
			continue
		}
		out = append(out, file{path: path, mtime: info.ModTime(), size: info.Size()})
	}
	slices.SortFunc(out, func(a, b file) int {
		if c := a.mtime.Compare(b.mtime); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	return out, nil
}

// Freeze fixes the files that TRIGGER AVAILABLE NOW and ONCE read: those present now.
func (s *source) Freeze(ctx context.Context) error {
	files, err := s.list()
	if err != nil {
		return err
	}
	s.frozen = map[string]bool{}
	s.backlog = rt.Backlog{Unit: "files"}
	for _, f := range files {
		s.frozen[f.path] = true
		s.backlog.Total++
		s.backlog.TotalBytes += f.size
	}
	return nil
}

// Next takes the next files (at most max_files_per_trigger of them with limit) and marks
// them read.
func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	files, err := s.list()
	s.waiting, s.listed = 0, nil
	if err != nil || len(files) == 0 {
		return nil, err
	}
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = f.path
	}
	l := listing{Files: paths[:min(len(paths), latestFiles)], More: max(0, len(paths)-latestFiles)}
	if s.listed, err = json.Marshal(l); err != nil {
		return nil, err
	}
	if limit && s.maxFiles > 0 && len(files) > s.maxFiles {
		s.waiting = int64(len(files) - s.maxFiles)
		files = files[:s.maxFiles]
	}
	o := offset{Files: paths[:len(files)]} // the listing's first files
	for _, f := range files {
		mt := f.mtime.UnixMicro()
		s.seen[f.path] = mt
		s.latest = max(s.latest, mt)
		if s.frozen != nil {
			s.backlog.Done++
			s.backlog.DoneBytes += f.size
		}
	}
	for p, mt := range s.seen {
		if s.tooOld(mt) {
			delete(s.seen, p) // listing ignores it from now on
		}
	}
	return json.Marshal(o)
}

// Lag is the number of files the last Next left for later batches (max_files_per_trigger):
// the sqlstream_source_lag metric.
func (s *source) Lag() int64 { return s.waiting }

// ReportLatestOffset is the files the last Next listed, in the order they are read: those it
// handed out and those it left for later batches, the first latestFiles of them.
func (s *source) ReportLatestOffset() rt.Offset { return s.listed }

// Backlog is how much of what Freeze fixed Next has handed out.
func (s *source) Backlog() rt.Backlog { return s.backlog }

// tooOld reports whether a file modified at mt (µs) is beyond max_file_age of the newest.
func (s *source) tooOld(mt int64) bool {
	return s.maxAge > 0 && len(s.seen) > 0 && mt < s.latest-s.maxAge
}

// Read emits the files listed in end, in order; it depends on end alone.
func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	var o offset
	if err := json.Unmarshal(end, &o); err != nil {
		return fmt.Errorf("files source %q: bad offset %s: %w", s.name, end, err)
	}
	for _, path := range o.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.read(path, emit); err != nil {
			return fmt.Errorf("files source %q: %w", s.name, err)
		}
	}
	return nil
}

// sourceState is the source's checkpointed state: the files it has read (path → modification
// time in µs), so that a restarted program reads only new ones.
type sourceState struct {
	Seen map[string]int64 `json:"seen"`
}

func (s *source) SaveState() ([]byte, error) {
	return json.Marshal(sourceState{Seen: s.seen}) // keys sorted: the same set, the same bytes
}

func (s *source) LoadState(b []byte) error {
	var st sourceState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("files source %q: bad state: %w", s.name, err)
	}
	s.seen, s.latest = map[string]int64{}, 0
	for p, mt := range st.Seen {
		s.seen[p] = mt
		s.latest = max(s.latest, mt)
	}
	return nil
}

// Wake returns a channel closed when a file may have appeared in the directory (rt.Waker):
// a file created or renamed into it, written or its mode changed, or a notification queue
// that overflowed. Hidden names (".", "_") do not wake: a writer's temporary file is not
// input. Without notifications (no inotify, too many watches) it returns nil after a
// warning, and the engine polls the directory as before.
func (s *source) Wake() <-chan struct{} {
	if s.unwatched {
		return nil
	}
	if s.watcher == nil {
		w, err := fsnotify.NewWatcher()
		if err == nil {
			if err = w.Add(s.dir); err != nil {
				w.Close()
			}
		}
		if err != nil {
			s.unwatched = true
			fmt.Fprintf(s.warn, "warning: files source %s: cannot watch %s for new files (%v); listing it every 100ms instead\n", s.name, s.dir, err)
			return nil
		}
		s.watcher = w
		go s.watch(w)
	}
	return s.changed.Wait()
}

// watch turns the watcher's events into wake-ups until the watcher is closed.
func (s *source) watch(w *fsnotify.Watcher) {
	for {
		select {
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			name := filepath.Base(ev.Name)
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || !ev.Has(fsnotify.Create|fsnotify.Write|fsnotify.Chmod) {
				continue
			}
			s.changed.Notify()
		case _, ok := <-w.Errors:
			if !ok {
				return
			}
			s.changed.Notify() // events lost (a queue overflow): list again
		}
	}
}

func (s *source) Close() error {
	if s.watcher != nil {
		w := s.watcher
		s.watcher, s.unwatched = nil, true
		if err := w.Close(); err != nil {
			return fmt.Errorf("files source %q: closing the watcher: %w", s.name, err)
		}
	}
	return nil
}
