package world

// Name data by origin. The retailer's customers live in Great Britain,
// Ireland and Germany; each country's residents mostly carry that country's
// names, with the mix a real customer base has.

var givenNames = map[string]struct{ female, male []string }{
	"GB": {
		female: []string{
			"Olivia", "Amelia", "Isla", "Emily", "Sophie", "Charlotte", "Jessica", "Hannah",
			"Lucy", "Grace", "Emma", "Sarah", "Laura", "Rebecca", "Katharine", "Elizabeth",
			"Victoria", "Rachel", "Helen", "Claire", "Louise", "Samantha", "Jennifer",
			"Margaret", "Chloe", "Priya", "Aisha", "Zara", "Fatima", "Agnieszka", "Catherine",
			"Eleanor", "Harriet", "Imogen", "Joanna", "Natalie", "Abigail", "Florence",
			"Alice", "Megan", "Bethany", "Gemma", "Nicola", "Susan", "Deborah", "Anjali",
		},
		male: []string{
			"Oliver", "George", "Harry", "Jack", "James", "William", "Thomas", "Charlie",
			"Henry", "Daniel", "Samuel", "Joseph", "Benjamin", "Matthew", "Christopher",
			"Michael", "David", "Andrew", "Robert", "John", "Richard", "Mark", "Paul",
			"Stephen", "Alexander", "Edward", "Jonathan", "Ryan", "Luke", "Adam",
			"Mohammed", "Arjun", "Ravi", "Kwame", "Tomasz", "Nathan", "Simon", "Gareth",
			"Callum", "Alistair", "Rhys", "Owen", "Peter", "Anthony", "Hamza", "Imran",
		},
	},
	"IE": {
		female: []string{
			"Aoife", "Niamh", "Siobhán", "Saoirse", "Ciara", "Róisín", "Orla", "Sinéad",
			"Clodagh", "Emer", "Gráinne", "Aisling", "Mary", "Caoimhe", "Áine", "Sarah",
			"Emma", "Katie", "Ellen", "Deirdre", "Fiona", "Maeve", "Nuala", "Aoibhinn",
		},
		male: []string{
			"Seán", "Conor", "Patrick", "Cian", "Darragh", "Oisín", "Jack", "Liam",
			"Ciarán", "Eoin", "Niall", "Declan", "Brendan", "Fionn", "Michael", "Dónal",
			"Colm", "Ronan", "Kevin", "Shane", "Diarmuid", "Padraig", "Cathal", "Eamon",
		},
	},
	"DE": {
		female: []string{
			"Anna", "Lena", "Laura", "Lea", "Hannah", "Sophie", "Marie", "Julia",
			"Katharina", "Sarah", "Lisa", "Johanna", "Sabine", "Petra", "Ursula", "Jana",
			"Franziska", "Charlotte", "Emilia", "Mia", "Clara", "Birgit", "Nina", "Carina",
		},
		male: []string{
			"Lukas", "Leon", "Maximilian", "Felix", "Jonas", "Paul", "Finn", "Elias",
			"Ben", "Noah", "Alexander", "Jan", "Tim", "Niklas", "Stefan", "Thomas",
			"Michael", "Andreas", "Jürgen", "Matthias", "Florian", "Sebastian", "Tobias",
			"Johannes", "Markus", "Jörg", "Björn", "Stephan", "Christoph", "Mehmet",
		},
	},
}

