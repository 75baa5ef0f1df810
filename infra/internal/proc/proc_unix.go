//go:build unix

package proc

import (
	"os"
	"os/exec"
	"syscall"
)

// OwnGroup makes the child the leader of a new process group, which Terminate and Kill
// reach as a whole.
func OwnGroup(cmd *exec.Cmd) {
	attrs(cmd).Setpgid = true
}

// Terminate asks the child's group to stop (SIGTERM): a JVM closes its files.
func Terminate(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGTERM) }

// Kill ends the child's group at once (SIGKILL).
func Kill(p *os.Process) error { return syscall.Kill(-p.Pid, syscall.SIGKILL) }

// Lock holds an exclusive lock on f until Unlock, waiting for another holder.
func Lock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

// Unlock releases Lock.
func Unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

func attrs(cmd *exec.Cmd) *syscall.SysProcAttr {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	return cmd.SysProcAttr
}
