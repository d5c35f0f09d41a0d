package web_test

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/omnigate/omnigate/web"
)

var testConfig = web.Config{
	Title: "Shop <graph>",
	Examples: []web.Example{
		{Name: "Customer 360", Query: "query Customer($email: String!) { customer(email: $email) { id } }", Variables: `{"email": "ada@example.com"}`},
		{Name: "Stock", Query: "{ stock(sku: \"A-1\") { store quantity } }"},
	},
}

func get(t *testing.T, h http.Handler, path string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var (
	srcHrefRE = regexp.MustCompile(`(?:src|href)="([^"]*)"`)
	attrRE    = func(name string) *regexp.Regexp { return regexp.MustCompile(name + `="([^"]*)"`) }
	urlRE     = regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+`)
)

// pageLinks returns the src and href values of the page.
func pageLinks(page string) []string {
	var links []string
	for _, m := range srcHrefRE.FindAllStringSubmatch(page, -1) {
		links = append(links, html.UnescapeString(m[1]))
	}
	return links
}

func TestPageLoadsOnlyItsOwnFiles(t *testing.T) {
	h := web.Handler(testConfig)
	resp := get(t, h, "/")
	page := body(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("page Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control = %q, want no-store (it carries a fresh nonce)", cc)
	}
	if m := urlRE.FindString(page); m != "" {
		t.Errorf("page names another host: %q", m)
	}
	if strings.Contains(page, "<style") || strings.Contains(page, " style=") {
		t.Error("page has inline styles")
	}
	if n, withSrc := strings.Count(page, "<script"), strings.Count(page, "<script defer src="); n != withSrc || n != 4 {
		t.Errorf("page has %d scripts, %d of them loaded from files; want 4 and no inline script", n, withSrc)
	}
	if !strings.Contains(page, "<title>Shop &lt;graph&gt;</title>") {
		t.Error("title missing or not escaped")
	}

	wantTypes := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
		".svg": "image/svg+xml",
	}
	links := pageLinks(page)
	if len(links) != 7 { // icon, 2 stylesheets, 4 scripts
		t.Fatalf("page links %q, want 7", links)
	}
	for _, link := range links {
		if !strings.HasPrefix(link, "assets/") {
			t.Errorf("link %q is not a relative assets/ path", link)
			continue
		}
		resp := get(t, h, "/"+link)
		b := body(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /%s = %d", link, resp.StatusCode)
			continue
		}
		if got, want := resp.Header.Get("Content-Type"), wantTypes[filepath.Ext(link)]; got != want {
			t.Errorf("%s Content-Type = %q, want %q", link, got, want)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control = %q, want immutable", link, cc)
		}
		// The name carries a hash of the content, so the browser's
		// forever-cache can never hold stale bytes.
		sum := sha256.Sum256([]byte(b))
		if !strings.Contains(link, "."+hex.EncodeToString(sum[:8])+".") {
			t.Errorf("%s does not carry its content hash", link)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s lacks nosniff", link)
		}
		// Files we wrote name no other host; GraphiQL's stylesheet must
		// load nothing from one either.
		if strings.Contains(link, "boot.") || strings.HasSuffix(link, ".css") {
			if m := regexp.MustCompile(`(?i)https?://|url\(\s*["']?//|@import`).FindString(b); m != "" {
				t.Errorf("%s refers to another host or file: %q", link, m)
			}
		}
	}
}

func TestPageCSP(t *testing.T) {
	h := web.Handler(testConfig)
	first, second := get(t, h, "/"), get(t, h, "/")
	csp := first.Header.Get("Content-Security-Policy")
	nonce := attrRE("data-style-nonce").FindStringSubmatch(body(t, first))
	if nonce == nil || len(nonce[1]) < 16 {
		t.Fatalf("page has no style nonce: %v", nonce)
	}
	want := strings.Replace(web.ContentSecurityPolicy, "style-src 'self'", "style-src 'self' 'nonce-"+nonce[1]+"'", 1)
	if csp != want {
		t.Errorf("page CSP = %q\nwant %q", csp, want)
	}
	for _, directive := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self';", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, directive) {
			t.Errorf("CSP lacks %q", directive)
		}
	}
	if strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") || strings.Contains(csp, "*") {
		t.Errorf("CSP is not strict: %q", csp)
	}
	if second.Header.Get("Content-Security-Policy") == csp {
		t.Error("two responses share one nonce")
	}
	asset := get(t, h, "/assets/boot.js")
	if got := asset.Header.Get("Content-Security-Policy"); got != web.ContentSecurityPolicy {
		t.Errorf("asset CSP = %q", got)
	}
}

