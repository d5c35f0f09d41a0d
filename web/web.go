// Package web serves GraphiQL for the gateway without any CDN: GraphiQL,
// React and ReactDOM are copied from the npm registry into assets/vendor/
// (see update-assets.sh) and embedded in the binary, so the page works on a
// machine with no internet access and under a Content-Security-Policy that
// allows nothing but the page's own origin.
//
// Mount the handler at a path ending in "/": the page refers to its assets
// by relative URLs, so
//
//	mux.Handle("/graphiql/", http.StripPrefix("/graphiql", web.Handler(cfg)))
//
// serves the page at /graphiql/ and its files under /graphiql/assets/.
package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// ContentSecurityPolicy is sent with every response. Scripts, styles and
// requests may only come from the page's own origin, so nothing inline runs
// and the page cannot reach another host. data: is allowed for images and
// fonts only, because GraphiQL's stylesheet carries its fonts and a few
// CodeMirror icons inline as data: URLs; neither can run code.
//
// The page itself adds a per-response nonce to style-src (see pageCSP):
// GraphiQL's dialogs add a <style> element to lock page scrolling while they
// are open, and the nonce lets that one element in without allowing inline
// styles in general.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// pageCSP is the policy of the page response, with its style nonce.
func pageCSP(nonce string) string {
	return strings.Replace(ContentSecurityPolicy, "style-src 'self'", "style-src 'self' 'nonce-"+nonce+"'", 1)
}

// Config says what the GraphiQL page opens.
type Config struct {
	// Endpoint is the GraphQL endpoint's path on this server; "/graphql"
	// when empty. It must be a path: the page may only talk to its own
	// origin.
	Endpoint string
	// Title is the page title; "omnigate GraphiQL" when empty.
	Title string
	// Examples open as one GraphiQL tab each, in order. With none, GraphiQL
	// opens its own welcome tab.
	Examples []Example
}

// Example is a query shown in its own tab.
type Example struct {
	// Name is shown as a comment on the query's first line, so a person
	// sees what the tab is for.
	Name string
	// Query is the GraphQL document; it must not be empty.
	Query string
	// Variables is a JSON object, or empty.
	Variables string
}

const (
	defaultEndpoint = "/graphql"
	defaultTitle    = "omnigate GraphiQL"
)

// Validate reports the first thing wrong with cfg, naming the field.
func (cfg Config) Validate() error {
	if ep := cfg.Endpoint; ep != "" {
		u, err := url.Parse(ep)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(ep, "/") || strings.HasPrefix(ep, "//") {
			return fmt.Errorf("web: Config.Endpoint %q must be a path on this server such as %q: the page's Content-Security-Policy lets it talk only to its own origin", ep, defaultEndpoint)
		}
	}
	for i, ex := range cfg.Examples {
		if strings.TrimSpace(ex.Query) == "" {
			return fmt.Errorf("web: Config.Examples[%d] (%q): Query is empty", i, ex.Name)
		}
		if strings.ContainsAny(ex.Name, "\r\n") {
			return fmt.Errorf("web: Config.Examples[%d] (%q): Name must be one line", i, ex.Name)
		}
		if strings.TrimSpace(ex.Variables) != "" {
			var obj map[string]any
			if err := json.Unmarshal([]byte(ex.Variables), &obj); err != nil || obj == nil {
				return fmt.Errorf("web: Config.Examples[%d] (%q): Variables must be a JSON object: %q", i, ex.Name, ex.Variables)
			}
		}
	}
	return nil
}

// Handler serves the GraphiQL page at "/" and its files under "/assets/".
// It panics if cfg is invalid (see Config.Validate), as a wrong
// configuration is a programming error found at start-up.
func Handler(cfg Config) http.Handler {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	page, err := newPage(cfg)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", page)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", assetHandler{}))
	return securityHeaders(mux)
}

// bootConfig is what boot.js reads from the page's data-config attribute.
type bootConfig struct {
	Endpoint string    `json:"endpoint"`
	Tabs     []bootTab `json:"tabs"`
	// StorageNamespace keys GraphiQL's saved tabs and history in the
	// browser. It changes when the examples change, because GraphiQL shows
	// saved tabs instead of the examples once any are saved.
	StorageNamespace string `json:"storageNamespace"`
}

type bootTab struct {
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="{{.Icon}}">
{{range .Styles}}<link rel="stylesheet" href="{{.}}">
{{end}}{{range .Scripts}}<script defer src="{{.}}"></script>
{{end}}</head>
<body>
<div id="graphiql" data-config="{{.Config}}" data-style-nonce="{{.Nonce}}">Loading GraphiQL…</div>
<noscript>GraphiQL needs JavaScript.</noscript>
</body>
</html>
`))

// Files the page loads, in order. React must come before ReactDOM and both
// before GraphiQL's bundle, which reads them from window.
var (
	pageIcon    = "favicon.svg"
	pageStyles  = []string{"vendor/graphiql/graphiql.min.css", "boot.css"}
	pageScripts = []string{
		"vendor/react/react.production.min.js",
		"vendor/react-dom/react-dom.production.min.js",
		"vendor/graphiql/graphiql.min.js",
		"boot.js",
	}
)

// pageData is everything on the page but the nonce, worked out once.
type pageData struct {
	Title           string
	Config          string
	Icon            string
	Styles, Scripts []string
	Nonce           string
}

func newPage(cfg Config) (*pageData, error) {
	boot := bootConfig{Endpoint: cfg.Endpoint, Tabs: []bootTab{}}
	if boot.Endpoint == "" {
		boot.Endpoint = defaultEndpoint
	}
	title := cfg.Title
	if title == "" {
		title = defaultTitle
	}
	for _, ex := range cfg.Examples {
		q := ex.Query
		if ex.Name != "" {
			q = "# " + ex.Name + "\n" + q
		}
		boot.Tabs = append(boot.Tabs, bootTab{Query: q, Variables: strings.TrimSpace(ex.Variables)})
	}
	tabsJSON, err := json.Marshal(boot.Tabs)
	if err != nil {
		return nil, fmt.Errorf("web: encoding examples: %w", err)
	}
	sum := sha256.Sum256(tabsJSON)
	boot.StorageNamespace = "omnigate-graphiql-" + hex.EncodeToString(sum[:6])
	cfgJSON, err := json.Marshal(boot)
	if err != nil {
		return nil, fmt.Errorf("web: encoding page config: %w", err)
	}
	p := &pageData{Title: title, Config: string(cfgJSON), Icon: "assets/" + mustAsset(pageIcon).hashedName}
	for _, name := range pageStyles {
		p.Styles = append(p.Styles, "assets/"+mustAsset(name).hashedName)
	}
	for _, name := range pageScripts {
		p.Scripts = append(p.Scripts, "assets/"+mustAsset(name).hashedName)
	}
	// Fail at start-up, not on the first request, if the template is wrong.
	if err := pageTemplate.Execute(io.Discard, p); err != nil {
		return nil, fmt.Errorf("web: rendering page: %w", err)
	}
	return p, nil
}

// ServeHTTP renders the page with a fresh nonce, so the page is never
// cached; the assets it names carry their content hash and are.
func (p *pageData) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page := *p
	page.Nonce = rand.Text()
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, &page); err != nil {
		http.Error(w, "rendering the GraphiQL page failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP(page.Nonce))
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// securityHeaders adds the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
