package golden_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
	"github.com/sqlstream/sqlstream/golden"
)

// TestRun compiles and runs every query under run/ against its input, one input file per
// batch, and compares what the program printed (and wrote) batch by batch.
//
// A case is a txtar archive: query.sql (with $INPUT and $OUTPUT standing for the input and
// output directories), input/NNN.* files (given increasing modification times in name order;
// input/dir/NNN.* for a query with several inputs),
// and the expected want.txt (stdout), want-stderr.txt and want-files.txt (the files sink's
// output). The archive's comment may hold a JSON list of extra program arguments; the default
// is ["--trigger", "available-now"].
func TestRun(t *testing.T) {
	cases, _ := filepath.Glob("run/*.txtar")
	if len(cases) < 15 {
		t.Fatalf("found %d run cases, want at least 15", len(cases))
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runCase(t, path)
		})
	}
}

func runCase(t *testing.T, path string) {
	ar, err := txtar.ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	in, out := filepath.Join(work, "input"), filepath.Join(work, "output")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	args := []string{"--trigger", "available-now"}
	if c := bytes.TrimSpace(ar.Comment); len(c) > 0 {
		if err := json.Unmarshal(c, &args); err != nil {
			t.Fatalf("archive comment must be a JSON list of arguments: %v", err)
		}
	}
	var query []byte
	mtime := time.Now().Add(-time.Hour)
	for _, f := range ar.Files {
		switch {
		case f.Name == "query.sql":
			query = f.Data
		case strings.HasPrefix(f.Name, "input/"):
			p := filepath.Join(in, strings.TrimPrefix(f.Name, "input/"))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			mtime = mtime.Add(time.Second)
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	src := strings.NewReplacer("$INPUT", in, "$OUTPUT", out).Replace(string(query))
	res, errs := compiler.Compile("query.sql", []byte(src))
	if errs.HasErrors() {
		var b bytes.Buffer
		diag.Render(&b, errs, []byte(src))
		t.Fatalf("compile:\n%s", b.String())
	}
	bin := filepath.Join(work, "prog")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := gobuild.Build(ctx, res.Go, bin, gobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	norm := func(b []byte) []byte {
		s := strings.NewReplacer(in, "$INPUT", out, "$OUTPUT").Replace(string(b))
		if runErr != nil && b == nil {
			s = ""
		}
		return []byte(s)
	}
	errText := norm(stderr.Bytes())
	if runErr != nil {
		errText = append(errText, fmt.Sprintf("exit: %v\n", runErr)...)
	}
	golden.CheckSection(t, path, ar, "want.txt", norm(stdout.Bytes()))
	golden.CheckSection(t, path, ar, "want-stderr.txt", errText)
	golden.CheckSection(t, path, ar, "want-files.txt", norm(listFiles(t, out)))
}

// listFiles prints every visible file under dir with its content, in name order: what a
// reader that skips names starting with "_" or "." (Spark's convention) sees.
func listFiles(t *testing.T, dir string) []byte {
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if n := d.Name(); p != dir && (strings.HasPrefix(n, "_") || strings.HasPrefix(n, ".")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "== %s\n%s", n, data)
	}
	return b.Bytes()
}
