package mongodb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"go.mongodb.org/mongo-driver/v2/mongo"
	_ "modernc.org/sqlite" // the driver embedded FerretDB uses
)

// Embedded FerretDB v1.24 answers a filter of {_id: <string>} with
//
//	SELECT _ferretdb_sjson FROM <table> WHERE _ferretdb_sjson->'$._id' = ?
//
// but indexes _id under another expression, _ferretdb_sjson->"_id", so
// SQLite reads every row of the collection for each point read: a read
// costs time in proportion to the collection, and a growing identity map
// slows down every query. IndexIDs adds, to the SQLite tables of the
// named collections, an index on the very expression FerretDB queries by.
// SQLite then finds a document by _id in a B-tree lookup. FerretDB does not
// know the index (it is not in its metadata) and has no need to: SQLite
// keeps it up to date on every write and drops it with its table.
//
// It depends on FerretDB v1's table layout (the _ferretdb_collections
// table of each database file, the _ferretdb_sjson column); the test of
// this package checks the query plan, so an upgrade that changes the
// layout fails there rather than slowing down quietly.

// IndexIDs creates the named collections when missing and, on embedded
// FerretDB, indexes their _id as FerretDB queries it. On a real MongoDB it
// only creates the collections.
func (d *DB) IndexIDs(ctx context.Context, collections ...string) error {
	for _, c := range collections {
		err := d.db.CreateCollection(ctx, c)
		var ce mongo.CommandError
		if err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // NamespaceExists
			return fmt.Errorf("mongodb: create collection %s: %w", c, err)
		}
	}
	if !d.embedded {
		return nil
	}
	file := filepath.Join(d.dir, d.db.Name()+".sqlite")
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("mongodb: embedded database file: %w", err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(file), RawQuery: "_pragma=busy_timeout(10000)"}
	sdb, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("mongodb: open %s: %w", file, err)
	}
	defer sdb.Close()
	tables, err := collectionTables(ctx, sdb)
	if err != nil {
		return err
	}
	for _, c := range collections {
		table, ok := tables[c]
		if !ok {
			return fmt.Errorf("mongodb: embedded FerretDB has no table for collection %s", c)
		}
		q := fmt.Sprintf(`CREATE UNIQUE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_omnigate_id", table)
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("mongodb: index _id of %s: %w", c, err)
		}
	}
	return nil
}

// collectionTables maps collection names to their SQLite tables.
func collectionTables(ctx context.Context, sdb *sql.DB) (map[string]string, error) {
	rows, err := sdb.QueryContext(ctx, `SELECT name, table_name FROM _ferretdb_collections`)
	if err != nil {
		return nil, fmt.Errorf("mongodb: read embedded FerretDB's collections: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, table string
		if err := rows.Scan(&name, &table); err != nil {
			return nil, fmt.Errorf("mongodb: read embedded FerretDB's collections: %w", err)
		}
		out[name] = table
	}
	return out, rows.Err()
}
