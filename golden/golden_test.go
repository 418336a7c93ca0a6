package golden_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/diag"
	"github.com/sqlstream/sqlstream/golden"
)

// TestDiagnostics compiles every invalid query under diag/ and compares the rendered
// diagnostics with the case's want.txt.
func TestDiagnostics(t *testing.T) {
	cases, _ := filepath.Glob("diag/*.txtar")
	if len(cases) < 25 {
		t.Fatalf("found %d diagnostic cases, want at least 25", len(cases))
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			src := section(t, ar, "query.sql")
			_, errs := compiler.Compile("query.sql", src)
			if !errs.HasErrors() {
				t.Errorf("query compiled without errors; a diag case must fail")
			}
			var buf bytes.Buffer
			diag.Render(&buf, errs, src)
			golden.CheckSection(t, path, ar, "want.txt", buf.Bytes())
		})
	}
}

// TestCodegen keeps the generated program of representative queries under review: each
// codegen/<case>/main.go is a real package, so go vet and go build check it too.
func TestCodegen(t *testing.T) {
	dirs, _ := filepath.Glob("codegen/*/query.sql")
	if len(dirs) < 3 {
		t.Fatalf("found %d codegen cases, want at least 3", len(dirs))
	}
	for _, q := range dirs {
		dir := filepath.Dir(q)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			src, err := os.ReadFile(q)
			if err != nil {
				t.Fatal(err)
			}
			res, errs := compiler.Compile("query.sql", src)
			if errs.HasErrors() {
				var buf bytes.Buffer
				diag.Render(&buf, errs, src)
				t.Fatalf("compile failed:\n%s", buf.String())
			}
			golden.Check(t, filepath.Join(dir, "main.go"), res.Go)
			golden.Check(t, filepath.Join(dir, "explain.txt"), []byte(res.Explain))
		})
	}
}

func section(t *testing.T, ar *txtar.Archive, name string) []byte {
	t.Helper()
	for _, f := range ar.Files {
		if f.Name == name {
			return f.Data
		}
	}
	t.Fatalf("archive has no %s section", name)
	return nil
}
