package golden_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressBarOnATerminal runs an AVAILABLE NOW program over three files under script(1),
// which gives it a terminal: stderr shows the bar, ending at 100% of the files. Without a
// terminal nothing is drawn.
func TestProgressBarOnATerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed (Debian's bsdutils, which is essential)")
	}
	in := writeBatches(t, []string{"2024-01-01 12:00:00,a\n", "2024-01-01 12:00:01,b\n", "2024-01-01 12:00:02,c\n"})
	out := t.TempDir()
	bin := buildQuery(t, fmt.Sprintf(`CREATE SOURCE e (ts TIMESTAMP, v STRING) WITH (connector = 'files', path = '%s', format = 'csv', max_files_per_trigger = 1);
CREATE SINK out WITH (connector = 'files', path = '%s', format = 'json');
INSERT INTO out SELECT v FROM e;`, in, out))
	args := []string{"--trigger", "available-now"}
	plain, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil || len(plain) != 0 {
		t.Fatalf("without a terminal: %v, output %q, want none", err, plain)
	}
	os.RemoveAll(out)
	cmd := exec.Command(script, "-qfec", strings.Join(append([]string{bin}, args...), " "), os.DevNull)
	cmd.Env = append(os.Environ(), "TERM=dumb")
	got, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%q", err, got)
	}
	s := string(got)
	if !strings.Contains(s, "\r[") || !strings.Contains(s, "100% 3/3 files") || !strings.Contains(s, "33% 1/3 files") && !strings.Contains(s, "ETA") {
		t.Errorf("no progress bar on the terminal: %q", s)
	}
	if files, _ := filepath.Glob(filepath.Join(out, "part-*")); len(files) != 3 {
		t.Errorf("%d output files, want 3 (one per batch)", len(files))
	}
}
