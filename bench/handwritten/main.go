// Command handwritten is the baseline the seed query's generated program is measured
// against: what a skilled engineer writes by hand for "count the lines of each length (in
// characters) in the files of a directory" — large parallel chunked reads, one typed map per
// core, merged at the end. It prints "length count" lines, sorted.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"
	"unsafe"
)

func main() {
	if err := count(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func count(dir string, w io.Writer) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	chunks := make(chan []byte, 2*runtime.NumCPU())
	free := make(chan []byte, 4*runtime.NumCPU()) // recycled read buffers
	results := make(chan map[int32]int64)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := map[int32]int64{}
			for chunk := range chunks {
				c := chunk
				for len(c) > 0 {
					i := bytes.IndexByte(c, '\n')
					var line []byte
					if i < 0 {
						line, c = c, nil
					} else {
						line, c = c[:i], c[i+1:]
					}
					m[int32(utf8.RuneCountInString(unsafe.String(unsafe.SliceData(line), len(line))))]++
				}
				select {
				case free <- chunk[:cap(chunk)]:
				default:
				}
			}
			results <- m
		}()
	}
	go func() { wg.Wait(); close(results) }()
	readErr := make(chan error, 1)
	go func() {
		defer close(chunks)
		for _, e := range entries {
			if err := readFile(filepath.Join(dir, e.Name()), chunks, free); err != nil {
				readErr <- err
				return
			}
		}
		readErr <- nil
	}()
	total := map[int32]int64{}
	for m := range results {
		for k, v := range m {
			total[k] += v
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	keys := make([]int32, 0, len(total))
	for k := range total {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%d %d\n", k, total[k])
	}
	return nil
}

// readFile sends the file in 1 MiB chunks cut at line ends, reusing buffers from free.
func readFile(path string, out chan<- []byte, free chan []byte) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var carry []byte
	for {
		var buf []byte
		select {
		case buf = <-free:
		default:
			buf = make([]byte, 1<<20)
		}
		if len(buf) < len(carry)+1<<19 {
			buf = make([]byte, len(carry)+1<<20)
		}
		n := copy(buf, carry)
		m, err := io.ReadFull(f, buf[n:])
		n += m
		buf = buf[:n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if len(buf) > 0 {
				out <- buf
			}
			return nil
		}
		if err != nil {
			return err
		}
		cut := bytes.LastIndexByte(buf, '\n') + 1
		out <- buf[:cut]
		carry = append([]byte(nil), buf[cut:]...)
	}
}
