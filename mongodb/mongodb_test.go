package mongodb_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate/internal/logbuf"
	"github.com/omnigate/omnigate/mongodb"
)

func TestEmbeddedStoresAndReopens(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	var logs logbuf.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	start := time.Now()
	db, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir, Database: "shop", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedded FerretDB started and answered a ping in %v", time.Since(start))
	if !db.Embedded() || db.SupportsTransactions() {
		t.Errorf("Embedded() = %v, SupportsTransactions() = %v; want true, false", db.Embedded(), db.SupportsTransactions())
	}
	if got := db.Database().Name(); got != "shop" {
		t.Errorf("database name = %q, want shop", got)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}

	// A unique index and an upsert: the two things the identity map relies on.
	coll := db.Database().Collection("things")
	if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "k", Value: 1}},
		Options: options.Index().SetUnique(true),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "a", "k": "x"}); err != nil {
		t.Fatal(err)
	}
	_, err = coll.InsertOne(ctx, bson.M{"_id": "b", "k": "x"})
	if !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("second insert with the same unique key: err = %v, want a duplicate key error", err)
	}
	if _, err := coll.UpdateOne(ctx, bson.M{"_id": "c"}, bson.M{"$set": bson.M{"k": "y"}}, options.UpdateOne().SetUpsert(true)); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, "*.sqlite")); len(matches) == 0 {
		t.Errorf("no SQLite file in %s after writing", dir)
	}
	if strings.Contains(logs.String(), "level=INFO") || strings.Contains(logs.String(), "level=DEBUG") {
		t.Errorf("FerretDB info or debug output reached the logger:\n%s", logs.String())
	}

	// The data survives a restart on the same directory.
	db, err = mongodb.Open(ctx, mongodb.Config{DataDir: dir, Database: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	n, err := db.Database().Collection("things").CountDocuments(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("after reopening: %d documents, want 2", n)
	}
}

func TestEmbeddedBadDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"empty":        "",
		"a file":       file,
		"under a file": filepath.Join(file, "data"),
	}
	for name, dir := range cases {
		t.Run(name, func(t *testing.T) {
			db, err := mongodb.Open(t.Context(), mongodb.Config{DataDir: dir})
			if err == nil {
				db.Close(t.Context())
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), "DataDir") && !strings.Contains(err.Error(), dir) {
				t.Errorf("error %q names neither DataDir nor the directory", err)
			}
			t.Log(err)
		})
	}
}

func TestEmbeddedReadOnlyDataDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	if os.Geteuid() == 0 {
		// Root writes through permission bits; a kernel file system that
		// refuses new files stands in for a read-only volume.
		dir = "/sys"
	}
	if f, err := os.CreateTemp(dir, "probe-*"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Skipf("%s is writable here", dir)
	}
	_, err := mongodb.Open(t.Context(), mongodb.Config{DataDir: dir})
	if err == nil || !strings.Contains(err.Error(), "not writable") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("err = %v, want one saying %s is not writable", err, dir)
	}
	t.Log(err)
}

func TestURIErrors(t *testing.T) {
	for _, uri := range []string{
		"mongodb://user:s3cret@localhost:99999999/db",
		"http://user:s3cret@localhost/db",
		"mongodb://user:s3cret@a:1,b:2/db?authMechanism=NOPE",
	} {
		_, err := mongodb.Open(t.Context(), mongodb.Config{URI: uri})
		if err == nil {
			t.Fatalf("malformed URI %q was accepted", uri)
		}
		if strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "URI is not valid") {
			t.Errorf("URI %q: error %q leaks the password or does not say the URI is wrong", uri, err)
		}
	}

	// Nothing listens on port 1: Open must give up and say where it tried.
	// The URI's own serverSelectionTimeoutMS wins over Open's default.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, err := mongodb.Open(ctx, mongodb.Config{URI: "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300"})
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Open took %v; the URI asked to give up after 300ms", took)
	}
	if err == nil {
		t.Fatal("Open of an unreachable server succeeded")
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("error %q does not name the server", err)
	}
}

// The URI path of Open is exercised against the embedded server: FerretDB
// is what CI has, and it speaks the same protocol.
func TestURIAgainstEmbedded(t *testing.T) {
	ctx := t.Context()
	emb, err := mongodb.Open(ctx, mongodb.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close(ctx)
	uri := emb.URI()
	db, err := mongodb.Open(ctx, mongodb.Config{URI: uri + "fromuri"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	if db.Embedded() || db.SupportsTransactions() {
		t.Errorf("Embedded() = %v, SupportsTransactions() = %v; want false, false (FerretDB is no replica set)", db.Embedded(), db.SupportsTransactions())
	}
	if got := db.Database().Name(); got != "fromuri" {
		t.Errorf("database = %q, want the one named in the URI", got)
	}
}
