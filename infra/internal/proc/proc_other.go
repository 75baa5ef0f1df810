//go:build !linux

package proc

import "os/exec"

// DieWithParent does nothing where the kernel has no parent-death signal (macOS, the
// BSDs, Windows): a child outlives a parent killed by SIGKILL there; a parent that ends
// normally still stops it with Terminate or Kill.
func DieWithParent(cmd *exec.Cmd) {}
