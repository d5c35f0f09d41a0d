package square

import (
	"context"
	"net/http"
	"time"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Location is one of the seller's stores.
type Location struct {
	ID       string
	Name     string
	Country  string // ISO 3166-1 alpha-2
	Currency string // ISO 4217
	Timezone string
	Phone    string
	Email    string
	Address  omnigate.Address
	Active   bool
}

// Locations lists the seller's locations. The list is fetched once and
// kept for LocationsTTL: order searches name every location, and stores
// rarely open.
func (c *Client) Locations(ctx context.Context) ([]Location, error) {
	locs, _, err := c.locations(ctx)
	return append([]Location(nil), locs...), err
}

func (c *Client) locations(ctx context.Context) ([]Location, map[string]Location, error) {
	c.locMu.Lock()
	if c.locByID != nil && time.Since(c.locAt) < c.cfg.LocationsTTL {
		locs, byID := c.locs, c.locByID
		c.locMu.Unlock()
		return locs, byID, nil
	}
	c.locMu.Unlock()
	// One read serves every caller waiting for it; each waits only as long
	// as its own context allows, and one giving up does not fail the read
	// for the others.
	ch := c.locGroup.DoChan("locations", func() (any, error) {
		return nil, omnigate.Recovering(func() error { return c.readLocations(context.WithoutCancel(ctx)) })
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, nil, r.Err
		}
		c.locMu.Lock()
		defer c.locMu.Unlock()
		return c.locs, c.locByID, nil
	case <-ctx.Done():
		return nil, nil, omnigate.SourceError(omnigate.Square, omnigate.ETIMEOUT, "no answer in time", ctx.Err())
	}
}

func (c *Client) readLocations(ctx context.Context) error {
	var resp apis.ListLocationsResponse
	if err := c.up.Do(ctx, upstream.Request{Method: http.MethodGet, Path: "/v2/locations", Idempotent: true}, &resp); err != nil {
		return err
	}
	locs := make([]Location, 0, len(resp.Locations))
	byID := make(map[string]Location, len(resp.Locations))
	for _, l := range resp.Locations {
		loc := Location{
			ID: l.ID, Name: l.Name, Country: l.Country, Currency: l.Currency, Timezone: l.Timezone,
			Phone: l.PhoneNumber, Email: l.BusinessEmail, Active: l.Status != apis.LocationInactive,
		}
		if l.Address != nil {
			loc.Address = address(*l.Address)
		}
		if loc.Country == "" {
			loc.Country = loc.Address.Country
		}
		locs = append(locs, loc)
		byID[l.ID] = loc
	}
	c.locMu.Lock()
	c.locs, c.locByID, c.locAt = locs, byID, time.Now()
	c.locMu.Unlock()
	return nil
}

func address(a apis.Address) omnigate.Address {
	return omnigate.Address{
		Line1:      a.AddressLine1,
		Line2:      a.AddressLine2,
		City:       a.Locality,
		PostalCode: a.PostalCode,
		Region:     a.AdministrativeDistrictLevel1,
		Country:    a.Country,
	}
}

// locationIDs are every location's id, for order searches.
func locationIDs(locs []Location) []string {
	ids := make([]string, len(locs))
	for i, l := range locs {
		ids[i] = l.ID
	}
	return ids
}

// sellerCountry is the one country all locations are in, or "" when they
// span several.
func sellerCountry(locs []Location) string {
	country := ""
	for _, l := range locs {
		switch {
		case l.Country == "":
		case country == "":
			country = l.Country
		case country != l.Country:
			return ""
		}
	}
	return country
}
