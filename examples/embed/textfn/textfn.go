// Package textfn holds Go functions that examples/embed's query calls from SQL
// (CREATE FUNCTION vowels AS 'github.com/sqlstream/sqlstream/examples/embed/textfn.Vowels').
package textfn

import "strings"

// Vowels counts the vowels of s, accented ones included.
func Vowels(s string) int64 {
	var n int64
	for _, r := range strings.ToLower(s) {
		if strings.ContainsRune("aeiouyàáâäéèêëíìîïóòôöúùûüýÿ", r) {
			n++
		}
	}
	return n
}
