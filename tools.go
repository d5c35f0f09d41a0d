//go:build tools

// This file pins the modules the project builds on before every package uses
// them, and the code generator, so that `go mod tidy` keeps them.
package omnigate

import (
	_ "github.com/FerretDB/FerretDB/ferretdb"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/graph-gophers/dataloader/v7"
	_ "github.com/nyaruka/phonenumbers"
	_ "go.mongodb.org/mongo-driver/v2/mongo"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/time/rate"
)
