package kafka

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/conformance"
)

// TestSourceConformance runs the suite on a kfake cluster: Add produces records round-robin
// to the three partitions of topic in, and the source starts at latest, so that only its
// checkpointed state gives a fresh instance the first one's starting offsets: records
// produced before the first instance opened are never read.
func TestSourceConformance(t *testing.T) {
	conformance.TestSource(t, func(t *testing.T) conformance.Source {
		_, brokers := cluster(t, "in")
		prod := client(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
		for p := range int32(3) {
			if err := prod.ProduceSync(context.Background(), &kgo.Record{Topic: "in", Partition: p, Value: []byte("before the start")}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		n := 0
		parse := func(l string) line {
			var r line
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Errorf("record %q: %v", l, err)
			}
			return r
		}
		return conformance.Source{
			Open: func(t *testing.T) rt.Source {
				s, err := OpenSource(context.Background(), rt.Endpoint{Name: "in", Connector: "kafka",
					Options: map[string]string{"brokers": brokers, "topic": "in", "format": "text", "starting_offsets": "latest"}})
				if err != nil {
					t.Fatal(err)
				}
				return s
			},
			Add: func(t *testing.T, k int) []string {
				recs := make([]*kgo.Record, k)
				out := make([]string, k)
				for i := range recs {
					out[i] = fmt.Sprintf("record %d %s", n, strings.Repeat("x", 60))
					recs[i] = &kgo.Record{Topic: "in", Partition: int32(n % 3), Value: []byte(out[i])}
					n++
				}
				if err := prod.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
					t.Fatal(err)
				}
				return out
			},
			Record: func(l string) string {
				if v := parse(l).Value; v != nil {
					return *v
				}
				return "<null>"
			},
			Locate: func(l string) (string, int64) {
				r := parse(l)
				return fmt.Sprintf("kafka %s/%d", r.Topic, r.Partition), r.Offset
			},
			Big: 20000,
		}
	})
}

// TestSinkConformance runs the suite at least once (a replayed batch is produced again) and
// exactly once (read_committed consumers see it once).
func TestSinkConformance(t *testing.T) {
	for _, c := range []struct {
		guarantee conformance.Guarantee
		isolation kgo.IsolationLevel
	}{{conformance.AtLeastOnce, kgo.ReadUncommitted()}, {conformance.ExactlyOnce, kgo.ReadCommitted()}} {
		t.Run(c.guarantee.String(), func(t *testing.T) {
			conformance.TestSink(t, func(t *testing.T) conformance.Sink {
				_, brokers := cluster(t, "out")
				return conformance.Sink{
					Guarantee: c.guarantee,
					Restart:   true,
					Open: func(t *testing.T, cols []rt.Column) rt.Sink {
						s, err := OpenSink(context.Background(), rt.Endpoint{Name: "out", Connector: "kafka", RunID: "run-1",
							Options: map[string]string{"brokers": brokers, "topic": "out", "guarantee": c.guarantee.String()}}, cols, rt.Append)
						if err != nil {
							t.Fatal(err)
						}
						return s
					},
					Output: func(t *testing.T, want int) []string {
						var out []string
						for _, r := range consume(t, brokers, "out", want, c.isolation) {
							_, v, _ := strings.Cut(r, "=") // key=value
							cells, err := conformance.JSONCells([]byte(v))
							if err != nil {
								t.Fatal(err)
							}
							out = append(out, cells)
						}
						return out
					},
				}
			})
		})
	}
}
