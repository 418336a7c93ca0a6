package runtime

import (
	"strings"
	"testing"
)

func TestWatermarksMinHeldBackThenMonotonic(t *testing.T) {
	w := NewWatermarks(10, 5, NoWatermark)
	if err := w.setPolicy("", 3); err != nil {
		t.Fatal(err)
	}
	w.Observe(0, 100)
	w.Observe(2, 1_000_000) // a source without a watermark takes no part
	if got := w.Advance(); got != NoEventTime {
		t.Errorf("source 1 has no rows yet: it holds the minimum back (Spark's rule); got %d", got)
	}
	w.Observe(1, 50)
	if got := w.Advance(); got != 45 {
		t.Errorf("min(100-10, 50-5) = 45, got %d", got)
	}
	w.SetIdle(1, true)
	if got := w.Advance(); got != 90 {
		t.Errorf("source 1 idle: source 0 alone, 90; got %d", got)
	}
	// Source 1 delivers again, behind: it counts again, but the watermark stays.
	w.SetIdle(1, false)
	w.Observe(1, 60)
	if got := w.Advance(); got != 90 {
		t.Errorf("the watermark moved back to %d", got)
	}
	w.SetIdle(0, true)
	w.SetIdle(1, true)
	if got := w.Next(); got != 90 {
		t.Errorf("every source idle: the watermark stays; got %d", got)
	}
}

func TestWatermarksMax(t *testing.T) {
	w := NewWatermarks(10, 5)
	if err := w.setPolicy("MAX", 2); err != nil {
		t.Fatal(err)
	}
	w.Observe(0, 100)
	if got := w.Advance(); got != 90 {
		t.Errorf("max: a source without rows holds nothing back; got %d", got)
	}
	w.Observe(1, 200)
	if got := w.Advance(); got != 195 {
		t.Errorf("max(90, 195): got %d", got)
	}
	if err := w.setPolicy("median", 2); err == nil {
		t.Error("an unknown policy is accepted")
	}
	if err := w.setPolicy("min", 3); err == nil || !strings.Contains(err.Error(), "cover 2 sources, and it has 3") {
		t.Errorf("sources miscounted: %v", err)
	}
}

func TestWatermarksSaveAndLoad(t *testing.T) {
	w := NewWatermarks(10, 5)
	w.setPolicy("min", 2)
	w.Observe(0, 100)
	w.Observe(1, 70)
	w.Advance()
	var e StateEncoder
	w.Save(&e)
	e.String("the rest of the query's state")

	r := NewWatermarks(10, 5)
	r.setPolicy("min", 2)
	d := NewStateDecoder(e.buf)
	if err := r.Load(d); err != nil {
		t.Fatal(err)
	}
	if d.String() != "the rest of the query's state" || d.Err() != nil {
		t.Errorf("Load read past its part: %v", d.Err())
	}
	if got, ok := r.Current(); !ok || got != 65 {
		t.Errorf("restored watermark %d %v", got, ok)
	}
	r.Observe(0, 200)
	if got := r.Advance(); got != 65 {
		t.Errorf("source 1's event time was restored too: min(190, 65) = 65, got %d", got)
	}

	other := NewWatermarks(10, 5)
	other.setPolicy("max", 2)
	if err := other.Load(NewStateDecoder(e.buf)); err == nil || !strings.Contains(err.Error(), "watermark policy is min and the query's is max") {
		t.Errorf("policy changed: %v", err)
	}
	three := NewWatermarks(1, 2, 3)
	three.setPolicy("min", 3)
	if err := three.Load(NewStateDecoder(e.buf)); err == nil || !strings.Contains(err.Error(), "2 sources and the query has 3") {
		t.Errorf("sources changed: %v", err)
	}
	if err := r.Load(NewStateDecoder(e.buf[:2])); err == nil {
		t.Error("a short snapshot is accepted")
	}
}

func TestEventTimesMergeAndStats(t *testing.T) {
	var a, b, all EventTimes
	if _, _, _, ok := a.Stats(); ok {
		t.Error("no rows, no stats")
	}
	// Microsecond timestamps of today: their plain sum overflows after a few thousand.
	base := int64(1_764_000_000_000_000)
	for i := int64(0); i < 100_000; i++ {
		ts := base + i*1000
		if i%2 == 0 {
			a.Observe(ts)
		} else {
			b.Observe(ts + 7)
		}
	}
	all.Merge(EventTimes{})
	all.Merge(b)
	all.Merge(a)
	lo, hi, avg, ok := all.Stats()
	if !ok || lo != base || hi != base+99_999*1000+7 || avg != base+49_999_500+3 {
		t.Errorf("min %d max %d avg %d (%v)", lo-base, hi-base, avg-base, ok)
	}
}
