package codec

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

type rec struct {
	User  string
	Bytes int64
	Score float64
	OK    bool
	Null  bool
	N     int32
	Bin   string
	TS    int64
	Day   int32
}

// decode reads line with a fresh decoder: every key takes the unpredicted route.
func decode(line string) (rec, error) {
	return decodeFields(new(JSON), []byte(line))
}

func TestJSONDecodes(t *testing.T) {
	for _, c := range []struct {
		line string
		want rec
	}{
		{`{"user":"ann","bytes":12,"score":1.5,"ok":true}`, rec{User: "ann", Bytes: 12, Score: 1.5, OK: true}},
		{` { "score" : -2e3 , "user" : "b\"o\\b\u00e9\ud83d\ude00\n\/" } `, rec{User: "b\"o\\bé😀\n/", Score: -2000}},
		{"\t{\r\n\"user\"\t:\n\"x\"\r}\n", rec{User: "x"}},
		{`{"x":{"a":[1,{"b":null}],"c":"}"},"bytes":null,"y":[],"z":{},"w":[[[]]],"v":-0.5e-3}`, rec{Null: true}},
		{`{}`, rec{}},
		{`{"user":"last","user":"wins"}`, rec{User: "wins"}},
		{`{"USER":"case","user":"sensitive"}`, rec{User: "sensitive"}},
		{`{"bytes":1e2}`, rec{Bytes: 100}},
		{`{"bytes":-9223372036854775808}`, rec{Bytes: math.MinInt64}},
		{`{"bytes":9223372036854775807}`, rec{Bytes: math.MaxInt64}},
		{`{"bytes":-0}`, rec{}},
		{`{"bytes":123456789012345678}`, rec{Bytes: 123456789012345678}},
		{`{"n":-2147483648,"score":7}`, rec{N: math.MinInt32, Score: 7}},
		{`{"score":1e400}`, rec{Score: math.Inf(1)}},
		{`{"ok":false,"ok":null}`, rec{}},
		{`{"bin":"aGk=","user":"\ud83d\u0041 \udc00"}`, rec{Bin: "hi", User: "\ufffdA \ufffd"}},
		{`{"bin":"aGk"}`, rec{Bin: "hi"}},
		{"{\"user\":\"bad\xffutf8\"}", rec{User: "bad\ufffdutf8"}},
		{`{"us\u0065r":"escaped key"}`, rec{User: "escaped key"}},
		{`{"ts":"2024-01-02T03:04:05.5Z","day":"2024-01-02"}`, rec{TS: 1704164645500000, Day: 19724}},
		{`{"ts":1704164645.5}`, rec{TS: 1704164645500000}},
		{`{"ts":-1.25}`, rec{TS: -1250000}},
		{`{"ts":17.041646455e8}`, rec{TS: 1704164645500000}},
	} {
		got, err := decode(c.line)
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", c.line, got, err, c.want)
		}
	}
}

