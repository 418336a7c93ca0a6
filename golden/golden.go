// Package golden holds the expected-output files of the compiler's end-to-end tests and the
// helpers every test package uses to compare against them; `go test ./... -update` rewrites them.
package golden

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files instead of comparing with them")

// Update reports whether the test run was asked to rewrite golden files.
func Update() bool { return *update }

// Check compares got with the file at path, or rewrites the file under -update.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

// CheckSection compares got with the section name of the txtar archive stored at path, or
// rewrites that section under -update (adding it when missing, removing it when got is empty).
func CheckSection(t testing.TB, path string, ar *txtar.Archive, name string, got []byte) {
	t.Helper()
	idx := -1
	for i, f := range ar.Files {
		if f.Name == name {
			idx = i
		}
	}
	if *update {
		switch {
		case idx >= 0 && len(got) == 0:
			ar.Files = append(ar.Files[:idx], ar.Files[idx+1:]...)
		case idx >= 0:
			ar.Files[idx].Data = got
		case len(got) > 0:
			ar.Files = append(ar.Files, txtar.File{Name: name, Data: got})
		}
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var want []byte
	if idx >= 0 {
		want = ar.Files[idx].Data
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s: section %s differs (-want +got):\n%s", path, name, cmp.Diff(string(want), string(got)))
	}
}
