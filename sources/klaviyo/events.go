package klaviyo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/metrics"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Metric is a Klaviyo metric: the kind of its events.
type Metric struct {
	ID          string
	Name        string
	Integration string // e.g. "Klaviyo", "API", "Shopify"
	// Kind is the email event kind the metric stands for, or "" for
	// metrics the gateway does not read (Viewed Product...).
	Kind omnigate.EmailEventKind
}

// KindOf maps a metric name to an email event kind, or "".
func KindOf(metricName string) omnigate.EmailEventKind {
	switch metricName {
	case api.MetricReceivedEmail:
		return omnigate.EmailReceived
	case api.MetricOpenedEmail:
		return omnigate.EmailOpened
	case api.MetricClickedEmail:
		return omnigate.EmailClicked
	case api.MetricPlacedOrder:
		return omnigate.PlacedOrder
	}
	return ""
}

func metricOf(m api.Metric) Metric {
	out := Metric{ID: m.ID, Name: api.Value(m.Attributes.Name)}
	if m.Attributes.Integration != nil {
		out.Integration = string(m.Attributes.Integration.Name)
	}
	out.Kind = KindOf(out.Name)
	return out
}

// Metrics lists the account's metrics, in Klaviyo's order. The first
// successful listing is cached for the client's life; metrics rarely
// change, and events name new ones in their included metrics anyway.
func (c *Client) Metrics(ctx context.Context) ([]Metric, error) {
	c.metricsMu.Lock()
	defer c.metricsMu.Unlock()
	if !c.listed {
		var all []Metric
		capped, err := walk(ctx, c, "/api/metrics?"+query("fields[metric]", "name,integration"),
			func(d *api.MetricCollection) string { return nextOf(d.Links) },
			func(d *api.MetricCollection) {
				for _, m := range d.Data {
					all = append(all, metricOf(m))
				}
			})
		if err != nil {
			return nil, err
		}
		if capped {
			return nil, omnigate.SourceError(omnigate.Klaviyo, omnigate.EBADRESPONSE, "the account has more metrics than the page limit allows", nil)
		}
		for _, m := range all {
			c.metrics[m.ID] = m
		}
		c.listed = true
	}
	out := make([]Metric, 0, len(c.metrics))
	for _, m := range c.metrics {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// metric returns a metric by id: from the cache, else by listing the
// metrics once.
func (c *Client) metric(ctx context.Context, id string) (Metric, bool, error) {
	c.metricsMu.Lock()
	m, ok := c.metrics[id]
	listed := c.listed
	c.metricsMu.Unlock()
	if ok || listed {
		return m, ok, nil
	}
	if _, err := c.Metrics(ctx); err != nil {
		return Metric{}, false, err
	}
	c.metricsMu.Lock()
	defer c.metricsMu.Unlock()
	m, ok = c.metrics[id]
	return m, ok, nil
}

func (c *Client) remember(ms []api.Resource) {
	c.metricsMu.Lock()
	defer c.metricsMu.Unlock()
	for _, r := range ms {
		if r.Type != api.TypeMetric {
			continue
		}
		if known, ok := c.metrics[r.ID]; ok && known.Name != "" {
			continue // every page includes the same few metrics: decode them once
		}
		m, err := r.AsMetric()
		if err != nil || m.ID == "" {
			continue
		}
		if _, ok := c.metrics[m.ID]; !ok || c.metrics[m.ID].Name == "" {
			c.metrics[m.ID] = metricOf(m)
		}
	}
}

// EventsByProfile returns each profile's email events, newest first: one
// call per profile (Klaviyo filters events by one profile_id only), at most
// Concurrency at once. Profiles without events are absent from the map.
func (c *Client) EventsByProfile(ctx context.Context, profileIDs []string) (map[string][]omnigate.EmailEvent, error) {
	ids := unique(profileIDs)
	results := make([][]pendingEvent, len(ids))
	err := upstream.Each(ctx, c.cfg.Concurrency, len(ids), func(ctx context.Context, i int) error {
		id := ids[i]
		page := eventPages.Get().(*eventPage)
		defer putEventPage(page)
		// Events come newest first, so the page cap drops the oldest.
		capped, err := walkInto(ctx, c, "/api/events?"+query(
			"filter", api.Equals("profile_id", id),
			"include", "metric",
			"fields[event]", "datetime,event_properties,timestamp",
			"fields[metric]", "name,integration",
			"sort", "-datetime",
			"page[size]", strconv.Itoa(eventPageSize)),
			(*eventPage).reset, page,
			func(d *eventPage) string { return nextOf(d.Links) },
			func(d *eventPage) {
				c.remember(d.Included)
				if results[i] == nil {
					results[i] = make([]pendingEvent, 0, len(d.Data))
				}
				for j := range d.Data {
					if e := &d.Data[j]; e.Relationships.Metric.Data.ID != "" {
						results[i] = append(results[i], e.pending(id))
					}
				}
			})
		if capped {
			metrics.ListCut(string(omnigate.Klaviyo), "events")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]omnigate.EmailEvent, len(ids))
	for i, id := range ids {
		var evs []omnigate.EmailEvent
		for _, p := range results[i] {
			m, ok, err := c.metric(ctx, p.metric)
			if err != nil {
				return nil, err
			}
			if !ok || m.Kind == "" {
				continue
			}
			if evs == nil {
				evs = make([]omnigate.EmailEvent, 0, len(results[i]))
			}
			evs = append(evs, p.event(m.Kind))
		}
		if len(evs) == 0 {
			continue
		}
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].At.After(evs[b].At) })
		out[id] = evs
	}
	return out, nil
}