var familyNames = map[string][]string{
	"GB": {
		"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson",
		"Thomas", "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker",
		"White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke",
		"Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
		"Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan",
		"Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price",
		"Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter",
		"Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
		"Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams",
		"Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers",
		"Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen",
		"Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
		"Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey",
		"Nowak", "Kowalski", "Okafor", "Mensah", "Sharma", "Ahmed", "MacDonald",
		"Fraser", "Stewart", "Ferguson",
	},
	"IE": {
		"Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien", "Byrne", "Ryan",
		"O'Connor", "O'Neill", "O'Reilly", "Doyle", "McCarthy", "Gallagher",
		"O'Doherty", "Kennedy", "Lynch", "Murray", "Quinn", "Moore", "McLoughlin",
		"O'Carroll", "Connolly", "Daly", "O'Connell", "Wilson", "Dunne", "Brennan",
		"Burke", "Collins", "Campbell", "Clarke", "Johnston", "Hughes", "Farrell",
		"Fitzgerald", "Brown", "Martin", "Maguire", "Nolan", "Flynn", "Thompson",
		"Callaghan", "O'Donnell", "Duffy", "Mahony", "Boyle", "Healy", "O'Shea",
		"White", "Sweeney", "Hayes", "Kavanagh", "Power", "McGrath", "Moran",
	},
	"DE": {
		"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
		"Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein",
		"Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger",
		"Hofmann", "Hartmann", "Lange", "Schmitt", "Werner", "Schmitz", "Krause",
		"Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
		"König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
		"Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Yılmaz", "Kaya",
		"Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger",
	},
}

// nicknames maps a given name to the short or alternative forms people and
// shop staff use for it: the same person appears as Katharine in one system
// and Kate in another.
var nicknames = map[string][]string{
	"John": {"Jon", "Johnny"}, "Jon": {"John"},
	"Katharine": {"Kate", "Katie", "Catherine"}, "Catherine": {"Cathy", "Kate", "Katharine"},
	"Elizabeth": {"Liz", "Beth", "Lizzie"}, "William": {"Will", "Bill"},
	"Robert": {"Rob", "Bob"}, "Michael": {"Mike", "Micky"}, "James": {"Jim", "Jamie"},
	"Thomas": {"Tom", "Tommy"}, "Daniel": {"Dan", "Danny"}, "Christopher": {"Chris"},
	"Alexander": {"Alex"}, "Margaret": {"Maggie", "Peggy"}, "Rebecca": {"Becky", "Becca"},
	"Samantha": {"Sam"}, "Jennifer": {"Jen", "Jenny"}, "Patrick": {"Paddy", "Pat"},
	"Benjamin": {"Ben"}, "Matthew": {"Matt"}, "Edward": {"Ed", "Ted"},
	"Jonathan": {"Jon", "Jonny"}, "Samuel": {"Sam"}, "Joseph": {"Joe"},
	"Richard": {"Rich", "Ricky"}, "Stephen": {"Steve", "Steven"}, "Andrew": {"Andy"},
	"Anthony": {"Tony"}, "Victoria": {"Vicky", "Tori"}, "Abigail": {"Abby"},
	"Eleanor": {"Ellie", "Nell"}, "Deborah": {"Debbie"}, "Nicola": {"Nicky"},
	"Charlotte": {"Lottie"}, "Harriet": {"Hattie"}, "Florence": {"Flo"},
	"Susan": {"Sue"}, "Joanna": {"Jo"}, "Bethany": {"Beth"}, "Natalie": {"Nat"},
	"Katharina": {"Kathi", "Katrin"}, "Johannes": {"Hannes", "Jo"}, "Maximilian": {"Max"},
	"Stefan": {"Stephan"}, "Stephan": {"Stefan"}, "Franziska": {"Franzi"},
	"Sebastian": {"Basti"}, "Christoph": {"Chris"}, "Niklas": {"Nick"},
	"Tobias": {"Tobi"}, "Matthias": {"Matze"}, "Andreas": {"Andi"},
	"Padraig": {"Pádraig", "Paddy"}, "Diarmuid": {"Dermot"}, "Eamon": {"Éamonn"},
	"Ciarán": {"Kieran"}, "Seán": {"Shaun", "Shawn"}, "Dónal": {"Donal"},
}

// Email domains by country, with weights that follow the market shares a UK
// retailer sees in its own customer list.
type weighted struct {
	v string
	w int
}

