// Package checkpoint keeps a query's progress on disk so that a restarted program resumes
// where the last one stopped: an offset log written before each batch, a commit log after it,
// and snapshots of the query's state.
//
// A query's checkpoint directory holds (the layout of Spark's, and inspectable with
// sqlstream checkpoint):
//
//	metadata        the query's id, its sources' names and schemas, its state layout
//	offsets/<N>     batch N as planned, written before it runs: its timestamp and, under
//	                each source's name, the source's offsets and its own state
//	state/<N>       the query's state after batch N (stateful queries only)
//	commits/<N>     written once batch N's output is in the sink and its state is saved
//
// Every file is written whole or not at all (a temporary file, fsync, rename, fsync of the
// directory) and starts with a header line holding a CRC-32C of its payload and its length,
// so a damaged file is detected rather than misread. Recovery reads the last commit c and
// restores state/c; when offsets/c+1 exists, batch c+1 was planned and maybe partly written,
// and is replayed with exactly those offsets. A last commit or last offset entry that stops
// short is what a crash while writing it leaves on a file system that does not honour fsync,
// and is handled as that crash; any other damage (a wrong checksum, unreadable JSON, a
// missing file) stops the program with the file named.
package checkpoint

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sqlstream/sqlstream/runtime/atomicfile"
)

// Version is the format of the checkpoint files this package writes.
const Version = 1

// DefaultRetain is how many batches of logs and state snapshots are kept.
const DefaultRetain = 10

// Meta is the checkpoint's metadata file: what the checkpoint belongs to.
type Meta struct {
	Version int    `json:"version"`
	ID      string `json:"id"` // random, made with the checkpoint; names the run to sinks
	Query   string `json:"query"`
	// Sources are the query's sources in order, with their schemas. A checkpoint of the
	// one-source layout has none, and Schema instead.
	Sources []SourceMeta `json:"sources,omitempty"`
	Schema  string       `json:"schema,omitempty"` // the one-source layout's source schema
	State   string       `json:"state,omitempty"`  // the layout of the state snapshots
	Created string       `json:"created"`
}

// SourceMeta is one source of a query: its name and its connector, format and columns.
type SourceMeta struct {
	Name   string `json:"name"`
	Schema string `json:"schema"`
}

// Entry is one offsets/<N> file: a batch as planned.
type Entry struct {
	Batch int64 `json:"batchId"`
	// Time is the batch's timestamp (current_timestamp), in microseconds since the epoch,
	// so a replay computes the same values.
	Time int64 `json:"timestampMicros"`
	// Sources holds each source's offsets, under its name (Spark's OffsetSeq keeps one
	// offset per source too).
	Sources map[string]SourceOffsets `json:"sources"`
	// Async marks an entry written after its batch ran, with its commit, by asynchronous
	// progress tracking, which writes only the newest batch done: the batches between the
	// last commit and it ran without being logged. A crash before its commit leaves it
	// after that gap, and recovery drops it: the query resumes after the last commit.
	Async bool `json:"async,omitempty"`

	// legacy is the offsets of a file in the one-source layout, until adopt names them.
	legacy *SourceOffsets
}

// SourceOffsets is what a batch reads from one source.
type SourceOffsets struct {
	Start json.RawMessage `json:"start,omitempty"` // the offset before the batch (nil: the beginning)
	End   json.RawMessage `json:"end,omitempty"`   // the offset after it; nil when the batch reads nothing from the source
	// State is the source's own state after planning the batch (the files source's files
	// read).
	State json.RawMessage `json:"state,omitempty"`
}

// HasData reports whether the batch reads anything from any source.
func (e *Entry) HasData() bool {
	for _, s := range e.Sources {
		if s.End != nil {
			return true
		}
	}
	return false
}

