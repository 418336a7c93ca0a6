package sqlfn

import "math"

// Moments accumulates the count, mean and sum of squared deviations of a group's values
// (Welford's method), mergeable across workers; the variance aggregates read it.
type Moments struct {
	N    int64
	Mean float64
	M2   float64
}

// Add adds a value.
func (m *Moments) Add(x float64) {
	m.N++
	d := x - m.Mean
	m.Mean += d / float64(m.N)
	m.M2 += d * (x - m.Mean)
}

// Merge adds the values o has seen (Chan et al.'s parallel formula).
func (m *Moments) Merge(o Moments) {
	if o.N == 0 {
		return
	}
	if m.N == 0 {
		*m = o
		return
	}
	n := m.N + o.N
	d := o.Mean - m.Mean
	m.Mean += d * float64(o.N) / float64(n)
	m.M2 += o.M2 + d*d*float64(m.N)*float64(o.N)/float64(n)
	m.N = n
}

// VarSamp is the sample variance (N ≥ 2), VarPop the population variance (N ≥ 1).
func (m *Moments) VarSamp() float64 { return m.M2 / float64(m.N-1) }
func (m *Moments) VarPop() float64  { return m.M2 / float64(m.N) }

// StddevSamp and StddevPop are their square roots.
func (m *Moments) StddevSamp() float64 { return math.Sqrt(m.VarSamp()) }
func (m *Moments) StddevPop() float64  { return math.Sqrt(m.VarPop()) }