var emailDomains = map[string][]weighted{
	"GB": {{"gmail.com", 38}, {"hotmail.co.uk", 12}, {"outlook.com", 10}, {"yahoo.co.uk", 9},
		{"icloud.com", 12}, {"btinternet.com", 6}, {"sky.com", 3}, {"live.co.uk", 4},
		{"aol.com", 2}, {"virginmedia.com", 2}},
	"IE": {{"gmail.com", 45}, {"outlook.com", 12}, {"hotmail.com", 10}, {"icloud.com", 12},
		{"eircom.net", 8}, {"yahoo.ie", 5}, {"live.ie", 4}},
	"DE": {{"gmail.com", 25}, {"web.de", 22}, {"gmx.de", 20}, {"t-online.de", 12},
		{"outlook.de", 6}, {"icloud.com", 8}, {"yahoo.de", 4}, {"posteo.de", 3}},
}

// companyDomains are the employers whose addresses people use for a second,
// work email.
var companyDomains = map[string][]string{
	"GB": {"brightwater-logistics.co.uk", "harlow-partners.co.uk", "northgate-health.nhs.uk",
		"kestrel-analytics.com", "pennine-engineering.co.uk", "thamesbank.co.uk",
		"oakfield-school.org.uk", "bluewren.io", "castlegate-law.co.uk"},
	"IE": {"liffeytech.ie", "corrib-consulting.ie", "shannonair.ie", "greenisle-foods.ie",
		"dublin-fintech.com"},
	"DE": {"nordstern-consulting.de", "rheinwerk-gmbh.de", "alpen-logistik.de",
		"spree-software.de", "mainbank.de"},
}

// city is a place customers live in, with the postcode shapes used there.
type city struct {
	name    string
	region  string
	country string
	// postcode prefixes (GB outward codes' area+district, Irish Eircode
	// routing keys, German five-digit ranges as "from-to").
	codes []string
	// phone area code (national significant number prefix) and the length
	// of the subscriber number after it.
	area    string
	subLen  int
	weight  int
	streets []string
}

var gbStreets = []string{"High Street", "Station Road", "Church Lane", "Victoria Road",
	"Mill Lane", "Park Avenue", "Queens Road", "Kings Road", "The Crescent", "Green Lane",
	"Manor Road", "Grove Road", "Albert Street", "York Road", "Chestnut Close",
	"Beechwood Avenue", "Orchard Way", "Springfield Road", "Windsor Terrace", "Elm Grove"}

var ieStreets = []string{"Main Street", "Church Road", "Strand Road", "Seafield Road",
	"Ranelagh Road", "Oakpark Avenue", "Castle Street", "Abbey Road", "Mount Pleasant",
	"Sandymount Avenue", "College Road", "Bóthar na Trá", "Glenageary Park", "Green Road"}

var deStreets = []string{"Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße",
	"Lindenstraße", "Bergstraße", "Kirchstraße", "Goethestraße", "Schillerstraße",
	"Friedrichstraße", "Kastanienallee", "Am Markt", "Rosenweg", "Ahornweg",
	"Mozartstraße", "Birkenweg", "Parkstraße", "Waldstraße"}

