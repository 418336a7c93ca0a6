// Package parquet reads and writes Apache Parquet files for the files connector.
//
// ReadFile turns the rows of a Parquet file into chunks of JSON lines, the record format the
// generated JSON decoder reads, so that a Parquet source needs no decoder of its own: each
// row becomes one object whose keys are the declared column names and whose values have the
// JSON form the decoder accepts for the column's SQL type. WriteFile and Writer write a
// sink's rows as a Parquet file with one optional column per output column.
package parquet

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unsafe"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
)

// batchRows is how many rows ReadFile decodes from each column before formatting them.
const batchRows = 1024

// chunkSlack is the room left at the end of a chunk's buffer: a chunk is emitted once it
// holds rt.ChunkSize-chunkSlack bytes, so the row that crosses that mark rarely has to grow
// the buffer.
const chunkSlack = 64 << 10

// ReadFile reads the Parquet file at path and emits its rows as chunks of JSON lines, one
// object per row, each ending in '\n'. The keys are the names of cols, in their order; the
// values are in the JSON form runtime/codec's JSON reader (which the generated decoder
// uses) accepts for the column's SQL type, and NULL is null:
//
//	BOOLEAN    true, false
//	INT        -12
//	BIGINT     1234567890123
//	DOUBLE     the shortest number that reads back exactly: 1.5, 1e+21; ±Inf as ±1e999
//	           (read back as ±Inf); NaN as "NaN" (read back as NaN, as Spark's JSON reader does)
//	STRING     a JSON string ("a\"b\n", non-ASCII as is; invalid UTF-8 becomes U+FFFD)
//	BYTES      standard base64 in a string: "AAH/"
//	TIMESTAMP  RFC 3339 in UTC with microseconds: "2024-01-02T03:04:05.123456Z"
//	DATE       "2024-01-02"
//
// A chunk holds about rt.ChunkSize bytes; its Origin is path and its Line the 1-based number
// of its first row in the file. Rows come in file order, row group after row group.
//
// Before emitting anything ReadFile checks the file's schema against cols: every declared
// column must be a top-level, non-repeated column of the file (names match ignoring case,
// an exact match winning) with a type that converts to the declared one:
//
//	BOOLEAN    BOOLEAN
//	INT        INT32 (plain, or INT(8|16|32, signed) or INT(8|16, unsigned))
//	BIGINT     INT64 (plain or signed INT), or anything INT accepts, or INT(32, unsigned)
//	DOUBLE     DOUBLE, FLOAT
//	STRING     BYTE_ARRAY (plain, STRING, ENUM or JSON)
//	BYTES      BYTE_ARRAY (plain, STRING, ENUM, JSON or BSON), FIXED_LEN_BYTE_ARRAY (plain or UUID)
//	TIMESTAMP  INT64 TIMESTAMP (millis, micros or nanos; converted to micros, nanos rounded
//	           down), INT96 (Impala's, Hive's and old Spark's timestamps)
//	DATE       INT32 DATE
//
// A TIMESTAMP not adjusted to UTC (a local date-time, Spark's TIMESTAMP_NTZ) is read as if
// its wall-clock time were UTC. A type name outside this list matches no file column.
//
// Optional file columns are accepted whatever the declared nullability: a NULL in a NOT NULL
// column is left to the decoder, which reports it for the record. Extra file columns are
// ignored and not even decoded. A mismatch is an error naming the file, the column, the
// declared type and the file's type:
//
//	data/x.parquet: column "age": declared BIGINT, file has BYTE_ARRAY (STRING)
//
// emit's error is returned as is; other errors name the file. A corrupt or truncated file
// gives an error: the footer is checked before the library reads it, and the library's
// panics on malformed metadata or pages are turned into errors. Rows emitted before the
// corruption was found stay emitted.
func ReadFile(path string, cols []rt.Column, emit func(*rt.Chunk) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	r := &reader{path: path, emit: emit}
	if err := r.open(f, st.Size(), cols); err != nil {
		return err
	}
	return r.read()
}

