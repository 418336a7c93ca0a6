package files

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	rt "github.com/sqlstream/sqlstream/runtime"
)

// Version describes the files of the batch that ends at end, each by its path, size and
// modification time, so that a table with refresh = 'on_change' reloads when a file was
// added, removed or replaced (rt.Versioner). A file removed since the listing counts as
// gone: the read that follows lists again.
func (s *source) Version(end rt.Offset) (string, error) {
	var o offset
	if err := json.Unmarshal(end, &o); err != nil {
		return "", fmt.Errorf("files source %q: bad offset %s: %w", s.name, end, err)
	}
	var b strings.Builder
	for _, path := range o.Files {
		info, err := os.Stat(path)
		if err != nil {
			fmt.Fprintf(&b, "%s gone\n", path)
			continue
		}
		fmt.Fprintf(&b, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
	}
	return b.String(), nil
}
