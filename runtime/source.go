package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
)

// Offset is a source's position, as JSON so that a checkpoint can record it. A batch reads
// the records between two offsets; reading the same pair again yields the same records.
type Offset = json.RawMessage

// Source is an unbounded, replayable input.
//
// Next decides the next batch: the end offset of the new data after start (nil start: the
// beginning), or nil when there is nothing new yet. With limit, it honours the source's
// per-trigger limit (such as max_files_per_trigger); TRIGGER ONCE passes false. Read delivers
// the records between start and end as chunks of whole lines, in order, on one goroutine.
// Close releases the source. Next and Read are never called concurrently.
type Source interface {
	Next(ctx context.Context, start Offset, limit bool) (end Offset, err error)
	Read(ctx context.Context, start, end Offset, emit func(*Chunk) error) error
	Close() error
}

// Freezer is implemented by sources that can fix what "available now" means: after Freeze,
// Next returns nothing beyond the data present at the call. TRIGGER AVAILABLE NOW uses it.
type Freezer interface {
	Freeze(ctx context.Context) error
}

// Sink receives the output of every batch. Write is called once per batch, in batch order,
// from one goroutine; rows is valid only during the call. A sink that fails returns an error,
// which stops the query. Close flushes and releases it.
type Sink interface {
	Write(ctx context.Context, batchID int64, rows Rows) error
	Close() error
}

// ChunkSize is the size of the blocks files are read in.
const ChunkSize = 1 << 20

var chunkPool = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// release returns a chunk's buffer to the pool once a worker is done with it.
func (c *Chunk) release() {
	if c.buf != nil {
		chunkPool.Put(c.buf)
		c.buf = nil
	}
}

// ReadLines reads r in large blocks and emits chunks of whole lines, with line numbers for
// error messages. origin names r (a file path) in those messages.
func ReadLines(r io.Reader, origin string, emit func(*Chunk) error) error {
	line := int64(1)
	var carry []byte
	for {
		bp := chunkPool.Get().(*[]byte)
		buf := *bp
		if len(carry) >= len(buf)/2 {
			// A line longer than half a chunk: grow this buffer for it.
			buf = make([]byte, 2*len(carry)+ChunkSize)
			*bp = buf
		}
		n := copy(buf, carry)
		m, err := io.ReadFull(r, buf[n:])
		n += m
		eof := err == io.EOF || err == io.ErrUnexpectedEOF
		if err != nil && !eof {
			chunkPool.Put(bp)
			return fmt.Errorf("read %s: %w", origin, err)
		}
		data := buf[:n]
		cut := len(data)
		if !eof {
			cut = bytes.LastIndexByte(data, '\n') + 1
			if cut == 0 {
				// no newline in a full buffer: keep reading into a bigger one
				carry = append(carry[:0], data...)
				chunkPool.Put(bp)
				continue
			}
		}
		carry = append(carry[:0], data[cut:]...)
		if cut > 0 {
			c := &Chunk{Data: data[:cut], Origin: origin, Line: line, buf: bp}
			line += int64(bytes.Count(c.Data, []byte{'\n'}))
			if err := emit(c); err != nil {
				return err
			}
		} else {
			chunkPool.Put(bp)
		}
		if eof {
			return nil
		}
	}
}

// ReadFile emits the lines of the file at path as chunks.
func ReadFile(path string, emit func(*Chunk) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return ReadLines(f, path, emit)
}
