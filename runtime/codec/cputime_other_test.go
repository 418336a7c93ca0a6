//go:build !unix

package codec

import "time"

var start = time.Now()

// cpuTime falls back to wall-clock time where getrusage is unavailable.
func cpuTime() time.Duration { return time.Since(start) }
