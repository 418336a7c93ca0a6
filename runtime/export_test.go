package runtime

import "time"

// SetWaits sets the default trigger's poll interval and wake-up fallback for a test, so that
// a test can make them so long that only a wake-up delivers; restore puts them back.
func SetWaits(poll, fallback time.Duration) (restore func()) {
	p, f := pollInterval, wakeFallback
	pollInterval, wakeFallback = poll, fallback
	return func() { pollInterval, wakeFallback = p, f }
}
