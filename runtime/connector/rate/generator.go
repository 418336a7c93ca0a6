package rate

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/codec"
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
// Values are never NULL. Rows reach the generated decoder as CSV lines in column order.
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

func (g *generator) appendRow(b []byte, v, ts int64) []byte {
	row := mix(g.seed ^ uint64(v)*0xd1342543de82ef95)
	if g.disorder > 0 {
		ts -= int64(row % uint64(g.disorder+1))
	}
	for j, c := range g.cols {
		if j > 0 {
			b = append(b, ',')
		}
		h := mix(row + uint64(j+1)*0x9e3779b97f4a7c15)
		switch c.Type {
		case "TIMESTAMP":
			b = codec.AppendTimestamp(b, ts)
		case "DATE":
			b = codec.AppendDate(b, int32(time.UnixMicro(ts).UTC().Unix()/86400))
		case "BIGINT", "INT":
			b = strconv.AppendUint(b, h%g.card, 10)
		case "DOUBLE":
			b = strconv.AppendFloat(b, float64(h%10001)/100, 'f', 2, 64)
		case "BOOLEAN":
			b = strconv.AppendBool(b, h&1 == 1)
		default: // STRING: the compiler allows no other type
			b = append(b, g.prefix[j]...)
			b = strconv.AppendUint(b, h%g.card, 10)
		}
	}
	return append(b, '\n')
}