// UnmarshalJSON reads both layouts: the one-source layout kept start, end and sourceState at
// the top level.
func (e *Entry) UnmarshalJSON(b []byte) error {
	type entry Entry // without this method
	var v struct {
		entry
		Start       json.RawMessage `json:"start"`
		End         json.RawMessage `json:"end"`
		SourceState json.RawMessage `json:"sourceState"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Entry(v.entry)
	if e.Sources == nil {
		e.legacy = &SourceOffsets{Start: v.Start, End: v.End, State: v.SourceState}
	}
	return nil
}

// adopt gives the offsets of a one-source-layout entry to the source named name.
func (e *Entry) adopt(name string) {
	if e.legacy != nil {
		e.Sources = map[string]SourceOffsets{name: *e.legacy}
		e.legacy = nil
	}
}

// Commit is one commits/<N> file: what batch N did.
type Commit struct {
	Batch      int64  `json:"batchId"`
	InputRows  int64  `json:"numInputRows"`
	OutputRows int    `json:"numOutputRows"`
	StateRows  int    `json:"stateRows,omitempty"`
	StateBytes int    `json:"stateBytes,omitempty"`
	Watermark  string `json:"watermark,omitempty"`
	Committed  string `json:"committedAt"`
}

// Dir is an open checkpoint directory. Its methods are called from the query's loop, one at
// a time.
type Dir struct {
	path   string
	meta   Meta
	retain int
	lock   *os.File // held while the program runs
}

// Recovery is what a restart resumes from.
type Recovery struct {
	// Committed is the last committed batch's entry (nil: nothing was committed), and Commit
	// its commit record.
	Committed *Entry
	Commit    *Commit
	// State is the query's state snapshot after the committed batch (nil for none).
	State []byte
	// Pending is a batch that was planned but not committed: it must run again with these
	// offsets before anything new.
	Pending *Entry
}

// Next is the id of the first batch to run after recovery (Pending's, when there is one).
func (r *Recovery) Next() int64 {
	if r.Committed == nil {
		return 0
	}
	return r.Committed.Batch + 1
}

// Open opens (or creates) the checkpoint at path for the query described by m and reads what
// to resume from. A checkpoint made for other sources (added, removed, renamed, reordered, or
// with another schema) or another state layout is refused. A checkpoint in the one-source
// layout of earlier versions is migrated when m has one source: its offsets become that
// source's, and the metadata is rewritten in the current layout (said once on warn). Warnings
// about a crash's leftovers go to warn too.
func Open(path string, m Meta, retain int, warn io.Writer) (*Dir, *Recovery, error) {
	if retain < 1 {
		retain = 1
	}
	d := &Dir{path: path, retain: retain}
	for _, sub := range []string{"offsets", "commits", "state"} {
		if err := os.MkdirAll(filepath.Join(path, sub), 0o755); err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
	}
	l, err := lock(path)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	d.lock = l
	ok := false
	defer func() {
		if !ok {
			l.Close()
		}
	}()
	old, err := d.readMeta()
	migrated := false
	switch {
	case isCorrupt(err):
		return nil, nil, fmt.Errorf("%w\n  restore it from a backup, or start over with a new checkpoint directory", err)
	case errors.Is(err, fs.ErrNotExist) && d.hasBatches():
		return nil, nil, d.noMeta()
	case errors.Is(err, fs.ErrNotExist):
		m.Version = Version
		m.ID = NewID()
		m.Created = time.Now().UTC().Format(time.RFC3339)
		b, _ := json.MarshalIndent(m, "", "  ")
		if err := writeFile(filepath.Join(path, "metadata"), b); err != nil {
			return nil, nil, fmt.Errorf("checkpoint %s: %w", path, err)
		}
		d.meta = m
	case err != nil:
		return nil, nil, err
	default:
		if migrated, err = compatible(path, old, m); err != nil {
			return nil, nil, err
		}
		d.meta = *old
		if migrated {
			d.meta.Sources, d.meta.Schema = m.Sources, ""
		}
	}
	rec, err := d.recover(warn)
	if isCorrupt(err) {
		err = fmt.Errorf("%w\n  the checkpoint cannot be trusted: restore it from a backup, or start over with a new checkpoint directory (the query then reads its input from its starting position)", err)
	}
	if err == nil && migrated {
		// Only once the old files read well, so that a refused checkpoint stays as it was.
		b, _ := json.MarshalIndent(d.meta, "", "  ")
		if err = writeFile(filepath.Join(path, "metadata"), b); err != nil {
			err = fmt.Errorf("checkpoint %s: %w", path, err)
		} else {
			fmt.Fprintf(warn, "checkpoint %s: migrated from the one-source layout of earlier versions: its offsets are now source %s's\n", path, m.Sources[0].Name)
		}
	}
	if err != nil {
		return nil, nil, err
	}
	ok = true
	return d, rec, nil
}

// Close releases the checkpoint for another program.
func (d *Dir) Close() error { return d.lock.Close() }

// ID identifies the checkpoint, and so the run it resumes, across restarts.
func (d *Dir) ID() string { return d.meta.ID }

// Path is the checkpoint's directory.
func (d *Dir) Path() string { return d.path }

// NewID is a random id, a version 4 UUID as Spark's query ids are: a checkpoint's, or a
// run's. (Checkpoints made before keep their 16 hex digits.)
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (d *Dir) readMeta() (*Meta, error) {
	file := filepath.Join(d.path, "metadata")
	b, err := readFile(file)
	if err != nil {
		return nil, err
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, corrupt(file, err)
	}
	if m.Version != Version {
		return nil, fmt.Errorf("checkpoint %s: format version %d, but this program reads version %d; use a new checkpoint directory", d.path, m.Version, Version)
	}
	return &m, nil
}

// hasBatches reports whether the checkpoint holds offsets, commits or state.
func (d *Dir) hasBatches() bool {
	for _, sub := range []string{"offsets", "commits", "state"} {
		if ids, _ := d.list(sub); len(ids) > 0 {
			return true
		}
	}
	return false
}

// noMeta is the error for a checkpoint with batches but no metadata file. The metadata says
// which query's offsets and state these are: without it, a query with other group keys would
// take the state for its own and mix its groups with the old ones.
func (d *Dir) noMeta() error {
	return fmt.Errorf("checkpoint %s is damaged: it holds offsets, commits or state but no metadata file (%s), so nothing says which query made them; "+
		"restore the metadata file from a backup, or start over with a new checkpoint directory (the query then reads its input from its starting position)",
		d.path, filepath.Join(d.path, "metadata"))
}

// compatible refuses a checkpoint whose offsets or state the query could not use. It reports
// whether old is in the one-source layout, which the query's one source takes over.
func compatible(path string, old *Meta, m Meta) (migrate bool, err error) {
	sources := old.Sources
	if sources == nil {
		if len(m.Sources) != 1 {
			return false, fmt.Errorf("checkpoint %s was written by an earlier version of sqlstream for a query with one source (%s), and this query reads %d sources (%s): "+
				"its offsets cannot be divided among them\n  give this query a new checkpoint directory (it then reads its sources from their starting positions)",
				path, old.Schema, len(m.Sources), sourceNames(m.Sources))
		}
		sources, migrate = []SourceMeta{{Name: m.Sources[0].Name, Schema: old.Schema}}, true
	}
	what := ""
	if sourceNames(sources) != sourceNames(m.Sources) {
		// Spark refuses a changed number of sources too: offsets are kept per source.
		what = fmt.Sprintf("its sources were\n    %s\nand the query's are\n    %s", sourceNames(sources), sourceNames(m.Sources))
	} else {
		for i, s := range sources {
			if s.Schema != m.Sources[i].Schema {
				what = fmt.Sprintf("its source %s was\n    %s\nand the query's source %s is\n    %s", s.Name, s.Schema, s.Name, m.Sources[i].Schema)
				break
			}
		}
	}
	if what == "" && old.State != m.State {
		what = fmt.Sprintf("its state is\n    %s\nand the query's state is\n    %s", orNone(old.State), orNone(m.State))
	}
	if what == "" {
		return migrate, nil
	}
	return false, fmt.Errorf("checkpoint %s was made by an incompatible query: %s\n"+
		"  offsets and state cannot carry over: give this query a new checkpoint directory (it then starts over), or run the query that made it", path, what)
}

// sourceNames lists the sources' names in order.
func sourceNames(s []SourceMeta) string {
	names := make([]string, len(s))
	for i, m := range s {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "(none: a stateless query)"
	}
	return s
}

// batches lists the batch ids of the files in sub, ascending, and removes the temporary
// files a crash left there.
func (d *Dir) batches(sub string) ([]int64, error) {
	ids, err := d.list(sub)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", d.path, err)
	}
	tmps, _ := filepath.Glob(filepath.Join(d.path, sub, ".tmp-*"))
	for _, t := range tmps {
		os.Remove(t)
	}
	return ids, nil
}

func (d *Dir) file(sub string, batch int64) string {
	return filepath.Join(d.path, sub, strconv.FormatInt(batch, 10))
}

func (d *Dir) recover(warn io.Writer) (*Recovery, error) {
	commits, err := d.batches("commits")
	if err != nil {
		return nil, err
	}
	offsets, err := d.batches("offsets")
	if err != nil {
		return nil, err
	}
	rec := &Recovery{}
	// The last commit may be torn by the crash that interrupted it: then its batch is
	// uncommitted, and is replayed. Damage anywhere else is not a crash's.
	for torn := false; len(commits) > 0; {
		last := commits[len(commits)-1]
		var c Commit
		err := readJSON(d.file("commits", last), &c)
		if err == nil && c.Batch != last {
			err = corrupt(d.file("commits", last), fmt.Errorf("it records batch %d", c.Batch))
		}
		if err == nil {
			rec.Commit = &c
			break
		}
		if torn || !isTorn(err) {
			return nil, err
		}
		torn = true
		fmt.Fprintf(warn, "warning: %v; a crash interrupted the commit of batch %d, which runs again\n", err, last)
		os.Remove(d.file("commits", last))
		commits = commits[:len(commits)-1]
	}
	next := int64(0)
	if rec.Commit != nil {
		b := rec.Commit.Batch
		next = b + 1
		e, err := d.readEntry(b, false)
		if err != nil {
			return nil, committedMissing(err, d.file("offsets", b))
		}
		rec.Committed = e
		if st, err := readFile(d.file("state", b)); err == nil {
			rec.State = st
		} else if !errors.Is(err, fs.ErrNotExist) || d.meta.State != "" {
			return nil, committedMissing(err, d.file("state", b))
		}
	}
	for _, n := range offsets {
		switch {
		case n < next:
		case n == next:
			e, err := d.readEntry(n, true)
			switch {
			case err == nil:
				rec.Pending = e
			case isTorn(err):
				// Written before anything of batch n reached the sink: as if never planned.
				fmt.Fprintf(warn, "warning: %v; a crash interrupted the planning of batch %d, which is planned again\n", err, n)
				os.Remove(d.file("offsets", n))
			default:
				return nil, err
			}
		default:
			e, err := d.readEntry(n, true)
			if err == nil && !e.Async {
				err = corrupt(d.file("offsets", n), fmt.Errorf("batch %d is planned but batch %d was never committed", n, next))
			}
			if err != nil && !isTorn(err) {
				return nil, err
			}
			// Logged after it ran, and the crash came before its commit: it and the
			// batches before it that were never logged run again from the last commit.
			fmt.Fprintf(warn, "warning: checkpoint %s: batch %d was logged asynchronously and not committed; the query resumes after batch %d, so batches %d to %d run again (at-least-once)\n",
				d.path, n, next-1, next, n)
			os.Remove(d.file("offsets", n))
		}
	}
	// The older files are not needed to resume, but damage there means damage elsewhere.
	for _, sub := range []string{"offsets", "commits"} {
		ids, err := d.batches(sub)
		if err != nil {
			return nil, err
		}
		for _, n := range ids {
			if n < next-1 {
				if _, err := readFile(d.file(sub, n)); err != nil {
					return nil, err
				}
			}
		}
	}
	// State saved for a batch that did not commit is stale: the batch runs again.
	states, err := d.batches("state")
	if err != nil {
		return nil, err
	}
	for _, n := range states {
		if n >= next {
			os.Remove(d.file("state", n))
		}
	}
	return rec, nil
}

// readEntry reads offsets/<batch>; check makes sure it records that batch. An entry of the
// one-source layout is given to the checkpoint's one source (to none in an unmigrated
// checkpoint, which only sqlstream checkpoint reads).
func (d *Dir) readEntry(batch int64, check bool) (*Entry, error) {
	file := d.file("offsets", batch)
	var e Entry
	if err := readJSON(file, &e); err != nil {
		return nil, err
	}
	if check && e.Batch != batch {
		return nil, corrupt(file, fmt.Errorf("it records batch %d", e.Batch))
	}
	if e.legacy != nil {
		switch len(d.meta.Sources) {
		case 0:
			e.adopt("")
		case 1:
			e.adopt(d.meta.Sources[0].Name)
		default:
			return nil, corrupt(file, fmt.Errorf("it has the one-source layout, but the checkpoint's query has %d sources", len(d.meta.Sources)))
		}
	}
	return &e, nil
}

// committedMissing explains a damaged or missing file of a committed batch.
func committedMissing(err error, file string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("checkpoint file %s is missing, but its batch was committed: the checkpoint is damaged; restore it from a backup, or start over with a new checkpoint directory (the query then reads its input from the start)", file)
	}
	return err
}

// Plan durably records batch e before it runs.
func (d *Dir) Plan(e Entry) error {
	b, _ := json.Marshal(e)
	return d.write(d.file("offsets", e.Batch), b)
}

// SaveState durably records the query's state after batch.
func (d *Dir) SaveState(batch int64, state []byte) error {
	return d.write(d.file("state", batch), state)
}

// Commit durably marks batch c.Batch done, then removes what is older than the retention.
func (d *Dir) Commit(c Commit) error {
	c.Committed = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.MarshalIndent(c, "", "  ")
	if err := d.write(d.file("commits", c.Batch), b); err != nil {
		return err
	}
	// Old files are removed oldest first, the commit last, so a crash here leaves a
	// consistent (if longer) history.
	if old := c.Batch - int64(d.retain); old >= 0 {
		for _, sub := range []string{"state", "offsets", "commits"} {
			ids, err := d.batches(sub)
			if err != nil {
				return err
			}
			for _, n := range ids {
				if n <= old {
					if err := os.Remove(d.file(sub, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("checkpoint %s: removing old batches: %w", d.path, err)
					}
				}
			}
		}
	}
	return nil
}

func (d *Dir) write(file string, payload []byte) error {
	if err := writeFile(file, payload); err != nil {
		return fmt.Errorf("checkpoint %s: %w", d.path, err)
	}
	return nil
}

// header starts every checkpoint file.
const header = "sqlstream-checkpoint"

// writeFile writes payload under a header line with its length and checksum.
func writeFile(file string, payload []byte) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s v%d len=%d crc32c=%08x\n", header, Version, len(payload), crc32.Checksum(payload, crcTable))
	b.Write(payload)
	return atomicfile.Write(file, b.Bytes())
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// corruptError is a checkpoint file that exists but cannot be trusted. torn marks the damage
// a crash leaves while a file is written (on a file system that does not honour fsync): the
// file stops short. Any other damage (a wrong checksum, bad JSON) is not a crash's.
type corruptError struct {
	file   string
	reason error
	torn   bool
}

func (e *corruptError) Error() string {
	return fmt.Sprintf("checkpoint file %s is damaged (%v)", e.file, e.reason)
}

func corrupt(file string, reason error) error { return &corruptError{file: file, reason: reason} }

func isCorrupt(err error) bool {
	var c *corruptError
	return errors.As(err, &c)
}

func isTorn(err error) bool {
	var c *corruptError
	return errors.As(err, &c) && c.torn
}

// readFile reads a file written by writeFile and checks it. The error for a damaged file
// tells what to do about it.
func readFile(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	line, payload, ok := bytes.Cut(b, []byte{'\n'})
	var version, n int
	var sum uint32
	if !ok {
		if bytes.HasPrefix([]byte(header), b) || bytes.HasPrefix(b, []byte(header)) {
			return nil, &corruptError{file: file, reason: errors.New("it stops inside its header: a torn write"), torn: true}
		}
		return nil, corrupt(file, errors.New("no header line"))
	}
	if _, err := fmt.Sscanf(string(line), header+" v%d len=%d crc32c=%x", &version, &n, &sum); err != nil {
		return nil, corrupt(file, fmt.Errorf("bad header %q", line))
	}
	if version != Version {
		return nil, fmt.Errorf("checkpoint file %s has format version %d, but this program reads version %d", file, version, Version)
	}
	if len(payload) < n {
		return nil, &corruptError{file: file, reason: fmt.Errorf("%d bytes instead of %d: a torn write", len(payload), n), torn: true}
	}
	if len(payload) != n {
		return nil, corrupt(file, fmt.Errorf("%d bytes instead of %d", len(payload), n))
	}
	if crc32.Checksum(payload, crcTable) != sum {
		return nil, corrupt(file, errors.New("checksum mismatch"))
	}
	return payload, nil
}

func readJSON(file string, v any) error {
	b, err := readFile(file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return corrupt(file, err)
	}
	return nil
}
