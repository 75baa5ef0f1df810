// Package proc starts and stops the child processes of the emulators and tools the same
// way on Linux, macOS and Windows: a child in a group of its own (so that stopping it
// also stops what it started, a JVM's or the RIE's function), a child that dies with its
// parent where the kernel can promise it (Linux), and an exclusive lock on a file (one
// first-time install among parallel test processes).
package proc
