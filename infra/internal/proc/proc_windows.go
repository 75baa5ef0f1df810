//go:build windows

package proc

import (
	"os"
	"os/exec"
	"strconv"
	"syscall"

	"golang.org/x/sys/windows"
)

// OwnGroup starts the child in a new process group, so that a Ctrl-C in the console
// reaches this process only and it stops the child itself.
func OwnGroup(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.CreationFlags |= windows.CREATE_NEW_PROCESS_GROUP
}

// Terminate ends the child and its descendants: Windows has no SIGTERM for a console
// program that another process can send, so it is Kill.
func Terminate(p *os.Process) error { return Kill(p) }

// Kill ends the child and its descendants (taskkill /T), or the child alone when
// taskkill fails.
func Kill(p *os.Process) error {
	if exec.Command("taskkill", "/T", "/F", "/PID", strconv.Itoa(p.Pid)).Run() == nil {
		return nil
	}
	return p.Kill()
}

// Lock holds an exclusive lock on f until Unlock, waiting for another holder.
func Lock(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, new(windows.Overlapped))
}

// Unlock releases Lock.
func Unlock(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, new(windows.Overlapped))
}
