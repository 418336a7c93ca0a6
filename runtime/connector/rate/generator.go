package rate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector"
)

// generator makes the rows of the generator source: synthetic values for the declared
// columns, on the rate source's schedule, for demos and benchmarks without input files.
//
// Row v's values depend only on the seed, v and the column, so a replayed batch is the same:
//
//   - TIMESTAMP: the row's time on the schedule (start + v/rows_per_second), moved back by
//     up to disorder (a hash-chosen amount), so watermarks and late rows can be shown;
//   - DATE: that time's day;
//   - BIGINT and INT: 0 to cardinality-1; STRING: "<column>_<0 to cardinality-1>";
//   - DOUBLE: 0 to 100 with two decimals; BOOLEAN: true or false.
//
// Values are never NULL.
type generator struct {
	cols     []rt.Column
	prefix   [][]byte // a STRING column's values start with its name (letters, digits, _)
	seed     uint64
	card     uint64
	disorder int64 // microseconds
}

func newGenerator(e rt.Endpoint) (*generator, error) {
	g := &generator{cols: e.Columns, seed: uint64(connector.Int(e.Options, "seed", 1)),
		card: uint64(connector.Int(e.Options, "cardinality", 100))}
	if g.card == 0 || int64(g.card) < 0 {
		return nil, fmt.Errorf("cardinality must be positive, got %s", e.Options["cardinality"])
	}
	if d := e.Options["disorder"]; d != "" {
		dur, err := time.ParseDuration(d)
		if err != nil || dur < 0 {
			return nil, fmt.Errorf("disorder must be a non-negative duration, got %q", d)
		}
		g.disorder = dur.Microseconds()
	}
	if len(g.cols) == 0 {
		return nil, fmt.Errorf("no columns declared")
	}
	for _, c := range g.cols {
		p := strings.Map(func(r rune) rune {
			if r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, c.Name)
		g.prefix = append(g.prefix, []byte(p+"_"))
	}
	return g, nil
}

// mix is SplitMix64's finalizer: well-spread bits from a counter.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// fill appends rows first to first+n-1 to vs, row v due at base + v/rps seconds
// (microseconds). Column by column: each is one tight loop over the rows.
func (g *generator) fill(vs []rt.Vector, first, n, base, rps int64) {
	var text []byte
	var ends []int
	for j, c := range g.cols {
		v := &vs[j]
		if c.Unread {
			continue
		}
		for r := first; r < first+n; r++ {
			row := mix(g.seed ^ uint64(r)*0xd1342543de82ef95)
			h := mix(row + uint64(j+1)*0x9e3779b97f4a7c15)
			switch c.Type {
			case "TIMESTAMP", "DATE":
				ts := base + r*1_000_000/rps
				if g.disorder > 0 {
					ts -= int64(row % uint64(g.disorder+1))
				}
				if c.Type == "DATE" {
					v.Int32 = append(v.Int32, int32(time.UnixMicro(ts).UTC().Unix()/86400))
				} else {
					v.Int64 = append(v.Int64, ts)
				}
			case "BIGINT":
				v.Int64 = append(v.Int64, int64(h%g.card))
			case "INT":
				v.Int32 = append(v.Int32, int32(h%min(g.card, 1<<31))) // at most every non-negative INT
			case "DOUBLE":
				v.Float64 = append(v.Float64, float64(h%10001)/100)
			case "BOOLEAN":
				v.Bool = append(v.Bool, h&1 == 1)
			default: // STRING: the compiler allows no other type
				if text == nil {
					text = make([]byte, 0, int(n)*(len(g.prefix[j])+len(strconv.FormatUint(g.card-1, 10))))
					ends = make([]int, 0, n)
				}
				text = append(text, g.prefix[j]...)
				text = strconv.AppendUint(text, h%g.card, 10)
				ends = append(ends, len(text))
			}
		}
		if len(ends) > 0 {
			// The column's strings are views of text, which is never written again.
			all, start := rt.View(text), 0
			for _, end := range ends {
				v.String = append(v.String, all[start:end])
				start = end
			}
			text, ends = nil, nil
		}
	}
}
