//go:build !unix

package checkpoint

import (
	"os"
	"path/filepath"
)

// lock opens the lock file; without flock, two programs on one checkpoint are not detected.
func lock(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o644)
}
