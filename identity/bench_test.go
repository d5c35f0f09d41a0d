package identity_test

import (
	"fmt"
	"testing"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

func BenchmarkLookupWarm(b *testing.B) {
	ctx := b.Context()
	r, _ := newResolver(b, annFinders(), identity.Rules{DefaultRegion: "GB"})
	want, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, ok, err := r.Lookup(ctx, omnigate.KindEmail, "Ann.Lee@gmail.com"); !ok || err != nil || got != want {
			b.Fatalf("Lookup = %q, %v, %v", got, ok, err)
		}
	}
}

// resolvedCustomers resolves n one-record customers and returns their ids.
func resolvedCustomers(b *testing.B, n int, opts ...identity.Option) (*identity.Resolver, []string) {
	fs := newFinders()
	for i := range n {
		e := fmt.Sprintf("c%d@shop.co", i)
		fs.kl.add(cust("k"+e, "C", "", "", []string{e}, nil))
		fs.zd.add(cust(fmt.Sprint(1000+i), "C", "", "", []string{e}, nil))
	}
	r, _ := newResolver(b, fs, identity.Rules{}, opts...)
	ids := make([]string, n)
	for i := range n {
		id, err := r.ResolveIdentifier(b.Context(), omnigate.KindEmail, fmt.Sprintf("c%d@shop.co", i))
		if err != nil {
			b.Fatal(err)
		}
		ids[i] = id
	}
	return r, ids
}

func benchmarkCustomers(b *testing.B, opts ...identity.Option) {
	ctx := b.Context()
	r, ids := resolvedCustomers(b, 50, opts...)
	b.ReportAllocs()
	for b.Loop() {
		cs, err := r.Customers(ctx, ids)
		if err != nil || cs[49] == nil || len(cs[49].Links) != 2 {
			b.Fatalf("Customers = %v, %v", cs, err)
		}
	}
}

// BenchmarkCustomersWarm reads 50 customers, as a list query does.
func BenchmarkCustomersWarm(b *testing.B) { benchmarkCustomers(b) }

// BenchmarkCustomersCold reads the same 50 customers from MongoDB.
func BenchmarkCustomersCold(b *testing.B) { benchmarkCustomers(b, identity.WithCacheSize(0)) }

// BenchmarkResolveIdentifierCold answers an identifier the map knows from
// MongoDB (no cache): what a first ask on a replica costs.
func BenchmarkResolveIdentifierCold(b *testing.B) {
	ctx := b.Context()
	r, _ := newResolver(b, annFinders(), identity.Rules{DefaultRegion: "GB"}, identity.WithCacheSize(0))
	want, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "+447911123456"); err != nil || got != want {
			b.Fatalf("ResolveIdentifier = %q, %v", got, err)
		}
	}
}

// BenchmarkResolveIdentifierWarm is the same ask answered from the cache.
func BenchmarkResolveIdentifierWarm(b *testing.B) {
	ctx := b.Context()
	r, _ := newResolver(b, annFinders(), identity.Rules{DefaultRegion: "GB"})
	want, err := r.ResolveIdentifier(ctx, omnigate.KindEmail, "annlee@gmail.com")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if got, err := r.ResolveIdentifier(ctx, omnigate.KindPhone, "+447911123456"); err != nil || got != want {
			b.Fatalf("ResolveIdentifier = %q, %v", got, err)
		}
	}
}
