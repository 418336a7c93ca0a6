package main

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// files returns the names and contents of the files in dir.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func TestGenerateWritesCompleteFilesOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "text") // created when missing
	if err := generate(context.Background(), config{dir: dir, lines: 50, count: 2, seed: 7}); err != nil {
		t.Fatal(err)
	}
	got := files(t, dir)
	if len(got) != 2 {
		t.Fatalf("got %d files, want 2: %v", len(got), got)
	}
	if want := []string{"lines-000001.txt", "lines-000002.txt"}; !slices.Equal(slices.Sorted(maps.Keys(got)), want) {
		t.Errorf("files %v, want %v (and no dot-files left)", slices.Sorted(maps.Keys(got)), want)
	}
	for n, text := range got {
		if c := strings.Count(text, "\n"); c != 50 || !strings.HasSuffix(text, "\n") || !utf8.ValidString(text) {
			t.Errorf("%s: %d lines, want 50 complete UTF-8 lines", n, c)
		}
	}
}

func TestRestartDoesNotOverwrite(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		if err := generate(context.Background(), config{dir: dir, lines: 1, count: 2, seed: 1}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"lines-000001.txt", "lines-000002.txt", "lines-000003.txt", "lines-000004.txt"}
	if got := slices.Sorted(maps.Keys(files(t, dir))); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

func TestSameSeedSameLines(t *testing.T) {
	var texts [3][]string
	for i, seed := range []uint64{1, 1, 2} {
		dir := t.TempDir()
		if err := generate(context.Background(), config{dir: dir, lines: 20, count: 2, seed: seed}); err != nil {
			t.Fatal(err)
		}
		got := files(t, dir)
		for _, name := range slices.Sorted(maps.Keys(got)) { // in the order written
			texts[i] = append(texts[i], got[name])
		}
	}
	if strings.Join(texts[0], "") != strings.Join(texts[1], "") {
		t.Error("the same seed wrote different lines")
	}
	if strings.Join(texts[0], "") == strings.Join(texts[2], "") {
		t.Error("another seed wrote the same lines")
	}
	all := strings.Join(texts[0], "")
	if !strings.ContainsFunc(all, func(r rune) bool { return r >= utf8.RuneSelf }) {
		t.Error("no non-ASCII words")
	}
}

func TestStopsWhenCancelled(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := generate(ctx, config{dir: dir, lines: 1, every: 0, seed: 1}) // count 0: forever
	if err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if n := len(files(t, dir)); n != 1 {
		t.Errorf("%d files, want the one written before noticing", n)
	}
}

func TestBadFlags(t *testing.T) {
	for _, c := range []config{{lines: -1}, {count: -1}, {every: -1}} {
		c.dir = t.TempDir()
		if err := generate(context.Background(), c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
}
