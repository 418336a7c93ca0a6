package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// Info is what one query's checkpoint holds, as sqlstream checkpoint prints it.
type Info struct {
	Path       string
	Meta       Meta
	Commit     *Commit // the last commit, nil if none
	Committed  *Entry  // its offsets
	Pending    *Entry  // a batch planned after it, replayed on restart
	StateBytes int     // the size of the committed state snapshot
	Kept       []int64 // the batches whose offsets are kept
}

// Inspect reads the checkpoint at path without changing it. path is a query's checkpoint
// or a --checkpoint root holding one per query.
func Inspect(path string) ([]Info, error) {
	if d := (&Dir{path: path}); d.hasBatches() {
		info, err := inspectOne(path)
		if err != nil {
			return nil, err
		}
		return []Info{*info}, nil
	}
	if _, err := os.Stat(filepath.Join(path, "metadata")); err == nil {
		info, err := inspectOne(path)
		if err != nil {
			return nil, err
		}
		return []Info{*info}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, e := range entries {
		sub := filepath.Join(path, e.Name())
		if _, err := os.Stat(filepath.Join(sub, "metadata")); !e.IsDir() || err != nil && !(&Dir{path: sub}).hasBatches() {
			continue
		}
		info, err := inspectOne(sub)
		if err != nil {
			return nil, err
		}
		out = append(out, *info)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s is not a checkpoint: it has no metadata file, nor sub-directories with one", path)
	}
	return out, nil
}

func inspectOne(path string) (*Info, error) {
	d := &Dir{path: path}
	m, err := d.readMeta()
	if errors.Is(err, fs.ErrNotExist) && d.hasBatches() {
		return nil, d.noMeta()
	}
	if err != nil {
		return nil, err
	}
	d.meta = *m
	info := &Info{Path: path, Meta: *m}
	commits, err := d.list("commits")
	if err != nil {
		return nil, err
	}
	if len(commits) > 0 {
		last := commits[len(commits)-1]
		var c Commit
		if err := readJSON(d.file("commits", last), &c); err != nil {
			return nil, err
		}
		info.Commit = &c
		e, err := d.readEntry(last, false)
		if err != nil {
			return nil, err
		}
		info.Committed = e
		if st, err := readFile(d.file("state", last)); err == nil {
			info.StateBytes = len(st)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if info.Kept, err = d.list("offsets"); err != nil {
		return nil, err
	}
	if n := len(info.Kept); n > 0 && (info.Commit == nil || info.Kept[n-1] > info.Commit.Batch) {
		if e, err := d.readEntry(info.Kept[n-1], false); err == nil {
			info.Pending = e
		}
	}
	return info, nil
}

// list lists the batch ids of the files in sub, ascending.
func (d *Dir) list(sub string) ([]int64, error) {
	entries, err := os.ReadDir(filepath.Join(d.path, sub))
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, e := range entries {
		if n, err := strconv.ParseInt(e.Name(), 10, 64); err == nil && n >= 0 {
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Write prints the checkpoint for a person.
func (i *Info) Write(w io.Writer) {
	fmt.Fprintf(w, "checkpoint %s\n", i.Path)
	fmt.Fprintf(w, "  query:   %s (checkpoint id %s, created %s)\n", i.Meta.Query, i.Meta.ID, i.Meta.Created)
	if i.Meta.Sources == nil {
		fmt.Fprintf(w, "  source:  %s (the one-source layout of earlier versions: the query migrates it when it next runs)\n", i.Meta.Schema)
	}
	for _, s := range i.Meta.Sources {
		fmt.Fprintf(w, "  source %s: %s\n", s.Name, s.Schema)
	}
	fmt.Fprintf(w, "  state:   %s\n", orNone(i.Meta.State))
	if c := i.Commit; c != nil {
		fmt.Fprintf(w, "  last committed batch: %d at %s: %d input rows, %d output rows\n", c.Batch, c.Committed, c.InputRows, c.OutputRows)
		if i.Meta.State != "" {
			fmt.Fprintf(w, "  state after it: %d rows, %d bytes\n", c.StateRows, i.StateBytes)
		}
		if c.Watermark != "" {
			fmt.Fprintf(w, "  watermark: %s\n", c.Watermark)
		}
		if e := i.Committed; e != nil {
			for _, name := range i.names(e) {
				o := e.Sources[name]
				fmt.Fprintf(w, "  %s offset after it: %s\n", sourceLabel(name), orStart(o.End, o.Start))
			}
		}
	} else {
		fmt.Fprintf(w, "  no batch committed yet\n")
	}
	next := int64(0) // the batch a restart runs first
	if i.Commit != nil {
		next = i.Commit.Batch + 1
	}
	if e := i.Pending; e != nil && e.Async && e.Batch > next {
		fmt.Fprintf(w, "  batch %d was logged asynchronously and not committed: a restart drops it and runs the batches after the last commit again\n", e.Batch)
	} else if e != nil {
		fmt.Fprintf(w, "  batch %d is planned but not committed (it runs again on restart):\n", e.Batch)
		for _, name := range i.names(e) {
			o := e.Sources[name]
			fmt.Fprintf(w, "    %s offsets %s to %s\n", sourceLabel(name), orStart(o.Start, nil), orStart(o.End, o.Start))
		}
	}
	if n := len(i.Kept); n > 0 {
		fmt.Fprintf(w, "  batches kept: %d to %d\n", i.Kept[0], i.Kept[n-1])
	}
}

// names are the sources of e in the query's order; any the metadata does not name follow,
// sorted.
func (i *Info) names(e *Entry) []string {
	var names []string
	for _, s := range i.Meta.Sources {
		if _, ok := e.Sources[s.Name]; ok {
			names = append(names, s.Name)
		}
	}
	var rest []string
	for name := range e.Sources {
		if !slices.Contains(names, name) {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	return append(names, rest...)
}

// sourceLabel names a source in sqlstream checkpoint's output; "" is the one source of an
// unmigrated checkpoint.
func sourceLabel(name string) string {
	if name == "" {
		return "source"
	}
	return "source " + name
}

// orStart shows an offset; a batch without new data keeps its start.
func orStart(o, start []byte) string {
	if o == nil {
		o = start
	}
	if o == nil {
		return "the beginning"
	}
	var b bytes.Buffer
	if json.Compact(&b, o) != nil {
		return string(o)
	}
	return b.String()
}
