//go:build unix

package codec

import (
	"syscall"
	"time"
)

// cpuTime is the process's user+system CPU time; benchmarks report rows per CPU second
// because the machine is shared and wall-clock numbers swing with other load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
