// Package metricstest reads the gateway's metrics, for tests that count what
// it recorded.
package metricstest

import (
	dto "github.com/prometheus/client_model/go"

	"github.com/omnigate/omnigate/metrics"
)

// Value is Sum over the gateway's registry.
func Value(name string, labels ...string) float64 {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0
	}
	return Sum(families, name, labels...)
}

// Sum is the total of the series of family name whose labels include all of
// labels (name, value pairs; an empty value matches a series without the
// label, as Prometheus reads it): counters' values, histograms' counts.
func Sum(families []*dto.MetricFamily, name string, labels ...string) float64 {
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.Metric {
			if !matches(m, labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				sum += m.Counter.GetValue()
			case m.Histogram != nil:
				sum += float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return sum
}

func matches(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		have := ""
		for _, l := range m.Label {
			if l.GetName() == labels[i] {
				have = l.GetValue()
			}
		}
		if have != labels[i+1] {
			return false
		}
	}
	return true
}
