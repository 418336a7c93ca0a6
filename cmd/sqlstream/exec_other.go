//go:build !unix

package main

import "errors"

// execProgram is not available: the program runs as a child process.
func execProgram(bin, argv0 string, args []string) error {
	return errors.ErrUnsupported
}
