//go:build unix

package main

import (
	"os"
	"syscall"
)

// execProgram replaces the sqlstream process with the program.
func execProgram(bin, argv0 string, args []string) error {
	return syscall.Exec(bin, append([]string{argv0}, args...), os.Environ())
}
