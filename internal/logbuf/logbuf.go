// Package logbuf is a log's output kept in memory for tests: many
// goroutines may write to a Buffer while a test reads it.
package logbuf

import (
	"bytes"
	"sync"
)

// Buffer is an io.Writer whose contents can be read while it is written.
// The zero Buffer is empty and ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
