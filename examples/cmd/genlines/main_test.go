package main

import (
	"os"
	"strings"
	"testing"
)

func TestGenerateWritesCompleteFilesOnly(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir, 0, 50, 2, 7); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("got %d files, want 2", len(entries))
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
		b, _ := os.ReadFile(dir + "/" + e.Name())
		if n := strings.Count(string(b), "\n"); n != 50 {
			t.Errorf("%s has %d lines, want 50", e.Name(), n)
		}
	}
}
