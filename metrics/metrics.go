// Package metrics holds the gateway's Prometheus metrics, served at
// /metrics: requests by status and where their time went (waiting on the
// channel systems, or the gateway's own), calls to each channel system by
// outcome and their durations, and the errors clients were shown, by code
// and system; with the Go runtime's and the process's own.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every metric the gateway exports.
var Registry = prometheus.NewRegistry()

// buckets run from 0.25 ms to about 8 s, doubling: fine enough for the
// gateway's own milliseconds and wide enough for a slow system.
var buckets = prometheus.ExponentialBuckets(0.00025, 2, 16)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omnigate_http_requests_total",
		Help: "GraphQL requests answered, by HTTP status.",
	}, []string{"code"})
	requestSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "omnigate_http_request_duration_seconds", Buckets: buckets,
		Help: "Time from a GraphQL request's arrival until its answer started.",
	})
	upstreamWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "omnigate_request_upstream_seconds", Buckets: buckets,
		Help: "Time a GraphQL request waited on the channel systems (some call of it under way): Server-Timing's upstream.",
	})
	ownTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "omnigate_request_gateway_seconds", Buckets: buckets,
		Help: "Time a GraphQL request spent in the gateway, neither waiting on the channel systems nor queued for room: Server-Timing's gateway.",
	})
	calls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omnigate_upstream_calls_total",
		Help: "Calls to the channel systems (retries included in one call), by system and outcome: ok, or the error code.",
	}, []string{"system", "outcome"})
	callSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "omnigate_upstream_call_duration_seconds", Buckets: buckets,
		Help: "Duration of calls to the channel systems, retries included, by system.",
	}, []string{"system"})
	listsCut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omnigate_upstream_lists_cut_total",
		Help: "Listings that stopped at their page cap (a connector's max pages) with more to read: a customer's oldest items were left out, by system and list.",
	}, []string{"system", "list"})
	errorsShown = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omnigate_graphql_errors_total",
		Help: "Errors in GraphQL answers, by code and by the channel system they came from (empty for the gateway's own).",
	}, []string{"code", "source"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		requests, requestSeconds, upstreamWait, ownTime, calls, callSeconds, listsCut, errorsShown,
	)
}

// Handler serves the metrics in Prometheus's text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

// Request records a GraphQL request's answer: its status, its time until
// the answer started, how much of it waited on the channel systems, and the
// gateway's own time.
func Request(status int, took, upstream, own time.Duration) {
	requests.WithLabelValues(strconv.Itoa(status)).Inc()
	requestSeconds.Observe(took.Seconds())
	upstreamWait.Observe(upstream.Seconds())
	ownTime.Observe(own.Seconds())
}

// Call records one call to a channel system: its outcome (ok, or the error
// code) and how long it took.
func Call(system, outcome string, took time.Duration) {
	calls.WithLabelValues(system, outcome).Inc()
	callSeconds.WithLabelValues(system).Observe(took.Seconds())
}

// ListCut records a listing that stopped at its page cap with more to
// read.
func ListCut(system, list string) {
	listsCut.WithLabelValues(system, list).Inc()
}

// Error records an error shown to a client.
func Error(code, source string) {
	errorsShown.WithLabelValues(code, source).Inc()
}