// reader is the state of one ReadFile.
type reader struct {
	path  string
	emit  func(*rt.Chunk) error
	file  *pq.File
	cols  []column
	vals  [][]pq.Value // per column, the values of the current batch
	buf   []byte       // the chunk being filled
	first int64        // row number of the chunk's first row
	row   int64        // number of the next row, from 1
	out   int64        // bytes emitted so far
}

// column is a declared column bound to a leaf column of the file.
type column struct {
	name string
	leaf int    // index of the file's leaf column
	key  []byte // what precedes the value: `{"name":` for the first column, `,"name":` after
	conv conv
	pr   pageReader
}

// conv appends the JSON form of a non-null value; false when it has none (out of range).
type conv func(dst []byte, v pq.Value) ([]byte, bool)

// open opens the file and binds cols to its columns.
func (r *reader) open(f io.ReaderAt, size int64, cols []rt.Column) (err error) {
	if err := checkFooter(f, size); err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: corrupt Parquet file: %v", r.path, p)
		}
	}()
	r.file, err = pq.OpenFile(f, size, pq.SkipPageIndex(true), pq.SkipBloomFilters(true), pq.ReadBufferSize(64<<10))
	if err != nil {
		return fmt.Errorf("%s: %w", r.path, err)
	}
	fileCols := r.file.Root().Columns()
	r.cols = make([]column, len(cols))
	r.vals = make([][]pq.Value, len(cols))
	for i, c := range cols {
		fc, err := lookup(fileCols, c.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", r.path, err)
		}
		cv, ok := converter(c.Type, fc)
		if !ok {
			return fmt.Errorf("%s: column %q: declared %s, file has %s", r.path, c.Name, c.Type, describe(fc))
		}
		key := codec.AppendJSONString([]byte{','}, c.Name)
		if i == 0 {
			key[0] = '{'
		}
		r.cols[i] = column{name: c.Name, leaf: fc.Index(), key: append(key, ':'), conv: cv}
		r.vals[i] = make([]pq.Value, batchRows)
	}
	return nil
}

// checkFooter checks the end of a Parquet file before the library reads it: the magic
// number, and a metadata length that fits in the file (the library would allocate whatever
// a corrupt length says).
func checkFooter(f io.ReaderAt, size int64) error {
	if size < 12 {
		return errors.New("not a Parquet file: too short")
	}
	var tail [8]byte
	if _, err := f.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return errors.New("encrypted Parquet files are not supported")
	default:
		return fmt.Errorf("not a Parquet file (truncated?): it ends in %q, not \"PAR1\"", tail[4:])
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("corrupt Parquet file: metadata length %d exceeds the file size %d", n, size)
	}
	return nil
}

// lookup finds the top-level column named name, ignoring case; an exact match wins over
// others.
func lookup(cols []*pq.Column, name string) (*pq.Column, error) {
	var found []*pq.Column
	for _, c := range cols {
		if c.Name() == name {
			return c, nil
		}
		if strings.EqualFold(c.Name(), name) {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = strconv.Quote(c.Name())
		}
		return nil, fmt.Errorf("column %q not found; the file's columns are %s", name, strings.Join(names, ", "))
	}
	names := make([]string, len(found))
	for i, c := range found {
		names[i] = strconv.Quote(c.Name())
	}
	return nil, fmt.Errorf("column %q is ambiguous: the file has %s", name, strings.Join(names, " and "))
}

// describe is the file's type of column c for messages: "INT64", "BYTE_ARRAY (STRING)",
// "INT64 (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS))", "repeated INT32", "GROUP (LIST)".
func describe(c *pq.Column) string {
	var s string
	if c.Leaf() {
		s = c.Type().Kind().String()
	} else {
		s = "GROUP"
	}
	if lt := logical(c); lt != nil {
		s += " (" + lt.String() + ")"
	}
	if c.Repeated() {
		s = "repeated " + s
	}
	return s
}

// logical is the logical type of column c, or nil.
func logical(c *pq.Column) format.LogicalTypeValue {
	if lt := c.Type().LogicalType(); lt != nil {
		return lt.Value
	}
	return nil
}