// eventPages keeps decoded event pages for reuse: decoding each call's
// pages into fresh slices, grown by doubling, cost a customer 360 about
// 25 KB of its 455 KB of allocations.
var eventPages = sync.Pool{New: func() any { return new(eventPage) }}

// maxPooledEvents bounds the pages kept for reuse. Most profiles have a few
// dozen events; a page grown by a busy one (up to eventPageSize events) is
// left to the collector, since every later reset would clear all of it.
const maxPooledEvents = 400

// putEventPage returns a page to the pool unless a large answer grew it.
func putEventPage(p *eventPage) {
	if cap(p.Data) > maxPooledEvents {
		return
	}
	p.reset()
	eventPages.Put(p)
}

// reset empties the page for the next decoding and keeps the capacity of
// its events. The decoder writes into the events it reuses and leaves
// fields an event lacks as they were, so they are zeroed first.
func (p *eventPage) reset() {
	clear(p.Data[:cap(p.Data)])
	*p = eventPage{Data: p.Data[:0]}
}

// pendingEvent is an event converted before its metric's kind is known:
// the kind comes from the included metrics, or from listing the metrics
// once all pages are read.
type pendingEvent struct {
	metric string
	ev     omnigate.EmailEvent
	value  *omnigate.Money // what a Placed Order's properties say it was worth
}

func (e *leanEvent) pending(profileID string) pendingEvent {
	p := pendingEvent{metric: e.Relationships.Metric.Data.ID, ev: e.emailEvent(profileID, "")}
	if props := &e.Attributes.EventProperties; props.Value != nil {
		p.value = moneyOf(props.Value, string(props.Currency), string(props.ValueCurrency), string(props.CurrencyCode))
	}
	return p
}

// event is the email event once its kind is known; only a Placed Order
// carries a value.
func (p *pendingEvent) event(kind omnigate.EmailEventKind) omnigate.EmailEvent {
	ev := p.ev
	ev.Kind = kind
	if kind == omnigate.PlacedOrder {
		ev.Value = p.value
	}
	return ev
}

// emailEvent converts an event of a known kind.
func emailEvent(e api.Event, profileID string, kind omnigate.EmailEventKind) omnigate.EmailEvent {
	props := e.Attributes.EventProperties
	ev := omnigate.EmailEvent{
		ID: e.ID, ProfileID: profileID, Kind: kind,
		Subject: stringProp(props, api.PropSubject), Campaign: stringProp(props, api.PropCampaign), URL: stringProp(props, api.PropURL),
	}
	switch {
	case e.Attributes.Datetime != nil:
		ev.At = e.Attributes.Datetime.Time
	case e.Attributes.Timestamp != nil:
		ev.At = time.Unix(*e.Attributes.Timestamp, 0).UTC()
	}
	if kind == omnigate.PlacedOrder {
		ev.Value = orderValue(props)
	}
	return ev
}

// eventPage is GET /api/events as EventsByProfile reads it. Events carry
// arbitrary event_properties (a Placed Order has its items, each with its
// own properties); decoded whole into maps, they were the largest part of
// the gateway's decoding work and allocations. Only what emailEvent reads
// is decoded here, without pointers; the rest of each event is skipped.
// Property names match without regard to case, as encoding/json matches
// struct fields (a map would tell "URL" from "url").
type eventPage struct {
	Data     []leanEvent          `json:"data"`
	Included []api.Resource       `json:"included,omitempty"`
	Links    *api.CollectionLinks `json:"links,omitempty"`
}

