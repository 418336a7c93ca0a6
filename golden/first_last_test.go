package golden_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestFirstLastAcrossWorkers checks first and last where the input spans many chunks read by
// parallel workers: arrival order must win over which worker finished first.
func TestFirstLastAcrossWorkers(t *testing.T) {
	bin := buildQuery(t, `
CREATE SOURCE t (k STRING, i BIGINT) WITH (connector = 'files', path = 'in', format = 'csv');
CREATE SINK out WITH (connector = 'console', num_rows = 100);
INSERT INTO out SELECT k, first(i) AS f, last(i) AS l, count(*) AS n FROM t GROUP BY k;
`)
	in := filepath.Join(t.TempDir(), "in")
	os.Mkdir(in, 0o755)
	const rows, keys = 600_000, 7
	for f, part := range [][2]int{{0, rows / 2}, {rows / 2, rows}} {
		var b bytes.Buffer
		for i := part[0]; i < part[1]; i++ {
			fmt.Fprintf(&b, "k%d,%d\n", i%keys, i)
		}
		name := filepath.Join(in, fmt.Sprintf("%d.csv", f))
		os.WriteFile(name, b.Bytes(), 0o644)
	}
	cmd := exec.Command(bin, "--trigger", "once", "--set", "t.path="+in)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=4")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for k := range keys {
		last := (rows-1)/keys*keys + k
		if last >= rows {
			last -= keys
		}
		row := fmt.Sprintf("| k%d|%3d|%6d|%5d|", k, k, last, (rows-k+keys-1)/keys)
		if !bytes.Contains(out, []byte(row)) {
			t.Errorf("missing %s in\n%s", row, out)
		}
	}
}
