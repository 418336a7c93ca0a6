package parquet

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
)

// table is an rt.Rows of Go values, as generated Rows.Value returns them.
type table [][]any

func (t table) Len() int                            { return len(t) }
func (t table) AppendJSON(dst []byte, _ int) []byte { return dst }
func (t table) AppendCSV(dst []byte, _ int) []byte  { return dst }
func (t table) Cell(i, j int) string                { return fmt.Sprint(t[i][j]) }
func (t table) Value(i, j int) any                  { return t[i][j] }

// readAll reads the file with ReadFile and returns the chunks' data, copied.
func readAll(t testing.TB, path string, cols []rt.Column) ([]rt.Chunk, error) {
	t.Helper()
	var chunks []rt.Chunk
	err := ReadFile(path, cols, func(c *rt.Chunk) error {
		c2 := *c
		c2.Data = bytes.Clone(c.Data)
		chunks = append(chunks, c2)
		return nil
	})
	return chunks, err
}

func joined(chunks []rt.Chunk) string {
	var b strings.Builder
	for _, c := range chunks {
		b.Write(c.Data)
	}
	return b.String()
}

func writeFile(t testing.TB, cols []rt.Column, rows rt.Rows) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.parquet")
	var buf bytes.Buffer
	if err := WriteFile(&buf, cols, rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o666); err != nil {
		t.Fatal(err)
	}
	return path
}

func utc(s string) time.Time {
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return ts.UTC()
}

var allTypes = []rt.Column{
	{Name: "b", Type: "BOOLEAN"}, {Name: "i", Type: "INT"}, {Name: "l", Type: "BIGINT"},
	{Name: "d", Type: "DOUBLE"}, {Name: "s", Type: "STRING"}, {Name: "by", Type: "BYTES"},
	{Name: "ts", Type: "TIMESTAMP"}, {Name: "dt", Type: "DATE"},
}

