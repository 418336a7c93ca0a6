package runtime

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar is the terminal progress bar of an AVAILABLE NOW run: done of total from the
// sources' backlogs, rows/s and an ETA, redrawn in place on stderr after each batch. It is
// shown only when stderr is a terminal and --progress is none, so that it never mixes with
// progress records or lands in a log file.
type progressBar struct {
	w       io.Writer
	began   time.Time
	rows    int64
	drawn   bool
	lastLen int
}

// isTerminal reports whether w is a character device (a terminal), as os.Stderr is when
// nothing redirects it.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// update redraws the bar after a batch of rows over the sources' backlogs.
func (b *progressBar) update(rows int64, logs []Backlog, now time.Time) {
	if b.began.IsZero() {
		b.began = now
	}
	b.rows += rows
	line := renderBar(sumBacklogs(logs), b.rows, now.Sub(b.began))
	pad := ""
	if n := b.lastLen - len(line); n > 0 {
		pad = strings.Repeat(" ", n) // erase the rest of a longer line before
	}
	b.lastLen = len(line)
	fmt.Fprintf(b.w, "\r%s%s", line, pad)
	b.drawn = true
}

// done ends the bar's line.
func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

func sumBacklogs(logs []Backlog) Backlog {
	var s Backlog
	for _, l := range logs {
		if s.Unit == "" {
			s.Unit = l.Unit
		} else if l.Unit != s.Unit {
			s.Unit = "parts" // files of one source, offsets of another
		}
		s.Done += l.Done
		s.Total += l.Total
		s.DoneBytes += l.DoneBytes
		s.TotalBytes += l.TotalBytes
	}
	return s
}

// renderBar is the bar's text: by bytes when they are known, else by units.
func renderBar(l Backlog, rows int64, elapsed time.Duration) string {
	done, total := float64(l.Done), float64(l.Total)
	if l.TotalBytes > 0 {
		done, total = float64(l.DoneBytes), float64(l.TotalBytes)
	}
	frac := 1.0
	if total > 0 {
		frac = min(1, done/total)
	}
	const width = 24
	fill := int(frac*width + 0.5)
	s := fmt.Sprintf("[%s%s] %3.0f%% %d/%d %s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, l.Done, l.Total, l.Unit)
	if l.TotalBytes > 0 {
		s += fmt.Sprintf(", %s/%s", bytesText(l.DoneBytes), bytesText(l.TotalBytes))
	}
	if sec := elapsed.Seconds(); sec > 0 {
		s += fmt.Sprintf(", %s rows/s", countText(float64(rows)/sec))
	}
	if frac > 0 && frac < 1 {
		s += ", ETA " + (time.Duration(float64(elapsed) * (1 - frac) / frac)).Round(time.Second).String()
	}
	return s
}

func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[i])
}

func countText(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// updateBar redraws the query's bar after a batch, creating it at the first one of an
// AVAILABLE NOW run whose sources tell their backlog.
func (b *batchRun) updateBar(p Progress) {
	if !b.barOK || b.trigger.Kind != TriggerAvailableNow {
		return
	}
	var logs []Backlog
	for _, s := range b.srcs {
		if bl, ok := s.src.(Backlogger); ok {
			logs = append(logs, bl.Backlog())
		}
	}
	if len(logs) == 0 {
		return
	}
	if b.bar == nil {
		b.bar = &progressBar{w: b.stderr, began: b.startedAt}
	}
	b.bar.update(p.NumInputRows, logs, time.Now())
}