func TestJSONRejects(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`not json`, `expected a JSON object, found 'n' at offset 0`},
		{`{"user":"ann"} x`, `unexpected 'x' at offset 15 after the object`},
		{`{"user":"ann"}{}`, "after the object"},
		{`{"user":"ann"`, "expected ',' or '}', found end of line"},
		{`{"user":"ann`, "unterminated string starting at offset 8"},
		{`{"user":"a` + "\n" + `"}`, "expected a string without raw control characters, found '\\n' at offset 10"},
		{`{"bytes":"12"}`, `field "bytes": expected a number, got string`},
		{`{"bytes":1.5}`, `field "bytes": 1.5 is not a BIGINT`},
		{`{"bytes":9223372036854775808}`, `is not a BIGINT`},
		{`{"n":2147483648}`, `field "n": 2147483648 is out of range for INT`},
		{`{"ok":1}`, `field "ok": expected a boolean, got number`},
		{`{"user":1}`, `field "user": expected a string, got number`},
		{`{"user":{"a":1}}`, `field "user": expected a string, got object or array`},
		{`{"score":"1"}`, `expected a number, got string`},
		{`{"bin":"***"}`, `field "bin": *** is not valid base64`},
		{`{"ts":"yesterday"}`, `field "ts": "yesterday" is not a timestamp`},
		{`{"ts":true}`, `expected a timestamp string or number, got boolean`},
		{`{"day":"2024-02-30"}`, `is not a date`},
		{`{"a":tru}`, `invalid value "tru" at offset 5`},
		{`{"a":01}`, "invalid value"},
		{`{"a":-}`, "invalid value"},
		{`{"a":1.}`, "invalid value"},
		{`{"a":.5}`, "invalid value"},
		{`{"a":+1}`, "invalid value"},
		{`{"a":1e}`, "invalid value"},
		{`{"a":nan}`, "invalid value"},
		{`{"a":INF}`, "invalid value"},
		{`{"a":-NaN}`, "invalid value"},
		{`{"bytes":NaN}`, `field "bytes": expected a number, got NaN or Infinity`},
		{`{"n":-INF}`, `field "n": expected a number, got NaN or Infinity`},
		{`{"ts":Infinity}`, `expected a timestamp string or number, got NaN or Infinity`},
		{`{"user":NaN}`, `field "user": expected a string, got NaN or Infinity`},
		{`{"score":"nan"}`, `field "score": expected a number, got string`},
		{`{"score":"INF"}`, `field "score": expected a number, got string`},
		{`{"bytes":12x}`, "invalid value"},
		{`{"a" 1}`, `expected ':' after key "a", found '1' at offset 5`},
		{`{"a":}`, `expected a value, found '}' at offset 5`},
		{`{"a":1,}`, "expected a key"},
		{`{"a":1 "b":2}`, "expected ',' or '}'"},
		{`{a:1}`, "expected a key"},
		{`{"a":"\x"}`, `invalid escape '\x' at offset 6`},
		{`{"a":"\u12G4"}`, `invalid \u escape`},
		{`{"a":"\u12"}`, `invalid \u escape`},
		{`{"a":"\`, "unterminated string"},
		{`{"a":[1,2}`, "expected ',' or ']'"},
		{`{"a":[1,]}`, "expected a value"},
		{`{"a":{"b"}}`, "expected ':'"},
		{`{"a":{"b":1,}}`, "expected a key"},
		{`{"a":[`, "expected a value, found end of line"},
		{`[1,2]`, "expected a JSON object"},
		{``, "expected a JSON object, found end of line"},
		{`   `, "expected a JSON object"},
		{`"str"`, "expected a JSON object"},
		{"\xff", "found byte 0xff at offset 0"},
		{strings.Repeat("[", 2000), "expected a JSON object"},
		{`{"a":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`, "nesting deeper than 1000"},
	} {
		_, err := decode(c.line)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: got %v, want an error with %q", c.line, err, c.want)
		}
	}
}

// TestJSONNonNumeric: Spark's JSON reader (allowNonNumericNumbers, on by default) takes NaN
// and the infinities for a DOUBLE, bare or quoted; JSON output writes them quoted, so what
// the files sink writes reads back.
func TestJSONNonNumeric(t *testing.T) {
	for _, c := range []struct {
		line string
		want float64
	}{
		{`{"score":NaN}`, math.NaN()}, {`{"score":"NaN"}`, math.NaN()},
		{`{"score":Infinity}`, math.Inf(1)}, {`{"score":+Infinity}`, math.Inf(1)}, {`{"score":+INF}`, math.Inf(1)},
		{`{"score":"Infinity"}`, math.Inf(1)}, {`{"score":"+INF"}`, math.Inf(1)},
		{`{"score":-Infinity}`, math.Inf(-1)}, {`{"score":-INF}`, math.Inf(-1)}, {`{"score":"-Infinity"}`, math.Inf(-1)},
		{`{"score" : NaN , "x":[NaN,-INF]}`, math.NaN()},
	} {
		got, err := decode(c.line)
		if err != nil || !(got.Score == c.want || math.IsNaN(got.Score) && math.IsNaN(c.want)) {
			t.Errorf("%s: got %v, %v; want %v", c.line, got.Score, err, c.want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)} {
		line := `{"score":` + string(AppendJSONDouble(nil, f)) + `}`
		got, err := decode(line)
		if err != nil || !(got.Score == f && math.Signbit(got.Score) == math.Signbit(f) || math.IsNaN(got.Score) && math.IsNaN(f)) {
			t.Errorf("%v written as %s reads back as %v, %v", f, line, got.Score, err)
		}
	}
}

func TestJSONReadersAfterEnd(t *testing.T) {
	var d JSON
	d.Reset([]byte(`{"a":1}`))
	if _, _, ok := d.Int64(); ok || d.Err() == nil {
		t.Error("reading before NextKey must fail")
	}
	d.Reset([]byte(`{"a":1}`))
	for d.NextKey() {
		d.Int64()
	}
	if _, _, ok := d.StringView(); ok || d.Err() == nil {
		t.Errorf("reading after the end must fail, got %v", d.Err())
	}
	// a value left unconsumed is an error, not a silent skip
	d.Reset([]byte(`{"a":1,"b":2}`))
	n := 0
	for d.NextKey() {
		n++
	}
	if n != 1 || d.Err() == nil {
		t.Errorf("unconsumed value: %d keys, %v", n, d.Err())
	}
}

func TestJSONStringViewsStayValidForTheLine(t *testing.T) {
	var d JSON
	d.Reset([]byte(`{"a":"x\ty","b":"p\nq","c":"plain","d":"é\u00e9"}`))
	var got []string
	for d.NextKey() {
		v, _, _ := d.StringView()
		got = append(got, v)
	}
	if strings.Join(got, "|") != "x\ty|p\nq|plain|éé" || d.Err() != nil {
		t.Errorf("got %q, %v", got, d.Err())
	}
	// String copies: changing the line afterwards must not change it
	line := []byte(`{"a":"abc"}`)
	d.Reset(line)
	d.NextKey()
	s, _, _ := d.String()
	line[6] = 'X'
	if s != "abc" {
		t.Errorf("String aliased the line: %q", s)
	}
	d.Reset([]byte(`{"a":"YQ=="}`))
	d.NextKey()
	if b, null, ok := d.Bytes(); string(b) != "a" || null || !ok {
		t.Errorf("Bytes: %q %v %v", b, null, ok)
	}
}

// TestJSONStringsAtEveryOffset puts each byte that ends a string's plain run (a quote, an
// escape, a control character, a non-ASCII letter) at every offset of keys and values up to
// 20 bytes long, so that the word-at-a-time scans meet it in every position of a word and
// in the padded tail of a line. Read (a key and StringView) and skipped (Skip), every line
// must decode as encoding/json decodes it, or be malformed where encoding/json rejects it.
func TestJSONStringsAtEveryOffset(t *testing.T) {
	for _, special := range []string{`\"`, `\u00e9`, `\n`, "é", "\x01", "\xff"} {
		for n := range 21 {
			for at := range n + 1 {
				text := strings.Repeat("k", at) + special + strings.Repeat("k", n-at)
				for _, line := range []string{
					`{"` + text + `":"` + text + `"}`,
					`{"a":"` + text + `","` + text + `":1}`,
					`{"x":"` + text + `"}`,
				} {
					var want map[string]any
					wantErr := json.Unmarshal([]byte(line), &want)
					if !utf8.ValidString(line) {
						wantErr = nil // encoding/json replaces invalid UTF-8, as the codec does
						want = nil
					}
					var d JSON
					d.Reset([]byte(line))
					got := map[string]any{}
					for i := 0; d.NextKey(); i++ {
						k := string(d.Key())
						switch {
						case i == 0 && line[2] != 'x':
							v, _, _ := d.StringView()
							got[k] = v
						default:
							d.Skip()
							got[k] = nil
						}
					}
					if (d.Err() != nil) != (wantErr != nil) {
						t.Fatalf("%q: error %v, encoding/json's %v", line, d.Err(), wantErr)
					}
					if d.Err() != nil || want == nil {
						continue
					}
					for k, v := range got {
						w, ok := want[k]
						if !ok || v != nil && v != w {
							t.Fatalf("%q: %q = %q, encoding/json's %q (%v)", line, k, v, w, ok)
						}
					}
				}
			}
		}
	}
}

func TestJSONNulls(t *testing.T) {
	var d JSON
	d.Reset([]byte(`{"a":null,"b":null,"c":null,"d":null,"e":null,"f":null,"g":null,"h":null,"i":null,"j":null}`))
	var nulls int
	for i := 0; d.NextKey(); i++ {
		var null, ok bool
		switch i {
		case 0:
			_, null, ok = d.StringView()
		case 1:
			_, null, ok = d.String()
		case 2:
			_, null, ok = d.Int64()
		case 3:
			_, null, ok = d.Int32()
		case 4:
			_, null, ok = d.Float64()
		case 5:
			_, null, ok = d.Bool()
		case 6:
			_, null, ok = d.Timestamp()
		case 7:
			_, null, ok = d.Date()
		case 8:
			_, null, ok = d.Bytes()
		case 9:
			_, null, ok = d.BytesString()
		}
		if null && ok {
			nulls++
		}
	}
	if nulls != 10 || d.Err() != nil {
		t.Errorf("%d nulls, %v", nulls, d.Err())
	}
}

// FuzzJSON checks that the scanner never panics, accepts exactly the JSON objects that
// encoding/json accepts when every value is skipped, and reads strings and numbers as it does.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"user":"ann","bytes":12,"x":[1,{"y":"\u00e9"}]}`, `{"a":"\ud83d"}`, `{"a":"\ud83d\ude00\u0041"}`,
		`{"a":1e5,"b":-0.5,"c":true,"d":null,"e":[]}`, ` {"a" : "b\"\\\/\b\f\n\r\t"} `, `{}`, `{"a":{}}x`,
		`{"ts":"2024-01-02 03:04:05.123456789+05:30"}`, `{"ts":1704164645.123}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var d JSON
		d.Reset([]byte(line))
		for i := 0; d.NextKey(); i++ {
			switch i % 6 {
			case 0:
				d.StringView()
			case 1:
				d.Int64()
			case 2:
				d.Timestamp()
			case 3:
				d.Float64()
			case 4:
				d.Bytes()
			default:
				d.Skip()
			}
		}
		if d.Err() == nil && !json.Valid([]byte(line)) {
			t.Errorf("accepted invalid JSON %q", line)
		}

		// a decoder that learnt the key order from a line, this one or a common one, reads
		// it as a fresh decoder does
		want, wantErr := decode(line)
		var learnt JSON
		for _, first := range []string{line, `{"ts":1,"user":"a","bytes":2,"n":3}`} {
			decodeFields(&learnt, []byte(first))
			got, gotErr := decodeFields(&learnt, []byte(line))
			if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Fatalf("%q after %q: learnt %+v, %v; fresh %+v, %v", line, first, got, gotErr, want, wantErr)
			}
		}

		// skip everything: exactly the valid JSON objects are accepted
		d.Reset([]byte(line))
		for d.NextKey() {
			d.Skip()
		}
		var obj map[string]json.RawMessage
		isObj := json.Valid([]byte(line)) && json.Unmarshal([]byte(line), &obj) == nil && obj != nil
		if (d.Err() == nil) != isObj && !strings.Contains(fmt.Sprint(d.Err()), "nesting deeper") {
			t.Fatalf("%q: scanner error %v, but encoding/json object=%v", line, d.Err(), isObj)
		}
		if !isObj {
			return
		}
		// strings and numbers read as encoding/json reads them (for keys that occur once)
		seen := map[string]int{}
		d.Reset([]byte(line))
		for d.NextKey() {
			seen[string(d.Key())]++
			d.Skip()
		}
		d.Reset([]byte(line))
		for d.NextKey() {
			key := string(d.Key())
			var want any
			if seen[key] != 1 || json.Unmarshal(obj[key], &want) != nil {
				d.Skip()
				continue
			}
			switch w := want.(type) {
			case string:
				got, _, ok := d.String()
				if !ok || got != w {
					t.Fatalf("%q: key %q read %q, encoding/json %q", line, key, got, w)
				}
			case float64:
				got, _, ok := d.Float64()
				if !ok || got != w {
					t.Fatalf("%q: key %q read %v, encoding/json %v", line, key, got, w)
				}
			default:
				d.Skip()
			}
		}
		if d.Err() != nil {
			t.Fatalf("%q: %v", line, d.Err())
		}
	})
}

func TestCSVSplit(t *testing.T) {
	var c CSV
	for _, tc := range []struct {
		line string
		sep  byte
		want []string
	}{
		{`a,b,c`, ',', []string{"a", "b", "c"}},
		{`a,,`, ',', []string{"a", "", ""}},
		{``, ',', []string{""}},
		{`,`, ',', []string{"", ""}},
		{`"x, y","say ""hi""",z`, ',', []string{"x, y", `say "hi"`, "z"}},
		{`a,"",`, ',', []string{"a", "", ""}},
		{`"",""`, ',', []string{"", ""}},
		{`"a"`, ',', []string{"a"}},
		{`"a",`, ',', []string{"a", ""}},
		{`a"b,c`, ',', []string{`a"b`, "c"}},
		{` "a",b`, ',', []string{` "a"`, "b"}},
		{`"é",日本`, ',', []string{"é", "日本"}},
		{"a\tb\t\"c\td\"", '\t', []string{"a", "b", "c\td"}},
		{`a;"b;c";d`, ';', []string{"a", "b;c", "d"}},
		{`a|b`, '|', []string{"a", "b"}},
	} {
		for _, split := range []func([]byte, byte, [][]byte) ([][]byte, error){c.Split, SplitCSV} {
			f, err := split([]byte(tc.line), tc.sep, nil)
			var got []string
			for _, x := range f {
				got = append(got, string(x))
			}
			if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("%q: got %q, %v; want %q", tc.line, got, err, tc.want)
			}
		}
	}
	for bad, want := range map[string]string{`"open`: "unterminated", `a,"b`: "unterminated", `"a"b,c`: "after a closing quote", `"a""`: "unterminated"} {
		if _, err := c.Split([]byte(bad), ',', nil); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want an error with %q", bad, err, want)
		}
	}
	f, _ := c.Split([]byte(`a,"",,"x"`), ',', nil)
	if len(f) != 4 || c.Quoted(0) || !c.Quoted(1) || c.Quoted(2) || !c.Quoted(3) || c.Quoted(4) || c.Quoted(-1) {
		t.Errorf("Quoted: %q", f)
	}
	c.Split([]byte(`a,`), ',', nil)
	if c.Quoted(1) {
		t.Error("Quoted after an unquoted line")
	}
	// reuse: fields from the previous call are replaced when the caller passes fields[:0]
	f, _ = c.Split([]byte(`"a",b`), ',', nil)
	f, _ = c.Split([]byte(`"c",d`), ',', f[:0])
	if len(f) != 2 || string(f[0]) != "c" || string(f[1]) != "d" {
		t.Errorf("reuse: %q", f)
	}
}

