package golden_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestStreamJoinRefusesACheckpoint: the state of a join of two streams is not saved yet, so
// a program asked to keep a checkpoint for it stops at start with why, instead of losing the
// join's rows on a restart.
func TestStreamJoinRefusesACheckpoint(t *testing.T) {
	bin := buildQuery(t, `CREATE SOURCE a (k BIGINT) WITH (connector = 'files', path = 'a', format = 'json');
CREATE SOURCE b (k BIGINT) WITH (connector = 'files', path = 'b', format = 'json');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT a.k FROM a JOIN b ON a.k = b.k;`)
	dir := t.TempDir()
	out, err := exec.Command(bin, "--trigger", "once", "--checkpoint", filepath.Join(dir, "cp"),
		"--set", "a.path="+dir, "--set", "b.path="+dir).CombinedOutput()
	if err == nil {
		t.Fatalf("ran with a checkpoint:\n%s", out)
	}
	if want := "the state of a join of two streams is not saved yet; run it without --checkpoint"; !strings.Contains(string(out), want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
}
