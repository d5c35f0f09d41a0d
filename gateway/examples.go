package gateway

import "github.com/omnigate/omnigate/web"

// Demo customers of the default simulated world (seed 1). Benjamin Bailey
// buys online and in stores, is subscribed to email and clicks, has a sale
// parked at a till and has written to support; Niamh Connolly shops in the
// Dublin stores and has baskets parked there; Victoria Bennett has an active
// webshop cart.
const (
	demoEmail        = "benjamin.b@yahoo.co.uk"
	demoPhone        = "087 515 3053"
	demoPhoneRegion  = "IE"
	demoWebshopLogin = "4f68a307-bc8a-4161-af1f-9858245545f8"
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
      lifetimeValue { formatted } refunded { formatted }
      orderCount webshopOrderCount storeOrderCount
      omnichannel preferredChannel preferredStore { name }
      firstSeen lastSeen
    }
    orders(first: 5) { totalCount edges { node { number channel store { name } total { formatted } createdAt refunded { formatted } returns { at refunded { formatted } } } } }
    cart { itemCount totals { formatted } lines { sku name quantity origins { channel store { name } } } }
    emailMarketing { consent { channel status method at suppressed } openRate clickRate recentEvents(first: 5) { kind subject at } }
    tickets(first: 5) { totalCount edges { node { subject status via satisfaction { score comment } createdAt } } }
    timeline(first: 10) { edges { node { at kind channel summary } } pageInfo { hasNextPage endCursor } }
  }
}`,
		Variables: `{"email": "` + demoEmail + `"}`,
	},
	{
		Name: "Support agent: why is this one customer?",
		Query: `# Every record linked to the customer, the rule and evidence that linked it,
# and the history of links, merges and splits, with who made them.
# Agents correct the map with the mutations linkRecord, unlinkRecord,
# mergeCustomers, splitCustomer and eraseCustomer (see the docs pane).
query WhyOneCustomer($email: String!) {
  customerByEmail(email: $email) {
    id
    identities { system externalId rule evidence linkedAt }
    identityHistory(first: 20) { at actor action rule evidence records { system id } before after }
    consent { channel status method at source suppressed }
  }
  identityConflicts(first: 10) { at actor customers evidence }
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
		Variables: `{"phone": "` + demoPhone + `", "region": "` + demoPhoneRegion + `"}`,
	},
	{
		Name: "Mobile app: my cart",
		Query: `# With authentication on (auth.mode jwt), the app sends the customer's
# token and asks for me { cart { ... } }. The demo authenticates no one, so
# this asks by the signed-in customer's webshop id instead.
query MyCart($webshopCustomerId: String!) {
  customerBySystemId(system: COMMERCETOOLS, id: $webshopCustomerId) {
    cart {
      updatedAt
      itemCount
      totals { amount currency formatted }
      lines { sku name quantity unitPrice { formatted } total { formatted } }
    }
  }
}`,
		Variables: `{"webshopCustomerId": "` + demoWebshopLogin + `"}`,
	},
}
