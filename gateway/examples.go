package gateway

import "github.com/omnigate/omnigate/web"

// The demo customer of the default simulated world (seed 1): she buys online
// and in stores, is on the email list and has written to support.
const (
	demoEmail = "DEMO_EMAIL"
	demoPhone = "DEMO_PHONE"
)

// Examples are GraphiQL's tabs: the scenarios the graph is for.
var Examples = []web.Example{
	{
		Name: "Support agent: customer 360 by email",
		Query: `query Customer360($email: String!) {
  customerByEmail(email: $email) {
    id
    name { fullName source }
    emails { value source }
    phones { value source }
    identities { system externalId rule evidence }
    stats {
      lifetimeValue { formatted }
      orderCount webshopOrderCount storeOrderCount
      omnichannel preferredChannel preferredStore { name }
      firstSeen lastSeen
    }
    orders(first: 5) { totalCount edges { node { number channel store { name } total { formatted } createdAt } } }
    cart { itemCount totals { formatted } lines { sku name quantity origins { channel store { name } } } }
    emailMarketing { consent { channel status method at } openRate clickRate recentEvents(first: 5) { kind subject at } }
    tickets(first: 5) { totalCount edges { node { subject status via satisfaction { score comment } createdAt } } }
    timeline(first: 10) { edges { node { at kind channel summary } } pageInfo { hasNextPage endCursor } }
  }
}`,
		Variables: `{"email": "` + demoEmail + `"}`,
	},
	{
		Name: "Store: find the customer's cart by phone",
		Query: `query StoreCartLookup($phone: String!, $region: String) {
  customerByPhone(phone: $phone, region: $region) {
    name { fullName }
    cart {
      itemCount
      totals { formatted }
      lines { sku name quantity unitPrice { formatted } origins { channel cartId store { name } quantity } }
    }
  }
}`,
		Variables: `{"phone": "` + demoPhone + `", "region": "GB"}`,
	},
	{
		Name: "Mobile app: my cart",
		Query: `query MyCart($id: ID!) {
  customer(id: $id) {
    cart {
      updatedAt
      itemCount
      totals { amount currency formatted }
      lines { sku name quantity unitPrice { formatted } total { formatted } }
    }
  }
}`,
		Variables: `{"id": "paste a customer id from the first tab"}`,
	},
}
