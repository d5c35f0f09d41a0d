package mongodb_test

import (
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/omnigate/omnigate/mongodb"
)

// A second server on a data directory another one (a running gateway, a
// backfill) has open must be refused with an error naming the directory:
// FerretDB keeps each database's collections in memory, so the second
// one silently reads an empty collection the first created after it
// started, and fails its writes there with an internal SQL error.
func TestASecondServerOnOneDataDirectoryIsRefused(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(ctx)
	b, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir})
	if err == nil {
		defer b.Close(ctx)
		if _, err := a.Database().Collection("late").InsertOne(ctx, bson.M{"_id": "x"}); err != nil {
			t.Fatal(err)
		}
		n, cerr := b.Database().Collection("late").CountDocuments(ctx, bson.M{})
		_, ierr := b.Database().Collection("late").InsertOne(ctx, bson.M{"_id": "y"})
		t.Fatalf("a second server opened %s: it counts %d documents (%v) where the first wrote one, and its insert says %v", dir, n, cerr, ierr)
	}
	if !strings.Contains(err.Error(), dir) {
		t.Errorf("error %q does not name the directory", err)
	}
	t.Log(err)
	// Once the first closes, the directory can be opened again.
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	c.Close(ctx)
}
