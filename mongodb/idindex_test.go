package mongodb_test

import (
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/omnigate/omnigate/mongodb"
)

// After IndexIDs, SQLite answers FerretDB's point read with the index, and
// every kind of write still works through FerretDB.
func TestIndexIDsMakesPointReadsUseAnIndex(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db, err := mongodb.Open(ctx, mongodb.Config{DataDir: dir, Database: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	coll := db.Database().Collection("things")
	for i := range 50 {
		if _, err := coll.InsertOne(ctx, bson.M{"_id": fmt.Sprintf("k%02d", i), "v": i}); err != nil {
			t.Fatal(err)
		}
	}
	plan := func() string {
		u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(dir, "shop.sqlite")), RawQuery: "mode=ro"}
		sdb, err := sql.Open("sqlite", u.String())
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		var table string
		if err := sdb.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'things'`).Scan(&table); err != nil {
			t.Fatal(err)
		}
		// The statement FerretDB v1.24 sends for {_id: "k07"}.
		rows, err := sdb.Query(fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table), `"k07"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var details []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			details = append(details, detail)
		}
		return strings.Join(details, "; ")
	}
	if p := plan(); !strings.HasPrefix(p, "SCAN") {
		t.Fatalf("before IndexIDs the plan is %q; the workaround may no longer be needed", p)
	}
	if err := db.IndexIDs(ctx, "things", "empty_yet"); err != nil {
		t.Fatal(err)
	}
	if err := db.IndexIDs(ctx, "things"); err != nil {
		t.Fatalf("second IndexIDs: %v", err)
	}
	if p := plan(); !strings.Contains(p, "USING INDEX") || !strings.Contains(p, "_omnigate_id") {
		t.Fatalf("after IndexIDs the plan is %q; want the _omnigate_id index", p)
	}

	var got struct{ V int }
	if err := coll.FindOne(ctx, bson.M{"_id": "k07"}).Decode(&got); err != nil || got.V != 7 {
		t.Fatalf("point read = %+v, %v", got, err)
	}
	if _, err := coll.UpdateOne(ctx, bson.M{"_id": "k07"}, bson.M{"$set": bson.M{"v": 70}}); err != nil {
		t.Fatal(err)
	}
	if err := coll.FindOne(ctx, bson.M{"_id": "k07"}).Decode(&got); err != nil || got.V != 70 {
		t.Fatalf("after update = %+v, %v", got, err)
	}
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "k07"}); !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("duplicate _id: err = %v", err)
	}
	if _, err := coll.DeleteOne(ctx, bson.M{"_id": "k07"}); err != nil {
		t.Fatal(err)
	}
	if err := coll.FindOne(ctx, bson.M{"_id": "k07"}).Err(); err != mongo.ErrNoDocuments {
		t.Fatalf("after delete: %v", err)
	}
	if _, err := db.Database().Collection("empty_yet").InsertOne(ctx, bson.M{"_id": "x"}); err != nil {
		t.Fatal(err)
	}
	if n, err := coll.CountDocuments(ctx, bson.M{}); err != nil || n != 49 {
		t.Fatalf("count = %d, %v", n, err)
	}
}

// BenchmarkPointRead reads one document (of about 1 KB) by _id out of 20,000, with and
// without the index IndexIDs adds.
func BenchmarkPointRead(b *testing.B) {
	for _, indexed := range []bool{false, true} {
		b.Run(fmt.Sprintf("indexed=%v", indexed), func(b *testing.B) {
			ctx := b.Context()
			db, err := mongodb.Open(ctx, mongodb.Config{DataDir: b.TempDir(), Database: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close(ctx)
			coll := db.Database().Collection("docs")
			docs := make([]any, 20000)
			for i := range docs {
				docs[i] = bson.M{"_id": fmt.Sprintf("cus_%06d", i), "links": bson.M{"a": strings.Repeat("commercetools:"+fmt.Sprint(i), 40)}}
			}
			if _, err := coll.InsertMany(ctx, docs); err != nil {
				b.Fatal(err)
			}
			if indexed {
				if err := db.IndexIDs(ctx, "docs"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if err := coll.FindOne(ctx, bson.M{"_id": fmt.Sprintf("cus_%06d", i%20000)}).Err(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
