// Package hostlinktest fakes a radio module at the far end of a host link
// for the tests of the drivers built on package hostlink.
package hostlinktest

import (
	"bufio"
	"net"
	"testing"
)

// FakeModule answers the driver's requests over an in-memory pipe: it
// splits what the host writes with split, decodes each message with decode
// (dropping those it cannot) and writes what respond returns for it (raw
// bytes, so tests can send anything). Both ends are closed when the test
// ends.
func FakeModule[M any](t testing.TB, split bufio.SplitFunc, decode func([]byte) (M, int, error), respond func(M) [][]byte) (host, dev net.Conn) {
	t.Helper()
	host, dev = net.Pipe()
	go func() {
		sc := bufio.NewScanner(dev)
		sc.Split(split)
		for sc.Scan() {
			m, _, err := decode(sc.Bytes())
			if err != nil {
				continue
			}
			for _, b := range respond(m) {
				if _, err := dev.Write(b); err != nil {
					return
				}
			}
		}
	}()
	t.Cleanup(func() { host.Close(); dev.Close() })
	return host, dev
}