var cities = []city{
	{"London", "Greater London", "GB", []string{"E1", "E8", "N1", "N16", "NW3", "NW5", "SE1", "SE15", "SE22", "SW4", "SW11", "W4", "W5", "W11"}, "20", 8, 30, gbStreets},
	{"Manchester", "Greater Manchester", "GB", []string{"M1", "M4", "M14", "M20", "M21"}, "161", 7, 9, gbStreets},
	{"Birmingham", "West Midlands", "GB", []string{"B1", "B13", "B15", "B17", "B30"}, "121", 7, 7, gbStreets},
	{"Leeds", "West Yorkshire", "GB", []string{"LS1", "LS6", "LS8", "LS17"}, "113", 7, 5, gbStreets},
	{"Bristol", "Bristol", "GB", []string{"BS1", "BS6", "BS7", "BS8", "BS9"}, "117", 7, 7, gbStreets},
	{"Edinburgh", "City of Edinburgh", "GB", []string{"EH1", "EH3", "EH6", "EH9", "EH10"}, "131", 7, 7, gbStreets},
	{"Glasgow", "Glasgow City", "GB", []string{"G3", "G11", "G12", "G41"}, "141", 7, 6, gbStreets},
	{"Liverpool", "Merseyside", "GB", []string{"L1", "L8", "L17", "L18"}, "151", 7, 4, gbStreets},
	{"Brighton", "East Sussex", "GB", []string{"BN1", "BN2", "BN3"}, "1273", 6, 4, gbStreets},
	{"Cardiff", "Cardiff", "GB", []string{"CF10", "CF11", "CF14", "CF23"}, "29", 8, 3, gbStreets},
	{"Oxford", "Oxfordshire", "GB", []string{"OX1", "OX2", "OX4"}, "1865", 6, 3, gbStreets},
	{"Bath", "Somerset", "GB", []string{"BA1", "BA2"}, "1225", 6, 2, gbStreets},
	{"York", "North Yorkshire", "GB", []string{"YO1", "YO10", "YO31"}, "1904", 6, 2, gbStreets},
	{"Dublin", "Co. Dublin", "IE", []string{"D02", "D04", "D06", "D6W", "D08", "D12", "D14", "D18"}, "1", 7, 12, ieStreets},
	{"Cork", "Co. Cork", "IE", []string{"T12", "T23"}, "21", 7, 5, ieStreets},
	{"Galway", "Co. Galway", "IE", []string{"H91"}, "91", 6, 3, ieStreets},
	{"Limerick", "Co. Limerick", "IE", []string{"V94"}, "61", 6, 2, ieStreets},
	{"Berlin", "Berlin", "DE", []string{"10115-10999", "12043-12559", "13086-13189"}, "30", 8, 12, deStreets},
	{"München", "Bayern", "DE", []string{"80331-81929"}, "89", 8, 8, deStreets},
	{"Hamburg", "Hamburg", "DE", []string{"20095-22769"}, "40", 8, 5, deStreets},
	{"Köln", "Nordrhein-Westfalen", "DE", []string{"50667-51149"}, "221", 7, 4, deStreets},
	{"Frankfurt am Main", "Hessen", "DE", []string{"60306-60599"}, "69", 8, 3, deStreets},
	{"Leipzig", "Sachsen", "DE", []string{"04103-04357"}, "341", 7, 2, deStreets},
}

// Mobile ranges per country: the national significant number prefix and the
// digits that follow it.
var mobileRanges = map[string][]struct {
	prefix string
	rest   int
}{
	"GB": {{"74", 8}, {"75", 8}, {"77", 8}, {"78", 8}, {"79", 8}},
	"IE": {{"83", 7}, {"85", 7}, {"86", 7}, {"87", 7}, {"89", 7}},
	"DE": {{"151", 8}, {"152", 8}, {"157", 8}, {"160", 7}, {"170", 7}, {"171", 7},
		{"172", 7}, {"173", 7}, {"175", 7}, {"176", 8}, {"177", 8}, {"178", 8}, {"179", 7}},
}

var countryCallingCode = map[string]string{"GB": "44", "IE": "353", "DE": "49"}

var countryCurrency = map[string]string{"GB": "GBP", "IE": "EUR", "DE": "EUR"}

var countryLocale = map[string]string{"GB": "en-GB", "IE": "en-IE", "DE": "de-DE"}

var countryTimezone = map[string]string{"GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin"}

// Zendesk names time zones the Rails way.
var countryZendeskZone = map[string]string{"GB": "London", "IE": "Dublin", "DE": "Berlin"}

var countryZendeskLocale = map[string]string{"GB": "en-GB", "IE": "en-GB", "DE": "de"}
