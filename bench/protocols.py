"""Benchmarks of the protocols app, each against a baseline measured in the same run.

    .venv/bin/python -m bench.protocols            # the real 97,699-station file, 200 submissions
    .venv/bin/python -m bench.protocols --quick    # 3,000 stations, 20 submissions (what CI runs)

(a) importing the real file through the importer vs PostgreSQL COPY of the same rows into a
    bare table; (b) a full cross-check of every station, each with one observer copy, vs a single
    SQL join comparing the same figures; (c) with a real worker, the time from an observer's
    submission (a POST to the API) to its discrepancy, p50 and p95.

Needs PostgreSQL: BENCH_DATABASE_URL, or DATABASE_URL's server with the database
`observers_bench` (created and wiped by the bench; never point it at real data).
"""

import argparse
import csv
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from bench import RU_2018

PROJECT = Path(__file__).resolve().parent.parent
DATA = RU_2018


def bench_database_url():
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/observers")
    if not base.startswith("postgres"):
        raise SystemExit("these benchmarks need PostgreSQL: set BENCH_DATABASE_URL or DATABASE_URL")
    return base.rsplit("/", 1)[0] + "/observers_bench"


def prepare_database(url):
    import psycopg

    name = url.rsplit("/", 1)[1]
    if "bench" not in name:
        raise SystemExit(f"the benchmarks wipe their database: {name!r} must contain 'bench'")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = f"bench-{uuid.uuid4().hex[:8]}"
    if not os.environ.get("REDIS_URL"):
        os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="bench-broker-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def file_bytes(limit):
    """The real file, whole or its first `limit` stations, as CSV bytes."""
    with zipfile.ZipFile(DATA) as archive, archive.open(archive.namelist()[0]) as raw:
        data = raw.read()
    if not limit:
        return data
    lines = data.split(b"\n")
    return b"\n".join(lines[: limit + 1]) + b"\n"


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


# --- (a) import vs COPY -------------------------------------------------------------------


