// Package files is the files connector: a source that reads new files appearing in a
// directory, and a sink that writes one file per batch.
//
// The source lists its directory at every trigger and takes the files it has not read yet,
// oldest modification time first (then by name), each exactly once. Names starting with "."
// or "_" are ignored, and so are sub-directories: a writer must create a file under such a
// name (or elsewhere on the same file system) and rename it into the directory when complete,
// which is Spark's convention. A file is then never read half-written.
package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

type source struct {
	name     string
	dir      string
	maxFiles int
	seen     map[string]bool
	frozen   map[string]bool // set by Freeze: the files that "available now" covers
}

// offset is the end offset of a batch: the files it reads, so a replay reads the same ones.
type offset struct {
	Files []string `json:"files"`
}

// OpenSource opens the files source of endpoint e.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	dir := e.Options["path"]
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("files source %q: path %q does not exist (create it, or point the source elsewhere with --set %s.path=DIR)", e.Name, dir, e.Name)
	case err != nil:
		return nil, fmt.Errorf("files source %q: %w", e.Name, err)
	case !st.IsDir():
		return nil, fmt.Errorf("files source %q: path %q is not a directory", e.Name, dir)
	}
	return &source{
		name:     e.Name,
		dir:      dir,
		maxFiles: int(connector.Int(e.Options, "max_files_per_trigger", 0)),
		seen:     map[string]bool{},
	}, nil
}

type file struct {
	path  string
	mtime time.Time
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
		path := filepath.Join(s.dir, name)
		if s.seen[path] || (s.frozen != nil && !s.frozen[path]) {
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
			continue
		}
		out = append(out, file{path: path, mtime: info.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].mtime.Equal(out[j].mtime) {
			return out[i].mtime.Before(out[j].mtime)
		}
		return out[i].path < out[j].path
	})
	return out, nil
}

func (s *source) Freeze(ctx context.Context) error {
	files, err := s.list()
	if err != nil {
		return err
	}
	s.frozen = map[string]bool{}
	for _, f := range files {
		s.frozen[f.path] = true
	}
	return nil
}

func (s *source) Next(ctx context.Context, start rt.Offset, limit bool) (rt.Offset, error) {
	files, err := s.list()
	if err != nil || len(files) == 0 {
		return nil, err
	}
	if limit && s.maxFiles > 0 && len(files) > s.maxFiles {
		files = files[:s.maxFiles]
	}
	var o offset
	for _, f := range files {
		s.seen[f.path] = true
		o.Files = append(o.Files, f.path)
	}
	return json.Marshal(o)
}

func (s *source) Read(ctx context.Context, start, end rt.Offset, emit func(*rt.Chunk) error) error {
	var o offset
	if err := json.Unmarshal(end, &o); err != nil {
		return fmt.Errorf("files source %q: bad offset %s: %w", s.name, end, err)
	}
	for _, path := range o.Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := rt.ReadFile(path, emit); err != nil {
			return fmt.Errorf("files source %q: %w", s.name, err)
		}
	}
	return nil
}

func (s *source) Close() error { return nil }
