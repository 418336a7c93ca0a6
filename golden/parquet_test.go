package golden_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestParquetRoundTrip converts CSV to Parquet partitioned by a column, then reads the
// Parquet back with a parquet source: every row comes back, with its partition column taken
// from the folder names; a declared column the files lack is a clear error.
func TestParquetRoundTrip(t *testing.T) {
	work := t.TempDir()
	in, pq, back := filepath.Join(work, "in"), filepath.Join(work, "pq"), filepath.Join(work, "back")
	os.Mkdir(in, 0o755)
	os.WriteFile(filepath.Join(in, "a.csv"), []byte("2024-01-01 12:00:00,ann,GET,120.5\n2024-01-01 12:00:01,bob,POST,\n2024-01-02 08:00:00,ann,GET,3\n"), 0o644)
	toParquet := buildQuery(t, `
CREATE SOURCE logs (ts TIMESTAMP, user STRING, method STRING, ms DOUBLE)
WITH (connector = 'files', path = 'in', format = 'csv');
CREATE SINK pq WITH (connector = 'files', path = 'pq', format = 'parquet', partition_by = 'day');
INSERT INTO pq SELECT ts, user, method, ms, CAST(ts AS DATE) AS day FROM logs;
`)
	if out, err := exec.Command(toParquet, "--trigger", "available-now", "--set", "logs.path="+in, "--set", "pq.path="+pq).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var parts []string
	filepath.WalkDir(pq, func(p string, d os.DirEntry, err error) error {
		if rel, _ := filepath.Rel(pq, p); err == nil && !d.IsDir() && !strings.HasPrefix(rel, "_") {
			parts = append(parts, filepath.ToSlash(rel))
		}
		return nil
	})
	if want := []string{"day=2024-01-01/part-00000-pq.parquet", "day=2024-01-02/part-00000-pq.parquet"}; !slices.Equal(parts, want) {
		t.Fatalf("files %v, want %v", parts, want)
	}

	// Each partition's files hold the other columns; read them back as JSON.
	fromParquet := buildQuery(t, `
CREATE SOURCE pq (user STRING, ms DOUBLE, ts TIMESTAMP, method STRING)
WITH (connector = 'files', path = 'pq', format = 'parquet');
CREATE SINK back WITH (connector = 'files', path = 'back', format = 'json');
INSERT INTO back SELECT user, method, ms, ts FROM pq;
`)
	var got []string
	for _, p := range parts {
		dir := filepath.Join(pq, filepath.Dir(p))
		out := filepath.Join(back, filepath.Dir(p))
		if b, err := exec.Command(fromParquet, "--trigger", "available-now", "--set", "pq.path="+dir, "--set", "back.path="+out).CombinedOutput(); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		for _, l := range committedOutput(t, out) {
			got = append(got, filepath.Dir(p)+" "+l)
		}
	}
	want := []string{
		`day=2024-01-01 {"user":"ann","method":"GET","ms":120.5,"ts":"2024-01-01T12:00:00.000Z"}`,
		`day=2024-01-01 {"user":"bob","method":"POST","ts":"2024-01-01T12:00:01.000Z"}`,
		`day=2024-01-02 {"user":"ann","method":"GET","ms":3.0,"ts":"2024-01-02T08:00:00.000Z"}`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read back (-want +got):\n%s", diff)
	}

	wrong := buildQuery(t, `
CREATE SOURCE pq (user STRING, bytes BIGINT)
WITH (connector = 'files', path = 'pq', format = 'parquet');
CREATE SINK out WITH (connector = 'console');
INSERT INTO out SELECT user, bytes FROM pq;
`)
	b, err := exec.Command(wrong, "--trigger", "available-now", "--set", "pq.path="+filepath.Join(pq, "day=2024-01-01")).CombinedOutput()
	if err == nil || !strings.Contains(string(b), fmt.Sprintf(`%s: column "bytes" not found`, filepath.Join(pq, "day=2024-01-01", "part-00000-pq.parquet"))) {
		t.Errorf("a missing column: %v\n%s", err, b)
	}
}