def bench_import(data):
    from django.db import connection

    from elections.models import Contestant, Election, ProtocolTemplate
    from protocols.models import ResultSource
    from protocols.official_import import import_official_results
    from protocols.shipped_sources import RU_2018_CANDIDATES

    election = Election.objects.create(name="Bench 2018", slug="bench-2018", country="RU", kind="two_round",
                                       date="2018-03-18", template=ProtocolTemplate.objects.get(country="RU"),
                                       status="ongoing")
    Contestant.objects.bulk_create([Contestant(election=election, ballot_number=number, name=name, kind="candidate")
                                    for number, name in enumerate(RU_2018_CANDIDATES, start=1)])
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy (region text, tik text, uik text, figures int[])")
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy("COPY bench_copy (region, tik, uik, figures) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row[0], row[1], row[2], [int(value) for value in row[3:23]]))
    copy_seconds = time.perf_counter() - started

    import_seconds, report = timed(import_official_results, election=election, source=source,
                                   stream=io.BytesIO(data), file_name="2018.csv", create_stations=True)
    reimport_seconds, again = timed(import_official_results, election=election, source=source,
                                    stream=io.BytesIO(data), file_name="2018.csv")
    assert again.versions_added == 0
    return election, {"stations": report.rows, "copy_s": copy_seconds, "import_s": import_seconds,
                      "reimport_s": reimport_seconds}


# --- (b) full re-check vs one SQL join ------------------------------------------------------


def add_observer_copies(election, changed_share=0.05, seed=7):
    """One accredited observer copy per station: the official figures, 5% with votes moved."""
    from django.db import connection

    from observers.models import Accreditation, Deployment, Organisation, User
    from protocols.models import ObserverCopy, OfficialVersion

    rng = random.Random(seed)
    organisation = Organisation.objects.create(name="Bench NGO", slug="bench-ngo")
    observer = User.objects.create_user("bench-observer", password=uuid.uuid4().hex, role="observer",
                                        organisation=organisation)
    Accreditation.objects.create(observer=observer, organisation=organisation, status="approved")
    officials = list(OfficialVersion.objects.filter(election=election, is_latest=True).values_list("station_id",
                                                                                                    "figures"))
    Deployment.objects.bulk_create([Deployment(observer=observer, organisation=organisation, election=election,
                                               station_id=station_id) for station_id, _figures in officials],
                                   batch_size=10_000)
    deployments = dict(Deployment.objects.filter(election=election).values_list("station_id", "id"))
    table = ObserverCopy._meta.db_table
    columns = "client_id, deployment_id, observer_id, election_id, station_id, version, is_latest, figures, " \
              "comment, warnings, submitted_at"
    import json

    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for station_id, figures in officials:
            figures = dict(figures)
            if rng.random() < changed_share and figures["L13.4"] > 10:
                figures["L13.4"] -= 10
                figures["L13.2"] += 10
            copy.write_row((uuid.uuid4(), deployments[station_id], observer.pk, election.pk, station_id, 1, True,
                            json.dumps(figures), "", "[]", now))
    return observer, deployments


def bench_recheck(election):
    from django.db import connection

    from protocols.services import check_stations

    join = """
        SELECT c.station_id, line.key, (o.figures->>line.key)::int - (c.figures->>line.key)::int
        FROM protocols_observercopy c
        JOIN protocols_officialversion o
          ON o.election_id = c.election_id AND o.station_id = c.station_id AND o.is_latest
        CROSS JOIN LATERAL jsonb_each(c.figures) AS line
        WHERE c.election_id = %s AND c.is_latest AND o.figures->line.key IS DISTINCT FROM line.value
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(join, [election.pk])
        differing = cursor.fetchall()
    join_seconds = time.perf_counter() - started
    check_seconds, flags = timed(check_stations, election_id=election.pk)
    again_seconds, _flags = timed(check_stations, election_id=election.pk)
    return {"differing_lines": len(differing), "flags": flags, "join_s": join_seconds, "check_s": check_seconds,
            "check_again_s": again_seconds}


# --- (c) submission -> discrepancy latency with a real worker --------------------------------


def bench_latency(election, observer, deployments, submissions):
    # The import queued checks of every station; (b) already ran them in-process, so they are
    # dropped here: the latency measured is a submission's own, not a backlog's.
    from rest_framework.test import APIClient

    from config.celery import app
    from protocols.models import Discrepancy, OfficialVersion

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(os.environ["CELERY_QUEUE"])
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)  # noqa: SIM115 (kept for the reader)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", os.environ["CELERY_QUEUE"],
         "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "warning"],
        cwd=PROJECT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
    try:
        time.sleep(4)  # the worker's start-up is not what is measured
        stations = random.Random(3).sample(sorted(deployments), submissions)
        officials = dict(OfficialVersion.objects.filter(election=election, is_latest=True,
                                                        station_id__in=stations).values_list("station_id", "figures"))
        # The phone's path: a POST to the API (authentication, serializer, service, commit), then the
        # worker; the clock stops when the reviewers' queue would show the flag.
        api = APIClient(SERVER_NAME="localhost")
        api.force_authenticate(observer)
        latencies = []
        for station_id in stations:
            figures = dict(officials[station_id])
            figures["L13.1"] += 1
            figures["L13.4"] -= 1
            started = time.perf_counter()
            response = api.post("/api/protocol-copies/", {"client_id": str(uuid.uuid4()), "figures": figures,
                                                          "deployment": deployments[station_id]}, format="json")
            if response.status_code != 201:
                raise SystemExit(f"submission refused: {response.status_code} {response.content[:300]!r}")
            copy_id = response.json()["id"]
            deadline = started + 30
            while not Discrepancy.objects.filter(observer_copy_id=copy_id, kind="mismatch").exists():
                if time.perf_counter() > deadline:
                    raise SystemExit(f"no discrepancy after 30 s; worker log: {log.name}")
                time.sleep(0.005)
            latencies.append(time.perf_counter() - started)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    latencies.sort()
    return {"submissions": submissions, "p50_s": statistics.median(latencies),
            "p95_s": latencies[int(0.95 * (len(latencies) - 1))], "max_s": latencies[-1]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3,000 stations and 20 submissions")
    parser.add_argument("--stations", type=int, default=0, help="import only the first N stations of the file")
    parser.add_argument("--submissions", type=int, default=200)
    args = parser.parse_args(argv)
    limit = 3000 if args.quick else args.stations
    submissions = 20 if args.quick else args.submissions

    prepare_database(bench_database_url())
    data = file_bytes(limit)
    election, imported = bench_import(data)
    observer, deployments = add_observer_copies(election)
    recheck = bench_recheck(election)
    latency = bench_latency(election, observer, deployments, submissions)

    print(f"(a) import of {imported['stations']:,} stations: importer {imported['import_s']:.2f} s, "
          f"COPY into a bare table {imported['copy_s']:.2f} s -> ratio {imported['import_s'] / imported['copy_s']:.2f}x "
          f"(aim <= 3x); re-import of the unchanged file {imported['reimport_s']:.2f} s")
    print(f"(b) full cross-check of {imported['stations']:,} stations with one observer copy each: "
          f"{recheck['check_s']:.2f} s ({recheck['flags']:,} flags), again {recheck['check_again_s']:.2f} s; "
          f"single SQL join {recheck['join_s']:.2f} s ({recheck['differing_lines']:,} differing lines) -> ratio "
          f"{recheck['check_s'] / recheck['join_s']:.2f}x (aim <= 3x)")
    broker = "Redis" if os.environ.get("REDIS_URL") else "the embedded filesystem broker (set REDIS_URL for Redis)"
    print(f"(c) submission -> discrepancy with a worker on {broker}, {latency['submissions']} submissions: "
          f"p50 {latency['p50_s'] * 1000:.0f} ms, p95 {latency['p95_s'] * 1000:.0f} ms, "
          f"max {latency['max_s'] * 1000:.0f} ms (aim p95 < 1 s)")


if __name__ == "__main__":
    main()
