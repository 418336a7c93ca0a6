// Package latency measures how long a record takes through a running query: from the moment
// its input appears to the moment the sink receives it, as p50/p99/max over many records.
package latency

//go:generate go run github.com/sqlstream/sqlstream/cmd/sqlstream gen -o window_gen.go window.sql
