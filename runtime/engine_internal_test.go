package runtime

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestExitCodes(t *testing.T) {
	p := Program{Name: "q.sql"}
	var b strings.Builder
	if exitCode(p, nil, &b) != 0 || exitCode(p, flag.ErrHelp, &b) != 0 {
		t.Error("success and -h exit 0")
	}
	_, err := parseFlags(p, []string{"--nope"}, io.Discard)
	if exitCode(p, err, &b) != 2 || b.Len() != 0 {
		t.Errorf("unknown flag: exit %d, printed %q", exitCode(p, err, &b), b.String())
	}
	if exitCode(p, errors.New("boom"), &b) != 1 || b.String() != "q.sql: boom\n" {
		t.Errorf("error: %q", b.String())
	}
}

func TestNextTriggerSkipsMissedTicks(t *testing.T) {
	base := time.Unix(1000, 0)
	for _, c := range []struct {
		now  time.Duration
		want time.Duration
	}{{0, 2 * time.Second}, {1500 * time.Millisecond, 2 * time.Second}, {2 * time.Second, 4 * time.Second}, {7 * time.Second, 8 * time.Second}} {
		if got := nextTrigger(base.Add(c.now), 2*time.Second).Sub(base); got != c.want {
			t.Errorf("now +%v: next at +%v, want +%v", c.now, got, c.want)
		}
	}
}

func TestReadLinesDropsByteOrderMark(t *testing.T) {
	var got []string
	err := ReadLines(strings.NewReader("\ufeffhé\nx\n"), "f", func(c *Chunk) error {
		got = append(got, string(c.Data))
		return nil
	})
	if err != nil || strings.Join(got, "") != "hé\nx\n" {
		t.Errorf("got %q, %v", got, err)
	}
}
