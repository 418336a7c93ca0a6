package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/golden"
	rt "github.com/sqlstream/sqlstream/runtime"
)

// TestGeneratedFileIsCurrent regenerates lengths_gen.go as go generate would; -update
// rewrites it.
func TestGeneratedFileIsCurrent(t *testing.T) {
	src, err := os.ReadFile("lengths.sql")
	if err != nil {
		t.Fatal(err)
	}
	res, errs := compiler.CompileWith("lengths.sql", src, compiler.Options{Package: "main"})
	if errs.HasErrors() {
		t.Fatal(errs.Err())
	}
	golden.Check(t, "lengths_gen.go", res.Go)
}

func TestCallbackReceivesTypedRows(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\ntwo\nthree\nthis line is long enough\n"), 0o644)
	var out strings.Builder
	if err := run(context.Background(), dir, &out); err != nil {
		t.Fatal(err)
	}
	want := "batch 0: 2 lines of 3 characters\nbatch 0: 1 lines of 5 characters\nbatch 0: 1 lines of 24 characters\n" +
		"long line (24 characters, 8 vowels): this line is long enough\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}

// TestCheckpointResumes runs the embedded query twice on one checkpoint: the second run
// reads only the new file, and its counts continue from the first run's state.
func TestCheckpointResumes(t *testing.T) {
	dir, cp := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("one\ntwo\n"), 0o644)
	runOnce := func() string {
		var out strings.Builder
		q := NewLengths(LengthsSinks{
			OnCountsBatch: func(ctx context.Context, batch int64, rows []CountsRow) error {
				for _, r := range rows {
					fmt.Fprintf(&out, "batch %d: %d lines of %d characters\n", batch, r.Lines, r.Len)
				}
				return nil
			},
		}, rt.WithSet("lines", "path", dir), rt.WithTrigger("available-now"), rt.WithCheckpoint(cp))
		if err := q.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	if got := runOnce(); got != "batch 0: 2 lines of 3 characters\n" {
		t.Errorf("first run: %q", got)
	}
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("six\nseven\n"), 0o644)
	if got, want := runOnce(), "batch 1: 3 lines of 3 characters\nbatch 1: 1 lines of 5 characters\n"; got != want {
		t.Errorf("second run:\n%s\nwant\n%s", got, want)
	}
}
