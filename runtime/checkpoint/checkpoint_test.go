package checkpoint

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var meta = Meta{Query: "out", Sources: []SourceMeta{{Name: "in", Schema: "[files, csv] (x INT)"}}, State: "acc (n0 Int64)"}

// in is the offsets of meta's one source.
func in(start, end string) map[string]SourceOffsets {
	raw := func(s string) json.RawMessage {
		if s == "" {
			return nil
		}
		return json.RawMessage(s)
	}
	return map[string]SourceOffsets{"in": {Start: raw(start), End: raw(end)}}
}

func open(t *testing.T, dir string) (*Dir, *Recovery, string) {
	t.Helper()
	var warn bytes.Buffer
	d, rec, err := Open(dir, meta, 3, &warn)
	if err != nil {
		t.Fatal(err)
	}
	d.Close() // the tests reopen the checkpoint as a restarted program would
	return d, rec, warn.String()
}

// run plans, saves and commits batches from..to-1, as the engine does.
func run(t *testing.T, d *Dir, from, to int64) {
	t.Helper()
	for b := from; b < to; b++ {
		start := `{"count":` + itoa(b) + `}`
		if b == 0 {
			start = ""
		}
		if err := d.Plan(Entry{Batch: b, Sources: in(start, `{"count":`+itoa(b+1)+`}`), Time: 1000 + b}); err != nil {
			t.Fatal(err)
		}
		if err := d.SaveState(b, []byte("state after "+itoa(b))); err != nil {
			t.Fatal(err)
		}
		if err := d.Commit(Commit{Batch: b, InputRows: 10}); err != nil {
			t.Fatal(err)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestResumeAfterCommitAndReplayOfAPlannedBatch(t *testing.T) {
	dir := t.TempDir()
	d, rec, _ := open(t, dir)
	if rec.Committed != nil || rec.Pending != nil || rec.Next() != 0 {
		t.Fatalf("new checkpoint: %+v", rec)
	}
	id := d.ID()
	run(t, d, 0, 5)
	d.Plan(Entry{Batch: 5, Sources: in(`{"count":5}`, `{"count":9}`), Time: 77})
	d.SaveState(5, []byte("uncommitted")) // the crash came before the commit

	d, rec, warn := open(t, dir)
	if d.ID() != id {
		t.Errorf("id changed across restarts: %s then %s", id, d.ID())
	}
	if warn != "" {
		t.Errorf("unexpected warning %q", warn)
	}
	if rec.Committed.Batch != 4 || string(rec.State) != "state after 4" || rec.Next() != 5 {
		t.Errorf("committed: %+v, state %q", rec.Committed, rec.State)
	}
	if p := rec.Pending; p == nil || p.Batch != 5 || string(p.Sources["in"].End) != `{"count":9}` || p.Time != 77 {
		t.Errorf("pending: %+v", p)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "5")); !os.IsNotExist(err) {
		t.Errorf("the uncommitted batch's state must be removed: %v", err)
	}
	// Retention 3: batches 2, 3, 4 and the pending 5 remain.
	for _, sub := range []string{"offsets", "commits"} {
		ids, _ := d.list(sub)
		if want := map[string]int{"offsets": 4, "commits": 3}[sub]; len(ids) != want || ids[0] != 2 {
			t.Errorf("%s kept %v", sub, ids)
		}
	}
}

// damage rewrites one file of the checkpoint.
func damage(t *testing.T, file string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, f(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func truncate(b []byte) []byte { return b[:len(b)-3] }

func flip(b []byte) []byte {
	b[len(b)-2] ^= 1
	return b
}

func TestATornTailIsTheCrashItIs(t *testing.T) {
	t.Run("offsets of the planned batch", func(t *testing.T) {
		dir := t.TempDir()
		d, _, _ := open(t, dir)
		run(t, d, 0, 2)
		d.Plan(Entry{Batch: 2, Sources: in("", `{}`)})
		damage(t, filepath.Join(dir, "offsets", "2"), truncate)
		_, rec, warn := open(t, dir)
		if rec.Pending != nil || rec.Committed.Batch != 1 {
			t.Errorf("got %+v", rec)
		}
		if !strings.Contains(warn, "offsets/2 is damaged") || !strings.Contains(warn, "a crash interrupted the planning of batch 2") {
			t.Errorf("warning %q", warn)
		}
	})
	t.Run("the last commit", func(t *testing.T) {
		dir := t.TempDir()
		d, _, _ := open(t, dir)
		run(t, d, 0, 3)
		damage(t, filepath.Join(dir, "commits", "2"), truncate)
		_, rec, warn := open(t, dir)
		if rec.Committed.Batch != 1 || rec.Pending == nil || rec.Pending.Batch != 2 {
			t.Errorf("got committed %+v pending %+v", rec.Committed, rec.Pending)
		}
		if !strings.Contains(warn, "a crash interrupted the commit of batch 2, which runs again") {
			t.Errorf("warning %q", warn)
		}
	})
}

func TestOtherDamageStopsWithTheFileNamed(t *testing.T) {
	bad := func([]byte) []byte { return []byte("sqlstream-checkpoint v1 len=2 crc32c=5f8b4b4f\n{,") }
	for _, c := range []struct {
		file string
		f    func([]byte) []byte
		want string
	}{
		{"offsets/1", flip, "offsets/1 is damaged (checksum mismatch)"},
		{"state/2", flip, "state/2 is damaged (checksum mismatch)"},
		{"commits/1", truncate, "commits/1 is damaged"},
		{"metadata", func([]byte) []byte { return []byte("{") }, "metadata is damaged (no header line)"},
		{"state/2", func([]byte) []byte { return []byte("sqlstream-checkpoint v1 len=2 crc32c=0\nab") }, "state/2 is damaged (checksum mismatch)"},
		{"offsets/2", func([]byte) []byte { return []byte("garbage") }, "offsets/2 is damaged (no header line)"},
		// The last commit, damaged but not short: bit rot, not a crash.
		{"commits/2", flip, "commits/2 is damaged (checksum mismatch)"},
		{"commits/2", func(b []byte) []byte { return append(b, 'x') }, "commits/2 is damaged ("},
		{"commits/2", bad, "commits/2 is damaged ("},
	} {
		dir := t.TempDir()
		d, _, _ := open(t, dir)
		run(t, d, 0, 3)
		damage(t, filepath.Join(dir, c.file), c.f)
		_, _, err := Open(dir, meta, 3, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "new checkpoint directory") {
			t.Errorf("%s: got %v, want an error with %q and what to do", c.file, err, c.want)
		}
	}
	dir := t.TempDir()
	d, _, _ := open(t, dir)
	run(t, d, 0, 3)
	os.Remove(filepath.Join(dir, "state", "2"))
	if _, _, err := Open(dir, meta, 3, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "state/2 is missing, but its batch was committed") {
		t.Errorf("missing state: %v", err)
	}
}

func TestAnIncompatibleQueryIsRefused(t *testing.T) {
	dir := t.TempDir()
	d, _, _ := open(t, dir)
	run(t, d, 0, 1)
	other := meta
	other.State = "acc (n0 Int64, s1 Float64)"
	_, _, err := Open(dir, other, 3, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "made by an incompatible query: its state is\n    acc (n0 Int64)\nand the query's state is\n    acc (n0 Int64, s1 Float64)") {
		t.Errorf("state: %v", err)
	}
	other = meta
	other.Sources = []SourceMeta{{Name: "in", Schema: "[files, csv] (x BIGINT)"}}
	if _, _, err := Open(dir, other, 3, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "its source in was\n    [files, csv] (x INT)\nand the query's source in is\n    [files, csv] (x BIGINT)") {
		t.Errorf("schema: %v", err)
	}
	// Offsets are kept per source: a source added, removed or renamed has none, or
	// leaves some unused (Spark refuses a changed number of sources).
	for _, sources := range [][]SourceMeta{
		append(meta.Sources, SourceMeta{Name: "more", Schema: "[rate, rate] (timestamp TIMESTAMP NOT NULL, value BIGINT NOT NULL)"}),
		{{Name: "renamed", Schema: meta.Sources[0].Schema}},
		nil,
	} {
		other = meta
		other.Sources = sources
		if _, _, err := Open(dir, other, 3, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "its sources were\n    in\nand the query's are\n    "+sourceNames(sources)) ||
			!strings.Contains(err.Error(), "new checkpoint directory") {
			t.Errorf("sources %v: %v", sources, err)
		}
	}
}

// copyFixture copies the checkpoint testdata/name to a new directory.
func copyFixture(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// oneSource is the schema of the query that wrote testdata/onesource (in the one-source
// layout, with sqlstream before several sources per query): a rate source; batch 0
// committed, batch 1 planned.
var oneSource = Meta{Query: "out", Sources: []SourceMeta{{Name: "ticks", Schema: "[rate, rate] (timestamp TIMESTAMP NOT NULL, value BIGINT NOT NULL)"}}}

func TestTheOneSourceLayoutIsMigrated(t *testing.T) {
	dir := copyFixture(t, "onesource")
	var warn bytes.Buffer
	d, rec, err := Open(dir, oneSource, 10, &warn)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if !strings.Contains(warn.String(), "migrated from the one-source layout of earlier versions: its offsets are now source ticks's") {
		t.Errorf("warning %q", warn.String())
	}
	c, p := rec.Committed, rec.Pending
	if c == nil || c.Batch != 0 || string(c.Sources["ticks"].End) != `{"count":3}` || string(c.Sources["ticks"].State) != `{"startMicros":1796194972722262}` {
		t.Errorf("committed %+v", c)
	}
	if p == nil || p.Batch != 1 || string(p.Sources["ticks"].Start) != `{"count":3}` || string(p.Sources["ticks"].End) != `{"count":5}` {
		t.Errorf("pending %+v", p)
	}
	// The metadata is in the current layout now: no second notice, the same id.
	warn.Reset()
	d, rec, err = Open(dir, oneSource, 10, &warn)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if warn.Len() != 0 || d.ID() != "6bd1f8ed767877c4" || rec.Pending == nil || rec.Pending.Sources["ticks"].End == nil {
		t.Errorf("reopened: id %s, warning %q, pending %+v", d.ID(), warn.String(), rec.Pending)
	}
	infos, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	infos[0].Write(&b)
	for _, want := range []string{"source ticks: [rate, rate]", `source ticks offset after it: {"count":3}`, `source ticks offsets {"count":3} to {"count":5}`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

func TestTheOneSourceLayoutIsRefusedForSeveralSources(t *testing.T) {
	dir := copyFixture(t, "onesource")
	before, _ := os.ReadFile(filepath.Join(dir, "metadata"))
	two := oneSource
	two.Sources = append(two.Sources, SourceMeta{Name: "more", Schema: "[files, text] (value STRING NOT NULL)"})
	_, _, err := Open(dir, two, 10, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "written by an earlier version of sqlstream for a query with one source") ||
		!strings.Contains(err.Error(), "this query reads 2 sources (ticks, more)") || !strings.Contains(err.Error(), "give this query a new checkpoint directory") {
		t.Errorf("two sources: %v", err)
	}
	other := oneSource
	other.Sources = []SourceMeta{{Name: "ticks", Schema: "[files, text] (value STRING NOT NULL)"}}
	if _, _, err := Open(dir, other, 10, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "its source ticks was\n    [rate, rate]") {
		t.Errorf("another schema: %v", err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "metadata")); !bytes.Equal(before, after) {
		t.Error("a refused checkpoint's metadata was rewritten")
	}
	// Unmigrated, it still shows what it holds.
	infos, err := Inspect(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	infos[0].Write(&b)
	for _, want := range []string{"the one-source layout of earlier versions", `source offset after it: {"count":3}`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
}

func TestADamagedOneSourceLayoutIsRefused(t *testing.T) {
	dir := copyFixture(t, "onesource")
	damage(t, filepath.Join(dir, "offsets", "0"), flip)
	_, _, err := Open(dir, oneSource, 10, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "offsets/0 is damaged (checksum mismatch)") {
		t.Errorf("damaged: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "metadata")); !bytes.Contains(b, []byte(`"schema": "[rate, rate]`)) || bytes.Contains(b, []byte(`"sources"`)) {
		t.Errorf("a refused checkpoint was migrated:\n%s", b)
	}
}

func TestOneProgramAtATime(t *testing.T) {
	dir := t.TempDir()
	d, _, err := Open(dir, meta, 3, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Open(dir, meta, 3, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "in use by another running program (pid ") {
		t.Errorf("a second program: %v", err)
	}
	d.Close()
	d, _, err = Open(dir, meta, 3, &bytes.Buffer{})
	if err != nil {
		t.Fatalf("after the first program ended: %v", err)
	}
	d.Close()
}

func TestInspect(t *testing.T) {
	root := t.TempDir()
	d, _, _ := open(t, filepath.Join(root, "out"))
	run(t, d, 0, 4)
	d.Plan(Entry{Batch: 4, Sources: in(`{"count":4}`, `{"count":6}`)})
	infos, err := Inspect(root)
	if err != nil || len(infos) != 1 {
		t.Fatal(infos, err)
	}
	var b bytes.Buffer
	infos[0].Write(&b)
	for _, want := range []string{
		"query:   out (checkpoint id " + d.ID(),
		"source in: [files, csv] (x INT)",
		"last committed batch: 3 at ",
		"state after it: 0 rows, 13 bytes",
		`source in offset after it: {"count":4}`,
		"batch 4 is planned but not committed (it runs again on restart):\n    source in offsets {\"count\":4} to {\"count\":6}",
		"batches kept: 1 to 4",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if _, err := Inspect(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not a checkpoint") {
		t.Errorf("empty directory: %v", err)
	}
}

// TestAMissingMetadataFileIsDamage: without the metadata nothing tells whose offsets and
// state these are, so the checkpoint is refused instead of adopted by whatever query opens it.
func TestAMissingMetadataFileIsDamage(t *testing.T) {
	for _, sub := range []string{"offsets", "commits", "state"} {
		t.Run(sub, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "out")
			d, _, _ := open(t, dir)
			run(t, d, 0, 2)
			for _, other := range []string{"offsets", "commits", "state"} {
				if other != sub {
					os.RemoveAll(filepath.Join(dir, other))
				}
			}
			os.Remove(filepath.Join(dir, "metadata"))
			want := "checkpoint " + dir + " is damaged: it holds offsets, commits or state but no metadata file (" + filepath.Join(dir, "metadata") + ")"
			if _, _, err := Open(dir, meta, 3, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), want) ||
				!strings.Contains(err.Error(), "restore the metadata file from a backup, or start over with a new checkpoint directory") {
				t.Errorf("Open: %v", err)
			}
			if _, err := os.Stat(filepath.Join(dir, "metadata")); err == nil {
				t.Error("Open wrote a new metadata file over the damage")
			}
			for _, p := range []string{dir, root} {
				if _, err := Inspect(p); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Inspect %s: %v", p, err)
				}
			}
		})
	}
	// A directory made by an Open that stopped before the metadata was written is empty:
	// that is a new checkpoint.
	dir := t.TempDir()
	for _, sub := range []string{"offsets", "commits", "state"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	if d, _, err := Open(dir, meta, 3, &bytes.Buffer{}); err != nil {
		t.Errorf("empty checkpoint: %v", err)
	} else {
		d.Close()
	}
}

// An entry logged asynchronously after a gap (batches 3 to 5 ran unlogged, then the crash
// came between batch 6's offsets and its commit) is dropped: the query resumes after the
// last commit. The same entry logged synchronously is damage.
func TestAnAsynchronousEntryAfterAGapIsDropped(t *testing.T) {
	for _, async := range []bool{true, false} {
		dir := t.TempDir()
		d, _, _ := open(t, dir)
		run(t, d, 0, 3)
		if err := d.Plan(Entry{Batch: 6, Sources: in(`{"count":6}`, `{"count":7}`), Async: async}); err != nil {
			t.Fatal(err)
		}
		infos, err := Inspect(dir)
		if err != nil || len(infos) != 1 {
			t.Fatal(infos, err)
		}
		var b bytes.Buffer
		infos[0].Write(&b)
		if want := "batch 6 was logged asynchronously and not committed: a restart drops it"; async != strings.Contains(b.String(), want) {
			t.Errorf("async %v: sqlstream checkpoint says\n%s", async, b.String())
		}
		var warn bytes.Buffer
		_, rec, err := Open(dir, meta, 3, &warn)
		if !async {
			if err == nil || !strings.Contains(err.Error(), "batch 6 is planned but batch 3 was never committed") {
				t.Errorf("synchronous entry after a gap: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Pending != nil || rec.Next() != 3 || string(rec.Committed.Sources["in"].End) != `{"count":3}` {
			t.Errorf("recovery %+v, pending %+v: want batch 3 next, after batch 2's end", rec, rec.Pending)
		}
		if !strings.Contains(warn.String(), "batches 3 to 6 run again (at-least-once)") {
			t.Errorf("warning %q", warn.String())
		}
		if _, err := os.Stat(filepath.Join(dir, "offsets", "6")); !os.IsNotExist(err) {
			t.Errorf("the dropped entry must be removed: %v", err)
		}
	}
}
