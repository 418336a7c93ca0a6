// Command genlines writes a file of random lines into a directory at an interval, like the
// Spark Structured Streaming course's generate_lines.py, to feed examples/line_lengths.sql.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sqlstream/sqlstream/runtime/atomicfile"
)

const usage = `usage: genlines [-dir DIR] [-every 1s] [-lines 100] [-count N] [-seed 1]

Writes a file of random lines (words of varying length, some of them not ASCII) into DIR
every interval, until -count files are written or it is interrupted. Each file is written
under a dot-name in DIR and renamed to lines-<n>.txt when complete, so a files source, which
skips dot-files, never reads half a file; n continues after the files already in DIR. The
same -seed writes the same lines.

example:
  go run ./examples/cmd/genlines -dir /tmp/text &
  go run ./cmd/sqlstream run examples/line_lengths.sql

flags:
`

// words are drawn at random; the non-ASCII ones check that lengths count characters.
var words = []string{
	"a", "to", "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "stream",
	"batch", "window", "watermark", "spark", "go", "sql", "trigger", "checkpoint",
	"café", "naïve", "日本", "façade", "über", "smörgåsbord", "Ελλάδα", "🙂",
}

type config struct {
	dir   string
	every time.Duration
	lines int
	count int // 0: until the context is cancelled
	seed  uint64
}

func main() {
	var c config
	flag.StringVar(&c.dir, "dir", "/tmp/text", "directory to write files into (created if missing)")
	flag.DurationVar(&c.every, "every", time.Second, "interval between files")
	flag.IntVar(&c.lines, "lines", 100, "lines per file")
	flag.IntVar(&c.count, "count", 0, "number of files to write (0: until interrupted)")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed: the same seed writes the same lines")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	// Stop between two files on SIGINT or SIGTERM, never in the middle of one.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := generate(ctx, c); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "genlines:", err)
		os.Exit(1)
	}
}

// generate writes c.count files (or until ctx is done) of c.lines random lines into c.dir.
func generate(ctx context.Context, c config) error {
	switch {
	case c.lines < 0:
		return fmt.Errorf("-lines must not be negative, got %d", c.lines)
	case c.count < 0:
		return fmt.Errorf("-count must not be negative, got %d", c.count)
	case c.every < 0:
		return fmt.Errorf("-every must not be negative, got %v", c.every)
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	first, err := nextNumber(c.dir)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(c.seed, c.seed^0x9e3779b97f4a7c15))
	var next <-chan time.Time
	for i := 0; c.count == 0 || i < c.count; i++ {
		if i > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-next:
			}
		}
		next = time.After(c.every)
		name := fmt.Sprintf("lines-%06d.txt", first+i)
		if err := atomicfile.Write(filepath.Join(c.dir, name), text(r, c.lines)); err != nil {
			return err
		}
	}
	return nil
}

// nextNumber returns the number after the highest of the lines-<n>.txt files in dir (1 when
// there is none), so that a restarted genlines never overwrites a file a source has read.
func nextNumber(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	last := 0
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), "lines-")
		if digits, ok = strings.CutSuffix(digits, ".txt"); !ok {
			continue
		}
		if n, err := strconv.Atoi(digits); err == nil && n > last {
			last = n
		}
	}
	return last + 1, nil
}

// text returns n lines of 0 to 15 random words.
func text(r *rand.Rand, n int) []byte {
	var b strings.Builder
	for range n {
		k := r.IntN(16)
		for i := range k {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
