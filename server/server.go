// Package server is the gateway's HTTP face: GraphQL over HTTP at /graphql
// (POST and GET, application/graphql-response+json or application/json as the
// client accepts), GraphiQL at /, liveness at /healthz and readiness at
// /readyz. It owns the one place where errors become what clients see.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/tracing"
)

// Options configure the handler.
type Options struct {
	Schema graphql.ExecutableSchema
	// ReleaseAnswer, when set, is given the data of every answer to a POST
	// once it has been written, for the schema's executor to write the next
	// answer into (graph.ReleaseAnswer).
	ReleaseAnswer func(data []byte)
	// Middleware wraps the GraphQL handler; the gateway puts the request's
	// loaders into the context here.
	Middleware func(http.Handler) http.Handler
	// GraphiQL serves the page at /; nil serves none.
	GraphiQL http.Handler
	// Required checks make /readyz fail (MongoDB); Reported checks are shown
	// but do not (channel systems: the gateway answers with partial data
	// while one is down).
	Required map[string]func(context.Context) error
	Reported map[string]func(context.Context) error
	// ComplexityLimit bounds a query's cost; 0 means DefaultComplexityLimit.
	ComplexityLimit int
	// Authorize, when set, checks each operation against its client's
	// rights before the handler's other extensions (auth.Authorization).
	Authorize graphql.HandlerExtension
	// Extensions are the schema's own gqlgen extensions, used after the
	// handler's (the gateway's admission of customers).
	Extensions []graphql.HandlerExtension
	// CORSOrigins are the web origins (https://shop.example.com, or
	// https://*.example.com) whose pages may call /graphql from a browser;
	// none answers no cross-origin request.
	CORSOrigins []string
	// RequestTimeout bounds one GraphQL request.
	RequestTimeout time.Duration
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// SlowRequest: a request that takes at least this long is logged at
	// warn level with its id and its calls to the channel systems (when,
	// for how long); 0 logs none.
	SlowRequest time.Duration
	Logger      *slog.Logger
}

// DefaultComplexityLimit allows a 360 query over a list of 1,000 customers
// (about 72 each: the gateway weighs customers(ids:)'s selection once per
// id) but not an unbounded one.
const DefaultComplexityLimit = 200_000

