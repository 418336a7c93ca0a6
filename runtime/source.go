package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrEndOfInput is what Source.Next returns when the source will never have more data (the
// end of stdin, a closed socket under a bounded trigger): the query finishes.
var ErrEndOfInput = errors.New("end of input")

// Offset is a source's position, as JSON so that a checkpoint can record it. A batch reads
// the records between two offsets; reading the same pair again yields the same records. Each
// source defines its own offsets (the files source: the list of files of the batch; the rate
// source: a row count); nil is the beginning.
type Offset = json.RawMessage

// Source is an unbounded, replayable input. The engine calls its methods from one goroutine,
// never concurrently.
//
// Next decides the next batch: it returns the end offset of the new data after start, or nil
// when there is nothing new yet. With limit, it honours the source's per-trigger limit (such
// as max_files_per_trigger); TRIGGER ONCE passes false. Next may remember what it handed out
// (the files source marks the batch's files as seen), so each call moves on.
//
// Read delivers the records between start and end as chunks of whole lines, in input order,
// calling emit on the calling goroutine; it stops and returns emit's error if emit fails.
// Read depends on (start, end) alone, not on what Next remembers, so that a checkpoint can
// replay a batch exactly from its recorded offsets. A chunk never spans two partitions (two
// files): Origin and Line locate its first record, for error messages. emit owns the chunk.
//
// Close releases the source; it is called once, after the last batch.
type Source interface {
	Next(ctx context.Context, start Offset, limit bool) (end Offset, err error)
	Read(ctx context.Context, start, end Offset, emit func(*Chunk) error) error
	Close() error
}

// Freezer is implemented by sources that can fix what "available now" means: after Freeze,
// Next returns nothing beyond the data present at the call. The engine calls it before the
// first batch under TRIGGER ONCE and AVAILABLE NOW; a source without it is read until Next
// returns nil.
type Freezer interface {
	Freeze(ctx context.Context) error
}

// Waker is implemented by sources that can tell when new data may have arrived, so that the
// default trigger starts the next batch as soon as it does instead of polling. Wake returns a
// channel that is closed when data may have arrived after the call, or when the input ended;
// a wake-up with nothing new is fine (Next returns nil and the engine waits again). The
// engine calls Wake only after a Next that found nothing, and calls Next again before it
// waits, so data arriving between the two is not missed; a source may stop watching while
// no Wake is pending. nil means the source cannot wait right now (a watcher that failed to
// start): the engine polls it.
type Waker interface {
	Wake() <-chan struct{}
}

// Signal is a broadcast for Waker implementations: the channel Wait returns is closed by the
// next Notify. The zero value is ready; it is safe for concurrent use.
type Signal struct {
	mu sync.Mutex
	ch chan struct{}
}

// Wait returns the channel the next Notify closes.
func (s *Signal) Wait() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil {
		s.ch = make(chan struct{})
	}
	return s.ch
}

// Notify wakes the waiters; a Notify with no waiter costs nothing.
func (s *Signal) Notify() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != nil {
		close(s.ch)
		s.ch = nil
	}
}

// Unreplayable is implemented by sources that cannot read a batch's records again (a socket,
// stdin). With a checkpoint, the query's state and batch ids carry over a restart but such a
// source starts afresh, and the input of a batch that did not commit before a crash is lost.
type Unreplayable interface {
	Unreplayable()
}

// Lagger is implemented by sources that know how far behind their input the query is (the
// files source: files waiting for a later batch). The engine calls Lag after each batch, from
// the goroutine that calls Next: the sqlstream_source_lag metric.
type Lagger interface {
	Lag() int64
}

// LatestReporter is implemented by sources that can tell the latest offset available when
// the last Next ran, past the end it handed out when a per-trigger limit held the batch back
// (Spark's SupportsAdmissionControl.reportLatestOffset): the progress's latestOffset. The
// engine calls it after each batch, from the goroutine that calls Next; a source without it,
// or that returns nil, reports the batch's end, which is then all it has.
type LatestReporter interface {
	ReportLatestOffset() Offset
}

// Backlogger is implemented by sources that can tell, after Freeze, how much of the input
// it fixed the batches so far have taken: the terminal progress bar of AVAILABLE NOW runs.
// The engine calls Backlog after each batch, from the goroutine that calls Next.
type Backlogger interface {
	Backlog() Backlog
}

// Backlog is Done of Total units (files, offsets) and, when the source knows them, of
// TotalBytes bytes (0: unknown).
type Backlog struct {
	Done, Total           int64
	Unit                  string
	DoneBytes, TotalBytes int64
}

