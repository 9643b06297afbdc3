"""Word lists for synthetic tenants. Every name is invented; domains use reserved names (RFC 2606 ``.example``)
and IP addresses come from the documentation ranges (RFC 5737, RFC 3849), so nothing points at a real party."""

from __future__ import annotations

FIRST_NAMES = (
    "Aaliyah", "Abdul", "Ada", "Adele", "Adrian", "Aiko", "Alejandro", "Alex", "Amara", "Amir", "Ana", "Anders",
    "Anika", "Arjun", "Astrid", "Ayesha", "Beatriz", "Benedikt", "Bianca", "Bo", "Caleb", "Camille", "Carlos",
    "Chen", "Chiara", "Chloe", "Dae", "Dalia", "Daniel", "Dara", "Diego", "Dmitri", "Elena", "Eli", "Elif",
    "Emeka", "Emma", "Erik", "Esme", "Fatima", "Felix", "Freya", "Gabriel", "Grace", "Greta", "Hana", "Hugo",
    "Ibrahim", "Ines", "Ingrid", "Isaac", "Isla", "Ivan", "Jae", "Jamal", "Javier", "Jia", "Johanna", "Jonas",
    "Jordan", "Joy", "Kai", "Kamala", "Karin", "Kenji", "Keziah", "Kofi", "Lara", "Leila", "Leon", "Liam",
    "Lina", "Lucas", "Lucia", "Magnus", "Maia", "Malik", "Marco", "Mariam", "Mateo", "Maya", "Mei", "Mina",
    "Nadia", "Nikhil", "Nina", "Noah", "Nora", "Olga", "Omar", "Oskar", "Paulo", "Priya", "Rafael", "Rania",
    "Ravi", "Rosa", "Sakura", "Samir", "Sara", "Sebastian", "Sofia", "Soren", "Tariq", "Thandiwe", "Theo",
    "Tomas", "Uma", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zanele", "Zara", "Zoe",
)

SURNAMES = (
    "Abara", "Adeyemi", "Alvarez", "Andersson", "Bauer", "Becker", "Bianchi", "Bjork", "Brennan", "Carter",
    "Castillo", "Chandra", "Chen", "Costa", "Dahl", "Demir", "Dubois", "Eriksen", "Esposito", "Farah",
    "Fernandez", "Fischer", "Fontaine", "Garcia", "Gupta", "Haddad", "Hansen", "Hoffmann", "Holm", "Ibrahim",
    "Ito", "Jansen", "Jensen", "Kaur", "Kim", "Kowalski", "Kumar", "Larsen", "Lefebvre", "Lindqvist", "Lopez",
    "Lorenz", "Mahlangu", "Marino", "Martin", "Mendes", "Meyer", "Moreau", "Mueller", "Nakamura", "Nguyen",
    "Novak", "Nowak", "Okafor", "Olsen", "Ortega", "Osei", "Park", "Patel", "Pereira", "Petrov", "Popescu",
    "Quinn", "Rahman", "Reyes", "Ricci", "Rossi", "Santos", "Sato", "Schmidt", "Schneider", "Silva", "Singh",
    "Sokolov", "Suzuki", "Svensson", "Takahashi", "Tanaka", "Teo", "Torres", "Tran", "Varga", "Vasquez",
    "Vogel", "Wagner", "Wang", "Weber", "Wilke", "Yamamoto", "Yilmaz", "Young", "Zhang", "Zhou", "Zimmermann",
)

