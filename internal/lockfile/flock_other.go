//go:build !unix

package lockfile

import (
	"errors"
	"os"
)

var errWouldBlock = errors.New("would block")

// lock is not implemented here: on systems without flock the data
// directory is not protected.
func lock(*os.File) error { return nil }
