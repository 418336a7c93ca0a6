package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/sqlstream/sqlstream/golden"
	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/memory"
)

// TestRetry: a lost connection is retried with a warning and a reset until it succeeds; a
// final error is returned at once; retrying stops after retryFor with the last error.
func TestRetry(t *testing.T) {
	lost := rt.ConnectionLost(errors.New("conn closed"))
	var log bytes.Buffer
	calls, resets := 0, 0
	err := rt.Retry(context.Background(), &log, time.Minute, "reading", rt.IsConnectionLost, func() { resets++ }, func(context.Context) error {
		if calls++; calls < 3 {
			return lost
		}
		return nil
	})
	if err != nil || calls != 3 || resets != 2 || strings.Count(log.String(), "warning: conn closed; reading again in") != 2 {
		t.Errorf("two lost connections, then success: err %v, %d calls, %d resets, log:\n%s", err, calls, resets, log.String())
	}

	calls = 0
	final := errors.New("no such table")
	err = rt.Retry(context.Background(), nil, time.Minute, "reading", rt.IsConnectionLost, nil, func(context.Context) error { calls++; return final })
	if err != final || calls != 1 {
		t.Errorf("a final error: got %v after %d calls, want it at once", err, calls)
	}

	calls = 0
	err = rt.Retry(context.Background(), nil, 250*time.Millisecond, "reading", rt.IsConnectionLost, nil, func(context.Context) error { calls++; return lost })
	if !rt.IsConnectionLost(err) || !strings.Contains(err.Error(), "conn closed (gave up after retrying for 250ms)") || calls != 2 {
		t.Errorf("lost for good: got %v after %d calls, want it after 2 (100ms, then 200ms more is past 250ms)", err, calls)
	}

	calls = 0
	err = rt.Retry(context.Background(), nil, 0, "reading", rt.IsConnectionLost, nil, func(context.Context) error { calls++; return lost })
	if err != lost || calls != 1 {
		t.Errorf("retryFor 0: got %v after %d calls, want the error at once", err, calls)
	}
}

// TestLookupCacheRetriesALostConnection: a fetch that loses its connection is run again,
// and only the answer of the one that succeeds is used and cached.
func TestLookupCacheRetriesALostConnection(t *testing.T) {
	var log bytes.Buffer
	calls := 0
	c := rt.NewLookupCache(rt.LookupOptions{Rows: 10, RetryFor: time.Minute, Log: &log}, func(keys []int64) (map[int64][]string, error) {
		if calls++; calls == 1 {
			return map[int64][]string{1: {"half read"}}, rt.ConnectionLost(errors.New("server closed the connection"))
		}
		return map[int64][]string{1: {"one"}}, nil
	})
	into := map[int64][]string{}
	if err := c.Get([]int64{1, 2}, into); err != nil {
		t.Fatal(err)
	}
	if calls != 2 || len(into[1]) != 1 || into[1][0] != "one" || into[2] != nil || c.Len() != 2 {
		t.Errorf("%d fetches, got %v with %d cached; want 2 fetches, 1 → [one], 2 absent, both cached", calls, into, c.Len())
	}
	if !strings.Contains(log.String(), "warning: server closed the connection; looking up again in 100ms") {
		t.Errorf("no warning of the retry:\n%s", log.String())
	}
}

// flakySource is a database table's source whose first reads lose the connection after
// handing over part of the rows, as a server stopping in the middle of a load does.
type flakySource struct {
	fail *atomic.Int32 // reads left to fail
}

func (s flakySource) Next(_ context.Context, start rt.Offset, _ bool) (rt.Offset, error) {
	if start != nil {
		return nil, nil
	}
	return rt.Offset(`"all"`), nil
}

func (s flakySource) Read(_ context.Context, _, _ rt.Offset, emit func(*rt.Chunk) error) error {
	if err := emit(&rt.Chunk{Origin: "db", Line: 1, Data: []byte("a,1\n"), Records: 1}); err != nil {
		return err
	}
	if s.fail.Add(-1) >= 0 {
		return rt.ConnectionLost(errors.New("server closed the connection"))
	}
	return emit(&rt.Chunk{Origin: "db", Line: 2, Data: []byte("b,2\n"), Records: 1})
}

func (flakySource) Close() error { return nil }

// TestTableLoadRetriesALostConnection: a load that loses its connection half-way is run
// again from the start into a new builder, and only the whole load is installed and
// reported; with the connection lost for longer than retry_timeout, the program fails.
func TestTableLoadRetriesALostConnection(t *testing.T) {
	for _, c := range []struct {
		fails   int32
		timeout string
	}{{2, "1m"}, {100, "250ms"}} {
		stream := t.TempDir()
		addFile(t, stream, "keys.txt", "a\nb\nc\n")
		dim := &dimTable{format: "csv"}
		p, out := joinProgram(t, stream, once, dim, nil)
		var fails atomic.Int32
		fails.Store(c.fails)
		ts := &p.Queries[0].Tables[0]
		ts.Source = rt.Endpoint{Connector: "postgres", Options: map[string]string{"dsn": "unused", "retry_timeout": c.timeout}}
		ts.OpenSource = func(context.Context, rt.Endpoint) (rt.Source, error) { return flakySource{&fails}, nil }
		_, errs, err := run(t, p, "--progress", "text")
		if c.fails > 10 {
			if err == nil || !strings.Contains(err.Error(), "table dim: load: server closed the connection (gave up after retrying for 250ms)") {
				t.Errorf("lost for good: got %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := joined(memory.Table(out)); got != "a=1 b=2 c=<none>" || dim.loads.Load() != 3 {
			t.Errorf("joined %q after %d loads, want a=1 b=2 c=<none> after 3", got, dim.loads.Load())
		}
		if strings.Count(errs, "server closed the connection; loading again in") != 2 || !strings.Contains(errs, "table dim: loaded 2 rows (0 malformed)") {
			t.Errorf("stderr should tell of 2 retries and one load of 2 rows:\n%s", errs)
		}
	}
}
