package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/console"
)

// TestAsyncProgressOnlyWhereAReplayLosesNothing: --async-progress is refused for a query
// keeping state and for a sink that replaces a batch id it has seen (memory), and runs a
// stateless query into the console, whose last batch is committed when the program ends.
func TestAsyncProgressOnlyWhereAReplayLosesNothing(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, "a\n", "b\n", "c\n")
	args := func() []string {
		return []string{"--trigger", "available-now", "--checkpoint", filepath.Join(t.TempDir(), "cp"), "--async-progress"}
	}
	if _, _, err := run(t, unionProgram(t, rt.NoWatermark, dir), args()...); err == nil || !strings.Contains(err.Error(), "query out keeps state") {
		t.Errorf("stateful query: %v", err)
	}
	p, _ := linesProgram(t, dir, rt.Trigger{}, "max_files_per_trigger", "1")
	if _, _, err := run(t, p, args()...); err == nil || !strings.Contains(err.Error(), "sink out (connector memory) is not at-least-once") {
		t.Errorf("memory sink: %v", err)
	}
	p.Queries[0].Sink, p.Queries[0].OpenSink = rt.Endpoint{Name: "out", Connector: "console"}, console.OpenSink
	a := args()
	out, _, err := run(t, p, a...)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "Batch: "); n != 3 {
		t.Errorf("%d batches printed, want 3:\n%s", n, out)
	}
	if _, err := os.Stat(filepath.Join(a[3], "out", "commits", "2")); err != nil {
		t.Errorf("the last batch is not committed after a clean end: %v", err)
	}
}
