package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/omnigate/omnigate"
)

// post is GraphQL over HTTP POST, as gqlgen's transport.POST answers it,
// but written once. gqlgen encodes the finished answer again with
// encoding/json, which re-reads and compacts the data the executor already
// wrote compact, and the answer then went out in 4 KB chunks, a write to the
// connection each. post writes an answer without errors or extensions
// itself, and every answer with its Content-Length in one write.
// TestPostAnswersAsGqlgenDoes holds it to gqlgen's answers.
type post struct {
	transport.POST
	// release, when set, is given the data of an answer once it is written.
	release func(data []byte)
}

const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// answers are the buffers answers are written into; one larger than
// keepAnswer is left to the collector.
var answers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const keepAnswer = 256 << 10

func (p post) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	contentType := responseType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
		write(w, http.StatusRequestEntityTooLarge, exec.DispatchError(ctx, gqlerror.List{{
			Message:    fmt.Sprintf("the request body is larger than the %d bytes allowed", tooLarge.Limit),
			Extensions: map[string]any{"code": omnigate.EINVALID},
		}}))
		return
	}
	if err != nil {
		write(w, http.StatusOK, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("could not read request body: %+v", err)}))
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		write(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{gqlerror.Errorf("json request body could not be decoded: %+v body:%s", err, body)}))
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		// Something after the request object: a client that concatenated
		// two requests, or a body cut and pasted wrong, is told so rather
		// than answered for the first part alone.
		write(w, http.StatusBadRequest, exec.DispatchError(ctx, gqlerror.List{{
			Message:    fmt.Sprintf("the request body holds more than one JSON value: %q follows the request object", trailing(body, dec.InputOffset())),
			Extensions: map[string]any{"code": omnigate.EINVALID},
		}}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		// Protocol errors (the query does not parse or validate) are a bad
		// request in application/graphql-response+json; in application/json
		// gqlgen answers 422.
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusUnprocessableEntity
			if contentType == mediaGraphQLResponse {
				status = http.StatusBadRequest
			}
		}
		write(w, status, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	write(w, http.StatusOK, resp)
	if p.release != nil {
		p.release(resp.Data)
	}
}

// responseType is the media type of the answer, from the client's Accept
// header: the first of application/json and application/graphql-response+json
// it names, application/json for any type or none, and
// application/graphql-response+json when it names neither.
func responseType(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		media, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch media {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// write sends resp with status and its length, in one write to the
// connection.
func write(w http.ResponseWriter, status int, resp *graphql.Response) {
	buf := answers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= keepAnswer {
			buf.Reset()
			answers.Put(buf)
		}
	}()
	if len(resp.Errors) == 0 && resp.Label == "" && resp.Path == nil && resp.HasNext == nil && len(resp.Extensions) == 0 {
		// The executor's data is compact JSON already.
		buf.WriteString(`{"data":`)
		if len(resp.Data) == 0 {
			buf.WriteString("null")
		} else {
			buf.Write(resp.Data)
		}
		buf.WriteByte('}')
	} else {
		b, err := json.Marshal(resp)
		if err != nil {
			panic(fmt.Errorf("unable to marshal %s: %w", string(resp.Data), err))
		}
		buf.Write(b)
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// unsupported answers the requests no other transport takes, saying what
// is wrong with them: gqlgen's own answer is a bare "transport not
// supported". It must be the last transport.
type unsupported struct{}

func (unsupported) Supports(*http.Request) bool { return true }

func (unsupported) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	status, msg := http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not supported: send the query with GET or POST", r.Method)
	if r.Method == http.MethodPost {
		status = http.StatusUnsupportedMediaType
		msg = fmt.Sprintf("Content-Type %q is not supported: send the request body as %s", r.Header.Get("Content-Type"), mediaJSON)
	} else {
		w.Header().Set("Allow", "GET, POST, OPTIONS")
	}
	w.Header().Set("Content-Type", mediaJSON)
	write(w, status, exec.DispatchError(r.Context(), gqlerror.List{{Message: msg, Extensions: map[string]any{"code": omnigate.EINVALID}}}))
}

// trailing is what follows offset in body, trimmed and cut to 40 bytes.
func trailing(body []byte, offset int64) string {
	rest := bytes.TrimSpace(body[min(int(offset), len(body)):])
	if len(rest) > 40 {
		rest = rest[:40]
	}
	return string(rest)
}