// converter returns the conversion of the values of file column c to the JSON form of SQL
// type typ; false when c does not convert to typ.
func converter(typ string, c *pq.Column) (conv, bool) {
	if !c.Leaf() || c.MaxRepetitionLevel() > 0 {
		return nil, false
	}
	kind := c.Type().Kind()
	lt := logical(c)
	switch typ {
	case "BOOLEAN":
		if kind == pq.Boolean && lt == nil {
			return appendBool, true
		}
	case "INT":
		if kind == pq.Int32 && int32Fits(lt, false) {
			return appendInt32, true
		}
	case "BIGINT":
		switch {
		case kind == pq.Int32 && int32Fits(lt, false):
			return appendInt32, true
		case kind == pq.Int32 && int32Fits(lt, true):
			return appendUint32, true
		case kind == pq.Int64 && int64Signed(lt):
			return appendInt64, true
		}
	case "DOUBLE":
		switch {
		case kind == pq.Double && lt == nil:
			return appendDouble, true
		case kind == pq.Float && lt == nil:
			return appendFloat, true
		}
	case "STRING":
		if kind == pq.ByteArray {
			switch lt.(type) {
			case nil, *format.StringType, *format.EnumType, *format.JsonType:
				return appendString, true
			}
		}
	case "BYTES":
		switch kind {
		case pq.ByteArray:
			switch lt.(type) {
			case nil, *format.StringType, *format.EnumType, *format.JsonType, *format.BsonType:
				return appendBytes, true
			}
		case pq.FixedLenByteArray:
			switch lt.(type) {
			case nil, *format.UUIDType:
				return appendBytes, true
			}
		}
	case "TIMESTAMP":
		if kind == pq.Int96 && lt == nil {
			return appendInt96, true
		}
		if ts, ok := lt.(*format.TimestampType); ok && kind == pq.Int64 {
			switch ts.Unit.Value.(type) {
			case *format.MilliSeconds:
				return appendMillis, true
			case *format.MicroSeconds:
				return appendMicros, true
			case *format.NanoSeconds:
				return appendNanos, true
			}
		}
	case "DATE":
		if _, ok := lt.(*format.DateType); ok && kind == pq.Int32 {
			return appendDate, true
		}
	}
	return nil, false
}

// int32Fits reports whether the INT32 values with logical type lt are signed integers (plain
// or INT(8|16|32, signed), or INT(8|16, unsigned)); with unsigned32, whether they are
// INT(32, unsigned) instead.
func int32Fits(lt format.LogicalTypeValue, unsigned32 bool) bool {
	switch lt := lt.(type) {
	case nil:
		return !unsigned32
	case *format.IntType:
		if unsigned32 {
			return !lt.IsSigned && lt.BitWidth == 32
		}
		return lt.IsSigned || lt.BitWidth < 32
	}
	return false
}

// int64Signed reports whether INT64 values with logical type lt are signed integers.
func int64Signed(lt format.LogicalTypeValue) bool {
	switch lt := lt.(type) {
	case nil:
		return true
	case *format.IntType:
		return lt.IsSigned
	}
	return false
}

// The conversions to JSON: the forms runtime/codec's JSON reader accepts for each SQL type.

func appendBool(dst []byte, v pq.Value) ([]byte, bool) {
	return codec.AppendBool(dst, v.Boolean()), true
}

func appendInt32(dst []byte, v pq.Value) ([]byte, bool) {
	return strconv.AppendInt(dst, int64(v.Int32()), 10), true
}

func appendUint32(dst []byte, v pq.Value) ([]byte, bool) {
	return strconv.AppendUint(dst, uint64(v.Uint32()), 10), true
}

func appendInt64(dst []byte, v pq.Value) ([]byte, bool) {
	return strconv.AppendInt(dst, v.Int64(), 10), true
}

func appendDouble(dst []byte, v pq.Value) ([]byte, bool) {
	return appendFloat64(dst, v.Double()), true
}

// appendFloat converts a FLOAT exactly: 0.1f becomes 0.10000000149011612, as
// CAST(float AS DOUBLE) does.
func appendFloat(dst []byte, v pq.Value) ([]byte, bool) {
	return appendFloat64(dst, float64(v.Float())), true
}

