// Package atomicfile writes a file so that readers see either nothing or all of it: the data
// goes to a dot-file in the same directory, is synced, and is renamed into place.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces the file at path with data (mode 0644). The temporary file starts with
// ".tmp-", so sources that skip dot-files (Spark's convention) never read it half-written;
// one left by a crash stays a dot-file and is ignored.
func Write(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	// The rename is durable once the directory is synced; not every file system allows it.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
