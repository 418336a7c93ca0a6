package runtime_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/memory"
)

// rename writes a file under a hidden name and renames it into dir, as a writer should.
func rename(t *testing.T, dir, name, content string) {
	t.Helper()
	tmp := filepath.Join(dir, "."+name)
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

// awaitRows waits for the memory table to hold n rows; the deadline only ends a broken test.
func awaitRows(t *testing.T, n int, failed <-chan error) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for len(memory.Table(t.Name())) < n {
		select {
		case err := <-failed:
			t.Fatalf("the program stopped: %v", err)
		case <-deadline:
			t.Fatalf("%d rows reached the sink, want %d:\n%s", len(memory.Table(t.Name())), n, rowsOf(t))
		case <-time.After(time.Millisecond):
		}
	}
}

// TestDataWakesTheDefaultTrigger: with the poll interval and the fallback made an hour, a
// file renamed into either source's directory while the program is idle reaches the sink:
// only the sources' wake-ups can have started those batches. One batch per file, in the
// order they came.
func TestDataWakesTheDefaultTrigger(t *testing.T) {
	defer rt.SetWaits(time.Hour, time.Hour)()
	a, b := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	failed := make(chan error, 1)
	go func() { failed <- rt.RunEmbedded(ctx, unionProgram(t, rt.NoWatermark, a, b)) }()
	rename(t, a, "x.txt", "1\n2\n")
	awaitRows(t, 2, failed)
	rename(t, b, "y.txt", "3\n")
	awaitRows(t, 3, failed)
	rename(t, a, "z.txt", "4\n")
	awaitRows(t, 4, failed)
	cancel()
	if err := <-failed; err != nil {
		t.Fatal(err)
	}
	want := "0 x.txt:1 1\n0 x.txt:2 2\n1 y.txt:1 3\n0 z.txt:1 4\n"
	if got := rowsOf(t); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if n := len(memory.Batches(t.Name())); n != 3 {
		t.Errorf("%d batches, want 3 (one per file)", n)
	}
}