// appendFloat64 writes the shortest decimal that reads back as f. JSON has no NaN or
// infinities: ±Inf is written as ±1e999, which the decoder reads as ±Inf (it maps numbers
// beyond DOUBLE's range to ±Inf), and NaN as the string "NaN", which it reads as NaN.
func appendFloat64(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, "1e999"...)
	case math.IsInf(f, -1):
		return append(dst, "-1e999"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

func appendString(dst []byte, v pq.Value) ([]byte, bool) {
	b := v.ByteArray()
	// AppendJSONString only reads the string during the call.
	return codec.AppendJSONString(dst, unsafe.String(unsafe.SliceData(b), len(b))), true
}

// appendBytes writes standard base64, Spark's JSON form of BINARY.
func appendBytes(dst []byte, v pq.Value) ([]byte, bool) {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, v.ByteArray())
	return append(dst, '"'), true
}

func appendDate(dst []byte, v pq.Value) ([]byte, bool) {
	return codec.AppendDateJSON(dst, v.Int32()), true
}

func appendMicros(dst []byte, v pq.Value) ([]byte, bool) {
	return codec.AppendTimestampMicrosJSON(dst, v.Int64()), true
}

func appendMillis(dst []byte, v pq.Value) ([]byte, bool) {
	ms := v.Int64()
	if ms > math.MaxInt64/1000 || ms < math.MinInt64/1000 {
		return dst, false
	}
	return codec.AppendTimestampMicrosJSON(dst, ms*1000), true
}

func appendNanos(dst []byte, v pq.Value) ([]byte, bool) {
	ns := v.Int64()
	us := ns / 1000
	if ns%1000 < 0 {
		us-- // floor, as for any instant before the epoch
	}
	return codec.AppendTimestampMicrosJSON(dst, us), true
}

// julianEpoch is the Julian day number of 1970-01-01.
const julianEpoch = 2440588

// appendInt96 converts the legacy INT96 timestamp (Impala, Hive, old Spark): nanoseconds of
// the day in the low 8 bytes, little-endian, and the Julian day number in the high 4.
func appendInt96(dst []byte, v pq.Value) ([]byte, bool) {
	x := v.Int96()
	nanos := uint64(x[1])<<32 | uint64(x[0])
	days := int64(int32(x[2])) - julianEpoch
	if days > math.MaxInt64/86_400_000_000 || days < math.MinInt64/86_400_000_000 {
		return dst, false
	}
	base := days * 86_400_000_000
	us := base + int64(nanos/1000) // nanos/1000 < 2^54
	if us < base {
		return dst, false
	}
	return codec.AppendTimestampMicrosJSON(dst, us), true
}

// read emits the rows of every row group.
func (r *reader) read() error {
	r.row, r.first = 1, 1
	r.newBuf()
	for gi, g := range r.file.RowGroups() {
		if err := r.readGroup(gi, g); err != nil {
			return err
		}
	}
	if len(r.buf) > 0 {
		return r.emit(&rt.Chunk{Data: r.buf, Origin: r.path, Line: r.first})
	}
	return nil
}

// newBuf starts a chunk buffer: rt.ChunkSize bytes, or less when the rows left need less
// (a small file should not cost a megabyte), by the size of the rows so far or a guess.
func (r *reader) newBuf() {
	per := int64(2)
	for _, c := range r.cols {
		per += int64(len(c.key)) + 16
	}
	if done := r.row - 1; done > 0 {
		per = r.out/done + 1
	}
	left := min(max(r.file.NumRows()-(r.row-1), 0), rt.ChunkSize) // NumRows may be corrupt
	r.buf = make([]byte, 0, min(rt.ChunkSize, 4096+left*per+left*per/8))
}