type pageConfig struct {
	Endpoint string `json:"endpoint"`
	Tabs     []struct {
		Query     string `json:"query"`
		Variables string `json:"variables"`
	} `json:"tabs"`
	StorageNamespace string `json:"storageNamespace"`
}

func readConfig(t *testing.T, h http.Handler) pageConfig {
	t.Helper()
	m := attrRE("data-config").FindStringSubmatch(body(t, get(t, h, "/")))
	if m == nil {
		t.Fatal("page has no data-config")
	}
	var cfg pageConfig
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &cfg); err != nil {
		t.Fatalf("data-config is not JSON: %v", err)
	}
	return cfg
}

func TestExamplesBecomeTabs(t *testing.T) {
	cfg := readConfig(t, web.Handler(testConfig))
	if cfg.Endpoint != "/graphql" {
		t.Errorf("endpoint = %q, want the default /graphql", cfg.Endpoint)
	}
	if len(cfg.Tabs) != len(testConfig.Examples) {
		t.Fatalf("%d tabs, want %d", len(cfg.Tabs), len(testConfig.Examples))
	}
	for i, ex := range testConfig.Examples {
		if want := "# " + ex.Name + "\n" + ex.Query; cfg.Tabs[i].Query != want {
			t.Errorf("tab %d query = %q, want %q", i, cfg.Tabs[i].Query, want)
		}
		if cfg.Tabs[i].Variables != ex.Variables {
			t.Errorf("tab %d variables = %q, want %q", i, cfg.Tabs[i].Variables, ex.Variables)
		}
	}

	// Saved tabs would hide new examples, so new examples get new storage.
	changed := testConfig
	changed.Examples = append([]web.Example{{Name: "New", Query: "{ new }"}}, testConfig.Examples...)
	changed.Endpoint = "/api/graphql"
	other := readConfig(t, web.Handler(changed))
	if other.StorageNamespace == cfg.StorageNamespace {
		t.Error("storage namespace did not change with the examples")
	}
	if other.Endpoint != "/api/graphql" {
		t.Errorf("endpoint = %q", other.Endpoint)
	}
	if none := readConfig(t, web.Handler(web.Config{})); len(none.Tabs) != 0 {
		t.Errorf("no examples gave %d tabs", len(none.Tabs))
	}
}

