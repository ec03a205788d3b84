"""Benchmarks of the coordinators' dashboard at national scale, each against a single hand-written
SQL statement that computes the same numbers, measured in the same run on the same data.

    .venv/bin/python -m bench dashboard              # the real file: 97,699 stations
    .venv/bin/python -m bench dashboard --quick      # its first 2,000 stations (what CI runs, on SQLite)

(a) the coverage page's national aggregation (dashboard.selectors.coverage, incidents by severity
    included) vs one SQL statement grouping every figure by region;
(b) the map's data endpoint (/dashboard/<election>/map/points.json, through Django's test client:
    selector, view and JSON) vs one SQL statement giving each located station of the same regions
    the same columns (ID, code, position rounded to 5 decimals, state);
(c) the live-feed endpoint (/dashboard/<election>/feed.json), first poll (the newest flags and
    incidents) and a steady-state poll (the oldest above the cursors), vs one SQL statement (a UNION).
(d) forensics: the per-station arrays read set-based (dashboard.selectors.official_arrays) vs one SQL
    statement reading the same integers, and vs the per-station Python loop over the JSON it replaced;
    the forensics page on its first visit after an import (the report and its signals made) and on a
    later visit (read), and the worker's 1,000-draw Monte Carlo (dashboard.services).
Each pair is checked to give the same numbers before its ratio is printed.

The data: the real 2018 per-station file (97,699 stations, or its first N) imported through the
importer as the official results, coordinates spread at random; then, generated set-based:
observers deployed at 30% of stations, 90% of them checked in, 80% of those sent a protocol (60%
with a protocol photo), 5% of which moved 40 votes (a flag each, 70% open); incidents at 10% of
covered stations.

Database: DATABASE_URL when it points at PostgreSQL, whose name must contain "bench" (its public
schema is wiped: never point it at real data); otherwise a fresh SQLite file in a temporary folder.
"""

import argparse
import io
import json
import os
import random
import statistics
import tempfile
import time
import uuid

BATCH = 5000
REPEATS = 5


def prepare_database():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        name = url.rsplit("/", 1)[1].split("?")[0]
        if "bench" not in name:
            raise SystemExit(f"bench.dashboard wipes its database: {name!r} must contain 'bench'")
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-dashboard-')}/bench.sqlite3"
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="bench-broker-"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    return connection.vendor


# --- Data -------------------------------------------------------------------------------------


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=BATCH)


