// Package mongodb opens the gateway's MongoDB: a real MongoDB server when a
// URI is given, otherwise an embedded FerretDB (SQLite backend) so that the
// gateway and its tests run with no database to install.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"
)

// DefaultDatabase is the database used when neither Config.Database nor the
// URI names one.
const DefaultDatabase = "omnigate"

// defaultServerSelectionTimeout bounds how long Open waits for an unreachable
// server. The driver's own default (30 s) makes a mistyped URI look like a
// hang at startup.
const defaultServerSelectionTimeout = 10 * time.Second

// Config says which MongoDB to use.
type Config struct {
	// URI of a MongoDB server. Empty means: run FerretDB embedded.
	URI string
	// Database name. Empty means the database named in the URI, else
	// DefaultDatabase.
	Database string
	// DataDir is where embedded FerretDB keeps its SQLite files. It is
	// created if missing. Required when URI is empty; ignored otherwise.
	DataDir string
	// Logger receives warnings and errors of embedded FerretDB (its info and
	// debug output is dropped). Nil discards them.
	Logger *slog.Logger
}

// DB is an open MongoDB connection, and the embedded server behind it if any.
type DB struct {
	client   *mongo.Client
	db       *mongo.Database
	embedded bool
	txn      bool
	uri      string   // embedded server's address
	dir      string   // embedded server's data directory
	lock     *os.File // held on dir while the embedded server runs

	// Embedded FerretDB: stop cancels its Run, done closes when it returned.
	stop context.CancelFunc
	done chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Open connects to cfg.URI, or starts embedded FerretDB in cfg.DataDir and
// connects to it. It returns only once the server answered a ping.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.URI == "" {
		return openEmbedded(ctx, cfg)
	}
	return openURI(ctx, cfg)
}

func openURI(ctx context.Context, cfg Config) (*DB, error) {
	cs, err := connstring.ParseAndValidate(cfg.URI)
	if err != nil {
		// The driver's message may quote the URI, which can hold a password.
		return nil, fmt.Errorf("mongodb: the MongoDB URI is not valid (expected mongodb://host:port/database or mongodb+srv://...): %s",
			redactPassword(err.Error(), cfg.URI))
	}
	name := cfg.Database
	if name == "" {
		name = cs.Database
	}
	if name == "" {
		name = DefaultDatabase
	}
	opts := options.Client().ApplyURI(cfg.URI).SetAppName("omnigate")
	if !cs.ServerSelectionTimeoutSet {
		opts.SetServerSelectionTimeout(defaultServerSelectionTimeout)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb: connect to %s: %w", redactedHosts(cs), err)
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: no answer from %s: %w", redactedHosts(cs), err)
	}
	d := &DB{client: client, db: client.Database(name)}
	d.txn, err = supportsTransactions(ctx, client)
	if err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: hello to %s: %w", redactedHosts(cs), err)
	}
	return d, nil
}

// redactPassword removes the password of uri from msg. It finds the
// password by hand: url.Parse rejects URIs with several hosts.
func redactPassword(msg, uri string) string {
	_, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return msg
	}
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return msg
	}
	_, password, ok := strings.Cut(rest[:at], ":")
	if !ok || password == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, password, "xxxxx")
	if unescaped, err := url.PathUnescape(password); err == nil && unescaped != "" {
		msg = strings.ReplaceAll(msg, unescaped, "xxxxx")
	}
	return msg
}

// redactedHosts names the servers of a URI without its credentials.
func redactedHosts(cs *connstring.ConnString) string {
	if cs.Scheme == connstring.SchemeMongoDBSRV {
		return "mongodb+srv://" + cs.Hosts[0]
	}
	return fmt.Sprintf("%v", cs.Hosts)
}

// supportsTransactions asks the server what it is: multi-document
// transactions need a replica set member or a mongos.
func supportsTransactions(ctx context.Context, client *mongo.Client) (bool, error) {
	var hello struct {
		SetName string `bson:"setName"`
		Msg     string `bson:"msg"`
	}
	admin := client.Database("admin")
	err := admin.RunCommand(ctx, bson.D{{Key: "hello", Value: 1}}).Decode(&hello)
	if err != nil {
		// Servers before MongoDB 4.4.2 know the command by its old name.
		if err2 := admin.RunCommand(ctx, bson.D{{Key: "isMaster", Value: 1}}).Decode(&hello); err2 != nil {
			return false, err
		}
	}
	return hello.SetName != "" || hello.Msg == "isdbgrid", nil
}

var newMu sync.Mutex

