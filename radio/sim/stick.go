// Package sim simulates the receivers and radio modules meterwire drives,
// each speaking its real host protocol on a real pseudo-terminal, joined by
// a simulated radio channel (Air). Tests run the real drivers against them;
// `meterwire simulate` offers them to users without hardware.
package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Device is the device side of a simulated stick: Serve speaks the host
// protocol on port until the port fails or ctx ends. Serve is called again
// each time the stick is plugged back in; state that outlives an unplug
// (registers, keys) belongs in the Device.
type Device interface {
	Serve(ctx context.Context, port io.ReadWriter) error
}

// Stick is a simulated USB stick: a pty whose device side runs a Device,
// reachable under a stable path (a symbolic link to the pty) so that it can
// be unplugged and plugged in again like real hardware.
type Stick struct {
	link string
	dev  Device

	mu       sync.Mutex
	master   *os.File
	tty      *os.File // held open so the device side never sees a hangup
	cancel   context.CancelFunc
	done     chan struct{}
	serveErr error
}

// NewStick creates a pty, links it at link (which must not exist or be a
// link a previous Stick left) and starts dev on it.
func NewStick(link string, dev Device) (*Stick, error) {
	s := &Stick{link: link, dev: dev}
	if err := s.Plug(); err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the stable path drivers open.
func (s *Stick) Path() string { return s.link }

// Plug creates a fresh pty behind the path and starts the device on it.
// Plugging a plugged stick does nothing.
func (s *Stick) Plug() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.master != nil {
		return nil
	}
	master, tty, err := pty.Open()
	if err != nil {
		return fmt.Errorf("sim: open pty: %w", err)
	}
	if err := makeRaw(tty); err != nil {
		master.Close()
		tty.Close()
		return err
	}
	if master, err = pollable(master); err != nil {
		tty.Close()
		return err
	}
	_ = os.Remove(s.link)
	if err := os.Symlink(tty.Name(), s.link); err != nil {
		master.Close()
		tty.Close()
		return fmt.Errorf("sim: link pty: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.master, s.tty, s.cancel, s.done = master, tty, cancel, make(chan struct{})
	port := &stickPort{File: master, tty: tty}
	go func(done chan struct{}) {
		defer close(done)
		err := s.dev.Serve(ctx, port)
		s.mu.Lock()
		if ctx.Err() == nil && err != nil && !errors.Is(err, os.ErrClosed) {
			s.serveErr = err
		}
		s.mu.Unlock()
	}(s.done)
	return nil
}

// Unplug removes the path and closes the pty: the driver's reads fail as
// they do when a USB stick is pulled. Unplugging an unplugged stick does
// nothing.
func (s *Stick) Unplug() {
	s.mu.Lock()
	if s.master == nil {
		s.mu.Unlock()
		return
	}
	_ = os.Remove(s.link)
	s.cancel()
	s.master.Close()
	s.tty.Close()
	done := s.done
	s.master, s.tty = nil, nil
	s.mu.Unlock()
	<-done
}

// Err is the error the device's Serve returned on its own (a protocol
// violation it could not go on after), nil if none.
func (s *Stick) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveErr
}

// Close unplugs the stick for good.
func (s *Stick) Close() error {
	s.Unplug()
	return s.Err()
}

// stickPort is the device side of a plugged stick: the pty master, and
// the tty the host reads, to tell when the host has read everything.
type stickPort struct {
	*os.File
	tty *os.File
}

// drainLimit bounds Drain: a device whose host stopped reading goes on
// after it, as one on a serial line does.
const drainLimit = time.Second

// Drain waits until the host has read everything the device wrote (or ctx
// ends, the stick is unplugged, or drainLimit passes). On a serial line
// the bytes arrive at the host as they are sent; a pty keeps them until
// the host reads, so a device that pauses after some output (noise, then a
// frame) drains first for the host to see the pause as one.
func (p *stickPort) Drain(ctx context.Context) error {
	rc, err := p.tty.SyscallConn()
	if err != nil {
		return nil
	}
	deadline := time.Now().Add(drainLimit)
	for {
		unread := false
		cerr := rc.Control(func(fd uintptr) {
			// poll runs the pty's pending input through the line
			// discipline before it answers (n_tty_poll), so "nothing to
			// read" covers bytes still on their way too.
			fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(fds, 0)
			unread = err == nil && n > 0 && fds[0].Revents&unix.POLLIN != 0
		})
		if cerr != nil || !unread || time.Now().After(deadline) {
			return nil // unplugged, read, or given up on
		}
		t := time.NewTimer(time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}

// makeRaw puts the tty in raw mode (no echo, no line editing, no CR/LF
// translation), as a serial port is.
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return fmt.Errorf("sim: get termios: %w", err)
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return fmt.Errorf("sim: set termios: %w", err)
	}
	return nil
}

// pollable returns f as a non-blocking file in Go's poller, so that Close
// interrupts a Read in progress (a blocking pty master would keep the
// device goroutine, and the pty, alive).
func pollable(f *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("sim: dup pty: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sim: pty non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}
