package golden_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/compiler"
	"github.com/sqlstream/sqlstream/compiler/gobuild"
)

// buildQuery compiles src into an executable in a temporary directory.
func buildQuery(t *testing.T, src string) string {
	t.Helper()
	res, errs := compiler.Compile("q.sql", []byte(src))
	if errs.HasErrors() {
		t.Fatal(errs.Err())
	}
	bin := filepath.Join(t.TempDir(), "q")
	if err := gobuild.Build(context.Background(), res.Go, bin, gobuild.Options{}); err != nil {
		t.Fatal(err)
	}
	return bin
}

// buildExample builds examples/<name>.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return buildQuery(t, string(src))
}

// lastBatch is the console output from the last batch's header on.
func lastBatch(out []byte) string {
	return string(out[max(strings.LastIndex(string(out), "Batch:"), 0):])
}

const countLines = `CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT value, count(*) AS n FROM lines GROUP BY value ORDER BY value OUTPUT MODE COMPLETE;`

// serve accepts connections on a loopback listener and writes one payload to each, closing
// it after; it stops after the payloads.
func serve(t *testing.T, payloads ...string) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for _, p := range payloads {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte(p))
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestSocketSourceEndsWithTheConnectionUnderAvailableNow(t *testing.T) {
	port := serve(t, "apple\npear\napple")
	bin := buildQuery(t, fmt.Sprintf("CREATE SOURCE lines (value STRING) WITH (connector = 'socket', host = '127.0.0.1', port = %d);\n%s", port, countLines))
	out, err := exec.Command(bin, "--trigger", "available-now").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	last := lastBatch(out)
	if !strings.Contains(last, "|apple|  2|") || !strings.Contains(last, "| pear|  1|") {
		t.Errorf("final counts wrong:\n%s", out)
	}
}

// TestSocketWordCount runs the socket word-count example against a listening server, as with
// nc -lk: every word of the lines it sends is counted.
func TestSocketWordCount(t *testing.T) {
	port := serve(t, "The cat and the dog.\nthe END, the end!\n\nl'été est là\n")
	bin := buildExample(t, "socket_wordcount.sql")
	out, err := exec.Command(bin, "--trigger", "available-now", "--set", fmt.Sprintf("lines.port=%d", port), "--set", "lines.host=127.0.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	last := lastBatch(out)
	for _, row := range []string{"|  the|    4|", "|  end|    2|", "|  and|    1|", "|  cat|    1|", "|  dog|    1|", "|l'été|    1|", "|   là|    1|", "|  est|    1|"} {
		if !strings.Contains(last, row) {
			t.Errorf("missing %s in\n%s", row, last)
		}
	}
}

func TestSocketSourceReconnects(t *testing.T) {
	port := serve(t, "first\n", "second\n")
	bin := buildQuery(t, fmt.Sprintf("CREATE SOURCE lines (value STRING) WITH (connector = 'socket', port = %d);\n%s", port, countLines))
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "--timeout", "2s")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "reconnecting in") || !strings.Contains(stderr.String(), "reconnected to") {
		t.Errorf("the reconnection should be reported:\n%s", stderr.String())
	}
	if !strings.Contains(stdout.String(), "|second|  1|") {
		t.Errorf("lines after the reconnection are missing:\n%s", stdout.String())
	}
}

func TestSocketSourceWithoutServerIsAClearError(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	bin := buildQuery(t, fmt.Sprintf("CREATE SOURCE lines (value STRING) WITH (connector = 'socket', host = '127.0.0.1', port = %d);\n%s", port, countLines))
	out, err := exec.Command(bin, "--trigger", "once").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "connection refused") || !strings.Contains(string(out), "nc -lk") {
		t.Errorf("want a connection error with a hint, got %v:\n%s", err, out)
	}
}

func TestStdinSourceEndsAtEOF(t *testing.T) {
	bin := buildQuery(t, "CREATE SOURCE lines (value STRING) WITH (connector = 'stdin');\n"+countLines)
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader("x\ny\nx\n")
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the query did not end with its input")
	}
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	last := lastBatch(out)
	if !strings.Contains(last, "|    x|  2|") || !strings.Contains(last, "|    y|  1|") {
		t.Errorf("counts wrong:\n%s", out)
	}
}
