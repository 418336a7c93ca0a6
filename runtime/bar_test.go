package runtime

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestRenderBar(t *testing.T) {
	for _, c := range []struct {
		l       Backlog
		rows    int64
		elapsed time.Duration
		want    string
	}{
		{Backlog{Done: 1, Total: 4, Unit: "files", DoneBytes: 1 << 20, TotalBytes: 4 << 20}, 50000, 2 * time.Second,
			"[======                  ]  25% 1/4 files, 1.0 MiB/4.0 MiB, 25.0k rows/s, ETA 6s"},
		{Backlog{Done: 3, Total: 3, Unit: "files", DoneBytes: 10, TotalBytes: 10}, 3, time.Second,
			"[========================] 100% 3/3 files, 10 B/10 B, 3 rows/s"},
		// Without sizes, by units.
		{Backlog{Done: 1, Total: 2, Unit: "offsets"}, 10, time.Second, "[============            ]  50% 1/2 offsets, 10 rows/s, ETA 1s"},
		{Backlog{Unit: "files"}, 0, 0, "[========================] 100% 0/0 files"},
	} {
		if got := renderBar(c.l, c.rows, c.elapsed); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
	if s := sumBacklogs([]Backlog{{Done: 1, Total: 2, Unit: "files"}, {Done: 5, Total: 9, Unit: "offsets"}}); s.Unit != "parts" || s.Done != 6 || s.Total != 11 {
		t.Errorf("sum %+v", s)
	}
}

// TestBarRedrawsInPlace: each update rewrites the line after a carriage return, padding a
// shorter line over a longer one, and done ends the line.
func TestBarRedrawsInPlace(t *testing.T) {
	var w bytes.Buffer
	b := &progressBar{w: &w}
	now := time.Now()
	b.update(1000, []Backlog{{Done: 1, Total: 2, Unit: "files", DoneBytes: 5, TotalBytes: 10}}, now)
	b.update(5, []Backlog{{Done: 2, Total: 2, Unit: "files", DoneBytes: 10, TotalBytes: 10}}, now.Add(time.Second))
	b.done()
	lines := strings.Split(w.String(), "\r")
	if len(lines) != 3 || !strings.HasSuffix(w.String(), "\n") || len(lines[2]) < len(lines[1]) {
		t.Errorf("%q", w.String())
	}
	if !strings.Contains(lines[2], "100% 2/2 files") || !strings.Contains(lines[2], "1005 rows/s") {
		t.Errorf("last: %q", lines[2])
	}
	if isTerminal(&w) {
		t.Error("a buffer is not a terminal")
	}
}
