//go:build race

package gateway_test

// raceEnabled is true under the race detector, which slows FerretDB's
// reads about tenfold.
const raceEnabled = true
