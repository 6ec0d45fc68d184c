//go:build unix

package visit_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the test process has used, so that a
// benchmark on a shared machine can report its own cost next to the wall clock.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
