// Package difftest checks sqlstream against an independent SQL engine: each query runs as a
// stream over several batches, and its final result must equal SQLite's over all the data.
//
// The tests live in diff_test.go; where SQLite's semantics differ from sqlstream's documented
// ones, the query generator writes the SQLite form differently, in one place (sqliteForm).
package difftest
