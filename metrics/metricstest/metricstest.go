// Package metricstest reads the gateway's metrics, for tests that count what
// it recorded.
package metricstest

import "github.com/omnigate/omnigate/metrics"

// Value is the sum of the series of the counter family name whose labels
// include all of labels (name, value pairs), as Prometheus would read it.
func Value(name string, labels ...string) float64 {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return 0
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.Metric {
			for i := 0; i+1 < len(labels); i += 2 {
				found := false
				for _, l := range m.Label {
					if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
						found = true
					}
				}
				if !found {
					continue series
				}
			}
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}
