package golden_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sqlstream/sqlstream/internal/pgtest"
)

// lockedBuf is a program's stderr, read while it runs.
type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}
func (b *lockedBuf) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.b.String() }

// writeEvents writes n JSON events of examples/postgres_totals.sql: user u<i%7>, amount i.
func writeEvents(t *testing.T, path string, from, n int) {
	var b bytes.Buffer
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, `{"user":"u%d","amount":%d}`+"\n", i%7, i)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventTotals is what the example's table holds after events [0, n).
func eventTotals(n int) []string {
	var out []string
	for u := range 7 {
		var c, s int
		for i := u; i < n; i += 7 {
			c++
			s += i
		}
		if c > 0 {
			out = append(out, fmt.Sprintf("u%d,%d,%d", u, c, s))
		}
	}
	slices.Sort(out)
	return out
}

// TestPostgresExampleServerRestart runs examples/postgres_totals.sql against a real server,
// which is restarted while the program runs: the program retries, keeps going, and the
// table ends with the totals of every event, each counted once.
func TestPostgresExampleServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program and starts a server")
	}
	srv := pgtest.Start(t)
	bin := buildExample(t, "postgres_totals.sql")
	work := t.TempDir()
	in := filepath.Join(work, "events")
	os.MkdirAll(in, 0o755)
	writeEvents(t, filepath.Join(in, "1.json"), 0, 500)
	cmd := exec.Command(bin, "--checkpoint", filepath.Join(work, "cp"), "--set", "events.path="+in, "--trigger", "200ms")
	cmd.Env = append(os.Environ(), "SHOP_DSN="+srv.DSN)
	var stderr lockedBuf
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	const query = `SELECT "user", events, total FROM totals`
	wait := func(want []string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var got []string
			if len(srv.Query(t, "SELECT 1 FROM pg_tables WHERE tablename = 'totals'")) > 0 {
				got = srv.Query(t, query)
			}
			if slices.Equal(got, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("totals = %q after 60s, want %q\nstderr:\n%s", got, want, stderr.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	wait(eventTotals(500))
	srv.Stop(t)
	writeEvents(t, filepath.Join(in, "2.json"), 500, 300)
	time.Sleep(2 * time.Second) // batches come and retry against the stopped server
	srv.Start(t)
	wait(eventTotals(800))
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the program after the server's restart: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "again in") {
		t.Errorf("stderr does not tell of the retries:\n%s", stderr.String())
	}
}
