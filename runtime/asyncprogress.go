package runtime

import (
	"sync"

	"github.com/sqlstream/sqlstream/runtime/checkpoint"
)

// asyncLog writes a query's offset and commit logs off the batch's critical path
// (--async-progress, Spark's asyncProgressTrackingEnabled): a batch hands its entry and
// commit over once its output is in the sink, and the next batch starts at once. One
// goroutine writes them, the offsets then the commit, and only the newest batch handed over
// while it was busy: under load the checkpoint is a few batches behind, and a restart runs
// those batches again.
type asyncLog struct {
	cp   *checkpoint.Dir
	mu   sync.Mutex
	next *asyncBatch // the newest batch handed over and not yet written
	err  error       // the first write that failed: it stops the query
	wake chan struct{}
	done chan struct{}
}

type asyncBatch struct {
	e checkpoint.Entry
	c checkpoint.Commit
}

func newAsyncLog(cp *checkpoint.Dir) *asyncLog {
	l := &asyncLog{cp: cp, wake: make(chan struct{}, 1), done: make(chan struct{})}
	go l.run()
	return l
}

// add hands batch e, committed as c, to the writer. It returns the error of an earlier
// write, which ends the query as a failed synchronous write would.
func (l *asyncLog) add(e checkpoint.Entry, c checkpoint.Commit) error {
	e.Async = true
	l.mu.Lock()
	err := l.err
	if err == nil {
		l.next = &asyncBatch{e: e, c: c}
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the writer has a wake-up pending, and takes the newest batch then
	}
	return err
}

func (l *asyncLog) run() {
	defer close(l.done)
	for range l.wake {
		l.mu.Lock()
		b := l.next
		l.next = nil
		failed := l.err != nil
		l.mu.Unlock()
		if b == nil || failed {
			continue
		}
		err := l.cp.Plan(b.e)
		if err == nil {
			err = l.cp.Commit(b.c)
		}
		if err != nil {
			l.mu.Lock()
			l.err = err
			l.mu.Unlock()
		}
	}
}

// close writes the last batch handed over and stops the writer.
func (l *asyncLog) close() error {
	close(l.wake)
	<-l.done
	return l.err
}
