package klaviyo

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
)

type server struct {
	st    *store
	creds Credentials
	mux   *harness.Mux
	now   func() time.Time
}

// New serves d (an in-memory copy) as Klaviyo does, behind the harness's
// counters, faults and rate limits.
func New(h *harness.Harness, d *Data, c Credentials) http.Handler {
	if d == nil {
		d = &Data{}
	}
	s := &server{st: newStore(d), creds: c, now: time.Now}
	s.mux = h.NewMux(harness.System{Name: System, WriteError: WriteError})
	s.mux.Handle("GET /api/profiles", "profiles.list", s.listProfiles)
	s.mux.Handle("GET /api/profiles/{id}", "profiles.get", s.getProfile)
	s.mux.Handle("GET /api/profiles/{id}/lists", "profiles.lists", s.profileLists)
	s.mux.Handle("GET /api/profiles/{id}/relationships/lists", "profiles.list-ids", s.profileListIDs)
	s.mux.Handle("POST /api/profile-subscription-bulk-create-jobs", "profiles.subscribe", s.subscribe)
	s.mux.Handle("POST /api/profile-subscription-bulk-delete-jobs", "profiles.unsubscribe", s.unsubscribe)
	s.mux.Handle("GET /api/events", "events.list", s.listEvents)
	s.mux.Handle("GET /api/events/{id}", "events.get", s.getEvent)
	s.mux.Handle("GET /api/metrics", "metrics.list", s.listMetrics)
	s.mux.Handle("GET /api/metrics/{id}", "metrics.get", s.getMetric)
	s.mux.Handle("GET /api/lists", "lists.list", s.listLists)
	s.mux.Handle("GET /api/lists/{id}/profiles", "lists.profiles", s.listMembers)
	s.mux.Handle("GET /api/lists/{id}/relationships/profiles", "lists.profile-ids", s.listMemberIDs)
	return s
}

type baseKey struct{}

// ServeHTTP notes the address the client used (for links) and accepts the
// trailing slash Klaviyo's own links carry, then routes.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := context.WithValue(r.Context(), baseKey{}, externalBase(r))
	r2 := r.WithContext(ctx)
	if p := r.URL.Path; len(p) > len("/api/") && strings.HasPrefix(p, "/api/") && strings.HasSuffix(p, "/") {
		u := *r.URL
		u.Path = strings.TrimSuffix(p, "/")
		u.RawPath = ""
		r2.URL = &u
	}
	s.mux.ServeHTTP(w, r2)
}

// externalBase is scheme://host plus any prefix a parent mux stripped, so
// that links.next leads back here.
func externalBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" {
		host = h
	}
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		full, served := u.EscapedPath(), r.URL.EscapedPath()
		if strings.HasSuffix(full, served) {
			prefix = strings.TrimSuffix(full[:len(full)-len(served)], "/")
		}
	}
	return scheme + "://" + host + prefix
}

func base(r *http.Request) string {
	if b, ok := r.Context().Value(baseKey{}).(string); ok {
		return b
	}
	return "http://" + r.Host
}

// Error titles per code, in Klaviyo's words.
var errorTitles = map[string]string{
	"invalid":                "Invalid input.",
	"not_authenticated":      "Authentication credentials were not provided.",
	"authentication_failed":  "Incorrect authentication credentials.",
	"permission_denied":      "You do not have permission to perform this action.",
	"not_found":              "Not found.",
	"method_not_allowed":     "Method not allowed.",
	"not_acceptable":         "Could not satisfy the request Accept header.",
	"conflict":               "Conflict.",
	"unsupported_media_type": "Unsupported media type.",
	"throttled":              "Request was throttled.",
	"error":                  "A server error occurred.",
	"bad_gateway":            "Bad gateway.",
	"service_unavailable":    "Service temporarily unavailable, try again later.",
	"gateway_timeout":        "Gateway timeout.",
}

