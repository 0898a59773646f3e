//go:build unix

package gateway

import "golang.org/x/sys/unix"

// diskFree returns the bytes available to this process on the file system
// holding path.
func diskFree(path string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
