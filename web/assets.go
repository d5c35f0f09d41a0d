package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed assets
var assetFS embed.FS

// A staticFile is one file served from memory. Its ETag is a hash of its
// content, and it is also reachable under hashedName, a name carrying that
// hash, which can be cached forever.
type staticFile struct {
	name         string // path under assets/
	hashedName   string // name with the content hash before the extension
	body         []byte
	etag         string
	contentType  string
	cacheControl string // for the plain name; hashed names are immutable

	gzipOnce sync.Once
	gzipBody []byte // nil when compressing does not pay
}

// Content types by extension, fixed here rather than taken from the
// machine's MIME tables, which differ between systems.
var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".md":  "text/markdown; charset=utf-8",
	".svg": "image/svg+xml",
	"":     "text/plain; charset=utf-8", // LICENSE files
}

func newStaticFile(name string, body []byte, cacheControl string) *staticFile {
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:8])
	ext := path.Ext(name)
	ct, ok := contentTypes[ext]
	if !ok {
		// A file type the page has no use for was added to assets/.
		panic(fmt.Sprintf("web: no content type for asset %s", name))
	}
	return &staticFile{
		name:         name,
		hashedName:   strings.TrimSuffix(name, ext) + "." + hash + ext,
		body:         body,
		etag:         `"` + hash + `"`,
		contentType:  ct,
		cacheControl: cacheControl,
	}
}

// assets maps both the plain and the hashed name of every embedded file
// (relative to assets/) to the file.
var assets = func() map[string]*staticFile {
	m := map[string]*staticFile{}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assetFS.ReadFile(p)
		if err != nil {
			return err
		}
		f := newStaticFile(strings.TrimPrefix(p, "assets/"), body, "no-cache")
		m[f.name] = f
		m[f.hashedName] = f
		return nil
	})
	if err != nil {
		panic(fmt.Sprintf("web: reading embedded assets: %v", err))
	}
	return m
}()

func mustAsset(name string) *staticFile {
	f, ok := assets[name]
	if !ok {
		panic("web: asset missing from the binary: " + name)
	}
	return f
}

const immutable = "public, max-age=31536000, immutable"

// assetHandler serves the embedded files; the request path is relative to
// assets/.
type assetHandler struct{}

func (assetHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	cc := f.cacheControl
	if r.URL.Path == f.hashedName {
		cc = immutable
	}
	f.serve(w, r, cc)
}

func (f *staticFile) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", cacheControl)
	h.Add("Vary", "Accept-Encoding")
	body, etag := f.body, f.etag
	if gz := f.gzipped(); gz != nil && acceptsGzip(r) {
		// The compressed bytes are another representation, so they get
		// their own ETag.
		body, etag = gz, strings.TrimSuffix(f.etag, `"`)+`-gzip"`
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match with 304, HEAD and ranges.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(body))
}

// gzipped compresses the file once, on first use, so start-up stays fast
// and files nobody asks for cost nothing.
func (f *staticFile) gzipped() []byte {
	f.gzipOnce.Do(func() {
		if len(f.body) < 1024 {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(f.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(f.body) {
			f.gzipBody = buf.Bytes()
		}
	})
	return f.gzipBody
}

// acceptsGzip reports whether the Accept-Encoding header allows gzip:
// named with a q-value above zero, or not named while "*" is.
func acceptsGzip(r *http.Request) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, header := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(header, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				parsed, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					continue
				}
				q = parsed
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip":
				gzipQ = q
			case "*":
				starQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
