// Package channelsim runs the simulated channel systems together: the
// webshop (commercetools), the point of sale (Square), email marketing
// (Klaviyo) and support (Zendesk), each on its own loopback port and speaking
// its vendor's API, plus a control port for counters, faults and rate
// limits. cmd/channelsim is its command line; tests and the gateway's demo
// mode start it in-process.
package channelsim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/omnigate/omnigate/channelsim/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/klaviyo"
	"github.com/omnigate/omnigate/channelsim/square"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/channelsim/zendesk"
)

// Dataset is the state of all four systems, in each vendor's own shapes.
type Dataset struct {
	Commercetools *commercetools.Data
	Square        *square.Data
	Klaviyo       *klaviyo.Data
	Zendesk       *zendesk.Data
}

// FromWorld renders a generated world into every system's records.
func FromWorld(w *world.World) *Dataset {
	return &Dataset{
		Commercetools: commercetools.FromWorld(w),
		Square:        square.FromWorld(w),
		Klaviyo:       klaviyo.FromWorld(w),
		Zendesk:       zendesk.FromWorld(w),
	}
}

// LoadDir reads a fixture directory: commercetools/, square/, klaviyo/ and
// zendesk/, each holding one JSON array per file. Missing files mean no
// records.
func LoadDir(dir string) (*Dataset, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("fixture directory %q: not a readable directory", dir)
	}
	var d Dataset
	var err error
	if d.Commercetools, err = commercetools.Load(dir); err != nil {
		return nil, err
	}
	if d.Square, err = square.Load(dir); err != nil {
		return nil, err
	}
	if d.Klaviyo, err = klaviyo.Load(dir); err != nil {
		return nil, err
	}
	if d.Zendesk, err = zendesk.Load(dir); err != nil {
		return nil, err
	}
	return &d, nil
}

// WriteDir writes the dataset in the fixture layout LoadDir reads.
func (d *Dataset) WriteDir(dir string) error {
	return errors.Join(d.Commercetools.Write(dir), d.Square.Write(dir), d.Klaviyo.Write(dir), d.Zendesk.Write(dir))
}

// Generate writes a generated world's fixture directory plus truth.json,
// which names the person behind every customer, profile and user record.
func Generate(o world.Options, dir string) (*world.World, error) {
	w, err := world.Generate(o)
	if err != nil {
		return nil, err
	}
	if err := FromWorld(w).WriteDir(dir); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(w.Truth(), "", "  ")
	if err != nil {
		return nil, err
	}
	return w, os.WriteFile(filepath.Join(dir, "truth.json"), append(b, '\n'), 0o644)
}

// Credentials are the demo credentials of every system, as served at
// GET /credentials on the control port.
type Credentials struct {
	Commercetools commercetools.Credentials `json:"commercetools"`
	Square        square.Credentials        `json:"square"`
	Klaviyo       klaviyo.Credentials       `json:"klaviyo"`
	Zendesk       zendesk.Credentials       `json:"zendesk"`
}

// DemoCredentials are the credentials the gateway's default configuration
// uses.
func DemoCredentials() Credentials {
	return Credentials{
		Commercetools: commercetools.DemoCredentials,
		Square:        square.DemoCredentials,
		Klaviyo:       klaviyo.DemoCredentials,
		Zendesk:       zendesk.DemoCredentials,
	}
}

// Ports are where the simulator listens; 0 picks a free port.
type Ports struct {
	Control, Commercetools, Square, Klaviyo, Zendesk int
}

// DefaultPorts are the documented defaults.
var DefaultPorts = Ports{Control: 9100, Commercetools: 9101, Square: 9102, Klaviyo: 9103, Zendesk: 9104}

// Options configure Start.
type Options struct {
	// Host is the address to listen on; 127.0.0.1 when empty.
	Host  string
	Ports Ports
	// Data is served; nil generates the default world.
	Data        *Dataset
	Credentials *Credentials // nil means DemoCredentials
	Faults      []harness.Fault
	Limits      map[string]float64
}

// Sim is a running simulator.
type Sim struct {
	Harness     *harness.Harness
	Credentials Credentials
	// URLs are the base URLs by system name, plus "control".
	URLs    map[string]string
	servers []*http.Server
}

// Start listens on every port and serves until Close.
func Start(o Options) (*Sim, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Data == nil {
		w, err := world.Generate(world.Options{})
		if err != nil {
			return nil, err
		}
		o.Data = FromWorld(w)
	}
	creds := DemoCredentials()
	if o.Credentials != nil {
		creds = *o.Credentials
	}
	h := harness.New()
	if err := h.Faults().Add(o.Faults...); err != nil {
		return nil, err
	}
	for sys, v := range o.Limits {
		h.Limits().Set(sys, v)
	}
	s := &Sim{Harness: h, Credentials: creds, URLs: map[string]string{}}
	handlers := []struct {
		name string
		port int
		h    http.Handler
	}{
		{"control", o.Ports.Control, h.ControlHandler(creds)},
		{commercetools.System, o.Ports.Commercetools, commercetools.New(h, o.Data.Commercetools, creds.Commercetools)},
		{square.System, o.Ports.Square, square.New(h, o.Data.Square, creds.Square)},
		{klaviyo.System, o.Ports.Klaviyo, klaviyo.New(h, o.Data.Klaviyo, creds.Klaviyo)},
		{zendesk.System, o.Ports.Zendesk, zendesk.New(h, o.Data.Zendesk, creds.Zendesk)},
	}
	for _, hd := range handlers {
		ln, err := net.Listen("tcp", net.JoinHostPort(o.Host, fmt.Sprint(hd.port)))
		if err != nil {
			_ = s.Close()
			return nil, fmt.Errorf("channelsim: %s port %d: %w", hd.name, hd.port, err)
		}
		srv := &http.Server{Handler: hd.h, ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, srv)
		s.URLs[hd.name] = "http://" + ln.Addr().String()
		go func() { _ = srv.Serve(ln) }()
	}
	return s, nil
}

// Close stops every server, ending hung calls.
func (s *Sim) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, srv.Close())
		}
	}
	return errors.Join(errs...)
}