// Sink receives the output of every batch. The engine calls its methods from one goroutine.
//
// Write is called once per batch that read data, in batch order, batch ids counting from 0;
// an empty rows is a batch with no output (the console prints an empty table, the files sink
// writes nothing). rows is valid only during the call: a sink copies what it keeps. After a
// failure and restart, the checkpointed engine may call Write again with the id of a batch
// that was written before and the same rows; a sink that wants exactly-once output makes
// that idempotent (the files sink rewrites the batch's file). An error from Write stops the
// program.
//
// Close flushes and releases the sink. It is called once when the query stops, also after
// an error.
type Sink interface {
	Write(ctx context.Context, batchID int64, rows Rows) error
	Close() error
}

// AtLeastOnceSink is a sink that writes every batch it is given, whatever it wrote before
// under the batch's id: after a failure its output may repeat rows, never lose them.
// Asynchronous progress tracking (--async-progress) needs it, since a batch it replays may
// reuse an id with other offsets; a sink whose Write skips or replaces a batch id it has
// seen (a transaction marker, a batch's file) is not one.
type AtLeastOnceSink interface {
	AtLeastOnce() bool
}

// ChunkSize is the size of the blocks files are read in: a chunk holds about this much, cut
// at the last '\n'. A line longer than that makes a chunk of its own.
const ChunkSize = 1 << 20

var chunkPool = sync.Pool{New: func() any { b := make([]byte, ChunkSize); return &b }}

// putBuf returns a buffer to the pool, unless a very long line grew it.
func putBuf(b *[]byte) {
	if cap(*b) <= 4*ChunkSize {
		chunkPool.Put(b)
	}
}

// release returns a chunk's buffer to the pool once a worker is done with it.
func (c *Chunk) release() {
	if c.buf != nil {
		putBuf(c.buf)
		c.buf = nil
	}
}

// ReadLines reads r in blocks of ChunkSize and emits chunks of whole lines (the last line may
// lack its '\n'), with Origin set to origin and Line to the line number of each chunk's first
// record, from 1. The chunks' buffers come from a pool: the engine recycles them after
// Worker.Process. Sources of line-oriented data use it.
//
// A UTF-8 byte order mark at the start is dropped: editors on Windows write one, and it is
// not part of the first record.
func ReadLines(r io.Reader, origin string, emit func(*Chunk) error) error {
	line := int64(1)
	var carry []byte
	first := true
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
			putBuf(bp)
			return fmt.Errorf("read %s: %w", origin, err)
		}
		data := buf[:n]
		cut := len(data)
		if !eof {
			cut = bytes.LastIndexByte(data, '\n') + 1
			if cut == 0 {
				// no newline in a full buffer: keep reading into a bigger one
				carry = append(carry[:0], data...)
				putBuf(bp)
				continue
			}
		}
		carry = append(carry[:0], data[cut:]...)
		if cut > 0 {
			d := data[:cut]
			if first {
				d = bytes.TrimPrefix(d, []byte("\ufeff"))
				first = false
			}
			n := int64(bytes.Count(d, []byte{'\n'}))
			c := &Chunk{Data: d, Origin: origin, Line: line, Records: n, buf: bp}
			if len(d) > 0 && d[len(d)-1] != '\n' {
				c.Records++ // the file's last line, without its '\n'
			}
			line += n
			if err := emit(c); err != nil {
				return err
			}
		} else {
			putBuf(bp)
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

// countOffset is the offset of a source whose position is how many records it has produced
// (rate, socket, stdin).
type countOffset struct {
	Count int64 `json:"count"`
}

// CountOffset is the offset after n records.
func CountOffset(n int64) Offset {
	b, _ := json.Marshal(countOffset{Count: n})
	return b
}

// ParseCountRange reads the offsets of a batch made by CountOffset: the records from..to.
func ParseCountRange(start, end Offset) (from, to int64, err error) {
	if from, err = ParseCount(start); err == nil {
		to, err = ParseCount(end)
	}
	return from, to, err
}

// ParseCount reads an offset made by CountOffset; nil (the beginning) is 0.
func ParseCount(o Offset) (int64, error) {
	if o == nil {
		return 0, nil
	}
	var c countOffset
	if err := json.Unmarshal(o, &c); err != nil {
		return 0, fmt.Errorf("bad offset %s: %w", o, err)
	}
	return c.Count, nil
}
