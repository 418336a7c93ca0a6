package golden_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSigtermStopsAfterTheBatch runs the seed example with its default (continuous) trigger
// and stops it with SIGTERM: it must finish the batch, print it whole and exit 0.
func TestSigtermStopsAfterTheBatch(t *testing.T) {
	bin := buildExample(t, "line_lengths.sql")
	in := filepath.Join(t.TempDir(), "in")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "a.txt"), []byte("abc\nde\n"), 0o644)
	cmd := exec.Command(bin, "--trigger", "100ms", "--set", "lines.path="+in)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var printed strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		printed.WriteString(sc.Text() + "\n")
		if sc.Text() == "+---+-----+" && strings.Count(printed.String(), "+---+-----+") == 3 {
			break // batch 0's table is complete
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for sc.Scan() {
			printed.WriteString(sc.Text() + "\n")
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, printed.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the program did not stop after SIGTERM")
	}
	if !strings.Contains(printed.String(), "|  3|    1|") {
		t.Errorf("batch 0 missing from the output:\n%s", printed.String())
	}
}
