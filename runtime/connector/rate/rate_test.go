package rate

import (
	"context"
	"strings"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
)

func TestRowsFollowTheClock(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSource(ctx, rt.Endpoint{Name: "r", Options: map[string]string{"rows_per_second": "10"}})
	if err != nil {
		t.Fatal(err)
	}
	src := s.(*source)
	now := src.start
	src.now = func() time.Time { return now }
	if end, _ := src.Next(ctx, nil, true); end != nil {
		t.Fatalf("no rows are due at the start, got %s", end)
	}
	now = now.Add(500 * time.Millisecond)
	end, _ := src.Next(ctx, nil, true)
	var got []string
	src.Read(ctx, nil, end, func(c *rt.Chunk) error {
		got = append(got, strings.Split(strings.TrimSpace(string(c.Text())), "\n")...)
		return nil
	})
	base := src.start.UnixMicro()
	if len(got) != 5 || got[4] != codec.FormatTimestamp(base+400000)+",4" {
		t.Errorf("rows: %v", got)
	}
	if _, err := OpenSource(ctx, rt.Endpoint{Name: "r", Options: map[string]string{"rows_per_second": "0"}}); err == nil {
		t.Error("rows_per_second 0 must be refused")
	}
}

func TestFiniteSourceIsAvailableAtOnceWhenFrozen(t *testing.T) {
	ctx := context.Background()
	s, err := OpenSource(ctx, rt.Endpoint{Name: "r", Options: map[string]string{"rows_per_second": "1", "num_rows": "5"}})
	if err != nil {
		t.Fatal(err)
	}
	src := s.(*source)
	src.Freeze(ctx)
	end, err := src.Next(ctx, nil, true)
	if err != nil || string(end) != string(rt.CountOffset(5)) {
		t.Fatalf("end %s, %v", end, err)
	}
	var lines []string
	var firstLine int64
	src.Read(ctx, rt.CountOffset(2), end, func(c *rt.Chunk) error {
		firstLine = c.Line
		lines = append(lines, strings.Split(strings.TrimSpace(string(c.Text())), "\n")...)
		return nil
	})
	base := src.start.UnixMicro()
	if len(lines) != 3 || lines[0] != codec.FormatTimestamp(base+2_000_000)+",2" || firstLine != 3 {
		t.Errorf("rows 2..4: %v (line %d)", lines, firstLine)
	}
	if again, _ := src.Next(ctx, end, true); again != nil {
		t.Errorf("exhausted, got %s", again)
	}
}

func TestGeneratorRowsAreDeterministic(t *testing.T) {
	ctx := context.Background()
	open := func(seed string) *source {
		s, err := OpenSource(ctx, rt.Endpoint{Name: "g", Connector: "generator",
			Options: map[string]string{"rows_per_second": "10", "num_rows": "50", "seed": seed, "cardinality": "3", "disorder": "2s"},
			Columns: []rt.Column{{Name: "ts", Type: "TIMESTAMP"}, {Name: "user name", Type: "STRING"}, {Name: "n", Type: "BIGINT"},
				{Name: "x", Type: "DOUBLE"}, {Name: "b", Type: "BOOLEAN"}, {Name: "d", Type: "DATE"}}})
		if err != nil {
			t.Fatal(err)
		}
		src := s.(*source)
		src.start = time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
		src.Freeze(ctx)
		return src
	}
	read := func(s *source, from, to int64) []string {
		var lines []string
		s.Read(ctx, rt.CountOffset(from), rt.CountOffset(to), func(c *rt.Chunk) error {
			lines = append(lines, strings.Split(strings.TrimSpace(string(c.Text())), "\n")...)
			return nil
		})
		return lines
	}
	a := read(open("7"), 0, 50)
	if len(a) != 50 {
		t.Fatalf("%d rows", len(a))
	}
	if b := read(open("7"), 10, 20); strings.Join(b, "\n") != strings.Join(a[10:20], "\n") {
		t.Errorf("a replayed range differs:\n%v\n%v", b, a[10:20])
	}
	if c := read(open("8"), 0, 50); strings.Join(c, "\n") == strings.Join(a, "\n") {
		t.Error("another seed gives the same rows")
	}
	users := map[string]bool{}
	for i, l := range a {
		f := strings.Split(l, ",")
		if len(f) != 6 || !strings.HasPrefix(f[1], "username_") || f[5] != "2024-01-01" {
			t.Fatalf("row %d: %q", i, l)
		}
		users[f[1]] = true
		ts, err := time.Parse("2006-01-02 15:04:05.999999", f[0])
		due := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond)
		if err != nil || ts.After(due) || ts.Before(due.Add(-2*time.Second)) {
			t.Errorf("row %d: time %s, due %s, disorder 2s (%v)", i, f[0], due, err)
		}
	}
	if len(users) != 3 {
		t.Errorf("cardinality 3, got users %v", users)
	}
}

// TestRowsAreDueOnTheirTimestamp: row v is available once v/rows_per_second seconds have
// passed, exactly; the count went through float seconds and came out one short (at 290ms
// and 100 rows a second, 28 rows instead of 29).
func TestRowsAreDueOnTheirTimestamp(t *testing.T) {
	s, err := OpenSource(context.Background(), rt.Endpoint{Name: "r", Options: map[string]string{"rows_per_second": "100"}})
	if err != nil {
		t.Fatal(err)
	}
	src := s.(*source)
	for ms := range int64(3000) {
		now := src.start.Add(time.Duration(ms) * time.Millisecond)
		src.now = func() time.Time { return now }
		if got, want := src.available(), ms/10; got != want {
			t.Fatalf("after %dms: %d rows, want %d", ms, got, want)
		}
	}
	// A clock that went back makes no rows rather than a negative count.
	before := src.start.Add(-time.Hour)
	src.now = func() time.Time { return before }
	if got := src.available(); got != 0 {
		t.Errorf("before the start: %d rows", got)
	}
}

// BenchmarkTypedRows measures the sources alone, one goroutine: the rate source's rows and
// the generator's rows of a timestamp, a STRING and a BIGINT column, as typed rows (rows/s).
func BenchmarkTypedRows(b *testing.B) {
	cols := []rt.Column{{Name: "ts", Type: "TIMESTAMP"}, {Name: "user", Type: "STRING"}, {Name: "n", Type: "BIGINT"}}
	for _, c := range []struct {
		connector string
		cols      []rt.Column
	}{{"rate", nil}, {"generator", cols}} {
		b.Run(c.connector, func(b *testing.B) {
			s, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: c.connector,
				Options: map[string]string{"rows_per_second": "1000000", "cardinality": "1000"}, Columns: c.cols})
			if err != nil {
				b.Fatal(err)
			}
			const rows = 1 << 20
			var got int64
			for range b.N {
				err := s.Read(context.Background(), rt.CountOffset(0), rt.CountOffset(rows), func(c *rt.Chunk) error {
					got += c.Records
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			if got != rows*int64(b.N) {
				b.Fatalf("%d rows, want %d", got, rows*int64(b.N))
			}
			b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