// New returns the gateway's HTTP handler.
func New(o Options) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	gql := handler.New(o.Schema)
	gql.AddTransport(transport.Options{})
	gql.AddTransport(transport.GET{})
	gql.AddTransport(post{release: o.ReleaseAnswer})
	gql.AddTransport(unsupported{})
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	gql.Use(extension.Introspection{})
	gql.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if o.Authorize != nil {
		gql.Use(o.Authorize)
	}
	limit := o.ComplexityLimit
	if limit <= 0 {
		limit = DefaultComplexityLimit
	}
	gql.Use(newComplexityLimit(limit))
	for _, ext := range o.Extensions {
		gql.Use(ext)
	}
	gql.Use(spanName{})
	gql.SetErrorPresenter(ErrorPresenter(log))
	gql.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", p, "stack", string(debug.Stack()))
		return omnigate.Errorf(omnigate.EINTERNAL, "internal error")
	})

	var api http.Handler = gql
	if o.Middleware != nil {
		api = o.Middleware(api)
	}
	maxBody := o.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 1 << 20
	}
	timeout := o.RequestTimeout
	api = limitRequest(api, maxBody, timeout)
	api = timing(api, o.SlowRequest, log)
	api = traced(api)
	api = requestID(api)

	if len(o.CORSOrigins) > 0 {
		// Preflights are answered here, before authentication: a browser
		// sends them without the token.
		api = cors.New(cors.Options{
			AllowedOrigins: o.CORSOrigins,
			AllowedMethods: []string{http.MethodGet, http.MethodPost},
			AllowedHeaders: []string{"Content-Type", "Accept", "Authorization", omnigate.RequestIDHeader},
			ExposedHeaders: []string{omnigate.RequestIDHeader, "Server-Timing"},
			MaxAge:         600,
		}).Handler(api)
	}

	mux := http.NewServeMux()
	mux.Handle("/graphql", api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.Handle("GET /readyz", readiness(o.Required, o.Reported))
	mux.Handle("GET /metrics", metrics.Handler())
	// Runtime statistics (expvar, for cmd/omnibench's allocations per
	// query) and CPU and heap profiles only when asked for: they show the
	// process's inner workings, and profiles cost CPU while taken.
	if os.Getenv("OMNIGATE_DEBUG") == "1" {
		mux.Handle("GET /debug/vars", expvar.Handler())
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	if o.GraphiQL != nil {
		mux.Handle("/", o.GraphiQL)
	}
	return mux
}

func limitRequest(next http.Handler, maxBody int64, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if timeout > 0 {
			// The body is read by the transport, which does not look at the
			// context: a client that sends it slowly (or never finishes it)
			// would hold the request past its bound. Not every writer
			// reaches a connection (httptest.ResponseRecorder).
			_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(timeout))
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// requestID takes the client's X-Request-Id, or makes one, answers with it
// and puts it in the request's context, for the calls to the channel
// systems to carry; and the client's address, for its rate.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(omnigate.RequestIDHeader)
		if !omnigate.ValidRequestID(id) {
			id = omnigate.NewRequestID()
		}
		w.Header().Set(omnigate.RequestIDHeader, id)
		ctx := omnigate.WithRequestID(r.Context(), id)
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ctx = omnigate.WithClientAddr(ctx, host)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// traced runs each request in a span of the gateway's trace when tracing
// is set up (package tracing), continuing the client's trace when it sends
// a W3C traceparent; otherwise it adds nothing to the request.
func traced(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !tracing.On() {
			next.ServeHTTP(w, r)
			return
		}
		ctx := tracing.Propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracing.Tracer().Start(ctx, "GraphQL", trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		span.SetAttributes(attribute.String("http.request.method", r.Method), attribute.String("omnigate.request_id", omnigate.RequestID(ctx)))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// spanName names a request's span after its operation, once it is
// validated: "query MyCart".
type spanName struct{}

func (spanName) ExtensionName() string                   { return "SpanName" }
func (spanName) Validate(graphql.ExecutableSchema) error { return nil }
func (spanName) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() || oc.Operation == nil {
		return nil
	}
	name := oc.Operation.Name
	if name == "" {
		name = "(anonymous)"
	}
	span.SetName(string(oc.Operation.Operation) + " " + name)
	span.SetAttributes(attribute.String("graphql.operation.type", string(oc.Operation.Operation)), attribute.String("graphql.operation.name", oc.Operation.Name))
	return nil
}

// timing keeps each request's call log and its Answer (omnigate.SetAnswer),
// and records the request in the metrics and its span. It answers with a
// Server-Timing header: upstream, how long the request waited on the
// channel systems (at least one of its calls was sent and its answer not yet
// read); queue, if it had to wait for room for its customers
// (max_customers_in_flight); and gateway, the rest of its time until the
// answer is written. A browser's developer tools show them. It logs the
// requests that take at least threshold (0: none) at warn level with their
// id and their calls.
func timing(next http.Handler, threshold time.Duration, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, calls := omnigate.WithCallLog(r.Context())
		ctx, answer := omnigate.WithAnswer(ctx)
		tw := &timingWriter{ResponseWriter: w, calls: calls, answer: answer}
		next.ServeHTTP(tw, r.WithContext(ctx))
		if !tw.done {
			tw.header() // a handler that wrote nothing answered 200
			tw.status = http.StatusOK
		}
		metrics.Request(tw.status, tw.took, tw.upstream, tw.took-tw.upstream-tw.queued)
		if span := trace.SpanFromContext(ctx); span.IsRecording() {
			span.SetAttributes(attribute.Int("http.response.status_code", tw.status))
			if tw.status >= 500 {
				span.SetStatus(codes.Error, http.StatusText(tw.status))
			}
		}
		if took := calls.Since(); threshold > 0 && took >= threshold {
			log.Warn("slow request", "request_id", omnigate.RequestID(ctx), "took", took.Round(10*time.Microsecond), "calls", calls.String())
		}
	})
}

// timingWriter adds the Server-Timing header as the answer starts, and
// keeps its figures and the answer's status for the metrics.
type timingWriter struct {
	http.ResponseWriter
	calls                  *omnigate.CallLog
	answer                 *omnigate.Answer
	done                   bool
	status                 int
	took, upstream, queued time.Duration
}

func (t *timingWriter) header() {
	if t.done {
		return
	}
	t.done = true
	up, queued, total := t.calls.Upstream(), t.calls.Queued(), t.calls.Since()
	t.took, t.upstream, t.queued = total, up, queued
	v := fmt.Sprintf(`upstream;dur=%.3f;desc="waiting on the channel systems", gateway;dur=%.3f`,
		float64(up.Microseconds())/1e3, float64((total-up-queued).Microseconds())/1e3)
	if queued > 0 {
		v += fmt.Sprintf(`, queue;dur=%.3f;desc="waiting for room for its customers"`, float64(queued.Microseconds())/1e3)
	}
	t.ResponseWriter.Header().Set("Server-Timing", v)
}

func (t *timingWriter) WriteHeader(code int) {
	if !t.done {
		// A refusal deep in the request (omnigate.SetAnswer) names the
		// status the transport does not know.
		code = t.answer.Status(code, t.ResponseWriter.Header())
		t.status = code
	}
	t.header()
	t.ResponseWriter.WriteHeader(code)
}

func (t *timingWriter) Write(b []byte) (int, error) {
	if !t.done {
		t.WriteHeader(http.StatusOK)
	}
	return t.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (t *timingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

// ErrorPresenter turns any error into what a client may see: an
// *omnigate.Error keeps its message with extensions {code, source}; GraphQL
// parse and validation errors stay as they are; anything else is logged and
// shown as an internal error, so that no upstream body, secret or stack trace
// reaches a client.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var oe *omnigate.Error
		if errors.As(err, &oe) {
			gerr := graphql.DefaultErrorPresenter(ctx, err)
			gerr.Message = oe.Message
			if oe.Source != "" {
				gerr.Message = string(oe.Source) + ": " + oe.Message
			}
			gerr.Extensions = map[string]any{"code": oe.Code}
			if oe.Source != "" {
				gerr.Extensions["source"] = string(oe.Source)
			}
			metrics.Error(oe.Code, string(oe.Source))
			if oe.Code == omnigate.EINTERNAL || oe.Source != "" {
				log.WarnContext(ctx, "request error", "code", oe.Code, "source", oe.Source, "err", err)
			}
			return gerr
		}
		var ge *gqlerror.Error
		if errors.As(err, &ge) && ge.Err == nil {
			// Parse and validation errors made by the executor itself.
			code, _ := ge.Extensions["code"].(string)
			metrics.Error(code, "")
			return ge
		}
		metrics.Error(omnigate.EINTERNAL, "")
		log.ErrorContext(ctx, "internal error", "err", err)
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		gerr.Message = "internal error"
		gerr.Extensions = map[string]any{"code": omnigate.EINTERNAL}
		return gerr
	}
}

// readiness answers 200 when every required check passes, 503 otherwise, with
// every check's outcome in the body. Checks run in parallel with a deadline.
func readiness(required, reported map[string]func(context.Context) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		type outcome struct {
			name     string
			err      error
			required bool
		}
		var wg sync.WaitGroup
		out := make(chan outcome, len(required)+len(reported))
		run := func(checks map[string]func(context.Context) error, req bool) {
			for name, check := range checks {
				wg.Add(1)
				go func() {
					defer wg.Done()
					out <- outcome{name, check(ctx), req}
				}()
			}
		}
		run(required, true)
		run(reported, false)
		wg.Wait()
		close(out)
		ready := true
		checks := map[string]string{}
		for o := range out {
			if o.err != nil {
				checks[o.name] = "error: " + safeMessage(o.err)
				ready = ready && !o.required
			} else {
				checks[o.name] = "ok"
			}
		}
		names := make([]string, 0, len(checks))
		for n := range checks {
			names = append(names, n)
		}
		sort.Strings(names)
		status, code := "ready", http.StatusOK
		if !ready {
			status, code = "not ready", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "checks": checks})
	})
}

// safeMessage shows an *omnigate.Error's client-safe message, and nothing of
// other errors' text, which may carry addresses or credentials.
func safeMessage(err error) string {
	var oe *omnigate.Error
	if errors.As(err, &oe) {
		return oe.Code + ": " + oe.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return "failed"
}