// readGroup emits the rows of row group g.
func (r *reader) readGroup(gi int, g pq.RowGroup) error {
	chunks := g.ColumnChunks()
	for i := range r.cols {
		if r.cols[i].leaf >= len(chunks) {
			return fmt.Errorf("%s: row group %d: corrupt Parquet file: %d column chunks for %d columns", r.path, gi, len(chunks), r.cols[i].leaf+1)
		}
	}
	for i := range r.cols {
		r.cols[i].pr = pageReader{chunk: chunks[r.cols[i].leaf]}
	}
	defer func() {
		for i := range r.cols {
			r.cols[i].pr.close()
		}
	}()
	for left := g.NumRows(); left > 0; {
		n := int(min(left, batchRows))
		if err := r.fill(gi, g, n); err != nil {
			return err
		}
		if err := r.format(n); err != nil {
			return err
		}
		for i := range r.cols {
			r.cols[i].pr.release()
		}
		left -= int64(n)
	}
	return nil
}

// fill reads the next n values of every column into r.vals.
func (r *reader) fill(gi int, g pq.RowGroup, n int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: row group %d: corrupt Parquet data: %v", r.path, gi, p)
		}
	}()
	for i := range r.cols {
		c := &r.cols[i]
		got, err := c.pr.read(r.vals[i][:n])
		if got < n {
			if err == io.EOF {
				return fmt.Errorf("%s: row group %d: column %q has fewer values than the group's %d rows", r.path, gi, c.name, g.NumRows())
			}
			return fmt.Errorf("%s: row group %d: column %q: %w", r.path, gi, c.name, err)
		}
	}
	return nil
}

// format appends the n rows in r.vals to the chunk, emitting it whenever it is full.
func (r *reader) format(n int) error {
	for j := range n {
		for i := range r.cols {
			c := &r.cols[i]
			r.buf = append(r.buf, c.key...)
			if v := r.vals[i][j]; v.IsNull() {
				r.buf = append(r.buf, "null"...)
			} else {
				var ok bool
				if r.buf, ok = c.conv(r.buf, v); !ok {
					return fmt.Errorf("%s: row %d: column %q: value %v is out of range", r.path, r.row, c.name, v)
				}
			}
		}
		if len(r.cols) == 0 {
			r.buf = append(r.buf, '{')
		}
		r.buf = append(r.buf, '}', '\n')
		r.row++
		if len(r.buf) >= rt.ChunkSize-chunkSlack {
			c := &rt.Chunk{Data: r.buf, Origin: r.path, Line: r.first}
			// The chunk is the engine's now: a worker may read it while the next one fills.
			r.out += int64(len(r.buf))
			r.first = r.row
			r.newBuf()
			if err := r.emit(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageReader reads the values of one column chunk page by page. The values of byte arrays
// point into their page, so a page is released only after the batch that read from it has
// been formatted (release).
type pageReader struct {
	chunk  pq.ColumnChunk
	pages  pq.Pages       // opened on the first read
	page   pq.Page        // the page being read, nil if none
	values pq.ValueReader // its values
	done   []pq.Page      // pages read to their end during the current batch
}

// read fills dst, returning fewer values only with an error (io.EOF at the end of the chunk).
func (p *pageReader) read(dst []pq.Value) (int, error) {
	if p.pages == nil {
		p.pages = p.chunk.Pages()
	}
	n := 0
	for n < len(dst) {
		if p.page == nil {
			pg, err := p.pages.ReadPage()
			if err != nil {
				return n, err
			}
			p.page, p.values = pg, pg.Values()
		}
		k, err := p.values.ReadValues(dst[n:])
		n += k
		switch {
		case err == io.EOF:
			p.done = append(p.done, p.page)
			p.page, p.values = nil, nil
		case err != nil:
			return n, err
		case k == 0:
			return n, io.ErrNoProgress
		}
	}
	return n, nil
}

// release returns the pages finished during the batch to the library's pools.
func (p *pageReader) release() {
	for i, pg := range p.done {
		pq.Release(pg)
		p.done[i] = nil
	}
	p.done = p.done[:0]
}

// close releases every page and closes the column chunk.
func (p *pageReader) close() {
	p.release()
	if p.page != nil {
		pq.Release(p.page)
		p.page, p.values = nil, nil
	}
	if p.pages != nil {
		p.pages.Close()
		p.pages = nil
	}
}
