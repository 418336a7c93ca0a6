package golden_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
	"github.com/sqlstream/sqlstream/internal/randsql"
)

// hostileRows are records a random query meets: NULLs, the edges of every type, text that
// is special to patterns and parsers.
const hostileRows = `{"s": "(", "n": 2147483647, "b": 9223372036854775807, "d": 1e308, "f": true, "ts": "2024-01-01 00:00:00", "dt": "2024-02-29", "bin": "KA==", "sn": "[", "nn": -2147483648}
{"s": null, "n": null, "b": null, "d": null, "f": null, "ts": null, "dt": null, "bin": null, "sn": "", "nn": 0}
{"s": "%_\\", "n": -2147483648, "b": -9223372036854775808, "d": -0.0, "f": false, "ts": "1970-01-01 00:00:00", "dt": "1970-01-01", "bin": "", "sn": "a(b", "nn": 1}
{"s": "2024-01-01 12:30:00", "n": 0, "b": 0, "d": 4.9e-324, "f": true, "ts": "2262-04-11 23:47:16", "dt": "9999-12-31", "bin": "/w==", "sn": "é日本", "nn": 7}
{"s": "  7 ", "n": 1, "b": -1, "d": -1e308, "f": false, "ts": "1900-01-01 00:00:00", "dt": "0001-01-01", "bin": "AA==", "sn": "yyyy-MM-dd", "nn": -1}
`

// TestRandomQueriesBuildAndRun is what a hostile new user would try: a few hundred random
// queries over NULL, columns, extreme constants and every operator and function. Each is
// rejected by the checker with a position, or it is built (all of them into one program)
// and run over hostile rows, which must end without a panic or an error.
func TestRandomQueriesBuildAndRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a program of a few hundred queries")
	}
	in := t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "rows.json"), []byte(hostileRows), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := strings.ReplaceAll(randsql.Schema, "$INPUT", in)
	const n = 300
	var sinks, queries []string
	rejected := 0
	for i := range n {
		sink := fmt.Sprintf("CREATE SINK o%d WITH (connector = 'console');\n", i)
		q := randsql.FromSeed(uint64(1_000_000+i)).Query(fmt.Sprintf("o%d", i), 3)
		_, errs := compiler.Compile("random.sql", []byte(schema+sink+q))
		if errs.HasErrors() {
			rejected++
			for _, d := range errs {
				if d.Pos.Line < 1 {
					t.Errorf("query %d: diagnostic without a position: %s\n%s", i, d.Msg, q)
				}
			}
			continue
		}
		sinks, queries = append(sinks, sink), append(queries, q)
	}
	t.Logf("%d of %d random queries accepted", len(queries), n)
	if len(queries) < n/3 {
		t.Fatalf("only %d of %d random queries were accepted: the generator has drifted from the language", len(queries), n)
	}
	src := schema + strings.Join(sinks, "") + strings.Join(queries, "\n") + "\n"
	res, errs := compiler.Compile("random.sql", []byte(src))
	if errs.HasErrors() {
		t.Fatalf("the accepted queries together do not check: %v", errs.Err())
	}
	bin := filepath.Join(t.TempDir(), "random")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := gobuild.Build(ctx, res.Go, bin, gobuild.Options{}); err != nil {
		t.Fatalf("the accepted queries do not build: %v", err)
	}
	out, err := exec.CommandContext(ctx, bin, "--trigger", "available-now").CombinedOutput()
	if err != nil || strings.Contains(string(out), "panic") {
		t.Fatalf("the program failed: %v\n%s", err, out)
	}
	// Every query ran its batch (the console sink prints a header for each).
	if got := strings.Count(string(out), "Batch: 0\n"); got != len(queries) {
		t.Errorf("%d queries printed their batch, want %d:\n%s", got, len(queries), out)
	}
}
