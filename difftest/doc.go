// Package difftest checks sqlstream against an independent SQL engine: each query runs as a
// stream over several batches, and its final result must equal SQLite's over all the data.
//
// diff_test.go holds the single-stream queries (handwritten and generated), join_test.go the
// stream-static joins (a CSV, a JSON and a small table) and the unions of a CSV and a JSON
// stream, written as join forms × select shapes. Each test builds all of its queries into one
// program, an INSERT per query, and runs it once. Where SQLite's semantics differ from
// Spark's, the SQLite form of a query is written differently, with a comment saying why.
package difftest