func TestRoundTrip(t *testing.T) {
	rows := table{
		{true, int32(math.MinInt32), int64(math.MaxInt64), 0.1, "héllo, 世界 🎉", []byte{0, 1, 0xff},
			utc("2024-01-02T03:04:05.123456Z"), utc("2024-02-29T00:00:00Z")},
		{nil, nil, nil, nil, nil, nil, nil, nil},
		{false, int32(42), int64(math.MinInt64), -1.5e300, "a \"quoted\"\nline\twith \\ and \x01", []byte{},
			utc("1969-12-31T23:59:59.999999Z"), utc("1969-12-31T00:00:00Z")},
		{true, int32(0), int64(0), math.Inf(1), "", []byte("\x00"),
			utc("0001-01-01T00:00:00Z"), utc("9999-12-31T00:00:00Z")},
		{nil, int32(7), nil, math.Copysign(0, -1), "x", nil, utc("2262-04-11T23:47:16.854775Z"), nil},
	}
	path := writeFile(t, allTypes, rows)

	// The file's schema: every column optional, in the declared order.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := pq.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	var names, types []string
	for _, c := range pf.Root().Columns() {
		names = append(names, c.Name())
		types = append(types, describe(c))
		if !c.Optional() {
			t.Errorf("column %s is not optional", c.Name())
		}
	}
	if got, want := strings.Join(names, ","), "b,i,l,d,s,by,ts,dt"; got != want {
		t.Errorf("column order %s, want %s", got, want)
	}
	wantTypes := "BOOLEAN|INT32 (INT(32,true))|INT64 (INT(64,true))|DOUBLE|BYTE_ARRAY (STRING)|BYTE_ARRAY|" +
		"INT64 (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS))|INT32 (DATE)"
	if got := strings.Join(types, "|"); got != wantTypes {
		t.Errorf("types\n%s\nwant\n%s", got, wantTypes)
	}
	if cc := pf.Metadata().RowGroups[0].Columns[0].MetaData.Codec.String(); cc != "SNAPPY" {
		t.Errorf("codec %s, want SNAPPY", cc)
	}

	chunks, err := readAll(t, path, allTypes)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"b":true,"i":-2147483648,"l":9223372036854775807,"d":0.1,"s":"héllo, 世界 🎉","by":"AAH/","ts":"2024-01-02T03:04:05.123456Z","dt":"2024-02-29"}
{"b":null,"i":null,"l":null,"d":null,"s":null,"by":null,"ts":null,"dt":null}
{"b":false,"i":42,"l":-9223372036854775808,"d":-1.5e+300,"s":"a \"quoted\"\nline\twith \\ and \u0001","by":"","ts":"1969-12-31T23:59:59.999999Z","dt":"1969-12-31"}
{"b":true,"i":0,"l":0,"d":1e999,"s":"","by":"AA==","ts":"0001-01-01T00:00:00.000000Z","dt":"9999-12-31"}
{"b":null,"i":7,"l":null,"d":-0,"s":"x","by":null,"ts":"2262-04-11T23:47:16.854775Z","dt":null}
`
	if len(chunks) != 1 || chunks[0].Line != 1 || chunks[0].Origin != path {
		t.Fatalf("chunks %+v", chunks)
	}
	if got := joined(chunks); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	// The generated decoder's reader gives back every value.
	var d codec.JSON
	for i, line := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
		d.Reset([]byte(line))
		for j := 0; d.NextKey(); j++ {
			if got := string(d.Key()); got != allTypes[j].Name {
				t.Fatalf("row %d: key %q, want %q", i, got, allTypes[j].Name)
			}
			var v any
			var null, ok bool
			switch allTypes[j].Type {
			case "BOOLEAN":
				v, null, ok = d.Bool()
			case "INT":
				v, null, ok = d.Int32()
			case "BIGINT":
				v, null, ok = d.Int64()
			case "DOUBLE":
				v, null, ok = d.Float64()
			case "STRING":
				v, null, ok = d.String()
			case "BYTES":
				var b []byte
				b, null, ok = d.Bytes()
				v = b
			case "TIMESTAMP":
				var us int64
				us, null, ok = d.Timestamp()
				v = time.UnixMicro(us).UTC()
			case "DATE":
				var days int32
				days, null, ok = d.Date()
				v = time.Unix(int64(days)*86400, 0).UTC()
			}
			if !ok {
				t.Fatalf("row %d column %s: %v", i, allTypes[j].Name, d.Err())
			}
			orig := rows[i][j]
			if null {
				v = nil
			}
			if fmt.Sprintf("%#v", v) != fmt.Sprintf("%#v", orig) {
				t.Errorf("row %d column %s: decoded %#v, wrote %#v", i, allTypes[j].Name, v, orig)
			}
		}
		if d.Err() != nil {
			t.Fatal(d.Err())
		}
	}
}

func TestTimestampForm(t *testing.T) {
	for _, tc := range []struct {
		us   int64
		want string
	}{
		{0, "1970-01-01T00:00:00.000000Z"},
		{-1, "1969-12-31T23:59:59.999999Z"},
		{1_704_164_645_000_123, "2024-01-02T03:04:05.000123Z"},
		{253_402_300_800_000_000, "+10000-01-01T00:00:00.000000Z"},
		{-62_135_596_800_000_001, "0000-12-31T23:59:59.999999Z"},
		{-62_167_219_200_000_001, "-0001-12-31T23:59:59.999999Z"},
	} {
		if got := string(codec.AppendTimestampMicrosJSON(nil, tc.us)); got != `"`+tc.want+`"` {
			t.Errorf("%d: got %s, want %q", tc.us, got, tc.want)
		}
	}
	// Whatever the instant, within the decoder's range (±106,751,000 days), it reads back.
	const maxUs = 106_751_000 * 86_400_000_000
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 100_000 {
		us := r.Int64N(maxUs)
		if r.IntN(2) == 0 {
			us = -us
		}
		if i%2 == 0 {
			us = r.Int64N(4e17) - 2e17 // years 1970±6000
		}
		s := codec.AppendTimestampMicrosJSON(nil, us)
		if got, ok := codec.ParseTimestamp(s[1 : len(s)-1]); !ok || got != us {
			t.Fatalf("%d: %s reads back as %d, %v", us, s, got, ok)
		}
		days := int32(r.Int64N(2*106_751_000) - 106_751_000)
		d := codec.AppendDateJSON(nil, days)
		if got, ok := codec.ParseDate(d[1 : len(d)-1]); !ok || got != days {
			t.Fatalf("%d: %s reads back as %d, %v", days, d, got, ok)
		}
	}
}

func TestNaN(t *testing.T) {
	// JSON has no NaN: it comes out as "NaN", which the decoder reads as NaN for a DOUBLE
	// (Spark's allowNonNumericNumbers).
	cols := []rt.Column{{Name: "d", Type: "DOUBLE"}}
	path := writeFile(t, cols, table{{math.NaN()}, {math.Inf(-1)}})
	chunks, err := readAll(t, path, cols)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := joined(chunks), "{\"d\":\"NaN\"}\n{\"d\":-1e999}\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	var d codec.JSON
	d.Reset([]byte(`{"d":-1e999}`))
	if !d.NextKey() {
		t.Fatal(d.Err())
	}
	if v, _, ok := d.Float64(); !ok || !math.IsInf(v, -1) {
		t.Fatalf("-1e999 read as %v, %v", v, d.Err())
	}
	d.Reset([]byte(`{"d":"NaN"}`))
	d.NextKey()
	if v, _, ok := d.Float64(); !ok || !math.IsNaN(v) {
		t.Fatalf("\"NaN\" read as %v, %v", v, d.Err())
	}
}

func TestOutOfRange(t *testing.T) {
	type row struct {
		TS int64 `parquet:"ts,timestamp(millisecond)"`
	}
	path := writeGeneric(t, []row{{TS: 1}, {TS: math.MaxInt64 / 10}})
	chunks, err := readAll(t, path, []rt.Column{{Name: "ts", Type: "TIMESTAMP"}})
	if want := path + `: row 2: column "ts": value 922337203685477580 is out of range`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if len(chunks) != 0 {
		t.Fatalf("emitted %q", joined(chunks))
	}
}

func TestWindowColumn(t *testing.T) {
	cols := []rt.Column{{Name: "window", Type: windowType}, {Name: "n", Type: "BIGINT"}}
	w := rt.WindowOf(1_700_000_000_000_000, 600_000_000)
	path := writeFile(t, cols, table{{w, int64(3)}, {nil, int64(4)}})
	type win struct {
		Start *time.Time `parquet:"start,optional,timestamp(microsecond)"`
		End   *time.Time `parquet:"end,optional,timestamp(microsecond)"`
	}
	type row struct {
		Window *win   `parquet:"window,optional"`
		N      *int64 `parquet:"n,optional"`
	}
	got, err := pq.ReadFile[row](path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Window == nil || !got[0].Window.Start.Equal(w.Start) || !got[0].Window.End.Equal(w.End) ||
		*got[0].N != 3 || got[1].Window != nil || *got[1].N != 4 {
		t.Fatalf("got %+v", got)
	}
	// Only the declarable types can be read.
	_, err = readAll(t, path, []rt.Column{{Name: "window", Type: "TIMESTAMP"}})
	if want := path + `: column "window": declared TIMESTAMP, file has GROUP`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	for _, tc := range []struct {
		cols []rt.Column
		rows table
		want string
	}{
		{[]rt.Column{{Name: "x", Type: "NULL"}}, nil, `parquet: column "x": type NULL cannot be written`},
		{[]rt.Column{{Name: "x", Type: "INT"}, {Name: "x", Type: "INT"}}, nil, `parquet: column "x" appears twice`},
		{nil, nil, `parquet: no columns to write`},
		{[]rt.Column{{Name: "x", Type: "INT"}}, table{{int32(1)}, {"2"}}, `parquet: row 2: column "x": 2 (string) cannot be written as INT`},
		{[]rt.Column{{Name: "x", Type: "INT"}}, table{{int64(1 << 40)}}, `parquet: row 1: column "x": 1099511627776 (int64) cannot be written as INT`},
	} {
		err := WriteFile(&buf, tc.cols, tc.rows)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%v: got %v, want %s", tc.cols, err, tc.want)
		}
	}
}

func TestWriterCopiesStrings(t *testing.T) {
	// Rows are valid only during Write: their strings may be views of buffers that are
	// reused afterwards, so the file must not depend on them.
	cols := []rt.Column{{Name: "s", Type: "STRING"}, {Name: "b", Type: "BYTES"}}
	buf := []byte("abcdefghij")
	var tb table
	var want strings.Builder
	for i := range 1000 {
		j := i % 10
		tb = append(tb, []any{unsafe.String(&buf[j], 10-j), buf[j:]})
		fmt.Fprintf(&want, "{\"s\":%q,\"b\":%q}\n", buf[j:], base64.StdEncoding.EncodeToString(buf[j:]))
	}
	path := filepath.Join(t.TempDir(), "c.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f, cols)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(tb); err != nil {
		t.Fatal(err)
	}
	copy(buf, "XXXXXXXXXX")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	chunks, err := readAll(t, path, cols)
	if err != nil {
		t.Fatal(err)
	}
	if got := joined(chunks); got != want.String() {
		t.Fatalf("got %.200s...", got)
	}
}

// rec is a row written by parquet-go's generic writer from a Go struct.
type rec struct {
	ID    int32     `parquet:"id"`
	Small int16     `parquet:"small"`
	Big   int64     `parquet:"big"`
	F     float32   `parquet:"f"`
	D     float64   `parquet:"d"`
	Name  string    `parquet:"Name"`
	Enum  string    `parquet:"kind,enum"`
	Raw   []byte    `parquet:"raw"`
	TS    time.Time `parquet:"ts,timestamp(millisecond)"`
	TSus  time.Time `parquet:"ts_us,timestamp(microsecond)"`
	TSns  time.Time `parquet:"ts_ns,timestamp(nanosecond)"`
	Day   int32     `parquet:"day,date"` // not time.Time: v0.32.0's generic writer stores its UnixNano, truncated
	Opt   *int64    `parquet:"opt,optional"`
	Extra string    `parquet:"extra"`
}

func writeGeneric[T any](t testing.TB, rows []T, opts ...pq.WriterOption) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "g.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pq.NewGenericWriter[T](f, opts...)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func days(s string) int32 {
	return int32(utc(s+"T00:00:00Z").Unix() / 86400)
}

func TestGenericWriterFile(t *testing.T) {
	seven := int64(7)
	path := writeGeneric(t, []rec{
		{ID: 1, Small: -3, Big: 1 << 40, F: 0.1, D: 2.5, Name: "ann", Enum: "A", Raw: []byte("hi"),
			TS: utc("2024-01-02T03:04:05.678Z"), TSus: utc("2024-01-02T03:04:05.678901Z"),
			TSns: utc("1969-12-31T23:59:59.9999995Z"), Day: days("2024-03-01"), Opt: &seven, Extra: "zzz"},
		{ID: -2, Name: "bob \"b\"", TS: utc("1960-06-01T12:00:00Z"), TSus: utc("1970-01-01T00:00:00Z"),
			TSns: utc("2001-02-03T04:05:06.123456789Z"), Day: days("1960-06-01")},
	})
	cols := []rt.Column{
		{Name: "name", Type: "STRING"}, // the file says "Name": names match ignoring case
		{Name: "id", Type: "INT"}, {Name: "small", Type: "INT"}, {Name: "big", Type: "BIGINT"},
		{Name: "f", Type: "DOUBLE"}, {Name: "d", Type: "DOUBLE"}, {Name: "kind", Type: "STRING"},
		{Name: "raw", Type: "BYTES"}, {Name: "ts", Type: "TIMESTAMP"}, {Name: "ts_us", Type: "TIMESTAMP"},
		{Name: "ts_ns", Type: "TIMESTAMP"}, {Name: "day", Type: "DATE"}, {Name: "opt", Type: "BIGINT"},
	}
	chunks, err := readAll(t, path, cols)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"ann","id":1,"small":-3,"big":1099511627776,"f":0.10000000149011612,"d":2.5,"kind":"A","raw":"aGk=","ts":"2024-01-02T03:04:05.678000Z","ts_us":"2024-01-02T03:04:05.678901Z","ts_ns":"1969-12-31T23:59:59.999999Z","day":"2024-03-01","opt":7}
{"name":"bob \"b\"","id":-2,"small":0,"big":0,"f":0,"d":0,"kind":"","raw":"","ts":"1960-06-01T12:00:00.000000Z","ts_us":"1970-01-01T00:00:00.000000Z","ts_ns":"2001-02-03T04:05:06.123456Z","day":"1960-06-01","opt":null}
`
	if got := joined(chunks); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestInt96Timestamps(t *testing.T) {
	// INT96 as Impala, Hive and old Spark write it: nanoseconds of the day in the low 8
	// bytes, the Julian day in the high 4, all little-endian.
	int96 := func(s string) pq.Value {
		ts := utc(s)
		days := ts.Unix()/86400 + julianEpoch
		if ts.Unix()%86400 < 0 {
			days--
		}
		midnight := time.Unix((days-julianEpoch)*86400, 0)
		var b [12]byte
		binary.LittleEndian.PutUint64(b[:8], uint64(ts.Sub(midnight).Nanoseconds()))
		binary.LittleEndian.PutUint32(b[8:], uint32(days))
		x := deprecated.Int96{binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])}
		return pq.Int96Value(x)
	}
	schema := pq.NewSchema("s", pq.Group{"t": pq.Optional(pq.Leaf(pq.Int96Type))})
	path := filepath.Join(t.TempDir(), "i96.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pq.NewGenericWriter[any](f, schema)
	rows := []pq.Row{
		{int96("2024-01-02T03:04:05.123456789Z").Level(0, 1, 0)},
		{pq.Value{}.Level(0, 0, 0)},
		{int96("1969-12-31T23:59:59.5Z").Level(0, 1, 0)},
	}
	if _, err := w.WriteRows(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	chunks, err := readAll(t, path, []rt.Column{{Name: "t", Type: "TIMESTAMP"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"t":"2024-01-02T03:04:05.123456Z"}
{"t":null}
{"t":"1969-12-31T23:59:59.500000Z"}
`
	if got := joined(chunks); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSchemaErrors(t *testing.T) {
	type file struct {
		Age   string    `parquet:"age"`
		N     int32     `parquet:"n"`
		U     uint32    `parquet:"u"`
		L     int64     `parquet:"l"`
		F     float32   `parquet:"f"`
		TS    time.Time `parquet:"ts,timestamp(millisecond)"`
		Day   time.Time `parquet:"day,date"`
		List  []int32   `parquet:"list,list"`
		Dec   int64     `parquet:"dec,decimal(2:10)"`
		AGE   int32     `parquet:"AGE2"`
		Upper int32     `parquet:"Ab"`
		Lower int32     `parquet:"aB"`
	}
	path := writeGeneric(t, []file{{Age: "x"}})
	for _, tc := range []struct {
		name, typ string
		want      string // "" when the column converts
	}{
		{"age", "BIGINT", `column "age": declared BIGINT, file has BYTE_ARRAY (STRING)`},
		{"age", "STRING", ""},
		{"age", "BYTES", ""},
		{"age", "TIMESTAMP", `column "age": declared TIMESTAMP, file has BYTE_ARRAY (STRING)`},
		{"n", "INT", ""},
		{"n", "BIGINT", ""},
		{"n", "DOUBLE", `column "n": declared DOUBLE, file has INT32 (INT(32,true))`},
		{"n", "DATE", `column "n": declared DATE, file has INT32 (INT(32,true))`},
		{"u", "INT", `column "u": declared INT, file has INT32 (INT(32,false))`},
		{"u", "BIGINT", ""},
		{"l", "INT", `column "l": declared INT, file has INT64 (INT(64,true))`},
		{"l", "BIGINT", ""},
		{"l", "TIMESTAMP", `column "l": declared TIMESTAMP, file has INT64 (INT(64,true))`},
		{"f", "DOUBLE", ""},
		{"f", "BOOLEAN", `column "f": declared BOOLEAN, file has FLOAT`},
		{"ts", "TIMESTAMP", ""},
		{"ts", "BIGINT", `column "ts": declared BIGINT, file has INT64 (TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS))`},
		{"day", "DATE", ""},
		{"day", "INT", `column "day": declared INT, file has INT32 (DATE)`},
		{"day", "TIMESTAMP", `column "day": declared TIMESTAMP, file has INT32 (DATE)`},
		{"list", "INT", `column "list": declared INT, file has GROUP (LIST)`},
		{"dec", "BIGINT", `column "dec": declared BIGINT, file has INT64 (DECIMAL(10,2))`},
		{"Age2", "INT", ""},
		{"ab", "INT", `column "ab" is ambiguous: the file has "Ab" and "aB"`},
		{"Ab", "INT", ""}, // an exact match wins
		{"agee", "INT", `column "agee" not found; the file's columns are "age", "n", "u", "l", "f", "ts", "day", "list", "dec", "AGE2", "Ab", "aB"`},
	} {
		called := false
		err := ReadFile(path, []rt.Column{{Name: "n", Type: "INT"}, {Name: tc.name, Type: tc.typ}}, func(*rt.Chunk) error {
			called = true
			return nil
		})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s %s: %v", tc.name, tc.typ, err)
		case tc.want != "" && (err == nil || err.Error() != path+": "+tc.want):
			t.Errorf("%s %s: got %v\nwant %s: %s", tc.name, tc.typ, err, path, tc.want)
		case tc.want != "" && called:
			t.Errorf("%s %s: emitted before the schema error", tc.name, tc.typ)
		}
	}
}

