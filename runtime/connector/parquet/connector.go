package parquet

import (
	"bytes"
	"context"

	rt "github.com/sqlstream/sqlstream/runtime"
	"github.com/sqlstream/sqlstream/runtime/connector/files"
)

// OpenSource opens a files source whose files are Parquet (format = 'parquet'): listing,
// ordering and checkpointing are the files source's; each file's schema is checked against
// the declared columns before any of its rows is read.
func OpenSource(ctx context.Context, e rt.Endpoint) (rt.Source, error) {
	return files.OpenSourceWith(ctx, e, func(path string, emit func(*rt.Chunk) error) error {
		return ReadFile(path, e.Columns, emit)
	})
}

// OpenSink opens a files sink that writes each batch (each partition's part, with
// partition_by) as one Parquet file.
func OpenSink(ctx context.Context, e rt.Endpoint, cols []rt.Column, mode rt.OutputMode) (rt.Sink, error) {
	return files.OpenSinkWith(ctx, e, cols, mode, files.Encoder{Ext: "parquet", Encode: encode})
}

func encode(dst []byte, cols []rt.Column, rows rt.Rows, header bool) ([]byte, error) {
	b := bytes.NewBuffer(dst)
	err := WriteFile(b, cols, rows)
	return b.Bytes(), err
}