func codeFor(status int) string {
	switch status {
	case 400:
		return "invalid"
	case 401:
		return "not_authenticated"
	case 403:
		return "permission_denied"
	case 404:
		return "not_found"
	case 405:
		return "method_not_allowed"
	case 406:
		return "not_acceptable"
	case 409:
		return "conflict"
	case 415:
		return "unsupported_media_type"
	case 429:
		return "throttled"
	case 502:
		return "bad_gateway"
	case 503:
		return "service_unavailable"
	case 504:
		return "gateway_timeout"
	}
	if status >= 500 {
		return "error"
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

// WriteError writes Klaviyo's error body for any status: the harness uses it
// for injected failures and rate limits (after setting Retry-After), the
// handlers for their own rejections.
func WriteError(w http.ResponseWriter, r *http.Request, status int, message string) {
	code := codeFor(status)
	detail := message
	if status == http.StatusTooManyRequests {
		secs := w.Header().Get("Retry-After")
		if secs == "" {
			secs = "1"
		}
		unit := "seconds"
		if secs == "1" {
			unit = "second"
		}
		detail = "Request was throttled. Expected available in " + secs + " " + unit + "."
	}
	if detail == "" {
		detail = errorTitles[code]
	}
	writeError(w, status, code, detail, &api.ErrorSource{Pointer: "/data/"})
}

func writeError(w http.ResponseWriter, status int, code, detail string, src *api.ErrorSource) {
	title := errorTitles[code]
	if title == "" {
		title = http.StatusText(status) + "."
	}
	doc := api.ErrorDocument{Errors: []api.ErrorObject{{
		ID: newUUID(), Status: status, Code: code, Title: title, Detail: detail, Source: src,
	}}}
	b, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", api.MediaType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// badParam answers 400 naming a query parameter.
func badParam(w http.ResponseWriter, param, detail string) {
	writeError(w, http.StatusBadRequest, "invalid", detail, &api.ErrorSource{Parameter: param})
}

func notFound(w http.ResponseWriter, kind, id string) {
	writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("A %s with id %q does not exist.", kind, id), &api.ErrorSource{Pointer: "/data/"})
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// revisions are the published API revisions the simulator accepts; it
// serves the 2026-07-15 shapes for all of them.
var revisions = map[string]bool{
	"2023-02-22": true, "2023-06-15": true, "2023-07-15": true, "2023-08-15": true,
	"2023-09-15": true, "2023-10-15": true, "2023-12-15": true, "2024-02-15": true,
	"2024-05-15": true, "2024-06-15": true, "2024-07-15": true, "2024-10-15": true,
	"2025-01-15": true, "2025-04-15": true, "2025-07-15": true, "2025-10-15": true,
	"2026-01-15": true, "2026-04-15": true, "2026-07-15": true,
}

// authorize checks the private key and the revision header as Klaviyo does:
// no key is 401 not_authenticated, a wrong key 401 authentication_failed, a
// missing or unknown revision 400 invalid.
func (s *server) authorize(w http.ResponseWriter, r *http.Request) bool {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, key, _ := strings.Cut(h, " ")
	key = strings.TrimSpace(key)
	switch {
	case h == "" || key == "" || !(strings.EqualFold(scheme, "Klaviyo-API-Key") || strings.EqualFold(scheme, "Bearer")):
		writeError(w, http.StatusUnauthorized, "not_authenticated", "Missing or invalid private key.", &api.ErrorSource{Pointer: "/data/"})
		return false
	case !strings.EqualFold(scheme, "Klaviyo-API-Key") || subtle.ConstantTimeCompare([]byte(key), []byte(s.creds.APIKey)) != 1:
		errorAuth(w)
		return false
	}
	rev := strings.TrimSpace(r.Header.Get("revision"))
	if rev == "" {
		writeError(w, http.StatusBadRequest, "invalid", "The revision header is required; send a revision date such as "+s.creds.Revision+".", &api.ErrorSource{Parameter: "revision"})
		return false
	}
	date, suffix, _ := strings.Cut(rev, ".")
	if !revisions[date] || (suffix != "" && suffix != "pre") {
		writeError(w, http.StatusBadRequest, "invalid", fmt.Sprintf("%q is not a valid revision; send a revision date such as %s.", rev, s.creds.Revision), &api.ErrorSource{Parameter: "revision"})
		return false
	}
	return true
}

func errorAuth(w http.ResponseWriter) {
	writeError(w, http.StatusUnauthorized, "authentication_failed", "Incorrect authentication credentials.", &api.ErrorSource{Pointer: "/data/"})
}

// writeJSON writes a 200 JSON:API document.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "error", "A server error occurred.", nil)
		return
	}
	w.Header().Set("Content-Type", api.MediaType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func serverError(w http.ResponseWriter) {
	writeError(w, http.StatusInternalServerError, "error", "A server error occurred.", nil)
}

// pageBuffers hold pages while they are written: a page of events runs to
// hundreds of kilobytes, and a new buffer for every call cost as much as
// filling it. Writers copy what they are given, so a buffer is free again
// once Write returns.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writePage writes a 200 collection document, in one piece, from resources
// already encoded: as writeJSON would write a collection of them.
func writePage(w http.ResponseWriter, data, included []json.RawMessage, links api.CollectionLinks) {
	ls, err := json.Marshal(links)
	if err != nil {
		serverError(w)
		return
	}
	n := len(ls) + 32
	for _, d := range data {
		n += len(d) + 1
	}
	for _, d := range included {
		n += len(d) + 1
	}
	buf := pageBuffers.Get().(*[]byte)
	defer pageBuffers.Put(buf)
	b := slices.Grow((*buf)[:0], n)
	b = append(b, `{"data":[`...)
	b = joinJSON(b, data)
	b = append(b, ']')
	if len(included) > 0 {
		b = append(b, `,"included":[`...)
		b = joinJSON(b, included)
		b = append(b, ']')
	}
	b = append(b, `,"links":`...)
	b = append(b, ls...)
	b = append(b, '}')
	*buf = b
	w.Header().Set("Content-Type", api.MediaType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// joinJSON appends the values to b, separated by commas.
func joinJSON(b []byte, values []json.RawMessage) []byte {
	for i, v := range values {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, v...)
	}
	return b
}

// pageSize reads page[size] within the endpoint's bounds.
func pageSize(q url.Values, def, max int) (int, error) {
	v, ok := q["page[size]"]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v[0]))
	if err != nil || n < 1 || n > max {
		return 0, fmt.Errorf("page[size] must be an integer between 1 and %d, got %q", max, v[0])
	}
	return n, nil
}

// Cursors are opaque to clients; inside they hold the offset of the page.
func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("next::" + strconv.Itoa(offset)))
}

