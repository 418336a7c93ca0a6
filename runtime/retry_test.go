package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	_ "github.com/sqlstream/sqlstream/golden"
	rt "github.com/sqlstream/sqlstream/runtime"
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
