package rate

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	rt "github.com/sqlstream/sqlstream/runtime"
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
		got = append(got, strings.Split(strings.TrimSpace(string(c.Data)), "\n")...)
		return nil
	})
	base := src.start.UnixMicro()
	if len(got) != 5 || got[4] != strconv.FormatInt(base+400000, 10)+",4" {
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
		lines = append(lines, strings.Split(strings.TrimSpace(string(c.Data)), "\n")...)
		return nil
	})
	base := src.start.UnixMicro()
	if len(lines) != 3 || lines[0] != strconv.FormatInt(base+2_000_000, 10)+",2" || firstLine != 3 {
		t.Errorf("rows 2..4: %v (line %d)", lines, firstLine)
	}
	if again, _ := src.Next(ctx, end, true); again != nil {
		t.Errorf("exhausted, got %s", again)
	}
}
