package runtime

import (
	"encoding/json"
	"fmt"
	"time"
)

// Progress is one batch's report: a small subset of Spark's StreamingQueryProgress, under
// Spark's field names (numOutputRows and malformedRows are sqlstream's). --progress prints it;
// Program.OnProgress receives it.
type Progress struct {
	Name                   string            `json:"name"`
	Timestamp              string            `json:"timestamp"`
	BatchID                int64             `json:"batchId"`
	NumInputRows           int64             `json:"numInputRows"`
	ProcessedRowsPerSecond float64           `json:"processedRowsPerSecond"`
	DurationMs             map[string]int64  `json:"durationMs"`
	NumOutputRows          int               `json:"numOutputRows"`
	MalformedRows          int64             `json:"malformedRows"`
	EventTime              map[string]string `json:"eventTime,omitempty"`
	StateOperators         []StateOperator   `json:"stateOperators,omitempty"`
}

// StateOperator describes a query's state after a batch.
type StateOperator struct {
	NumRowsTotal              int   `json:"numRowsTotal"`
	NumRowsDroppedByWatermark int64 `json:"numRowsDroppedByWatermark"`
}

// record adds the watermark, late rows and state size of an event-time query.
func (r *queryRun) record(q Query, p Progress) Progress {
	eq, ok := q.(EventTimeQuery)
	if !ok {
		return p
	}
	wm, has, late, state := eq.EventTime()
	if has {
		p.EventTime = map[string]string{"watermark": time.UnixMicro(wm).UTC().Format("2006-01-02T15:04:05.000Z")}
	}
	p.StateOperators = []StateOperator{{NumRowsTotal: state, NumRowsDroppedByWatermark: late}}
	return p
}

// progress reports a batch on stderr as --progress asks. latest is the time spent choosing
// the batch's offsets, total the whole trigger's.
func (r *queryRun) progress(p Progress, latest, total time.Duration) {
	p.Name = r.spec.Name
	p.DurationMs = map[string]int64{"latestOffset": latest.Milliseconds(), "triggerExecution": total.Milliseconds()}
	if s := total.Seconds(); s > 0 {
		p.ProcessedRowsPerSecond = float64(p.NumInputRows) / s
	}
	if r.onProgress != nil {
		r.onProgress(p)
	}
	switch r.opts.progress {
	case "json":
		b, _ := json.Marshal(p)
		fmt.Fprintf(r.stderr, "%s\n", b)
	case "text":
		extra := ""
		if wm, ok := p.EventTime["watermark"]; ok {
			extra += ", watermark " + wm
		}
		if len(p.StateOperators) > 0 {
			extra += fmt.Sprintf(", %d state rows, %d late rows dropped", p.StateOperators[0].NumRowsTotal, p.StateOperators[0].NumRowsDroppedByWatermark)
		}
		fmt.Fprintf(r.stderr, "progress: query %s batch %d: %d input rows (%d malformed) in %v, %.0f rows/s, %d output rows%s\n",
			p.Name, p.BatchID, p.NumInputRows, p.MalformedRows, total.Round(time.Microsecond), p.ProcessedRowsPerSecond, p.NumOutputRows, extra)
	}
}
