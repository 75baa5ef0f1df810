//go:build linux

package proc

import (
	"os/exec"
	"syscall"
)

// DieWithParent has the kernel kill the child when this process dies, even by SIGKILL,
// so that no emulator outlives a killed test binary.
func DieWithParent(cmd *exec.Cmd) {
	attrs(cmd).Pdeathsig = syscall.SIGKILL
}
