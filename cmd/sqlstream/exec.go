package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// execute runs the built program bin with args, as argv0, and returns its exit status.
//
// When the program gets sqlstream's own standard streams (the CLI, on Unix), sqlstream
// replaces itself with it: the program then receives SIGINT and SIGTERM first hand and
// stops after the batch in progress, and its exit status is run's. Forwarding signals from
// a parent process instead would deliver a terminal's Ctrl-C twice (the terminal signals the
// whole process group), and the program takes a second signal as "abort now".
func execute(bin, argv0 string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if stdin == os.Stdin && stdout == os.Stdout && stderr == os.Stderr {
		err := execProgram(bin, argv0, args) // returns only on failure
		if !errors.Is(err, errors.ErrUnsupported) {
			fmt.Fprintf(stderr, "sqlstream: run %s: %v\n", bin, err)
			return exitFail
		}
	}
	return child(bin, argv0, args, stdin, stdout, stderr)
}

// child runs the program as a child process, passing on the SIGINT and SIGTERM that
// sqlstream receives. It serves callers with their own streams (tests) and Windows, where a
// console's Ctrl-C reaches the program directly and forwarding it fails harmlessly.
func child(bin, argv0 string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := exec.Command(bin, args...)
	cmd.Args[0] = argv0
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.WaitDelay = time.Second // do not wait for a stdin that never ends once the program exited
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "sqlstream: run %s: %v\n", bin, err)
		return exitFail
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()) // as a shell reports it
		}
		return exit.ExitCode()
	}
	fmt.Fprintf(stderr, "sqlstream: run %s: %v\n", bin, err)
	return exitFail
}
