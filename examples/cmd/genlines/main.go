// Command genlines writes a file of random lines into a directory at a fixed interval, like
// the generate_lines.py script of the Spark Structured Streaming course, for line_lengths.sql.
//
// Each file is written under a dot-name and renamed into place, so a files source never sees
// it half-written.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

var words = []string{
	"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "stream", "batch",
	"window", "watermark", "spark", "go", "sql", "café", "naïve", "日本", "façade", "über",
}

func main() {
	dir := flag.String("dir", "/tmp/text", "directory to write files into (created if missing)")
	every := flag.Duration("every", time.Second, "interval between files")
	lines := flag.Int("lines", 100, "lines per file")
	count := flag.Int("count", 0, "number of files to write (0: until interrupted)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := generate(*dir, *every, *lines, *count, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genlines:", err)
		os.Exit(1)
	}
}

func generate(dir string, every time.Duration, lines, count int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for n := 1; count == 0 || n <= count; n++ {
		if n > 1 {
			time.Sleep(every)
		}
		var b strings.Builder
		for range lines {
			k := 1 + r.IntN(12)
			for i := range k {
				if i > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(words[r.IntN(len(words))])
			}
			b.WriteByte('\n')
		}
		name := fmt.Sprintf("lines-%d-%06d.txt", time.Now().UnixMilli(), n)
		tmp := filepath.Join(dir, ".tmp-"+name)
		if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}