# (name, weight, job titles). The first department is the large one a mutator excludes wholesale.
DEPARTMENTS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("Operations", 32, ("Operations Associate", "Shift Supervisor", "Logistics Coordinator", "Planner")),
    ("Sales", 12, ("Account Executive", "Sales Representative", "Sales Engineer", "Inside Sales Specialist")),
    ("Engineering", 11, ("Software Engineer", "Site Reliability Engineer", "QA Engineer", "Data Engineer")),
    ("Customer Support", 8, ("Support Specialist", "Support Engineer", "Customer Success Manager")),
    ("Manufacturing", 8, ("Production Technician", "Process Engineer", "Quality Inspector")),
    ("Marketing", 5, ("Marketing Specialist", "Content Strategist", "Brand Manager")),
    ("Finance", 5, ("Financial Analyst", "Accountant", "Controller", "Payroll Specialist")),
    ("IT", 5, ("Systems Administrator", "Service Desk Analyst", "Network Engineer", "Security Engineer")),
    ("Human Resources", 4, ("HR Business Partner", "Recruiter", "People Operations Specialist")),
    ("Research", 4, ("Research Scientist", "Lab Technician", "Research Associate")),
    ("Legal", 3, ("Counsel", "Paralegal", "Compliance Officer")),
    ("Facilities", 3, ("Facilities Coordinator", "Workplace Technician", "Reception Lead")),
)

TEAM_SUFFIXES = ("North", "South", "East", "West", "Central", "EMEA", "APAC", "Americas")

OFFICES = (
    ("Seattle", "US"), ("Chicago", "US"), ("Austin", "US"), ("Toronto", "CA"), ("Dublin", "IE"),
    ("Berlin", "DE"), ("Lisbon", "PT"), ("Stockholm", "SE"), ("Singapore", "SG"), ("Tokyo", "JP"),
    ("Sydney", "AU"), ("Sao Paulo", "BR"),
)

PARTNER_ORGS = (
    ("Fabrikam", "fabrikam.example"), ("Northwind Traders", "northwindtraders.example"),
    ("Tailspin Toys", "tailspintoys.example"), ("Woodgrove Bank", "woodgrovebank.example"),
    ("Litware", "litware.example"), ("Adventure Works", "adventure-works.example"),
    ("Proseware", "proseware.example"), ("Alpine Ski House", "alpineskihouse.example"),
    ("Fourth Coffee", "fourthcoffee.example"), ("Trey Research", "treyresearch.example"),
    ("Wide World Importers", "wideworldimporters.example"), ("Relecloud", "relecloud.example"),
)

PROJECT_CODENAMES = (
    "Aurora", "Basalt", "Cedar", "Dynamo", "Ember", "Fjord", "Granite", "Harbor", "Indigo", "Juniper", "Kestrel",
    "Lumen", "Monsoon", "Nimbus", "Onyx", "Pinnacle", "Quartz", "Raven", "Sierra", "Tundra", "Umbra", "Vertex",
    "Willow", "Xenon", "Yukon", "Zephyr",
)

# In-house line-of-business apps registered in the tenant (applications + service principals).
LOB_APPS = (
    "Expenses", "Timesheets", "Travel Booking", "Warehouse Scanner", "Contract Vault", "Field Service",
    "Sales Forecast", "Payroll Portal", "Lab Notebook", "Visitor Check-in", "Build Dashboard", "Recruiting Hub",
)

# Microsoft first-party service principals every tenant has (appId, displayName).
FIRST_PARTY_APPS = (
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    ("cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"),
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"),
    ("00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"),
    ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI"),
    ("29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
)
MICROSOFT_TENANT = "f8cdef31-a31e-4b4a-93e4-5f571e91255a"  # appOwnerOrganizationId of first-party apps

# Multi-tenant SaaS apps from other publishers, consented in the tenant.
SAAS_APPS = ("Northwind CRM", "Relecloud Docs", "Litware Survey", "Proseware Whiteboard")

# Documentation address space: the trusted office egress, and everything else.
TRUSTED_IPV4 = "203.0.113.0/24"
TRUSTED_IPV6 = "2001:db8:4a00::/48"
OTHER_IPV4_PREFIXES = ("198.51.100.", "192.0.2.")
BLOCKED_COUNTRIES = ("KP", "IR", "SY")

BROWSERS = ("Edge 131.0.0", "Chrome 131.0.0", "Safari 18.1", "Firefox 133.0")
OPERATING_SYSTEMS = ("Windows 10", "Windows 11", "MacOs", "iOS 18.1", "Android 14", "Linux")
LEGACY_CLIENTS = (
    "Exchange ActiveSync", "IMAP4", "POP3", "Authenticated SMTP", "Other clients", "Exchange Web Services",
    "MAPI Over HTTP",
)