type leanEvent struct {
	ID         string `json:"id"`
	Attributes struct {
		Timestamp       seconds      `json:"timestamp"`
		Datetime        api.DateTime `json:"datetime"`
		EventProperties struct {
			Subject       propString `json:"Subject"`
			Campaign      propString `json:"Campaign Name"`
			URL           propString `json:"URL"`
			Value         any        `json:"$value"`
			Currency      propString `json:"Currency"`
			ValueCurrency propString `json:"$value_currency"`
			CurrencyCode  propString `json:"$currency_code"`
		} `json:"event_properties"`
	} `json:"attributes"`
	Relationships struct {
		Metric struct {
			Data struct {
				ID string `json:"id"`
			} `json:"data"`
		} `json:"metric"`
	} `json:"relationships"`
}

// emailEvent converts the event as emailEvent converts an api.Event.
func (e *leanEvent) emailEvent(profileID string, kind omnigate.EmailEventKind) omnigate.EmailEvent {
	a := &e.Attributes
	props := &a.EventProperties
	ev := omnigate.EmailEvent{
		ID: e.ID, ProfileID: profileID, Kind: kind,
		Subject: string(props.Subject), Campaign: string(props.Campaign), URL: string(props.URL),
	}
	switch {
	case !a.Datetime.Time.IsZero():
		ev.At = a.Datetime.Time
	case a.Timestamp.set:
		ev.At = time.Unix(a.Timestamp.v, 0).UTC()
	}
	if kind == omnigate.PlacedOrder {
		ev.Value = moneyOf(props.Value, string(props.Currency), string(props.ValueCurrency), string(props.CurrencyCode))
	}
	return ev
}

// seconds is an event's timestamp: an integer, or null or absent (set
// false), as a *int64 decodes it but without allocating one per event.
type seconds struct {
	v   int64
	set bool
}

func (s *seconds) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = seconds{}
		return nil
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %s is not an integer of seconds", b)
	}
	*s = seconds{v: v, set: true}
	return nil
}

// propString is a property read as a string: any other JSON value reads as
// "", as stringProp reads a map's non-string value.
type propString string

func (p *propString) UnmarshalJSON(b []byte) error {
	if len(b) < 2 || b[0] != '"' {
		*p = ""
		return nil
	}
	if bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
		*p = propString(b[1 : len(b)-1]) // no escapes: the text is the string
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*p = propString(s)
	return nil
}

func stringProp(props map[string]any, key string) string {
	s, _ := props[key].(string)
	return s
}

// currencyProps are where a Placed Order event keeps its currency: our
// webshop and tills send "Currency"; Klaviyo's API writes $value_currency
// and some integrations $currency_code.
var currencyProps = []string{api.PropCurrency, "$value_currency", "$currency_code"}

// orderValue reads $value with its currency as Money, or nil when either
// is missing or unreadable: an amount without a currency is never guessed.
func orderValue(props map[string]any) *omnigate.Money {
	curs := make([]string, len(currencyProps))
	for i, k := range currencyProps {
		curs[i] = stringProp(props, k)
	}
	return moneyOf(props[api.PropValue], curs...)
}

// moneyOf reads a $value (a number, or a number in a string) with the
// first of the currency properties that names a currency.
func moneyOf(value any, currencies ...string) *omnigate.Money {
	var amount float64
	switch v := value.(type) {
	case float64:
		amount = v
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil
		}
		amount = f
	default:
		return nil
	}
	var cur string
	for _, c := range currencies {
		if s := strings.ToUpper(strings.TrimSpace(c)); len(s) == 3 {
			cur = s
			break
		}
	}
	if cur == "" || math.IsNaN(amount) || math.IsInf(amount, 0) {
		return nil
	}
	cents := math.Round(amount * math.Pow10(minorDigits(cur)))
	if math.Abs(cents) > 1<<53 {
		return nil
	}
	return &omnigate.Money{Cents: int64(cents), Currency: cur}
}

// minorDigits is the number of decimals of an ISO 4217 currency.
func minorDigits(cur string) int {
	switch cur {
	case "JPY", "KRW", "ISK", "CLP", "VND", "UGX", "XAF", "XOF", "PYG", "RWF", "KMF", "GNF", "DJF", "VUV", "XPF", "BIF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}
