package kafka

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// Special offsets of starting_offsets, as in Spark.
const (
	offsetEarliest = -2
	offsetLatest   = -1
)

// offsets maps topic → partition → offset.
type offsets map[string]map[int32]int64

func (o offsets) get(topic string, partition int32) (int64, bool) {
	v, ok := o[topic][partition]
	return v, ok
}

func (o offsets) set(topic string, partition int32, v int64) {
	m := o[topic]
	if m == nil {
		m = map[int32]int64{}
		o[topic] = m
	}
	m[partition] = v
}

func (o offsets) clone() offsets {
	c := make(offsets, len(o))
	for t, ps := range o {
		c[t] = maps.Clone(ps)
	}
	return c
}

// each calls fn for every partition, in topic then partition order.
func (o offsets) each(fn func(topic string, partition int32, v int64)) {
	for _, t := range slices.Sorted(maps.Keys(o)) {
		for _, p := range slices.Sorted(maps.Keys(o[t])) {
			fn(t, p, o[t][p])
		}
	}
}

// marshal writes o as {"topic":{"0":123,"1":45}}, topics sorted by name and partitions by
// number, so that equal offsets have equal bytes.
func (o offsets) marshal() rt.Offset {
	b := []byte{'{'}
	for i, t := range slices.Sorted(maps.Keys(o)) {
		if i > 0 {
			b = append(b, ',')
		}
		name, _ := json.Marshal(t)
		b = append(b, name...)
		b = append(b, ':', '{')
		for j, p := range slices.Sorted(maps.Keys(o[t])) {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = strconv.AppendInt(b, int64(p), 10)
			b = append(b, '"', ':')
			b = strconv.AppendInt(b, o[t][p], 10)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// parseOffsets reads offsets written by marshal, or the JSON of starting_offsets.
func parseOffsets(b []byte) (offsets, error) {
	var raw map[string]map[string]int64
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf(`expected JSON such as {"topic":{"0":23,"1":-2}}: %w`, err)
	}
	o := offsets{}
	for t, ps := range raw {
		o[t] = map[int32]int64{}
		for k, v := range ps {
			p, err := strconv.ParseInt(k, 10, 32)
			if err != nil || p < 0 {
				return nil, fmt.Errorf("topic %q: partition %q is not a partition number", t, k)
			}
			o[t][int32(p)] = v
		}
	}
	return o, nil
}
