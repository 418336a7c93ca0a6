package runtime

// RunStage runs a later stage of a chain of stateful operators (an aggregation over an
// aggregation or a deduplication) over the rows the stage before emitted in batch batchID:
// one worker, which reads them as its chunk's Upstream, then the stage's Finish. The rows
// come from no source, so the worker has no RecordErrors: an expression that fails on one
// fails the batch.
func RunStage(q Query, batchID int64, rows Rows) (Rows, error) {
	w := q.NewWorker(nil)
	if err := w.Process(&Chunk{Batch: batchID, Upstream: rows}); err != nil {
		return nil, err
	}
	return q.Finish(batchID, []Worker{w})
}

// SaveStages writes the states of a chain's stages in order, each as a section of its own, so
// that each stage's LoadState reads its part whole (LoadStages).
func SaveStages(e *StateEncoder, stages ...StatefulQuery) {
	for _, s := range stages {
		part := &StateEncoder{sizing: e.sizing}
		s.SaveState(part)
		e.Len(part.size())
		e.dropped += part.dropped
		e.buf = append(e.buf, part.buf...)
		e.spill()
	}
}

// LoadStages reads a snapshot SaveStages wrote back into the stages.
func LoadStages(d *StateDecoder, stages ...StatefulQuery) error {
	for _, s := range stages {
		if err := s.LoadState(NewStateDecoder(d.Raw())); err != nil {
			return err
		}
	}
	return d.Err()
}
