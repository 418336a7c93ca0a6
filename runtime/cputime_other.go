//go:build !linux

package runtime

import "time"

// threadCPU is the CPU time of the calling thread, where the system tells it; here it
// does not, and callers take the wall time.
func threadCPU() (time.Duration, bool) { return 0, false }
