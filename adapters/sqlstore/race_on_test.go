//go:build race

package sqlstore_test

// raceEnabled reports a -race build, in which modernc.org/sqlite (C translated to Go)
// runs about ten times slower; the heaviest duplicate checks are trimmed then.
const raceEnabled = true