func openEmbedded(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("mongodb: DataDir is required when no MongoDB URI is given (embedded FerretDB stores its files there)")
	}
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("mongodb: data directory %q: %w", cfg.DataDir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("mongodb: cannot create data directory %q: %w", dir, err)
	}
	// SQLite only notices a read-only directory at the first write, deep
	// inside a request; find out now, with a message that names the folder.
	probe, err := os.CreateTemp(dir, ".omnigate-write-check-*")
	if err != nil {
		return nil, fmt.Errorf("mongodb: data directory %q is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	// Two embedded servers on one directory do not see each other's
	// collections: refuse the second one.
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}

	name := cfg.Database
	if name == "" {
		name = DefaultDatabase
	}

	// FerretDB wants a file: URI naming a directory, ending in a slash.
	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/"}).String()
	// ferretdb.New writes a package-level version field; serialise it for
	// processes (tests) that start several servers.
	newMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:  "sqlite",
		// FerretDB logs every connection and command at info level.
		Logger:    slog.New(warnOnly{inner: loggerHandler(cfg.Logger)}).With("component", "ferretdb"),
		SQLiteURL: sqliteURL,
	})
	newMu.Unlock()
	if err != nil {
		unlock(lock)
		return nil, fmt.Errorf("mongodb: start embedded FerretDB in %q: %w", dir, err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(runCtx)
	}()
	d := &DB{embedded: true, stop: stop, done: done, lock: lock}

	// The listener is bound by ferretdb.New, so the URI holds the real port.
	uri := f.MongoDBURI()
	client, err := mongo.Connect(options.Client().ApplyURI(uri).
		SetAppName("omnigate").
		SetServerSelectionTimeout(defaultServerSelectionTimeout))
	if err != nil {
		d.stopServer()
		return nil, fmt.Errorf("mongodb: connect to embedded FerretDB at %s: %w", uri, err)
	}
	if err := client.Ping(ctx, readpref.Primary()); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		d.stopServer()
		return nil, fmt.Errorf("mongodb: embedded FerretDB at %s does not answer: %w", uri, err)
	}
	d.client = client
	d.db = client.Database(name)
	d.uri = uri
	d.dir = dir
	return d, nil
}

func loggerHandler(l *slog.Logger) slog.Handler {
	if l == nil {
		return slog.DiscardHandler
	}
	return l.Handler()
}

// Database returns the gateway's database.
func (d *DB) Database() *mongo.Database { return d.db }

// Ping reports whether the database answers; readiness checks call it.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.client.Ping(ctx, readpref.Primary()); err != nil {
		return fmt.Errorf("mongodb: ping: %w", err)
	}
	return nil
}

// URI returns the embedded FerretDB's address (mongodb://127.0.0.1:port/),
// for tools such as mongosh during development. It is empty when Open was
// given a URI: that one may hold credentials.
func (d *DB) URI() string { return d.uri }

// Embedded reports whether the database is the embedded FerretDB.
func (d *DB) Embedded() bool { return d.embedded }

// SupportsTransactions reports whether multi-document transactions are
// available. Embedded FerretDB has none, and neither has a standalone
// MongoDB; code that must work everywhere does not depend on them.
func (d *DB) SupportsTransactions() bool { return d.txn }

// Close disconnects and, when embedded, stops FerretDB and waits for it to
// close its files. Calling it again returns the first result.
func (d *DB) Close(ctx context.Context) error {
	d.closeOnce.Do(func() {
		if d.client != nil {
			if err := d.client.Disconnect(ctx); err != nil {
				d.closeErr = fmt.Errorf("mongodb: disconnect: %w", err)
			}
		}
		d.stopServer()
	})
	return d.closeErr
}

func (d *DB) stopServer() {
	if d.stop == nil {
		return
	}
	d.stop()
	<-d.done
	unlock(d.lock)
	d.lock = nil
}

// lockFile, in an embedded data directory, is locked while a server runs there.
const lockFile = ".omnigate.lock"

func unlock(f *os.File) {
	if f != nil {
		_ = f.Close()
	}
}

// warnOnly passes on warnings and errors and drops the rest.
type warnOnly struct{ inner slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.inner.Enabled(ctx, l)
}

func (h warnOnly) Handle(ctx context.Context, r slog.Record) error {
	return h.inner.Handle(ctx, r)
}

func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return warnOnly{inner: h.inner.WithAttrs(as)}
}

func (h warnOnly) WithGroup(name string) slog.Handler {
	return warnOnly{inner: h.inner.WithGroup(name)}
}
