// Package tracing exports OpenTelemetry traces of the gateway's requests
// when an OTLP endpoint is configured: a span for each GraphQL request
// (named by its operation, continuing the client's trace when it sends a
// W3C traceparent) and a span for each call to a channel system under it.
// Without an endpoint the gateway does not trace at all: requests and calls
// skip it (On).
//
// The exporter is configured by OpenTelemetry's standard environment
// variables: OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (OTLP over HTTP), OTEL_SERVICE_NAME
// (default omnigate), OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG
// (default: every trace whose parent was sampled, or that has none).
package tracing

import (
	"context"
	"os"
	"sync/atomic"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Name is the instrumentation's name, and the default service name.
const Name = "omnigate"

// The gateway's tracer comes from a provider of its own, not the global
// one: the embedded MongoDB (FerretDB) traces its internals on the global
// provider, dozens of spans a request that no operator of the gateway asked
// for.
var tracer atomic.Pointer[trace.Tracer]

func init() {
	t := noop.NewTracerProvider().Tracer(Name)
	tracer.Store(&t)
}

// Tracer is the gateway's tracer: a no-op one until Setup.
func Tracer() trace.Tracer { return *tracer.Load() }

// Propagator reads W3C trace context from requests and writes it into the
// calls to the channel systems.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// on is whether the provider is a real one: without, the hot paths skip
// tracing altogether rather than make no-op spans.
var on atomic.Bool

// On reports whether the gateway is traced.
func On() bool { return on.Load() }

// SetProvider makes the gateway trace with tp (Setup, or a test); a no-op
// provider turns tracing off.
func SetProvider(tp trace.TracerProvider) {
	t := tp.Tracer(Name)
	tracer.Store(&t)
	_, isNoop := tp.(noop.TracerProvider)
	on.Store(!isNoop)
}

// Enabled reports whether the environment names an OTLP endpoint for
// traces.
func Enabled() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Setup starts exporting traces when the environment names an OTLP
// endpoint, and returns the function that flushes and stops the exporter;
// without one it sets up nothing.
func Setup(ctx context.Context) (shutdown func(context.Context) error, err error) {
	if !Enabled() {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	attrs := []resource.Option{resource.WithFromEnv(), resource.WithTelemetrySDK()}
	if os.Getenv("OTEL_SERVICE_NAME") == "" {
		attrs = append(attrs, resource.WithAttributes(semconv.ServiceName(Name)))
	}
	res, err := resource.New(ctx, attrs...)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	SetProvider(tp)
	return func(ctx context.Context) error {
		SetProvider(noop.NewTracerProvider())
		return tp.Shutdown(ctx)
	}, nil
}
