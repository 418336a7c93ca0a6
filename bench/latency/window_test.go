package latency

import (
	"os"
	"testing"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/golden"
)

// TestGeneratedFileIsCurrent regenerates window_gen.go as go generate would, so that the
// bench measures what the compiler writes today; -update rewrites it.
func TestGeneratedFileIsCurrent(t *testing.T) {
	src, err := os.ReadFile("window.sql")
	if err != nil {
		t.Fatal(err)
	}
	res, errs := compiler.CompileWith("window.sql", src, compiler.Options{Package: "latency"})
	if errs.HasErrors() {
		t.Fatal(errs.Err())
	}
	golden.Check(t, "window_gen.go", res.Go)
}
