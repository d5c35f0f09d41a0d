//go:build unix

package mongodb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir for as long as the returned file
// stays open. The kernel releases it when the process ends, however it
// ends, so a crash leaves no stale lock behind.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("mongodb: cannot lock data directory %q: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("mongodb: data directory %q is in use by another process (a gateway or a backfill): embedded FerretDB's files cannot be shared; stop that process, or point both at a MongoDB with MONGODB_URI", dir)
		}
		return nil, fmt.Errorf("mongodb: cannot lock data directory %q: %w", dir, err)
	}
	return f, nil
}