func TestAssetCaching(t *testing.T) {
	h := web.Handler(web.Config{})
	plain := get(t, h, "/assets/vendor/graphiql/graphiql.min.js")
	plainBody := body(t, plain)
	etag := plain.Header.Get("ETag")
	if plain.StatusCode != http.StatusOK || etag == "" || plain.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("plain name: status %d, ETag %q, Cache-Control %q", plain.StatusCode, etag, plain.Header.Get("Cache-Control"))
	}
	if len(plainBody) < 500_000 {
		t.Errorf("graphiql.min.js is only %d bytes", len(plainBody))
	}
	if resp := get(t, h, "/assets/vendor/graphiql/graphiql.min.js", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag = %d, want 304", resp.StatusCode)
	}

	gz := get(t, h, "/assets/vendor/graphiql/graphiql.min.js", "Accept-Encoding", "br, gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" || gz.Header.Get("ETag") == etag {
		t.Fatalf("gzip: Content-Encoding %q, ETag %q (identity %q)", gz.Header.Get("Content-Encoding"), gz.Header.Get("ETag"), etag)
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, []byte(plainBody)) {
		t.Errorf("gzip body does not decode to the file (err %v)", err)
	}
	for _, ae := range []string{"gzip;q=0", "gzip;q=0.0, *", "br", "*;q=0"} {
		if resp := get(t, h, "/assets/vendor/graphiql/graphiql.min.js", "Accept-Encoding", ae); resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q got %q", ae, resp.Header.Get("Content-Encoding"))
		}
	}
	if resp := get(t, h, "/assets/vendor/graphiql/graphiql.min.js", "Accept-Encoding", "*;q=0.5"); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Error(`Accept-Encoding "*;q=0.5" did not get gzip`)
	}

	for path, want := range map[string]int{
		"/assets/vendor/graphiql/graphiql.min.0000000000000000.js": http.StatusNotFound,
		"/assets/nothing.js":           http.StatusNotFound,
		"/assets/":                     http.StatusNotFound,
		"/elsewhere":                   http.StatusNotFound,
		"/assets/vendor/react/LICENSE": http.StatusOK,
		"/assets/vendor/README.md":     http.StatusOK,
	} {
		if resp := get(t, h, path); resp.StatusCode != want {
			t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
	// Paths that climb out of assets/ never reach the package's source.
	for _, path := range []string{"/assets/../web.go", "/assets/vendor/../../assets.go", "/assets/%2e%2e/web.go"} {
		resp := get(t, h, path)
		if b := body(t, resp); resp.StatusCode == http.StatusOK || strings.Contains(b, "package web") {
			t.Errorf("GET %s = %d", path, resp.StatusCode)
		}
	}
	if ct := get(t, h, "/assets/vendor/react/LICENSE").Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("LICENSE Content-Type = %q", ct)
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD / = %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

// The page names its files by relative URLs, so it works mounted under a
// prefix.
func TestMountedUnderPrefix(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/graphiql/", http.StripPrefix("/graphiql", web.Handler(web.Config{})))
	page := body(t, get(t, mux, "/graphiql/"))
	for _, link := range pageLinks(page) {
		if resp := get(t, mux, "/graphiql/"+link); resp.StatusCode != http.StatusOK {
			t.Errorf("GET /graphiql/%s = %d", link, resp.StatusCode)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		cfg  web.Config
		want string
	}{
		{web.Config{Endpoint: "http://other.example/graphql"}, "Config.Endpoint"},
		{web.Config{Endpoint: "//other.example/graphql"}, "Config.Endpoint"},
		{web.Config{Endpoint: "graphql"}, "Config.Endpoint"},
		{web.Config{Examples: []web.Example{{Name: "ok", Query: "{ a }"}, {Name: "blank", Query: "  \n"}}}, `Config.Examples[1] ("blank"): Query is empty`},
		{web.Config{Examples: []web.Example{{Name: "list", Query: "{ a }", Variables: "[1]"}}}, `Config.Examples[0] ("list"): Variables must be a JSON object`},
		{web.Config{Examples: []web.Example{{Name: "broken", Query: "{ a }", Variables: "{"}}}, "Variables must be a JSON object"},
		{web.Config{Examples: []web.Example{{Name: "two\nlines", Query: "{ a }"}}}, "Name must be one line"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %q", tc.cfg, err, tc.want)
		}
	}
	ok := web.Config{Endpoint: "/api/graphql?x=1", Examples: []web.Example{{Query: "{ a }", Variables: " {} "}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("Validate(%+v) = %v", ok, err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "Config.Endpoint") {
			t.Errorf("Handler with a bad endpoint panicked with %v", r)
		}
	}()
	web.Handler(web.Config{Endpoint: "https://cdn.example/graphql"})
}

// The vendored files must be exactly what update-assets.sh copied from the
// npm registry; the README it wrote lists their hashes.
func TestVendoredFilesMatchREADME(t *testing.T) {
	readme, err := os.ReadFile("assets/vendor/README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| ([a-z-]+) \\| ([0-9.]+) \\| ([^ ]+) \\| ([0-9]+) \\| `([0-9a-f]{64})` \\|$").FindAllStringSubmatch(string(readme), -1)
	if len(rows) != 7 {
		t.Fatalf("README lists %d files, want 7", len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		path := filepath.Join("assets", "vendor", r[1], r[3])
		seen[path] = true
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s@%s: %v", r[1], r[2], err)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != r[5] {
			t.Errorf("%s differs from %s@%s as packed; rerun web/update-assets.sh", path, r[1], r[2])
		}
	}
	err = filepath.WalkDir(filepath.Join("assets", "vendor"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "README.md" && !seen[p] {
			t.Errorf("%s is not listed in assets/vendor/README.md", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