// lines is the JSON of rows {"n":i,"s":pad} for i in [from, to).
func lines(from, to int, pad string) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "{\"n\":%d,\"s\":\"%s\"}\n", i, pad)
	}
	return b.String()
}

func TestChunksAndRowGroups(t *testing.T) {
	const rows, perGroup = 20000, 3000
	pad := strings.Repeat("p", 150)
	cols := []rt.Column{{Name: "n", Type: "BIGINT"}, {Name: "s", Type: "STRING"}}
	path := filepath.Join(t.TempDir(), "big.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewWriter(f, cols)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < rows; i += perGroup {
		var tb table
		for j := i; j < min(i+perGroup, rows); j++ {
			tb = append(tb, []any{int64(j), pad})
		}
		if err := w.Write(tb); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	if n := numRowGroups(t, path); n != (rows+perGroup-1)/perGroup {
		t.Fatalf("%d row groups", n)
	}
	chunks, err := readAll(t, path, cols)
	if err != nil {
		t.Fatal(err)
	}
	want := lines(0, rows, pad)
	if len(want) < 3*rt.ChunkSize {
		t.Fatalf("test data too small: %d bytes", len(want))
	}
	if len(chunks) < 3 {
		t.Fatalf("%d chunks", len(chunks))
	}
	line := int64(1)
	for i, c := range chunks {
		if c.Line != line || c.Origin != path {
			t.Errorf("chunk %d: line %d origin %s, want line %d", i, c.Line, c.Origin, line)
		}
		if len(c.Data) > rt.ChunkSize || c.Data[len(c.Data)-1] != '\n' {
			t.Errorf("chunk %d: %d bytes, ends in %q", i, len(c.Data), c.Data[len(c.Data)-1])
		}
		if i < len(chunks)-1 && len(c.Data) < rt.ChunkSize-chunkSlack {
			t.Errorf("chunk %d: only %d bytes", i, len(c.Data))
		}
		// The chunk's first record is row Line.
		if first := fmt.Sprintf("{\"n\":%d,", c.Line-1); !bytes.HasPrefix(c.Data, []byte(first)) {
			t.Errorf("chunk %d starts with %.20q, want %q", i, c.Data, first)
		}
		line += int64(bytes.Count(c.Data, []byte{'\n'}))
	}
	if got := joined(chunks); got != want {
		t.Fatalf("data differs (%d bytes, want %d)", len(got), len(want))
	}

	// emit's error stops the read and comes back as is.
	stop := errors.New("stop")
	n := 0
	err = ReadFile(path, cols, func(*rt.Chunk) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("got %v after %d chunks", err, n)
	}
}

func numRowGroups(t testing.TB, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := pq.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	return len(pf.RowGroups())
}

func TestDictionaryFallback(t *testing.T) {
	// 3 MB of distinct strings in one row group: the dictionary passes its 1 MiB limit at
	// the end of the first page (64Ki indexes), and the rest of the column is written PLAIN.
	cols := []rt.Column{{Name: "s", Type: "STRING"}, {Name: "k", Type: "STRING"}}
	var tb table
	var want strings.Builder
	for i := range 150_000 {
		s := fmt.Sprintf("%020d", i)
		k := []string{"red", "green", "blue"}[i%3]
		tb = append(tb, []any{s, k})
		fmt.Fprintf(&want, "{\"s\":\"%s\",\"k\":\"%s\"}\n", s, k)
	}
	path := writeFile(t, cols, tb)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := pq.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	// The kinds of data pages of each column.
	var enc []string
	for _, c := range pf.Metadata().RowGroups[0].Columns {
		var kinds []string
		for _, st := range c.MetaData.EncodingStats {
			if st.PageType == format.DataPage {
				kinds = append(kinds, st.Encoding.String())
			}
		}
		enc = append(enc, strings.Join(kinds, "+"))
	}
	if got, want := strings.Join(enc, " "), "PLAIN+RLE_DICTIONARY RLE_DICTIONARY"; got != want {
		t.Errorf("data page encodings %s, want %s", got, want)
	}
	chunks, err := readAll(t, path, cols)
	if err != nil {
		t.Fatal(err)
	}
	if got := joined(chunks); got != want.String() {
		t.Fatalf("data differs")
	}
}

func TestEmptyFile(t *testing.T) {
	cols := []rt.Column{{Name: "n", Type: "BIGINT"}}
	path := writeFile(t, cols, table{})
	chunks, err := readAll(t, path, cols)
	if err != nil || len(chunks) != 0 {
		t.Fatalf("got %d chunks, %v", len(chunks), err)
	}
}

func TestCorruptFiles(t *testing.T) {
	cols := []rt.Column{{Name: "n", Type: "BIGINT"}, {Name: "s", Type: "STRING"}}
	var tb table
	for i := range 5000 {
		tb = append(tb, []any{int64(i), fmt.Sprint("row ", i)})
	}
	var buf bytes.Buffer
	if err := WriteFile(&buf, cols, tb); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	footer := int(binary.LittleEndian.Uint32(good[len(good)-8:])) + 8
	dir := t.TempDir()
	hugeFooter := bytes.Clone(good)
	binary.LittleEndian.PutUint32(hugeFooter[len(hugeFooter)-8:], math.MaxUint32)
	garbledFooter := bytes.Clone(good)
	for i := len(good) - footer; i < len(good)-8; i += 3 {
		garbledFooter[i] ^= 0x5a
	}
	for name, tc := range map[string]struct {
		data []byte
		want string // a part of the error
	}{
		"empty":           {nil, "not a Parquet file: too short"},
		"not parquet":     {[]byte("hello, world\nthis is text\n"), `not a Parquet file (truncated?): it ends in "ext\n", not "PAR1"`},
		"truncated":       {good[:len(good)/2], "not a Parquet file (truncated?)"},
		"truncated by 1":  {good[:len(good)-1], "not a Parquet file (truncated?)"},
		"huge footer":     {hugeFooter, "metadata length 4294967295 exceeds the file size"},
		"garbled footer":  {garbledFooter, ""},
		"pages cut short": {append(bytes.Clone(good[:len(good)/3]), good[len(good)-footer:]...), ""},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".parquet")
			if err := os.WriteFile(path, tc.data, 0o666); err != nil {
				t.Fatal(err)
			}
			_, err := readAll(t, path, cols)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %s: ...%s...", err, path, tc.want)
			}
			t.Log(err)
		})
	}
	// Garbage in the data pages, with the footer intact: an error or wrong values, but no
	// panic, whatever the bytes.
	for seed := range 64 {
		bad := bytes.Clone(good)
		for i := 4 + seed; i < len(bad)-footer; i += 97 + seed {
			bad[i] ^= byte(0x11 * (seed + 1))
		}
		path := filepath.Join(dir, fmt.Sprintf("garbled%d.parquet", seed))
		if err := os.WriteFile(path, bad, 0o666); err != nil {
			t.Fatal(err)
		}
		readAll(t, path, cols)
	}
}

func BenchmarkReadFile(b *testing.B) {
	cols := []rt.Column{
		{Name: "id", Type: "BIGINT"}, {Name: "user", Type: "STRING"}, {Name: "amount", Type: "DOUBLE"},
		{Name: "ok", Type: "BOOLEAN"}, {Name: "ts", Type: "TIMESTAMP"}, {Name: "day", Type: "DATE"},
	}
	const rows = 200_000
	tb := make(table, rows)
	for i := range tb {
		var user any = fmt.Sprintf("user%d", i%1000)
		if i%10 == 0 {
			user = nil
		}
		tb[i] = []any{int64(i), user, float64(i) * 0.25, i%3 == 0,
			time.UnixMicro(1_700_000_000_000_000 + int64(i)*1_000_123).UTC(), time.Unix(int64(i%3000)*86400, 0).UTC()}
	}
	path := writeFile(b, cols, tb)
	b.ResetTimer()
	var bytesOut int64
	for b.Loop() {
		bytesOut = 0
		err := ReadFile(path, cols, func(c *rt.Chunk) error {
			bytesOut += int64(len(c.Data))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(bytesOut) // JSON produced per read
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
