package codec

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type rec struct {
	User  string
	Bytes int64
	Score float64
	OK    bool
	Null  bool
}

func decode(t testing.TB, line string) (rec, error) {
	var d JSON
	var r rec
	d.Reset([]byte(line))
	for d.NextKey() {
		switch string(d.Key()) {
		case "user":
			v, _, ok := d.StringView()
			if ok {
				r.User = strings.Clone(v)
			}
		case "bytes":
			v, null, _ := d.Int64()
			r.Bytes, r.Null = v, r.Null || null
		case "score":
			r.Score, _, _ = d.Float64()
		case "ok":
			r.OK, _, _ = d.Bool()
		default:
			d.Skip()
		}
	}
	return r, d.Err()
}

func TestJSONDecodes(t *testing.T) {
	for _, c := range []struct {
		line string
		want rec
	}{
		{`{"user":"ann","bytes":12,"score":1.5,"ok":true}`, rec{User: "ann", Bytes: 12, Score: 1.5, OK: true}},
		{` { "score" : -2e3 , "user" : "b\"o\\b\u00e9\ud83d\ude00\n" } `, rec{User: "b\"o\\bé😀\n", Score: -2000}},
		{`{"x":{"a":[1,{"b":null}],"c":"}"},"bytes":null,"y":[],"z":{}}`, rec{Null: true}},
		{`{}`, rec{}},
		{`{"user":"last","user":"wins"}`, rec{User: "wins"}},
		{`{"bytes":1e2}`, rec{Bytes: 100}},
	} {
		got, err := decode(t, c.line)
		if err != nil || got != c.want {
			t.Errorf("%s: got %+v, %v; want %+v", c.line, got, err, c.want)
		}
	}
}

func TestJSONRejects(t *testing.T) {
	for _, c := range []struct{ line, want string }{
		{`not json`, "expected a JSON object"},
		{`{"user":"ann"} x`, "after the object"},
		{`{"user":"ann"`, "unexpected end of line"},
		{`{"user":"ann`, "unterminated string"},
		{`{"bytes":"12"}`, `field "bytes": expected a number, got string`},
		{`{"bytes":1.5}`, `1.5 is not a BIGINT`},
		{`{"ok":1}`, `expected a boolean, got number`},
		{`{"user":1}`, `expected a string, got number`},
		{`{"a":tru}`, "invalid value"},
		{`{"a":01}`, "invalid value"},
		{`{"a" 1}`, "expected ':'"},
		{`{"a":1,}`, "expected a key"},
		{`{"a":"\x"}`, "invalid escape"},
		{`[1,2]`, "expected a JSON object"},
		{``, "expected a JSON object"},
	} {
		_, err := decode(t, c.line)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.line, err, c.want)
		}
	}
}

func TestJSONStringViewsStayValidForTheLine(t *testing.T) {
	var d JSON
	d.Reset([]byte(`{"a":"x\ty","b":"p\nq","c":"plain"}`))
	var got []string
	for d.NextKey() {
		v, _, _ := d.StringView()
		got = append(got, v)
	}
	if strings.Join(got, "|") != "x\ty|p\nq|plain" || d.Err() != nil {
		t.Errorf("got %q, %v", got, d.Err())
	}
}

func TestJSONTimestamps(t *testing.T) {
	var d JSON
	d.Reset([]byte(`{"a":"2024-01-02T03:04:05.5Z","b":1704164645.5,"c":"2024-01-02 05:04:05.5+02:00"}`))
	for d.NextKey() {
		us, _, ok := d.Timestamp()
		if !ok || us != 1704164645500000 {
			t.Errorf("%s: got %d %v", d.Key(), us, ok)
		}
	}
}