func decodeCursor(q url.Values) (int, error) {
	v := q.Get("page[cursor]")
	if v == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	rest, ok := strings.CutPrefix(string(b), "next::")
	n, convErr := strconv.Atoi(rest)
	if err != nil || !ok || convErr != nil || n < 0 {
		return 0, fmt.Errorf("invalid page[cursor] %q: use the cursor from a links.next or links.prev URL", truncateString(v, 40))
	}
	return n, nil
}

func truncateString(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// collectionLinks are self, next and prev for a page at offset of size,
// when more records follow or precede it.
func collectionLinks(r *http.Request, offset, size, total int) api.CollectionLinks {
	q := r.URL.Query()
	links := api.CollectionLinks{Self: pageURL(r, q)}
	if offset+size < total {
		q.Set("page[cursor]", encodeCursor(offset+size))
		links.Next = pageURL(r, q)
	}
	if offset > 0 {
		q.Set("page[cursor]", encodeCursor(max(offset-size, 0)))
		links.Prev = pageURL(r, q)
	}
	return links
}

func pageURL(r *http.Request, q url.Values) string {
	u := base(r) + r.URL.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func selfLink(r *http.Request, path string) *api.ObjectLinks {
	return &api.ObjectLinks{Self: base(r) + path}
}

func relLinks(r *http.Request, path, rel string) *api.RelationshipLinks {
	return &api.RelationshipLinks{Self: base(r) + path + "/relationships/" + rel, Related: base(r) + path + "/" + rel}
}

// csvParam reads a comma-separated parameter whose values must be among
// allowed (or, when allowed is nil, anything).
func csvParam(q url.Values, name string, allowed ...string) ([]string, error) {
	v, ok := q[name]
	if !ok {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(strings.Join(v, ","), ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if len(allowed) > 0 && !has(allowed, part) {
			return nil, fmt.Errorf("%q is not a valid value for %s; valid values are %s", part, name, strings.Join(allowed, ", "))
		}
		out = append(out, part)
	}
	return out, nil
}

// sortParam reads sort: one of the fields, with a leading '-' for
// descending.
func sortParam(q url.Values, resource string, fields ...string) (string, bool, error) {
	v := strings.TrimSpace(q.Get("sort"))
	if v == "" {
		return "", false, nil
	}
	desc := strings.HasPrefix(v, "-")
	f := strings.TrimPrefix(v, "-")
	if !has(fields, f) {
		return "", false, fmt.Errorf("'%s' is not a valid sort field for the resource '%s'; valid fields are %s", f, resource, strings.Join(fields, ", "))
	}
	return f, desc, nil
}

// readFilter parses and checks the filter parameter against the endpoint's
// rules, returning its conditions.
func readFilter(q url.Values, spec *filterSpec) ([]*fnode, error) {
	v, ok := q["filter"]
	if !ok {
		return nil, nil
	}
	n, err := parseFilter(strings.Join(v, ","))
	if err != nil {
		return nil, err
	}
	if err := spec.check(n); err != nil {
		return nil, err
	}
	return leaves(n), nil
}

// countKeys is the number of ids or identifiers the conditions on the given
// fields ask for: what the call costs in keys.
func countKeys(conds []*fnode, fields ...string) int {
	n := 0
	for _, c := range conds {
		if has(fields, c.field) && (c.op == "equals" || c.op == "any") {
			n += len(stringsOf(c))
		}
	}
	return n
}

// fieldset prunes a resource's attributes to the sparse fieldset asked for
// with fields[type]: dotted names keep nested members.
func fieldset(attrs any, fields []string) any {
	if len(fields) == 0 {
		return attrs
	}
	m, ok := generic(attrs)
	if !ok {
		return attrs
	}
	return prune(m, fieldTree(fields))
}

// generic is attrs as JSON objects, arrays and values, as a client reads
// them.
func generic(attrs any) (map[string]any, bool) {
	b, err := json.Marshal(attrs)
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, false
	}
	return m, true
}

// fieldTree is a sparse fieldset as a tree of the members it keeps: true for
// a whole member, a map for some of its members.
func fieldTree(fields []string) map[string]any {
	tree := map[string]any{}
	for _, f := range fields {
		node := tree
		parts := strings.Split(f, ".")
		for i, p := range parts {
			if i == len(parts)-1 {
				node[p] = true
				break
			}
			next, ok := node[p].(map[string]any)
			if !ok {
				if node[p] == true {
					break
				}
				next = map[string]any{}
				node[p] = next
			}
			node = next
		}
	}
	return tree
}

// requiredInMarketing are the members a marketing consent object must
// always have, whatever the fieldset names.
var requiredInMarketing = []string{"consent", "can_receive_email_marketing", "can_receive_sms_marketing"}

func prune(m map[string]any, tree map[string]any) map[string]any {
	out := map[string]any{}
	for k, want := range tree {
		v, ok := m[k]
		if !ok {
			continue
		}
		switch want := want.(type) {
		case bool:
			out[k] = v
		case map[string]any:
			sub, ok := v.(map[string]any)
			if !ok {
				out[k] = v
				continue
			}
			p := prune(sub, want)
			if k == "marketing" {
				for _, req := range requiredInMarketing {
					if x, ok := sub[req]; ok {
						p[req] = x
					}
				}
			}
			out[k] = p
		}
	}
	return out
}

// fieldsParam reads fields[type], allowing names whose first part is one of
// roots.
func fieldsParam(q url.Values, typ string, roots ...string) ([]string, error) {
	name := "fields[" + typ + "]"
	v, err := csvParam(q, name)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range v {
		root, _, _ := strings.Cut(f, ".")
		if !has(roots, root) {
			return nil, fmt.Errorf("%q is not a valid field for %s", f, name)
		}
		if f != "id" {
			out = append(out, f)
		}
	}
	if len(v) > 0 && len(out) == 0 {
		out = []string{"\x00"} // only id asked for: no attributes
	}
	return out, nil
}

// resource is a resource as served, with attributes possibly pruned.
type resource struct {
	Type          string           `json:"type"`
	ID            string           `json:"id"`
	Attributes    any              `json:"attributes"`
	Relationships any              `json:"relationships,omitempty"`
	Links         *api.ObjectLinks `json:"links"`
}

type collection struct {
	Data     []resource          `json:"data"`
	Included []resource          `json:"included,omitempty"`
	Links    api.CollectionLinks `json:"links"`
}

type document struct {
	Data     resource        `json:"data"`
	Included []resource      `json:"included,omitempty"`
	Links    api.ObjectLinks `json:"links"`
}

// window returns the page [offset, offset+size) of n records.
func window(n, offset, size int) (int, int) {
	lo := min(offset, n)
	return lo, min(lo+size, n)
}

// decodeBody reads a JSON:API request body into v, answering 415 or 400
// when it cannot.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(strings.ToLower(mt))
	if mt != api.MediaType && mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", fmt.Sprintf("Unsupported media type %q in request; send %s.", ct, api.MediaType), nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 5<<20))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		src := &api.ErrorSource{Pointer: "/data"}
		if errors.As(err, &te) && te.Field != "" {
			src.Pointer = "/" + strings.ReplaceAll(te.Field, ".", "/")
		}
		writeError(w, http.StatusBadRequest, "invalid", "The request body is not valid JSON:API: "+err.Error(), src)
		return false
	}
	return true
}

// sortRecs sorts by the key compare, then by id for a stable order.
func sortRecs[T any](recs []T, desc bool, cmp func(a, b T) int, id func(T) string) {
	sort.SliceStable(recs, func(i, j int) bool {
		c := cmp(recs[i], recs[j])
		if c == 0 {
			c = strings.Compare(id(recs[i]), id(recs[j]))
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
}
