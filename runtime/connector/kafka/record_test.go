package kafka

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func rec(key, value []byte) *kgo.Record {
	return &kgo.Record{Key: key, Value: value, Topic: "t", Partition: 2, Offset: 41,
		Timestamp: time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.FixedZone("X", 3600))}
}

const meta = `"partition":2,"offset":41,"timestamp":"2024-05-06T06:08:09.123000Z","topic":"t"`

func TestAppendRecord(t *testing.T) {
	for _, c := range []struct {
		name   string
		r      *kgo.Record
		format string
		want   string
		valid  bool // the line is a JSON object
	}{
		{"text nil key", rec(nil, []byte("hello")), "text", `{"key":null,` + meta + `,"value":"hello"}`, true},
		{"text key and escapes", rec([]byte(`k"1`), []byte("a \"q\"\nb\\\tc\x01")), "text",
			`{"key":"k\"1",` + meta + `,"value":"a \"q\"\nb\\\tc\u0001"}`, true},
		{"text invalid utf8", rec([]byte("k\xff"), []byte("é\xe9")), "text", `{"key":"k` + "\ufffd" + `",` + meta + `,"value":"é` + "\ufffd" + `"}`, true},
		{"text null value", rec([]byte("k"), nil), "text", `{"key":"k",` + meta + `,"value":null}`, true},
		{"text empty value", rec([]byte{}, []byte{}), "text", `{"key":"",` + meta + `,"value":""}`, true},
		{"csv", rec(nil, []byte("1,\"a,b\",x\r\ny")), "csv", `1,"a,b",x  y`, false},
		{"bytes", rec(nil, []byte("a\"\xe9\xff\x00\n")), "bytes", `{"key":null,` + meta + `,"value":"YSLp/wAK"}`, true},
		{"json object", rec([]byte("k"), []byte(` {"a":1,"b":"x"} `)), "json", `{"key":"k",` + meta + `,"a":1,"b":"x"}`, true},
		{"json empty object", rec(nil, []byte("{ }")), "json", `{"key":null,` + meta + `}`, true},
		{"json multi-line", rec(nil, []byte("{\r\n  \"a\": 1,\n  \"b\": [2,\n3]\n}\n")), "json", `{"key":null,` + meta + ",\r   \"a\": 1,   \"b\": [2, 3] }", true},
		{"json newline in a string", rec(nil, []byte("{\"a\":\"x\ny\",\"b\":\"\\\"\n\"}")), "json", `{"key":null,` + meta + ",\"a\":\"x\ty\",\"b\":\"\\\"\t\"}", false},
		{"json null value", rec(nil, nil), "json", `{"key":null,` + meta + `}`, true},
		{"json blank value", rec(nil, []byte(" \n")), "json", `{"key":null,` + meta + `}`, true},
		{"json bom", rec(nil, []byte("\ufeff{\"a\":1}")), "json", `{"key":null,` + meta + `,"a":1}`, true},
		{"json array", rec(nil, []byte("[1,\n2]")), "json", `[1, 2]`, false},
		{"json string", rec(nil, []byte(`"x"`)), "json", `"x"`, false},
		{"json trailing garbage", rec(nil, []byte(`{"a":1} x`)), "json", `{"key":null,` + meta + `,"a":1} x`, false},
	} {
		got := AppendRecord([]byte("prefix:"), c.r, c.format)
		if !bytes.HasPrefix(got, []byte("prefix:")) {
			t.Errorf("%s: dst not kept: %s", c.name, got)
			continue
		}
		got = got[len("prefix:"):]
		if string(got) != c.want {
			t.Errorf("%s:\ngot  %s\nwant %s", c.name, got, c.want)
		}
		if bytes.IndexByte(got, '\n') >= 0 {
			t.Errorf("%s: not one line: %q", c.name, got)
		}
		var m map[string]any
		if err := json.Unmarshal(got, &m); (err == nil) != c.valid {
			t.Errorf("%s: valid JSON object %v, want %v (%v)", c.name, err == nil, c.valid, err)
		}
	}
}

// TestBytesRoundTrip checks that format bytes is lossless: base64, as the decoder reads BYTES.
func TestBytesRoundTrip(t *testing.T) {
	var all []byte
	for b := range 256 {
		all = append(all, byte(b))
	}
	all = append(all, "é€\xc3"...)
	line := AppendRecord(nil, rec(nil, all), "bytes")
	var m struct{ Value []byte }
	if err := json.Unmarshal(line, &m); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Value, all) {
		t.Errorf("round trip:\n%q\n%q", m.Value, all)
	}
}

func TestAppendRecordTimestamps(t *testing.T) {
	r := rec(nil, []byte("v"))
	r.Timestamp = time.UnixMilli(-1)
	if got := string(AppendRecord(nil, r, "text")); got != `{"key":null,"partition":2,"offset":41,"timestamp":null,"topic":"t","value":"v"}` {
		t.Errorf("no timestamp: %s", got)
	}
	r.Timestamp = time.UnixMilli(0)
	if got := string(AppendRecord(nil, r, "text")); !bytes.Contains([]byte(got), []byte(`"timestamp":"1970-01-01T00:00:00.000000Z"`)) {
		t.Errorf("epoch: %s", got)
	}
}