func TestCSVSplit(t *testing.T) {
	var c CSV
	for _, tc := range []struct {
		line string
		want []string
	}{
		{`a,b,c`, []string{"a", "b", "c"}},
		{`a,,`, []string{"a", "", ""}},
		{``, []string{""}},
		{`"x, y","say ""hi""",z`, []string{"x, y", `say "hi"`, "z"}},
		{`a,"",`, []string{"a", "", ""}},
		{`"é",日本`, []string{"é", "日本"}},
	} {
		f, err := c.Split([]byte(tc.line), ',', nil)
		var got []string
		for _, x := range f {
			got = append(got, string(x))
		}
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("%q: got %q, %v; want %q", tc.line, got, err, tc.want)
		}
	}
	for _, bad := range []string{`"open`, `"a"b,c`} {
		if _, err := c.Split([]byte(bad), ',', nil); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

var tenth = 0.1

func TestAppendDoubleLikeJava(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{1, "1.0"}, {100, "100.0"}, {0.001, "0.001"}, {1234567, "1234567.0"}, {1e7, "1.0E7"},
		{1.234e-5, "1.234E-5"}, {-1.5e10, "-1.5E10"}, {tenth + 0.2, "0.30000000000000004"},
		{math.NaN(), "NaN"}, {math.Inf(1), "Infinity"}, {math.Inf(-1), "-Infinity"},
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1e-3 / 2, "5.0E-4"}, {1.7976931348623157e308, "1.7976931348623157E308"},
	} {
		if got := FormatDouble(c.f); got != c.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestTimestampsAndDates(t *testing.T) {
	for _, s := range []string{"2024-01-02 03:04:05", "2024-01-02T03:04:05Z", "2024-01-02T04:04:05+01:00", "2024-01-02T03:04:05.000"} {
		us, ok := ParseTimestamp([]byte(s))
		if !ok || FormatTimestamp(us) != "2024-01-02 03:04:05" {
			t.Errorf("%s: got %d %v (%s)", s, us, ok, FormatTimestamp(us))
		}
	}
	us, _ := ParseTimestamp([]byte("2024-01-02 03:04:05.120"))
	if got := FormatTimestamp(us); got != "2024-01-02 03:04:05.12" {
		t.Errorf("fraction: %s", got)
	}
	if got := string(AppendTimestampJSON(nil, us)); got != `"2024-01-02T03:04:05.120Z"` {
		t.Errorf("json: %s", got)
	}
	d, ok := ParseDate([]byte("1969-12-31"))
	if !ok || d != -1 || FormatDate(d) != "1969-12-31" {
		t.Errorf("date: %d %v", d, ok)
	}
	for _, bad := range []string{"", "2024-13-01", "yesterday", "2024-01-02 25:00:00"} {
		if _, ok := ParseTimestamp([]byte(bad)); ok {
			t.Errorf("%q parsed as a timestamp", bad)
		}
	}
}

func TestAppendJSONStringRoundTrips(t *testing.T) {
	for _, s := range []string{"plain", "q\"b\\s", "ctl\x01\n\t", "é日本😀", "bad\xffutf8"} {
		var back string
		if err := json.Unmarshal(AppendJSONString(nil, s), &back); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); back != want {
			t.Errorf("%q came back as %q", s, back)
		}
	}
}

func TestAppendCSVField(t *testing.T) {
	for in, want := range map[string]string{"a": "a", "a,b": `"a,b"`, `q"`: `"q"""`, " pad": `" pad"`, "": "", "l\nf": "\"l\nf\""} {
		if got := string(AppendCSVField(nil, in, ',')); got != want {
			t.Errorf("%q: got %s, want %s", in, got, want)
		}
	}
}

func TestParseNumbers(t *testing.T) {
	if v, ok := ParseInt64([]byte("-42")); !ok || v != -42 {
		t.Error("ParseInt64")
	}
	if _, ok := ParseInt64([]byte("9223372036854775808")); ok {
		t.Error("overflow accepted")
	}
	if _, ok := ParseInt32([]byte("3000000000")); ok {
		t.Error("INT overflow accepted")
	}
	if v, ok := ParseInt64([]byte(" 7 ")); !ok || v != 7 {
		t.Error("spaces")
	}
	if _, ok := ParseBool([]byte("yes")); ok {
		t.Error("CSV booleans are true/false only")
	}
}

func FuzzJSON(f *testing.F) {
	f.Add(`{"user":"ann","bytes":12,"x":[1,{"y":"\u00e9"}]}`)
	f.Add(`{"a":"\ud83d"}`)
	f.Fuzz(func(t *testing.T, line string) {
		var d JSON
		d.Reset([]byte(line))
		for i := 0; d.NextKey(); i++ {
			switch i % 4 {
			case 0:
				d.StringView()
			case 1:
				d.Int64()
			case 2:
				d.Timestamp()
			default:
				d.Skip()
			}
		}
		if d.Err() == nil && !json.Valid([]byte(line)) {
			t.Errorf("accepted invalid JSON %q", line)
		}
	})
}

func FuzzCSV(f *testing.F) {
	f.Add(`a,"b ""c""",d`)
	f.Fuzz(func(t *testing.T, line string) {
		var c CSV
		c.Split([]byte(line), ',', nil)
	})
}

func BenchmarkJSON(b *testing.B) {
	line := []byte(`{"ts": 1704164645, "user": "user_1234", "bytes": 123456, "url": "https://example.com/some/path/index.html"}`)
	b.Run("codec", func(b *testing.B) {
		var d JSON
		b.SetBytes(int64(len(line)))
		for range b.N {
			d.Reset(line)
			for d.NextKey() {
				switch string(d.Key()) {
				case "ts", "bytes":
					d.Int64()
				case "user", "url":
					d.StringView()
				default:
					d.Skip()
				}
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		var r struct {
			Ts    int64  `json:"ts"`
			User  string `json:"user"`
			Bytes int64  `json:"bytes"`
			URL   string `json:"url"`
		}
		b.SetBytes(int64(len(line)))
		for range b.N {
			json.Unmarshal(line, &r)
		}
	})
}
