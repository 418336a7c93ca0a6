package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// ConnectionLost marks err as a lost connection to a database (the server restarted, the
// network dropped): the engine runs what failed again, with a fresh connection, with backoff
// up to the endpoint's retry_timeout. A connector marks only errors after which a new
// attempt can succeed; the server's refusal (a missing table, a bad password) is final.
func ConnectionLost(err error) error { return lostError{err} }

type lostError struct{ error }

func (e lostError) Unwrap() error { return e.error }

// IsConnectionLost reports whether err is marked by ConnectionLost.
func IsConnectionLost(err error) bool {
	var l lostError
	return errors.As(err, &l)
}

// Backoff is the wait before retry attempt (from 0) of a lost connection: 100ms doubling
// up to 5s.
func Backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}

// Retry runs fn until it succeeds, fails with an error retryable refuses, or retryFor has
// passed since the first failure, waiting Backoff between attempts and warning on log (nil:
// silently) that it does what again. reset, if not nil, runs before each retry (it drops
// the connection).
func Retry(ctx context.Context, log io.Writer, retryFor time.Duration, what string, retryable func(error) bool, reset func(), fn func(context.Context) error) error {
	var first time.Time
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		if attempt == 0 {
			first = time.Now()
		}
		wait := Backoff(attempt)
		if time.Since(first)+wait > retryFor {
			if retryFor == 0 {
				return err
			}
			return fmt.Errorf("%w (gave up after retrying for %s)", err, retryFor)
		}
		if log != nil {
			fmt.Fprintf(log, "warning: %v; %s again in %s\n", err, what, wait)
		}
		if reset != nil {
			reset()
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return err
		}
	}
}