def generate(stations_count, seed=11):
    """The real 2018 file's first `stations_count` stations imported as the official results, and
    the night's observer data generated around them; returns (election, admin user)."""
    from django.db import connection
    from django.utils import timezone

    from bench.forensics import file_bytes
    from elections.models import Contestant, Election, ProtocolTemplate, Station
    from evidence.models import EvidenceFile, Original
    from incidents.models import Incident, IncidentCategory, Severity
    from incidents.services import install_shipped_categories
    from observers.models import CheckIn, Deployment, Organisation, User
    from protocols.models import Discrepancy, ObserverCopy, OfficialVersion, ResultSource
    from protocols.official_import import import_official_results
    from protocols.services import election_rules
    from protocols.shipped_sources import RU_2018_CANDIDATES

    rng = random.Random(seed)
    install_shipped_categories()
    election = Election.objects.create(name="Bench 2018", slug="bench-2018", country="RU", kind="two_round",
                                       date="2018-03-18", status="ongoing",
                                       template=ProtocolTemplate.objects.get(country="RU"))
    Contestant.objects.bulk_create([Contestant(election=election, ballot_number=number, name=name, kind="candidate")
                                    for number, name in enumerate(RU_2018_CANDIDATES, start=1)])
    import_official_results(election=election, source=ResultSource.objects.get(code="ru-cik-2018-presidential"),
                            stream=io.BytesIO(file_bytes(stations_count)), file_name="2018.csv",
                            create_stations=True)
    # The file has no coordinates: the map gets stations spread over the country's latitudes.
    random_fraction = "random()::numeric" if connection.vendor == "postgresql" else "(abs(random()) % 1000000) / 1000000.0"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Station._meta.db_table} SET latitude = ROUND(42 + 26 * {random_fraction}, 6), "  # noqa: S608
                       f"longitude = ROUND(28 + 140 * {random_fraction}, 6), registered_voters = 1500")
    station_ids = list(Station.objects.order_by("id").values_list("id", flat=True))
    official = dict(OfficialVersion.objects.filter(election=election, is_latest=True).values_list("station_id",
                                                                                                "figures"))
    first_vote, second_vote = election_rules(election).codes("votes")[:2]

    organisation = Organisation.objects.create(name="Bench NGO", slug="bench-ngo")
    covered = rng.sample(station_ids, int(0.30 * len(station_ids)))
    _bulk(User, [User(username=f"observer-{number}", password="!", role="observer",  # noqa: S106 (unusable)
                      organisation=organisation) for number in range(len(covered))])
    observers = list(User.objects.filter(role="observer").order_by("id").values_list("id", flat=True))
    _bulk(Deployment, [Deployment(observer_id=observer, organisation=organisation, election=election,
                                  station_id=station, in_random_sample=rng.random() < 0.2)
                       for observer, station in zip(observers, covered, strict=True)])
    deployments = list(Deployment.objects.filter(election=election).values_list("id", "station_id", "observer_id"))
    checked_in = [deployment for deployment in deployments if rng.random() < 0.9]
    _bulk(CheckIn, [CheckIn(client_id=uuid.uuid4(), deployment_id=pk, kind=CheckIn.Kind.CHECK_IN)
                    for pk, _station, _observer in checked_in])
    now = timezone.now()
    copies = []
    for pk, station, observer in checked_in:
        if rng.random() < 0.8:
            figures = dict(official[station])
            if rng.random() < 0.05 and figures[second_vote] >= 40:
                figures[first_vote] += 40
                figures[second_vote] -= 40
            copies.append(ObserverCopy(client_id=uuid.uuid4(), deployment_id=pk, observer_id=observer,
                                       election=election, station_id=station, version=1, figures=figures))
    _bulk(ObserverCopy, copies)
    # Most observers photograph the protocol they copied (the rows only: no file is read here).
    photographed = [copy for copy in copies if rng.random() < 0.6]
    _bulk(Original, [Original(sha256=f"{number:064x}", key=f"evidence/bench/{number}", size=2_000_000,
                              media_type="image/jpeg", format_code="jpeg", kind="image")
                     for number in range(len(photographed))])
    originals = list(Original.objects.order_by("id").values_list("id", flat=True))
    _bulk(EvidenceFile, [EvidenceFile(uploaded_by_id=copy.observer_id, client_id=uuid.uuid4(), original_id=original,
                                      station_id=copy.station_id, election=election, purpose="protocol_photo")
                         for copy, original in zip(photographed, originals, strict=True)])
    flags = []
    for copy_id, station, figures in ObserverCopy.objects.filter(election=election).values_list(
            "id", "station_id", "figures"):
        if station in official and figures != official[station]:
            flags.append(Discrepancy(election=election, station_id=station, key=f"mismatch:{copy_id}",
                                     kind="mismatch", severity="critical", severity_rank=3, observer_copy_id=copy_id,
                                     status="open" if rng.random() < 0.7 else "confirmed"))
    _bulk(Discrepancy, flags)
    categories = list(IncidentCategory.objects.values_list("id", flat=True))
    severities = list(Severity.values)
    _bulk(Incident, [Incident(client_id=uuid.uuid4(), observer_id=observer, organisation=organisation,
                              deployment_id=pk, election=election, station_id=station,
                              category_id=rng.choice(categories), severity=rng.choice(severities),
                              occurred_at=now, description="Bench incident.")
                     for pk, station, observer in deployments if rng.random() < 0.10])
    admin = User.objects.create(username="bench-admin", password="!", role="admin")  # noqa: S106 (unusable)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does soon after a load; plans depend on it
    return election, admin


# --- Timing -----------------------------------------------------------------------------------


