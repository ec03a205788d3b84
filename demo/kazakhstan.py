"""A realistic, generated Kazakhstan election: 20 regions, about 10,000 stations, 7 parties.

Generated, not real: station numbers, addresses and voter counts are drawn from a seeded random
generator so every run gives the same demo. Region centres and relative sizes are real enough
for the map and the coverage figures to look like the country.
"""

import random

# (code, name, latitude, longitude, share of the country's stations in per mille)
REGIONS = [
    ("ABA", "Abai Region", 50.41, 80.23, 42),
    ("AKM", "Akmola Region", 53.28, 69.39, 62),
    ("AKT", "Aktobe Region", 50.28, 57.17, 48),
    ("ALM", "Almaty Region", 43.87, 77.07, 70),
    ("ATY", "Atyrau Region", 47.10, 51.92, 30),
    ("VOS", "East Kazakhstan Region", 49.95, 82.61, 52),
    ("ZHA", "Jambyl Region", 42.90, 71.37, 52),
    ("ZHE", "Jetisu Region", 45.02, 78.37, 40),
    ("KAR", "Karaganda Region", 49.80, 73.10, 62),
    ("KUS", "Kostanay Region", 53.21, 63.62, 60),
    ("KZY", "Kyzylorda Region", 44.85, 65.50, 36),
    ("MAN", "Mangystau Region", 43.65, 51.17, 25),
    ("SEV", "North Kazakhstan Region", 54.87, 69.15, 55),
    ("PAV", "Pavlodar Region", 52.29, 76.97, 50),
    ("YUZ", "Turkistan Region", 43.30, 68.25, 90),
    ("ULY", "Ulytau Region", 47.80, 67.71, 14),
    ("ZAP", "West Kazakhstan Region", 51.23, 51.37, 45),
    ("AST", "Astana", 51.17, 71.45, 50),
    ("ALA", "Almaty", 43.24, 76.89, 95),
    ("SHY", "Shymkent", 42.32, 69.59, 42),
]
CITIES = {"AST", "ALA", "SHY"}

PARTIES = [
    (1, "AMANAT", "AMANAT"),
    (2, "Auyl People's Democratic Patriotic Party", "Auyl"),
    (3, "Respublica", "Respublica"),
    (4, "Ak Zhol Democratic Party", "Ak Zhol"),
    (5, "People's Party of Kazakhstan", "QHP"),
    (6, "National Social Democratic Party", "JSDP"),
    (7, "Baytaq Green Party", "Baytaq"),
]

STREETS = ["Abay", "Dostyk", "Tauelsizdik", "Satpayev", "Kabanbay Batyr", "Respublika", "Auezov",
           "Zheltoksan", "Nauryzbay", "Kunayev", "Seifullin", "Baitursynov", "Bokeikhan", "Momyshuly"]
BUILDINGS = ["School No. {n}", "Gymnasium No. {n}", "House of Culture", "College No. {n}", "Sports centre",
             "Akimat building", "Library No. {n}", "Lyceum No. {n}"]

TOTAL_STATIONS = 10_000
STATIONS_PER_COMMISSION = 50


def station_rows(seed=2027):
    """Rows in the `import_stations` CSV shape, so the demo goes through the real importer."""
    rng = random.Random(seed)
    per_mille_total = sum(region[4] for region in REGIONS)
    station_number = 0
    for code, name, latitude, longitude, share in REGIONS:
        count = round(TOTAL_STATIONS * share / per_mille_total)
        spread = 0.08 if code in CITIES else 1.6
        for index in range(count):
            station_number += 1
            commission = index // STATIONS_PER_COMMISSION + 1
            city = code in CITIES or rng.random() < 0.35
            yield {
                "region_code": code,
                "region_name": name,
                "commission_code": f"{code}-{commission:02d}",
                "commission_name": f"{name}: territorial commission No. {commission}",
                "station_code": str(station_number),
                "station_name": rng.choice(BUILDINGS).format(n=rng.randint(1, 180)),
                "address": f"{rng.choice(STREETS)} street {rng.randint(1, 250)}",
                "latitude": f"{latitude + rng.uniform(-spread, spread) / 2:.6f}",
                "longitude": f"{longitude + rng.uniform(-spread, spread):.6f}",
                "registered_voters": str(rng.randint(900, 2800) if city else rng.randint(120, 1400)),
            }
