package commercetools

import (
	"context"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
)

// FindCustomers finds the customers with an email address (matched without
// regard to letter case, as the shop does at sign-in) or a phone number on
// one of their addresses. Shops keep phones as they were typed, so an E.164
// number is looked for in the forms people type: +442079460958,
// +44 20 7946 0958, 020 7946 0958 and 02079460958. A webshop customer id
// (KindCommercetoolsID) finds that customer. Other kinds find nothing: the
// shop keeps no loyalty ids.
func (c *Client) FindCustomers(ctx context.Context, kind omnigate.IdentifierKind, value string) ([]omnigate.CustomerRecord, error) {
	var where string
	switch kind {
	case omnigate.KindEmail:
		email := strings.ToLower(strings.TrimSpace(value))
		if email == "" {
			return nil, omnigate.Errorf(omnigate.EINVALID, "an email address is required")
		}
		where = "lowercaseEmail = " + ct.QuoteString(email)
	case omnigate.KindPhone:
		forms, err := phoneForms(value)
		if err != nil {
			return nil, err
		}
		list := ct.QuoteList(forms)
		where = "addresses(phone in " + list + " or mobile in " + list + ")"
	case omnigate.KindCommercetoolsID:
		id := strings.TrimSpace(value)
		if id == "" {
			return nil, omnigate.Errorf(omnigate.EINVALID, "a webshop customer id is required")
		}
		got, err := c.GetCustomers(ctx, []string{id})
		if err != nil {
			return nil, err
		}
		if r, ok := got[id]; ok {
			return []omnigate.CustomerRecord{r}, nil
		}
		return nil, nil
	default:
		return nil, nil
	}
	var out []omnigate.CustomerRecord
	_, err := queryAll(ctx, c, "customers", where, []string{"createdAt asc", "id asc"}, func(cu ct.Customer) {
		out = append(out, customerRecord(cu))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// phoneForms returns the ways an E.164 number may have been typed in.
func phoneForms(e164 string) ([]string, error) {
	v := strings.TrimSpace(e164)
	if !strings.HasPrefix(v, "+") {
		return nil, omnigate.Errorf(omnigate.EINVALID, "the phone number %q is not in E.164 form (+ and country code)", e164)
	}
	num, err := phonenumbers.Parse(v, "")
	if err != nil {
		return nil, omnigate.Errorf(omnigate.EINVALID, "the phone number %q cannot be read: %v", e164, err)
	}
	national := phonenumbers.Format(num, phonenumbers.NATIONAL)
	forms := []string{
		phonenumbers.Format(num, phonenumbers.E164),
		phonenumbers.Format(num, phonenumbers.INTERNATIONAL),
		national,
		digitsOnly(national),
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range forms {
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// GetCustomers fetches customers by id, up to 100 per call; ids the shop
// does not know are absent from the map.
func (c *Client) GetCustomers(ctx context.Context, ids []string) (map[string]omnigate.CustomerRecord, error) {
	res := &collector[string, omnigate.CustomerRecord]{m: map[string]omnigate.CustomerRecord{}}
	err := c.forChunks(ctx, ids, func(ctx context.Context, chunk []string) error {
		var got []omnigate.CustomerRecord
		_, err := queryAll(ctx, c, "customers", "id in "+ct.QuoteList(chunk), nil, func(cu ct.Customer) {
			got = append(got, customerRecord(cu))
		})
		res.update(func(m map[string]omnigate.CustomerRecord) {
			for _, r := range got {
				m[r.ID] = r
			}
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res.m, nil
}
