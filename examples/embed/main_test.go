package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/golden"
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
