package codec

import "unsafe"

// viewString returns b as a string without copying; b must not change while it is used.
func viewString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