def best_of(function, repeats=REPEATS):
    """(median seconds, last result) over `repeats` runs after one warm-up run."""
    result = function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def sql(statement, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def _tables():
    from elections.models import Commission, ElectionStation, Station
    from evidence.models import EvidenceFile
    from incidents.models import Incident, IncidentCategory
    from observers.models import CheckIn, Deployment
    from protocols.models import Discrepancy, ObserverCopy, OfficialVersion

    return {"station": Station._meta.db_table, "commission": Commission._meta.db_table,
            "member": ElectionStation._meta.db_table,
            "deployment": Deployment._meta.db_table, "checkin": CheckIn._meta.db_table,
            "copy": ObserverCopy._meta.db_table, "official": OfficialVersion._meta.db_table,
            "flag": Discrepancy._meta.db_table, "incident": Incident._meta.db_table,
            "category": IncidentCategory._meta.db_table, "evidence": EvidenceFile._meta.db_table}


# --- (a) coverage -----------------------------------------------------------------------------


def bench_coverage(election, user):
    from dashboard import selectors
    from incidents.models import Severity

    region_ids = selectors.visible_region_ids(user, election)

    def page():
        return selectors.coverage(election, region_ids,
                                  incidents=selectors.incidents_in_scope(user, election, region_ids))

    severity_columns = ", ".join(f"SUM(CASE WHEN severity = '{value}' THEN 1 ELSE 0 END) AS n_{value}"
                                 for value in Severity.values)
    severity_sums = ", ".join(f"COALESCE(SUM(i.n_{value}), 0)" for value in Severity.values)
    statement = f"""
        WITH d AS (SELECT DISTINCT station_id FROM {{deployment}} WHERE election_id = %s),
             ci AS (SELECT DISTINCT dp.station_id FROM {{checkin}} c JOIN {{deployment}} dp ON dp.id = c.deployment_id
                    WHERE dp.election_id = %s AND c.kind = 'in'),
             p AS (SELECT DISTINCT station_id FROM {{copy}} WHERE election_id = %s AND is_latest),
             ph AS (SELECT DISTINCT oc.station_id FROM {{copy}} oc JOIN {{evidence}} ef
                      ON ef.station_id = oc.station_id AND ef.uploaded_by_id = oc.observer_id
                    WHERE oc.election_id = %s AND oc.is_latest AND ef.purpose = 'protocol_photo'
                      AND (ef.election_id = %s OR ef.election_id IS NULL)),
             o AS (SELECT DISTINCT station_id FROM {{official}} WHERE election_id = %s AND is_latest),
             f AS (SELECT station_id, COUNT(*) AS n FROM {{flag}} WHERE election_id = %s AND status = 'open'
                   AND station_id IS NOT NULL GROUP BY station_id),
             i AS (SELECT station_id, {severity_columns} FROM {{incident}} WHERE election_id = %s GROUP BY station_id),
             m AS (SELECT station_id, official_blank FROM {{member}} WHERE election_id = %s)
        SELECT c.region_id, COUNT(*), COUNT(d.station_id), COUNT(ci.station_id), COUNT(p.station_id),
               COUNT(ph.station_id), COUNT(o.station_id), COALESCE(SUM(f.n), 0), {severity_sums},
               SUM(CASE WHEN m.official_blank AND o.station_id IS NULL THEN 1 ELSE 0 END)
        FROM {{station}} s JOIN m ON m.station_id = s.id JOIN {{commission}} c ON c.id = s.commission_id
        LEFT JOIN d ON d.station_id = s.id LEFT JOIN ci ON ci.station_id = s.id LEFT JOIN p ON p.station_id = s.id
        LEFT JOIN ph ON ph.station_id = s.id LEFT JOIN o ON o.station_id = s.id LEFT JOIN f ON f.station_id = s.id LEFT JOIN i ON i.station_id = s.id
        GROUP BY c.region_id
    """.format(**_tables())  # noqa: S608 (table names; values are parameters)

    page_seconds, table = best_of(page)
    sql_seconds, rows = best_of(lambda: sql(statement, [election.pk] * 9))
    expected = {row[0]: dict(zip(selectors.COVERAGE_FIGURES, (int(value) for value in row[1:]), strict=True))
                for row in rows}
    assert table == expected, f"coverage differs from the SQL aggregate:\n{table}\n{expected}"
    totals = {figure: sum(row[figure] for row in table.values()) for figure in selectors.COVERAGE_FIGURES}
    return {"page_s": page_seconds, "sql_s": sql_seconds, "totals": totals}


# --- (b) map points ---------------------------------------------------------------------------


def bench_map(election, client, user):
    from django.urls import reverse

    from dashboard import selectors

    region_ids = selectors.visible_region_ids(user, election)
    url = reverse("dashboard:map-points", args=[election.slug])
    # The same columns as the endpoint sends (ID, code, position to about a metre, state), for the
    # same regions: what any map endpoint must read, with no ORM and no JSON.
    statement = """
        SELECT s.id, s.code, CAST(round(s.latitude, 5) AS DOUBLE PRECISION),
               CAST(round(s.longitude, 5) AS DOUBLE PRECISION), CASE
            WHEN EXISTS (SELECT 1 FROM {flag} f WHERE f.election_id = %s AND f.station_id = s.id AND f.status = 'open')
                THEN 0
            WHEN EXISTS (SELECT 1 FROM {copy} p WHERE p.election_id = %s AND p.station_id = s.id) THEN 1
            WHEN EXISTS (SELECT 1 FROM {checkin} c JOIN {deployment} dp ON dp.id = c.deployment_id
                         WHERE dp.election_id = %s AND dp.station_id = s.id AND c.kind = 'in') THEN 2
            WHEN EXISTS (SELECT 1 FROM {deployment} dp WHERE dp.election_id = %s AND dp.station_id = s.id) THEN 3
            ELSE 4 END
        FROM {station} s JOIN {commission} m ON m.id = s.commission_id
        WHERE s.latitude IS NOT NULL AND m.region_id IN ({regions})
    """.format(**_tables(), regions=", ".join(["%s"] * len(region_ids)))  # noqa: S608 (names; values are parameters)

    def endpoint():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response.content

    endpoint_seconds, body = best_of(endpoint)
    selector_seconds, _points = best_of(lambda: list(selectors.station_map_rows(election, region_ids)))
    sql_seconds, rows = best_of(lambda: sql(statement, [election.pk] * 4 + sorted(region_ids)))
    started = time.perf_counter()
    json.dumps(rows)
    json_seconds = time.perf_counter() - started
    data = json.loads(body)
    assert list(data["states"]) == list(selectors.STATION_STATES)
    assert sorted(map(tuple, data["points"])) == sorted(rows), "map points differ from SQL"
    counts = {state: 0 for state in selectors.STATION_STATES}
    for *_point, state in rows:
        counts[selectors.STATION_STATES[state]] += 1
    return {"endpoint_s": endpoint_seconds, "selector_s": selector_seconds, "sql_s": sql_seconds,
            "json_s": json_seconds, "points": len(rows),
            "bytes": len(body), "counts": counts}


# --- (c) live feed ----------------------------------------------------------------------------


def bench_feed(election, client, user):
    from django.urls import reverse

    from dashboard import selectors

    url = reverse("dashboard:feed", args=[election.slug])
    region_ids = sorted(selectors.visible_region_ids(user, election))
    regions = ", ".join(str(int(pk)) for pk in region_ids)
    # The first poll (no cursors) takes the newest 50 of each kind; a steady poll the oldest 50 above
    # the cursors (plus one, to know whether more wait). Open flags only: a withdrawn flag is no news.
    statement = """
        SELECT * FROM (SELECT 'flag', f.id, f.kind, f.severity, s.code, f.station_id, f.created_at FROM {flag} f
                       LEFT JOIN {station} s ON s.id = f.station_id LEFT JOIN {commission} sc ON sc.id = s.commission_id
                       LEFT JOIN {commission} fc ON fc.id = f.commission_id
                       WHERE f.election_id = %s AND f.id > %s AND f.status = 'open' AND (sc.region_id IN ({regions}) OR fc.region_id IN ({regions}))
                       ORDER BY f.id {order} LIMIT {limit}) flags
        UNION ALL
        SELECT * FROM (SELECT 'incident', i.id, k.name_en, i.severity, s.code, i.station_id, i.reported_at
                       FROM {incident} i JOIN {category} k ON k.id = i.category_id
                       JOIN {station} s ON s.id = i.station_id JOIN {commission} c ON c.id = s.commission_id
                       WHERE i.election_id = %s AND i.id > %s AND c.region_id IN ({regions})
                       ORDER BY i.id {order} LIMIT {limit}) incidents
    """
    results = {}
    for name, cursors in (("first poll", None), ("steady poll", ())):
        if cursors == ():
            first = client.get(url).json()
            cursors = (first["after_flag"], first["after_incident"])
        query = {} if cursors is None else {"after_flag": cursors[0], "after_incident": cursors[1]}
        page = statement.format(regions=regions, order="DESC" if cursors is None else "",
                                limit=selectors.FEED_PAGE if cursors is None else selectors.FEED_PAGE + 1,
                                **_tables())  # noqa: S608 (region IDs cast to int; values are parameters)
        cursors = cursors or (None, None)

        def endpoint(query=query):
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code
            return response.json()

        endpoint_seconds, data = best_of(endpoint)
        selector_seconds, _items = best_of(lambda cursors=cursors: selectors.feed(
            election, set(region_ids), after_flag=cursors[0], after_incident=cursors[1],
            incidents=selectors.incidents_in_scope(user, election, set(region_ids))))
        sql_seconds, rows = best_of(lambda cursors=cursors, page=page: sql(
            page, [election.pk, cursors[0] or 0, election.pk, cursors[1] or 0]))
        shown = [row for kind in ("flag", "incident") for row in
                 [row for row in rows if row[0] == kind][:selectors.FEED_PAGE]]
        assert sorted((item["type"], item["id"], item["severity"], item["station"]) for item in data["items"]) == \
            sorted((row[0], row[1], row[3], row[4]) for row in shown), "feed differs from SQL"
        assert data["more"] == (len(shown) < len(rows)), "the feed's `more` differs from SQL"
        results[name] = {"endpoint_s": endpoint_seconds, "selector_s": selector_seconds, "sql_s": sql_seconds,
                         "items": len(shown)}
    return results


# --- (d) forensics -----------------------------------------------------------------------------


def _json_integer(code):
    """SQL reading one protocol line of `figures` as an integer (0 if missing), per database."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return f"COALESCE((figures->>'{code}')::bigint, 0)"
    return f"COALESCE(CAST(json_extract(figures, '$.\"{code}\"') AS INTEGER), 0)"


def bench_forensics(election, client, user):
    import numpy as np
    from django.urls import reverse

    from dashboard import selectors, services
    from dashboard.models import ForensicReport
    from protocols.models import OfficialVersion

    region_ids = selectors.visible_region_ids(user, election)
    arrays_seconds, (arrays, leader) = best_of(lambda: selectors.official_arrays(election, region_ids), repeats=3)
    categories = selectors._codes_by_category(election)
    codes = selectors.vote_codes(election)

    def added(lines):
        return " + ".join(_json_integer(code) for code in lines) or "0"

    columns = [added(categories["registered"]), added(categories["issued"]), added(categories["cast"]),
               _json_integer(leader), *(_json_integer(code) for code in codes)]
    statement = (f"SELECT {', '.join(columns)} FROM {_tables()['official']} "  # noqa: S608 (codes from the template)
                 "WHERE election_id = %s AND is_latest ORDER BY station_id")
    sql_seconds, rows = best_of(lambda: np.array(sql(statement, [election.pk]), dtype=np.int64), repeats=3)
    ours = np.column_stack([arrays["voters"], arrays["given"], arrays["received"], arrays["leader"], arrays["votes"]])
    assert np.array_equal(ours, rows), "the forensics arrays differ from SQL"

    def loop():  # what official_arrays did before: a Python loop over every station's JSON
        table = []
        for figures in OfficialVersion.objects.filter(election=election, is_latest=True).order_by(
                "station_id").values_list("figures", flat=True):
            table.append([sum(figures.get(code, 0) for code in categories["registered"]),
                          sum(figures.get(code, 0) for code in categories["issued"]),
                          sum(figures.get(code, 0) for code in categories["cast"]), figures.get(leader, 0),
                          *(figures.get(code, 0) for code in codes)])
        return np.array(table, dtype=np.int64)

    loop_seconds, looped = best_of(loop, repeats=3)
    assert np.array_equal(looped, rows), "the loop's arrays differ from SQL"

    url = reverse("dashboard:forensics", args=[election.slug])

    def first_visit():
        ForensicReport.objects.all().delete()
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    first_seconds, _response = best_of(first_visit, repeats=3)
    later_seconds, _response = best_of(lambda: client.get(url))
    report = ForensicReport.objects.get()
    started = time.perf_counter()
    assert services.compute_integer_percentages(report_id=report.pk)
    monte_carlo_seconds = time.perf_counter() - started
    report.refresh_from_db()
    return {"arrays_s": arrays_seconds, "sql_s": sql_seconds, "loop_s": loop_seconds, "stations": len(rows),
            "first_s": first_seconds, "later_s": later_seconds, "monte_carlo_s": monte_carlo_seconds,
            "draws": services.MONTE_CARLO_DRAWS, "excess": report.integer["excess"],
            "included": report.integer["included_stations"]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2,000 stations (what CI runs)")
    parser.add_argument("--stations", type=int, default=0,
                        help="the first N stations of the real file (default: all 97,699)")
    args = parser.parse_args(argv)
    stations = 2000 if args.quick else args.stations
    if stations < 0:
        raise SystemExit("--stations must be a positive number")

    vendor = prepare_database()
    from django.test import Client

    from tests.two_factor import mark_session_verified

    started = time.perf_counter()
    election, admin = generate(stations)
    generated_seconds = time.perf_counter() - started
    client = Client(SERVER_NAME="localhost")
    client.force_login(admin)
    mark_session_verified(client, admin)  # staff pass the second factor, as every day

    coverage = bench_coverage(election, admin)
    points = bench_map(election, client, admin)
    feed = bench_feed(election, client, admin)
    forensic = bench_forensics(election, client, admin)

    totals = coverage["totals"]
    print(f"dashboard bench on {vendor}: {totals['stations']:,} stations of the real file imported, observer data "
          f"generated, in {generated_seconds:.1f} s "
          f"(median of {REPEATS} runs after a warm-up)")
    print(f"    deployed {totals['deployed']:,}, checked in {totals['checked_in']:,}, protocols {totals['protocols']:,} "
          f"(with photos {totals['protocols_with_photos']:,}), "
          f"official {totals['official']:,}, open flags {totals['open_flags']:,}, incidents "
          f"{sum(value for key, value in totals.items() if key.startswith('incidents_')):,}")
    print(f"(a) coverage, national: selector {coverage['page_s'] * 1000:.0f} ms, single SQL aggregate "
          f"{coverage['sql_s'] * 1000:.0f} ms -> ratio {coverage['page_s'] / coverage['sql_s']:.2f}x "
          f"(same numbers: yes)")
    print(f"(b) map points, {points['points']:,} stations, {points['bytes'] / 1e6:.1f} MB JSON: endpoint "
          f"{points['endpoint_s'] * 1000:.0f} ms (its selector alone {points['selector_s'] * 1000:.0f} ms), "
          f"single SQL {points['sql_s'] * 1000:.0f} ms -> ratio {points['endpoint_s'] / points['sql_s']:.2f}x "
          f"(selector alone {points['selector_s'] / points['sql_s']:.2f}x); vs SQL + json.dumps of its rows "
          f"{(points['sql_s'] + points['json_s']) * 1000:.0f} ms -> ratio "
          f"{points['endpoint_s'] / (points['sql_s'] + points['json_s']):.2f}x (same states: yes)")
    for name, figures in feed.items():
        print(f"(c) live feed, {name} ({figures['items']} items): endpoint {figures['endpoint_s'] * 1000:.1f} ms "
              f"(its selector alone {figures['selector_s'] * 1000:.1f} ms), single SQL {figures['sql_s'] * 1000:.1f} ms "
              f"-> ratio {figures['endpoint_s'] / figures['sql_s']:.2f}x (selector alone "
              f"{figures['selector_s'] / figures['sql_s']:.2f}x) (same items: yes)")
    print(f"(d) forensics arrays, {forensic['stations']:,} stations: set-based {forensic['arrays_s'] * 1000:.0f} ms, "
          f"single SQL {forensic['sql_s'] * 1000:.0f} ms -> ratio {forensic['arrays_s'] / forensic['sql_s']:.2f}x "
          f"(same numbers: yes); the per-station loop it replaced {forensic['loop_s'] * 1000:.0f} ms "
          f"({forensic['loop_s'] / forensic['arrays_s']:.1f}x slower)")
    print(f"(d) forensics page: first visit after an import {forensic['first_s'] * 1000:.0f} ms (signals computed), "
          f"later visits {forensic['later_s'] * 1000:.0f} ms; the worker's Monte Carlo {forensic['monte_carlo_s']:.1f} s "
          f"({forensic['draws']:,} draws, {forensic['included']:,} stations included, excess {forensic['excess']:,.1f})")


if __name__ == "__main__":
    main()
