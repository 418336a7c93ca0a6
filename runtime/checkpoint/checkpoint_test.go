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

var meta = Meta{Query: "out", Schema: "[files, csv] (x INT)", State: "acc (n0 Int64)"}

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
		start, end := json.RawMessage(`{"count":`+itoa(b)+`}`), json.RawMessage(`{"count":`+itoa(b+1)+`}`)
		if b == 0 {
			start = nil
		}
		if err := d.Plan(Entry{Batch: b, Start: start, End: end, Time: 1000 + b}); err != nil {
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
	d.Plan(Entry{Batch: 5, Start: json.RawMessage(`{"count":5}`), End: json.RawMessage(`{"count":9}`), Time: 77})
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
	if p := rec.Pending; p == nil || p.Batch != 5 || string(p.End) != `{"count":9}` || p.Time != 77 {
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
		d.Plan(Entry{Batch: 2, End: json.RawMessage(`{}`)})
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
	other.Schema = "[files, csv] (x BIGINT)"
	if _, _, err := Open(dir, other, 3, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "its source was") {
		t.Errorf("schema: %v", err)
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
	d.Plan(Entry{Batch: 4, Start: json.RawMessage(`{"count":4}`), End: json.RawMessage(`{"count":6}`)})
	infos, err := Inspect(root)
	if err != nil || len(infos) != 1 {
		t.Fatal(infos, err)
	}
	var b bytes.Buffer
	infos[0].Write(&b)
	for _, want := range []string{
		"query:   out (checkpoint id " + d.ID(),
		"source:  [files, csv] (x INT)",
		"last committed batch: 3 at ",
		"state after it: 0 rows, 13 bytes",
		`source offset after it: {"count":4}`,
		`batch 4 is planned but not committed (it runs again on restart): offsets {"count":4} to {"count":6}`,
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
