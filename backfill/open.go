package backfill

import (
	"context"
	"errors"
	"log/slog"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/gateway"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/mongodb"
)

// Wiring is what a backfill needs, connected the way the gateway connects
// it: the same MongoDB, connectors and identity rules.
type Wiring struct {
	DB       *mongodb.DB
	Resolver *identity.Resolver
	// Listers are the enabled systems whose connector lists customers.
	Listers []omnigate.CustomerLister
	// StoreContacts counts the store phones and emails blocked from
	// matching; 0 when the point of sale's locations could not be read.
	StoreContacts int
}

// Open connects MongoDB (embedded FerretDB in cfg.MongoDB.DataDir when no
// URI is set), the enabled connectors and the identity resolver, from the
// gateway's configuration.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Wiring, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Embedded FerretDB warns about its own internals (sessions it does not
	// support, at close); only its errors are worth showing during a walk.
	dbLog := slog.New(errorsOnly{log.Handler()})
	db, err := mongodb.Open(ctx, mongodb.Config{URI: cfg.MongoDB.URI, Database: cfg.MongoDB.Database, DataDir: cfg.MongoDB.DataDir, Logger: dbLog})
	if err != nil {
		return nil, err
	}
	conn, err := gateway.Connect(ctx, cfg, log)
	if err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	r, err := identity.NewResolver(ctx, db, conn.Finders, conn.Rules, log,
		identity.WithCacheSize(cfg.Identity.CacheSize), identity.WithPollInterval(cfg.Identity.PollInterval))
	if err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	w := &Wiring{DB: db, Resolver: r, StoreContacts: conn.StoreContacts}
	for _, f := range conn.Finders {
		if l, ok := f.(omnigate.CustomerLister); ok {
			w.Listers = append(w.Listers, l)
		}
	}
	if len(w.Listers) == 0 {
		_ = w.Close(context.Background())
		return nil, errors.New("backfill: no enabled system can list its customers")
	}
	return w, nil
}

// Close stops the resolver and releases MongoDB.
func (w *Wiring) Close(ctx context.Context) error {
	w.Resolver.Close()
	return w.DB.Close(ctx)
}

// errorsOnly passes on only records at error level.
type errorsOnly struct{ slog.Handler }

func (h errorsOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelError && h.Handler.Enabled(ctx, l)
}

func (h errorsOnly) WithAttrs(as []slog.Attr) slog.Handler {
	return errorsOnly{h.Handler.WithAttrs(as)}
}

func (h errorsOnly) WithGroup(name string) slog.Handler { return errorsOnly{h.Handler.WithGroup(name)} }
