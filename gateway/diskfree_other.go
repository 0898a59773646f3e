//go:build !unix

package gateway

import "errors"

// diskFree is not implemented here: the disk guard stays off.
func diskFree(string) (int64, error) { return 0, errors.ErrUnsupported }