// FuzzCSV compares Split with encoding/csv on single-line records encoding/csv accepts.
func FuzzCSV(f *testing.F) {
	for _, s := range []string{`a,"b ""c""",d`, `"",,"x"`, `a"b`, `"a,b"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var c CSV
		got, err := c.Split([]byte(line), ',', nil)
		if line == "" || strings.ContainsAny(line, "\r\n") {
			return
		}
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		want, werr := r.Read()
		if werr != nil {
			return
		}
		if err != nil || len(got) != len(want) {
			t.Fatalf("%q: got %q, %v; encoding/csv %q", line, got, err, want)
		}
		for i := range got {
			if string(got[i]) != want[i] {
				t.Fatalf("%q: got %q; encoding/csv %q", line, got, want)
			}
		}
	})
}

var tenth = 0.1

func TestAppendDoubleLikeJava(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {100, "100.0"}, {0.001, "0.001"}, {1234567, "1234567.0"}, {9999999.999, "9999999.999"},
		{1e7, "1.0E7"}, {12345678, "1.2345678E7"}, {1.234e-5, "1.234E-5"}, {-1.5e10, "-1.5E10"},
		{tenth + 0.2, "0.30000000000000004"}, {math.NaN(), "NaN"}, {math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1e-3 / 2, "5.0E-4"},
		{9.99e-4, "9.99E-4"}, {1.7976931348623157e308, "1.7976931348623157E308"}, {4.9e-324, "4.9E-324"}, {-4.9e-324, "-4.9E-324"}, {1e-323, "9.9E-324"}, {2.2250738585072014e-308, "2.2250738585072014E-308"},
		{-0.5, "-0.5"}, {1e21, "1.0E21"}, {123.456, "123.456"}, {1e100, "1.0E100"}, {2e-7, "2.0E-7"},
	} {
		if got := FormatDouble(c.f); got != c.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", c.f, got, c.want)
		}
		// appending after existing text must not look at that text
		if got := string(AppendDouble([]byte("1.5,"), c.f)); got != "1.5,"+c.want {
			t.Errorf("AppendDouble after text: %q", got)
		}
	}
	if got := string(AppendJSONDouble(nil, math.NaN())); got != `"NaN"` {
		t.Errorf("JSON NaN: %s", got)
	}
	if got := string(AppendJSONDouble(nil, 2.5)); got != `2.5` {
		t.Errorf("JSON 2.5: %s", got)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for range 100000 {
		f := math.Float64frombits(rng.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		s := FormatDouble(f)
		back, err := strconv.ParseFloat(strings.Replace(s, "E", "e", 1), 64)
		if err != nil || back != f || !strings.Contains(s, ".") {
			t.Fatalf("FormatDouble(%v) = %q does not round-trip", f, s)
		}
	}
}

func TestTimestampsAndDates(t *testing.T) {
	want := int64(1704164645000000) // 2024-01-02 03:04:05 UTC
	for _, s := range []string{
		"2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T04:04:05+01:00", "2024-01-02T03:04:05.000",
		" 2024-01-02 03:04:05 ", "2024-1-2 3:4:5", "2024-01-02T01:04:05-0200", "2024-01-02T05:04:05+02",
		"2024-01-02 03:04:05 UTC", "2024-01-02 03:04:05Z", "2024-01-02 04:04:05 GMT+01:00", "2024-01-02T03:04:05.0000009",
	} {
		us, ok := ParseTimestamp([]byte(s))
		if !ok || us != want {
			t.Errorf("%q: got %d (%s) %v", s, us, FormatTimestamp(us), ok)
		}
	}
	for s, want := range map[string]string{
		"2024-01-02 03:04:05.120": "2024-01-02 03:04:05.12", "2024-01-02 03:04:05.000001": "2024-01-02 03:04:05.000001",
		"2024-01-02": "2024-01-02 00:00:00", "2024-01-02T": "2024-01-02 00:00:00", "2024": "2024-01-01 00:00:00",
		"2024-03": "2024-03-01 00:00:00", "1969-12-31 23:59:59.5": "1969-12-31 23:59:59.5", "2024-02-29 12:00": "2024-02-29 12:00:00",
		"0001-01-01 00:00:00": "0001-01-01 00:00:00", "9999-12-31 23:59:59.999999": "9999-12-31 23:59:59.999999",
		"2024-01-01T00:30:00+01:00": "2023-12-31 23:30:00",
	} {
		us, ok := ParseTimestamp([]byte(s))
		if got := FormatTimestamp(us); !ok || got != want {
			t.Errorf("%q: got %q %v, want %q", s, got, ok, want)
		}
	}
	for _, bad := range []string{
		"", "2024-13-01", "yesterday", "2024-01-02 25:00:00", "2024-02-30", "2023-02-29", "24-01-02",
		"2024-01-02 03", "2024-01-02 03:04:05.", "2024-01-02 03:04:60", "2024-01-02X03:04:05",
		"2024-01-02 03:04:05+25:00", "2024-01-02 03:04:05 Europe/Paris", "2024-01-02 03:04:05+01:0",
		"2024/01/02", "2024-001-02", "2024-01-02 03:04:05Z junk", "+", "99999999-01-01",
	} {
		if us, ok := ParseTimestamp([]byte(bad)); ok {
			t.Errorf("%q parsed as a timestamp: %s", bad, FormatTimestamp(us))
		}
	}
	us, _ := ParseTimestamp([]byte("2024-01-02 03:04:05.120"))
	if got := string(AppendTimestampJSON(nil, us)); got != `"2024-01-02T03:04:05.120Z"` {
		t.Errorf("json: %s", got)
	}
	if got := string(AppendTimestampISO(nil, -1)); got != `1969-12-31T23:59:59.999Z` {
		t.Errorf("ISO before the epoch: %s", got)
	}
	if got := FormatTimestamp(-1); got != "1969-12-31 23:59:59.999999" {
		t.Errorf("before the epoch: %s", got)
	}
	d, ok := ParseDate([]byte("1969-12-31"))
	if !ok || d != -1 || FormatDate(d) != "1969-12-31" || string(AppendDateJSON(nil, d)) != `"1969-12-31"` {
		t.Errorf("date: %d %v", d, ok)
	}
	for s, want := range map[string]string{"2024-01-02": "2024-01-02", "2024-1-2": "2024-01-02", "2024-01-02 23:59:59-08:00": "2024-01-02", "2024-01-02Tanything": "2024-01-02", "2000-02-29": "2000-02-29"} {
		d, ok := ParseDate([]byte(s))
		if !ok || FormatDate(d) != want {
			t.Errorf("ParseDate(%q) = %s %v", s, FormatDate(d), ok)
		}
	}
	for _, bad := range []string{"", "2024-01-02x", "1900-02-29", "2024-00-10", "2024-01-32", "x2024-01-01"} {
		if _, ok := ParseDate([]byte(bad)); ok {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	// agreement with package time over a wide range
	rng := rand.New(rand.NewPCG(9, 10))
	for range 100000 {
		us := rng.Int64N(253402300799000000+62135596800000000) - 62135596800000000 // years 1..9999
		tm := time.UnixMicro(us).UTC()
		want := tm.Format("2006-01-02 15:04:05.999999")
		if got := FormatTimestamp(us); got != want {
			t.Fatalf("FormatTimestamp(%d) = %q, time says %q", us, got, want)
		}
		if back, ok := ParseTimestamp([]byte(want)); !ok || back != us {
			t.Fatalf("ParseTimestamp(%q) = %d %v, want %d", want, back, ok, us)
		}
		if got, want := string(AppendTimestampISO(nil, us)), tm.Format("2006-01-02T15:04:05.000Z"); got != want {
			t.Fatalf("AppendTimestampISO(%d) = %q, want %q", us, got, want)
		}
		days := int32(floorDiv(us, 86400e6))
		if got, want := FormatDate(days), tm.Format("2006-01-02"); got != want {
			t.Fatalf("FormatDate(%d) = %q, want %q", days, got, want)
		}
		if back, ok := ParseDate([]byte(FormatDate(days))); !ok || back != days {
			t.Fatalf("ParseDate(%q) = %d", FormatDate(days), back)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain": `"plain"`, `q"b\s`: `"q\"b\\s"`, "\b\f\n\r\t\x01\x1f": `"\b\f\n\r\t\u0001\u001f"`,
		"a/b<>&": `"a/b<>&"`, "é日本😀": `"é日本😀"`, "bad\xffutf8\xe6\x97": "\"bad\ufffdutf8\ufffd\ufffd\"", "": `""`,
	} {
		if got := string(AppendJSONString(nil, in)); got != want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
	for _, s := range []string{"plain", "q\"b\\s", "ctl\x01\n\t", "é日本😀", "bad\xffutf8"} {
		var back string
		if err := json.Unmarshal(AppendJSONString(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want {
			t.Errorf("%q came back as %q", s, back)
		}
	}
	if got := string(AppendBase64JSON(nil, "hi")); got != `"aGk="` {
		t.Errorf("base64: %s", got)
	}
}

func TestAppendCSVField(t *testing.T) {
	for in, want := range map[string]string{
		"a": "a", "a,b": `"a,b"`, `q"`: `"q"""`, " pad": `" pad"`, "pad ": `"pad "`, "": `""`,
		"l\nf": "\"l\nf\"", "c\rr": "\"c\rr\"", "a;b": "a;b", "mid space": "mid space", "é": "é",
	} {
		if got := string(AppendCSVField(nil, in, ',')); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
	if got := string(AppendCSVField(nil, "a;b", ';')); got != `"a;b"` {
		t.Errorf("sep ';': %s", got)
	}
	// what AppendCSVField writes, Split reads back
	var c CSV
	for _, s := range []string{"a", `x "y" z`, "a,b", " p ", `""`, "é,日"} {
		f, err := c.Split(AppendCSVField(nil, s, ','), ',', nil)
		if err != nil || len(f) != 1 || string(f[0]) != s {
			t.Errorf("round trip %q: %q %v", s, f, err)
		}
	}
}

func TestSmallFormatters(t *testing.T) {
	if got := string(AppendBool(AppendInt(nil, -42), true)); got != "-42true" {
		t.Error(got)
	}
	if got := string(AppendBool(nil, false)); got != "false" {
		t.Error(got)
	}
	if FormatBytes("abc") != "[61 62 63]" || FormatBytes("") != "[]" || FormatBytes("\x00\xff") != "[00 FF]" {
		t.Error("FormatBytes", FormatBytes("abc"))
	}
}

func TestParseNumbers(t *testing.T) {
	for _, c := range []struct {
		s  string
		v  int64
		ok bool
	}{
		{"-42", -42, true}, {"+42", 42, true}, {"0", 0, true}, {" 7 ", 7, true}, {"007", 7, true},
		{"9223372036854775807", math.MaxInt64, true}, {"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false}, {"", 0, false}, {"-", 0, false}, {"1.0", 0, false},
		{"1e3", 0, false}, {"1_000", 0, false}, {"0x10", 0, false}, {"12a", 0, false}, {" ", 0, false},
	} {
		v, ok := ParseInt64([]byte(c.s))
		if v != c.v || ok != c.ok {
			t.Errorf("ParseInt64(%q) = %d %v", c.s, v, ok)
		}
	}
	if _, ok := ParseInt32([]byte("3000000000")); ok {
		t.Error("INT overflow accepted")
	}
	if v, ok := ParseInt32([]byte("-2147483648")); !ok || v != math.MinInt32 {
		t.Error("INT min")
	}
	for _, c := range []struct {
		s  string
		v  float64
		ok bool
	}{
		{"1.5", 1.5, true}, {"-2e3", -2000, true}, {" 3 ", 3, true}, {"Inf", math.Inf(1), true},
		{"-Inf", math.Inf(-1), true}, {"Infinity", math.Inf(1), true}, {"+Infinity", math.Inf(1), true},
		{"1.5d", 1.5, true}, {"1e999", math.Inf(1), true}, {"0x1p1", 2, true}, {"inf", 0, false},
		{"nan", 0, false}, {"", 0, false}, {"1,5", 0, false}, {"1_0", 0, false}, {"abc", 0, false}, {".5", 0.5, true},
	} {
		v, ok := ParseFloat64([]byte(c.s))
		if v != c.v || ok != c.ok {
			t.Errorf("ParseFloat64(%q) = %v %v", c.s, v, ok)
		}
	}
	if v, ok := ParseFloat64([]byte("NaN")); !ok || !math.IsNaN(v) {
		t.Error("NaN")
	}
	// What the CSV and text writers write (Java's Double.toString) reads back.
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 1e-300} {
		s := AppendDouble(nil, f)
		if v, ok := ParseFloat64(s); !ok || !(v == f && math.Signbit(v) == math.Signbit(f) || math.IsNaN(v) && math.IsNaN(f)) {
			t.Errorf("%v written as %s reads back as %v %v", f, s, v, ok)
		}
	}
	for s, want := range map[string]int{"true": 1, "TRUE": 1, "False": 0, " false ": 0, "yes": -1, "1": -1, "t": -1, "": -1} {
		v, ok := ParseBool([]byte(s))
		got := -1
		if ok && v {
			got = 1
		} else if ok {
			got = 0
		}
		if got != want {
			t.Errorf("ParseBool(%q) = %v %v", s, v, ok)
		}
	}
}

// reportCPU reports rows per CPU second (ns/op is wall-clock and suffers on a shared machine).
func reportCPU(b *testing.B, since time.Duration) {
	if d := cpuTime() - since; d > 0 {
		b.ReportMetric(float64(b.N)/d.Seconds()/1e6, "Mrows/cpu-s")
	}
}

var benchLines = func() [][]byte {
	rng := rand.New(rand.NewPCG(11, 12))
	lines := make([][]byte, 1024)
	for i := range lines {
		url := fmt.Sprintf("https://example.com/some/path/%d/index.html", rng.IntN(100000))
		if i%200 == 0 {
			url = `https:\/\/example.com\/a \"quoted\" path\/index.html`
		}
		lines[i] = fmt.Appendf(nil, `{"ts": %d, "user": "user_%04d", "bytes": %d, "url": "%s"}`,
			1704164645+rng.IntN(100000), rng.IntN(10000), rng.IntN(1000000), url)
	}
	return lines
}()

// BenchmarkJSON decodes ~110-byte lines with 4 fields (0.5% with escapes) into a row struct.
func BenchmarkJSON(b *testing.B) {
	var size int
	for _, l := range benchLines {
		size += len(l)
	}
	type row struct {
		Ts    int64  `json:"ts"`
		User  string `json:"user"`
		Bytes int64  `json:"bytes"`
		URL   string `json:"url"`
	}
	run := func(b *testing.B, decode func(line []byte, r *row)) {
		var r row
		b.SetBytes(int64(size / len(benchLines)))
		cpu := cpuTime()
		for i := range b.N {
			decode(benchLines[i%len(benchLines)], &r)
		}
		reportCPU(b, cpu)
	}
	b.Run("codec_view", func(b *testing.B) {
		var d JSON
		run(b, func(line []byte, r *row) {
			d.Reset(line)
			for d.NextKey() {
				switch string(d.Key()) {
				case "ts":
					r.Ts, _, _ = d.Int64()
				case "user":
					r.User, _, _ = d.StringView()
				case "bytes":
					r.Bytes, _, _ = d.Int64()
				case "url":
					r.URL, _, _ = d.StringView()
				default:
					d.Skip()
				}
			}
			if d.Err() != nil {
				b.Fatal(d.Err())
			}
		})
	})
	b.Run("codec_copy", func(b *testing.B) {
		var d JSON
		run(b, func(line []byte, r *row) {
			d.Reset(line)
			for d.NextKey() {
				switch string(d.Key()) {
				case "ts":
					r.Ts, _, _ = d.Int64()
				case "user":
					r.User, _, _ = d.String()
				case "bytes":
					r.Bytes, _, _ = d.Int64()
				case "url":
					r.URL, _, _ = d.String()
				default:
					d.Skip()
				}
			}
		})
	})
	b.Run("encoding_json", func(b *testing.B) {
		run(b, func(line []byte, r *row) {
			if err := json.Unmarshal(line, r); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkJSONEvents decodes compact event lines as the generated decoders of the shared
// yardstick's W2 (user, bytes, status; ts and url skipped) and W3 (ts, status) do: most of
// the members are skipped or short, so this measures the per-member path.
func BenchmarkJSONEvents(b *testing.B) {
	rng := rand.New(rand.NewPCG(15, 16))
	lines := make([][]byte, 1024)
	var chunk []byte // the lines lie in one buffer, as in a chunk of a file
	ends := make([]int, len(lines))
	for i := range lines {
		chunk = fmt.Appendf(chunk, `{"ts":%d,"user":"u%d","url":"/products/%d?ref=home","bytes":%d,"status":%d}`+"\n",
			1700006400000+int64(i)*20, rng.IntN(10000), rng.IntN(100000), rng.IntN(50000), []int{200, 200, 404, 500}[rng.IntN(4)])
		ends[i] = len(chunk)
	}
	start := 0
	for i, end := range ends {
		lines[i], start = chunk[start:end-1], end
	}
	size := len(chunk) - len(lines)
	var d JSON
	w2Fields, w3Fields := NewFields("user", "bytes", "status"), NewFields("ts", "status")
	var user string
	var ts, n int64
	var status int32
	for _, c := range []struct {
		name   string
		member func()
	}{
		{"w2", func() {
			switch d.Field(w2Fields) {
			case 0:
				user, _, _ = d.StringView()
			case 1:
				n, _, _ = d.Int64()
			case 2:
				status, _, _ = d.Int32()
			default:
				d.Skip()
			}
		}},
		{"w3", func() {
			switch d.Field(w3Fields) {
			case 0:
				ts, _, _ = d.Int64()
			case 1:
				status, _, _ = d.Int32()
			default:
				d.Skip()
			}
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size / len(lines)))
			cpu := cpuTime()
			for i := range b.N {
				d.Reset(lines[i%len(lines)])
				for d.NextKey() {
					c.member()
				}
				if d.Err() != nil {
					b.Fatal(d.Err())
				}
			}
			reportCPU(b, cpu)
		})
	}
	_, _, _, _ = user, ts, n, status
}

// BenchmarkCSV splits ~80-byte lines with 4 fields (0.5% quoted) and parses two integers.
func BenchmarkCSV(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	lines := make([][]byte, 1024)
	size := 0
	for i := range lines {
		url := fmt.Sprintf("https://example.com/some/path/%d/index.html", rng.IntN(100000))
		if i%200 == 0 {
			url = `"https://example.com/a ""quoted"", path"`
		}
		lines[i] = fmt.Appendf(nil, "%d,user_%04d,%d,%s", 1704164645+rng.IntN(100000), rng.IntN(10000), rng.IntN(1000000), url)
		size += len(lines[i])
	}
	b.Run("codec", func(b *testing.B) {
		var c CSV
		var fields [][]byte
		b.SetBytes(int64(size / len(lines)))
		cpu := cpuTime()
		for i := range b.N {
			var err error
			fields, err = c.Split(lines[i%len(lines)], ',', fields[:0])
			if err != nil || len(fields) != 4 {
				b.Fatal(err)
			}
			ParseInt64(fields[0])
			ParseInt64(fields[2])
		}
		reportCPU(b, cpu)
	})
	b.Run("encoding_csv", func(b *testing.B) {
		all := bytes.Join(lines, []byte("\n"))
		b.SetBytes(int64(size / len(lines)))
		r := csv.NewReader(bytes.NewReader(all))
		r.ReuseRecord = true
		cpu := cpuTime()
		for i := range b.N {
			rec, err := r.Read()
			if err != nil {
				r = csv.NewReader(bytes.NewReader(all))
				r.ReuseRecord = true
				rec, _ = r.Read()
			}
			_ = i
			strconv.ParseInt(rec[0], 10, 64)
			strconv.ParseInt(rec[2], 10, 64)
		}
		reportCPU(b, cpu)
	})
}

func BenchmarkFormat(b *testing.B) {
	var buf []byte
	b.Run("AppendDouble", func(b *testing.B) {
		for i := range b.N {
			buf = AppendDouble(buf[:0], float64(i)*1.25)
		}
	})
	b.Run("AppendTimestamp", func(b *testing.B) {
		for i := range b.N {
			buf = AppendTimestamp(buf[:0], 1704164645123456+int64(i))
		}
	})
	b.Run("ParseTimestamp", func(b *testing.B) {
		s := []byte("2024-01-02T03:04:05.123Z")
		for range b.N {
			ParseTimestamp(s)
		}
	})
}

// FuzzParse checks that the text parsers never panic and that timestamps and dates they
// accept format and parse back to the same value.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"2024-01-02 03:04:05.123+01:00", "-0001-1-1T1:2:3Z", "1.5e3", "-9223372036854775808", "TRUE", "0x1p-2d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := []byte(s)
		ParseInt64(b)
		ParseInt32(b)
		ParseFloat64(b)
		ParseBool(b)
		if us, ok := ParseTimestamp(b); ok {
			text := FormatTimestamp(us)
			if back, ok := ParseTimestamp([]byte(text)); !ok || back != us {
				t.Fatalf("%q → %d → %q → %d %v", s, us, text, back, ok)
			}
			AppendTimestampISO(nil, us)
		}
		if d, ok := ParseDate(b); ok {
			if back, ok := ParseDate([]byte(FormatDate(d))); !ok || back != d {
				t.Fatalf("%q → %d → %q → %d %v", s, d, FormatDate(d), back, ok)
			}
		}
	})
}

var recFields = NewFields("user", "bytes", "n", "score", "ok", "bin", "ts", "day")

// decodeFields is decode by Field, with a decoder that lives across lines as a worker's does.
func decodeFields(d *JSON, line []byte) (rec, error) {
	var r rec
	d.Reset(line)
	for d.NextKey() {
		switch d.Field(recFields) {
		case 0:
			r.User, _, _ = d.String()
		case 1:
			v, null, _ := d.Int64()
			r.Bytes, r.Null = v, r.Null || null
		case 2:
			r.N, _, _ = d.Int32()
		case 3:
			r.Score, _, _ = d.Float64()
		case 4:
			r.OK, _, _ = d.Bool()
		case 5:
			r.Bin, _, _ = d.BytesString()
		case 6:
			r.TS, _, _ = d.Timestamp()
		case 7:
			r.Day, _, _ = d.Date()
		default:
			d.Skip()
		}
	}
	return r, d.Err()
}

// TestJSONShapePrediction: a decoder that has learnt the key order of the lines before reads
// every line as a fresh one does, whether the line keeps that order, departs from it at any
// key, spells a key with escapes or whitespace, or is malformed where a key was predicted.
// The lines lie in one buffer as in a chunk, so the predictions' word loads read past ends.
func TestJSONShapePrediction(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	members := []string{`"user":"ann"`, `"bytes":12`, `"n":7`, `"score":1.5`, `"ok":true`, `"bin":"aGk="`,
		`"ts":1704164645.5`, `"day":"2024-01-02"`, `"x":{"a":[1]}`, `"us\u0065r":"esc"`, `"bytes" : null`,
		`"a_rather_long_key_name_past_16":1`, `"n":"wrong type"`, `"bytes":1.5`}
	var lines []string
	shape := []string{members[6], members[0], members[8], members[1], members[2]}
	for range 3000 {
		ms := slices.Clone(shape)
		switch rng.IntN(6) {
		case 0: // another member in place of one
			ms[rng.IntN(len(ms))] = members[rng.IntN(len(members))]
		case 1: // fewer members
			ms = ms[:rng.IntN(len(ms)+1)]
		case 2: // more members
			ms = append(ms, members[rng.IntN(len(members))])
		case 3: // a new order from now on
			rng.Shuffle(len(shape), func(i, j int) { shape[i], shape[j] = shape[j], shape[i] })
		}
		line := "{" + strings.Join(ms, ",") + "}"
		switch rng.IntN(20) {
		case 0:
			line = strings.Replace(line, ",", " , ", 1)
		case 1:
			line = line[:rng.IntN(len(line))] // cut anywhere
		case 2:
			line = strings.Replace(line, ":", "", 1)
		}
		lines = append(lines, line)
	}
	chunk := []byte(strings.Join(lines, "\n"))
	var d JSON
	for _, line := range lines {
		rec := chunk[:len(line)]
		chunk = chunk[min(len(line)+1, len(chunk)):]
		got, gotErr := decodeFields(&d, rec)
		want, wantErr := decode(line)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("%s:\n learnt  %+v, %v\n fresh   %+v, %v", line, got, gotErr, want, wantErr)
		}
	}
}

// TestEightDigits checks the word-at-a-time digit test and value against a byte loop, on
// digits and on the bytes around them ('/' and ':' border '0' and '9').
func TestEightDigits(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789/:09 ,}-.eE\x00\xff\xb0\xb9")
	for range 200_000 {
		var b [8]byte
		for i := range b {
			if r.IntN(4) == 0 {
				b[i] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[i] = byte('0' + r.IntN(10))
			}
		}
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		want, err := strconv.ParseUint(string(b[:]), 10, 64)
		digits := err == nil
		if got := eightDigits(x); got != digits {
			t.Fatalf("eightDigits(%q) = %v", b, got)
		}
		if digits && eightDigitsValue(x) != want {
			t.Fatalf("eightDigitsValue(%q) = %d, want %d", b, eightDigitsValue(x), want)
		}
	}
}

// TestJSONInt64Lengths reads integers of every length up to 19 digits, signed or not, ended
// by each delimiter, as strconv does (the fast path reads eight digits at a time).
func TestJSONInt64Lengths(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for _, sign := range []string{"", "-"} {
			digits := "8765432109876543210"[:n]
			want, _ := strconv.ParseInt(sign+digits, 10, 64)
			for _, end := range []string{"}", ",\"b\":1}", " }", "\t}"} {
				var d JSON
				d.Reset([]byte(`{"a":` + sign + digits + end))
				if !d.NextKey() {
					t.Fatal(d.Err())
				}
				got, null, ok := d.Int64()
				if !ok || null || got != want {
					t.Errorf("%s%s%q: got %d %v %v, want %d", sign, digits, end, got, null, ok, want)
				}
				for d.NextKey() {
					d.Skip()
				}
				if err := d.Err(); err != nil {
					t.Errorf("%s%s%q: %v", sign, digits, end, err)
				}
			}
		}
	}
	var d JSON
	d.Reset([]byte(`{"a":01234567890}`))
	d.NextKey()
	if _, _, ok := d.Int64(); ok {
		t.Error("a leading zero was read as a number")
	}
}
