"""The national map at full scale: what a phone downloads per view, and what it costs the server.

    .venv/bin/python -m bench map              # the real file: 97,699 stations
    .venv/bin/python -m bench map --quick      # its first 2,000 stations (what CI runs, on SQLite)

The stations and the night's observer data are those of `bench dashboard` (the real 2018
per-station file imported as the official results; the file has no coordinates, so the
stations get plausible random ones over the country). Measured, through Django's test client
(selector, view, JSON), each the median of 5 runs after a warm-up:

- the national view (every station in one screen, zoom 4) and a phone's city view (zoom 10) of
  /dashboard/<election>/map/clusters.json: bytes and time;
- the baseline: one hand-written SQL aggregate over the same stations (their state per station,
  counted by state), the least any map of those stations must read;
- the map points endpoint it replaces (every station sent, clustered in the browser): bytes.

The clusters' per-state counts are checked to equal the baseline's before the ratio is printed.
Database: as `bench dashboard` (DATABASE_URL with "bench" in its name is wiped, else SQLite).
"""

import argparse
import time

from bench.dashboard import REPEATS, _tables, best_of, generate, prepare_database, sql

NATIONAL = {"bbox": "20,35,180,75", "zoom": 4}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 stations (what CI runs)")
    parser.add_argument("--stations", type=int, default=0, help="the first N stations (default: all 97,699)")
    args = parser.parse_args(argv)
    stations = 2000 if args.quick else args.stations
    vendor = prepare_database()
    from django.test import Client
    from django.urls import reverse

    from dashboard import selectors
    from tests.two_factor import mark_session_verified

    started = time.perf_counter()
    election, admin = generate(stations)
    generated = time.perf_counter() - started
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    mark_session_verified(client, admin)  # staff pass the second factor, as every day
    region_ids = selectors.visible_region_ids(admin, election)
    clusters_url = reverse("dashboard:map-clusters", args=[election.slug])

    def view(params):
        def fetch():
            response = client.get(clusters_url, params)
            assert response.status_code == 200, response.content[:300]
            return response
        return fetch

    national_s, national = best_of(view(NATIONAL))
    city = {"bbox": f"{37.3:.5f},{55.5:.5f},{37.9:.5f},{55.9:.5f}", "zoom": 10}
    city_s, city_response = best_of(view(city))

    statement = """
        SELECT state, COUNT(*) FROM (SELECT CASE
            WHEN EXISTS (SELECT 1 FROM {flag} f WHERE f.election_id = %s AND f.station_id = s.id AND f.status = 'open')
                THEN 0
            WHEN EXISTS (SELECT 1 FROM {copy} p WHERE p.election_id = %s AND p.station_id = s.id) THEN 1
            WHEN EXISTS (SELECT 1 FROM {checkin} c JOIN {deployment} dp ON dp.id = c.deployment_id
                         WHERE dp.election_id = %s AND dp.station_id = s.id AND c.kind = 'in') THEN 2
            WHEN EXISTS (SELECT 1 FROM {deployment} dp WHERE dp.election_id = %s AND dp.station_id = s.id) THEN 3
            ELSE 4 END AS state
        FROM {station} s JOIN {commission} m ON m.id = s.commission_id
        WHERE s.latitude IS NOT NULL AND m.region_id IN ({regions})) AS states GROUP BY state
    """.format(**_tables(), regions=", ".join(["%s"] * len(region_ids)))  # noqa: S608 (names; values are parameters)
    sql_s, rows = best_of(lambda: sql(statement, [election.pk] * 4 + sorted(region_ids)))
    expected = [0] * len(selectors.STATION_STATES)
    for state, count in rows:
        expected[state] = count
    data = national.json()
    assert data["counts"] == expected, f"cluster counts {data['counts']} differ from the SQL aggregate {expected}"
    assert sum(cluster[2] for cluster in data["clusters"]) == sum(expected)

    points = client.get(reverse("dashboard:map-points", args=[election.slug]))
    # What a phone that accepts gzip (every browser) receives: the same answers through the
    # compression middleware (config/compression.py), against the plain bytes above.
    gzipped = {name: client.get(url, params, HTTP_ACCEPT_ENCODING="gzip") for name, url, params in (
        ("national", clusters_url, NATIONAL), ("city", clusters_url, city),
        ("points", reverse("dashboard:map-points", args=[election.slug]), {}))}
    # (Django leaves an answer under 200 bytes as it is: an empty view's, say.)
    assert all(answer.get("Content-Encoding") == "gzip" for answer in gzipped.values() if len(answer.content) >= 200)
    print(f"map bench on {vendor}: {sum(expected):,} located stations, observer data generated in {generated:.1f} s "
          f"(median of {REPEATS} runs after a warm-up)")
    print(f"    national view (zoom {NATIONAL['zoom']}): {len(data['clusters']):,} clusters, "
          f"{len(national.content) / 1000:.1f} KB, {national_s * 1000:.0f} ms; single SQL aggregate of the same "
          f"stations {sql_s * 1000:.0f} ms -> ratio {national_s / sql_s:.2f}x (same per-state counts: yes)")
    print(f"    city view (zoom {city['zoom']}): {len(city_response.json()['clusters']):,} clusters, "
          f"{len(city_response.content) / 1000:.1f} KB, {city_s * 1000:.0f} ms")
    print(f"    the points endpoint it replaces (every station, clustered in the browser): "
          f"{len(points.content) / 1e6:.2f} MB")
    for name, plain in (("national", national), ("city", city_response), ("points", points)):
        sent = len(gzipped[name].content)
        print(f"    {name} compressed (gzip, as sent): {len(plain.content) / 1000:.1f} KB -> {sent / 1000:.1f} KB "
              f"({sent / len(plain.content):.0%})")


if __name__ == "__main__":
    main()
