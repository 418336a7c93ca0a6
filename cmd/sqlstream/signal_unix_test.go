//go:build unix

package main

import (
	"bufio"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRunStopsAfterTheBatch sends sqlstream run the signals a user does: SIGTERM to its pid
// (kill), and SIGINT to its whole process group (a terminal's Ctrl-C, which reaches the
// program too). Either way the program must finish the batch in progress and exit 0, not
// take a doubled signal as "abort".
func TestRunStopsAfterTheBatch(t *testing.T) {
	sqlstream, err := exec.LookPath("sqlstream") // installed by testscript.Main
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		kill func(pid int) error
	}{
		{"SIGTERM", func(pid int) error { return syscall.Kill(pid, syscall.SIGTERM) }},
		{"SIGINT to the process group", func(pid int) error { return syscall.Kill(-pid, syscall.SIGINT) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _, in := workdir(t)
			cmd := exec.Command(sqlstream, "run", "line_lengths.sql", "--", "--trigger", "100ms", "--set", "lines.path="+in)
			cmd.Dir = dir
			cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group, as in a terminal
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			printed := make(chan string, 1)
			batch0 := make(chan struct{})
			go func() {
				var b strings.Builder
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					b.WriteString(sc.Text() + "\n")
					if strings.Count(b.String(), "+---+-----+") == 3 && strings.HasSuffix(b.String(), "+---+-----+\n") {
						close(batch0)
					}
				}
				io.Copy(io.Discard, out)
				printed <- b.String()
			}()
			select {
			case <-batch0:
			case <-time.After(60 * time.Second):
				t.Fatalf("no batch printed\nstderr:\n%s", &stderr)
			}
			if err := tc.kill(cmd.Process.Pid); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("%v (want exit 0)\nstdout:\n%s\nstderr:\n%s", err, <-printed, &stderr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the program did not stop")
			}
			if !strings.Contains(stderr.String(), "stopping after the current batch") {
				t.Errorf("stderr:\n%s", &stderr)
			}
		})
	}
}
