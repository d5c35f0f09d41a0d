package graph

import (
	"bytes"
	"sync"
)

// answerBuffers hold the executor's answers to queries: graph/internal/inorder
// rewrites the generated executor to write a query's answer into one, and the
// server gives it back with ReleaseAnswer once it has sent the answer. A
// customer 360's answer grew a new buffer from nothing, by doubling, every
// time.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// keepAnswer bounds the buffers kept: a larger answer's (a list of many
// customers, say) is left to the collector, so that large answers do not
// stay in the pool, and in the gateway's resident memory, for good.
const keepAnswer = 64 << 10

func answerBuffer() *bytes.Buffer {
	b := answerBuffers.Get().(*bytes.Buffer)
	b.Reset()
	return b
}

// ReleaseAnswer gives back the buffer behind an answer's data, for the next
// answer to be written into. The caller must hold no other reference to data:
// a transport calls it once it has written the answer out. Data the executor
// did not write (an error's, or none) only adds a buffer to the pool.
func ReleaseAnswer(data []byte) {
	if cap(data) == 0 || cap(data) > keepAnswer {
		return
	}
	answerBuffers.Put(bytes.NewBuffer(data[:0]))
}
