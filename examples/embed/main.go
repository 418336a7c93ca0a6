// Command embed runs a streaming query inside an ordinary Go program: lengths_gen.go is
// generated from lengths.sql by sqlstream gen, and its callback receives typed rows.
//
//	go run ./examples/embed /tmp/text
package main

//go:generate go run github.com/sqlstream/sqlstream/cmd/sqlstream gen -o lengths_gen.go lengths.sql

import (
	"context"
	"fmt"
	"io"
	"os"

	rt "github.com/sqlstream/sqlstream/runtime"
)

func main() {
	dir := "/tmp/text"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := run(context.Background(), dir, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// run counts the lines of the files in dir by length, printing each batch's changes.
func run(ctx context.Context, dir string, w io.Writer) error {
	q := NewLengths(LengthsSinks{
		OnCountsBatch: func(ctx context.Context, batch int64, rows []CountsRow) error {
			for _, r := range rows {
				fmt.Fprintf(w, "batch %d: %d lines of %d characters\n", batch, r.Lines, r.Len)
			}
			return nil
		},
	}, rt.WithSet("lines", "path", dir), rt.WithTrigger("available-now"))
	if err := q.Run(ctx); err != nil {
		return err
	}
	for _, r := range q.LongestTable() {
		fmt.Fprintf(w, "long line (%d characters, %d vowels): %s\n", r.Len, r.Vowels, r.Value)
	}
	return nil
}
