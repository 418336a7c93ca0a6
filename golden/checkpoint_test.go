package golden_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
)

// TestCheckpointCountsStateRows runs real programs with --checkpoint and reads the number of
// state rows back as sqlstream checkpoint shows it: a grouping without a watermark (which
// reports no state in its progress) and a deduplication, each left with two rows of state.
func TestCheckpointCountsStateRows(t *testing.T) {
	for _, c := range []struct{ name, query string }{
		{"group_by", `CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT value, count(*) AS n FROM lines GROUP BY value OUTPUT MODE COMPLETE;`},
		{"distinct", `CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT DISTINCT value FROM lines;`},
	} {
		t.Run(c.name, func(t *testing.T) {
			bin := buildQuery(t, "CREATE SOURCE lines (value STRING) WITH (connector = 'files', path = 'in', format = 'text');\n"+c.query)
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "in"), 0o755)
			if err := os.WriteFile(filepath.Join(dir, "in", "a.txt"), []byte("kiwi\nfig\nkiwi\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "--trigger", "available-now", "--checkpoint", "cp")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			infos, err := checkpoint.Inspect(filepath.Join(dir, "cp"))
			if err != nil || len(infos) != 1 || infos[0].Commit == nil {
				t.Fatalf("inspect: %v, %v", infos, err)
			}
			if n := infos[0].Commit.StateRows; n != 2 {
				t.Errorf("the commit records %d state rows, want 2", n)
			}
			var b bytes.Buffer
			infos[0].Write(&b)
			if !strings.Contains(b.String(), "state after it: 2 rows, ") {
				t.Errorf("sqlstream checkpoint shows\n%s", b.String())
			}
		})
	}
}
