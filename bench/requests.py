"""The cost of each request of the election-night mix (bench/_locustfile.py), one by one, against a
trivial Django view in the same run: CPU time of the Django process, SQL statements and their
time, and bytes stored, per request, under the production settings (DEBUG off, Redis cache,
hashed static files) with the data the load bench makes.

    DATABASE_URL=postgres://.../obs_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python -m bench requests [--stations 2000] [--requests 40] [--profile NAME]

CPU time (time.process_time of this one process: Django, DRF, templates, psycopg's side) is what
a web worker spends on a request; it depends little on what else runs on the machine, unlike
requests per second. SQL time is the wall time of the statements (PostgreSQL's work and the
round trips), so it grows with the machine's load. `--profile NAME` prints the cProfile of the
endpoint NAME's requests (by cumulative time) after the table.

The database's name must contain "bench" (its public schema is wiped); REDIS_URL is required.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict

from bench import PROJECT
from bench._mix import photo, tus_metadata

NAMES = ["trivial view", "observer: check in", "observer: upload create", "observer: upload chunk",
         "observer: protocol", "observer: status", "coordinator: dashboard", "coordinator: feed",
         "coordinator: map", "reviewer: queue"]
# The mix's weights (users x task weights of bench/_locustfile.py), to say what weighs most.
MIX = {"observer: check in": 0, "observer: upload create": 6 * 3 / 5, "observer: upload chunk": 2 * 6 * 3 / 5,
       "observer: protocol": 6 * 3 / 5, "observer: status": 6 * 2 / 5, "coordinator: dashboard": 3 / 5,
       "coordinator: feed": 3 * 3 / 5, "coordinator: map": 3 / 5, "reviewer: queue": 1}


def _environment():
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        raise SystemExit("bench requests needs DATABASE_URL (PostgreSQL, a name with 'bench') and REDIS_URL")
    folder = tempfile.mkdtemp(prefix="bench-requests-")
    # As bench/load.py starts gunicorn: production settings, its own static files and media.
    os.environ.update(DJANGO_SETTINGS_MODULE="bench._settings", DEBUG="0", ENV_FILE="/dev/null",
                      SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
                      ALLOWED_HOSTS="testserver,127.0.0.1,localhost", SECURE_SSL_REDIRECT="0",
                      STATIC_ROOT=os.path.join(folder, "static"), MEDIA_ROOT=os.path.join(folder, "media"),
                      CELERY_QUEUE=f"bench-requests-{os.getpid()}", LOG_LEVEL="WARNING")
    os.environ.pop("OBSERVERS_COMMAND_LINE", None)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=PROJECT,
                   env=os.environ, check=True)
    return folder


class _Meter:
    """Per endpoint name: CPU seconds, wall seconds, statements, SQL seconds, bytes stored."""

    def __init__(self):
        self.samples = defaultdict(list)
        self.current = None

    def sql(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self.current is not None:
                self.current["queries"] += 1
                self.current["statements"].append(sql)
                self.current["sql"] += time.perf_counter() - started

    def request(self, name, send, profiler=None):
        self.current = {"queries": 0, "sql": 0.0, "statements": []}
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        response = send()
        if profiler is not None:
            profiler.disable()
        self.current.update(cpu=time.process_time() - cpu, wall=time.perf_counter() - wall)
        self.samples[name].append(self.current)
        self.current = None
        return response


def _observer_round(client, meter, me, profile):
    """One observer task of the mix: the photo through the resumable upload (two chunks), the
    protocol, the status poll. Returns the bytes of the photo."""
    auth = {"HTTP_AUTHORIZATION": f"Token {me['token']}", "HTTP_TUS_RESUMABLE": "1.0.0"}
    data = photo(me["station"])
    created = meter.request("observer: upload create", lambda: client.post(
        "/api/evidence/uploads/", **auth, HTTP_UPLOAD_LENGTH=str(len(data)), HTTP_UPLOAD_METADATA=tus_metadata({
            "filename": "protocol.jpg", "filetype": "image/jpeg", "client_id": uuid.uuid4(),
            "station": me["station"], "election": me["election"], "purpose": "protocol_photo"})),
        profile.get("observer: upload create"))
    assert created.status_code == 201, created.content
    location, half = created["Location"], len(data) // 2
    for offset, part in ((0, data[:half]), (half, data[half:])):
        response = meter.request("observer: upload chunk", lambda offset=offset, part=part: client.patch(
            location, data=part, content_type="application/offset+octet-stream", **auth,
            HTTP_UPLOAD_OFFSET=str(offset)), profile.get("observer: upload chunk"))
        assert response.status_code == 204, response.content
    evidence = int(response["Evidence-Id"])
    copy = meter.request("observer: protocol", lambda: client.post(
        "/api/protocol-copies/", data=json.dumps({"client_id": str(uuid.uuid4()), "deployment": me["deployment"],
                                                  "figures": me["figures"], "evidence_ids": [evidence]}),
        content_type="application/json", **auth), profile.get("observer: protocol"))
    assert copy.status_code in (200, 201), copy.content
    status = meter.request("observer: status", lambda: client.get(
        f"/api/protocol-copies/?deployment={me['deployment']}", **auth), profile.get("observer: status"))
    assert status.status_code == 200
    return len(data)


class _CountingFile:
    def __init__(self, file, meter):
        self.file, self.meter = file, meter

    def read(self, *args):
        chunk = self.file.read(*args)
        self.meter.read += len(chunk)
        return chunk

    def __iter__(self):
        return iter(self.read, b"")

    def __getattr__(self, name):
        return getattr(self.file, name)


class _CountingStorage:
    """Counts the bytes the default storage writes and reads while installed."""

    def __init__(self, storage):
        self.storage, self.written, self.read = storage, 0, 0
        self.original_save, self.original_open = storage._save, storage._open

    def __enter__(self):
        meter = self

        def save(name, content):
            size = getattr(content, "size", None)
            if size is None:
                content.seek(0, os.SEEK_END)
                size = content.tell()
                content.seek(0)
            meter.written += size
            return meter.original_save(name, content)

        def open_(name, mode="rb"):
            handle = meter.original_open(name, mode)
            handle.file = _CountingFile(handle.file, meter)
            return handle

        self.storage._save, self.storage._open = save, open_
        return self

    def __exit__(self, *exc):
        self.storage._save, self.storage._open = self.original_save, self.original_open


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40, help="requests of each endpoint (observer rounds)")
    parser.add_argument("--reuse", action="store_true", help="measure the data a previous run left")
    parser.add_argument("--sql", action="append", default=[], help="an endpoint name whose statements to print")
    parser.add_argument("--profile", action="append", default=[], help="an endpoint name to profile")
    args = parser.parse_args(argv)
    _environment()
    from bench.dashboard import generate, prepare_database
    from bench.load import _setup_users

    if args.reuse:
        import django

        django.setup()
    else:
        prepare_database()
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.test import Client

    from elections.models import Election

    election = Election.objects.get(slug="bench-2018") if args.reuse else generate(args.stations)[0]
    plan = _setup_users(election, max(args.requests * 2 + 5, 50), prefix=f"requests-{uuid.uuid4().hex[:8]}")
    meter = _Meter()
    profile = {name: cProfile.Profile() for name in args.profile}
    observers = iter(plan["observers"])
    client = Client()
    coordinator, reviewer = Client(), Client()
    coordinator.cookies["sessionid"] = plan["coordinators"][0]
    reviewer.cookies["sessionid"] = plan["reviewers"][0]
    slug = plan["election"]
    gets = [("trivial view", client, "/bench/trivial/"),
            ("coordinator: dashboard", coordinator, f"/dashboard/{slug}/"),
            ("coordinator: feed", coordinator, f"/dashboard/{slug}/feed.json"),
            ("coordinator: map", coordinator, f"/dashboard/{slug}/map/clusters.json?zoom=4&bbox=20,35,180,75"),
            ("reviewer: queue", reviewer, "/api/discrepancies/?status=open")]

    def check_in(me):
        return client.post("/api/check-ins/", data=json.dumps({
            "client_id": str(uuid.uuid4()), "deployment": me["deployment"], "kind": "in"}),
            content_type="application/json", HTTP_AUTHORIZATION=f"Token {me['token']}")

    # Warm up every path once (imports, template loading, first connections), then measure.
    warm = next(observers)
    assert check_in(warm).status_code in (200, 201)
    _observer_round(client, _Meter(), warm, {})
    for name, user_client, url in gets:
        response = user_client.get(url)
        assert response.status_code == 200, (name, response.status_code)
    bytes_sent = 0
    with connection.execute_wrapper(meter.sql), _CountingStorage(default_storage) as stored:
        for _round in range(args.requests):
            for name, user_client, url in gets:
                meter.request(name, lambda user_client=user_client, url=url: user_client.get(url), profile.get(name))
            me = next(observers)
            response = meter.request("observer: check in", lambda me=me: check_in(me), profile.get("observer: check in"))
            assert response.status_code in (200, 201), response.content
            bytes_sent += _observer_round(client, meter, me, profile)
    trivial_cpu = statistics.median(sample["cpu"] for sample in meter.samples["trivial view"])
    print(f"requests bench: {args.stations:,} stations, {args.requests} requests of each endpoint (the upload chunk "
          f"twice per photo); production settings (DEBUG off), Django test client, one process; "
          f"{os.cpu_count()} cores shared (SQL ms is wall time, so it grows with the machine's load)")
    print(f"    {'endpoint':26s} {'CPU ms':>8s} {'x trivial':>9s} {'queries':>8s} {'SQL ms':>7s} {'wall ms':>8s} "
          f"{'mix share of CPU':>17s}")
    weights = {name: MIX.get(name, 0) * statistics.median(s["cpu"] for s in meter.samples[name]) for name in MIX}
    total = sum(weights.values())
    for name in NAMES:
        samples = meter.samples[name]
        cpu = statistics.median(sample["cpu"] for sample in samples)
        queries = statistics.median(sample["queries"] for sample in samples)
        share = f"{100 * weights[name] / total:.0f}%" if name in weights else ""
        print(f"    {name:26s} {cpu * 1000:8.2f} {cpu / trivial_cpu:8.1f}x {queries:8.0f} "
              f"{statistics.median(s['sql'] for s in samples) * 1000:7.2f} "
              f"{statistics.median(s['wall'] for s in samples) * 1000:8.2f} {share:>17s}")
    print(f"    bytes through the default storage per uploaded photo: written {stored.written / args.requests:,.0f}, "
          f"read {stored.read / args.requests:,.0f}, for a photo of {bytes_sent / args.requests:,.0f} bytes "
          f"({(stored.written + stored.read) / bytes_sent:.1f}x its size moved)")
    print(f"    load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for name in args.sql:
        print(f"\n--- statements of the last {name!r} request")
        for statement in meter.samples[name][-1]["statements"]:
            print("    " + statement[:400])
    for name, profiler in profile.items():
        print(f"\n--- cProfile of {name!r}, {len(meter.samples[name])} requests, by cumulative time")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
        stats.print_stats(25)
        print("    (the project's own functions)", file=out)
        stats.print_stats(str(PROJECT) + r"/(?!\.venv|bench)", 30)
        print("    (by own time)", file=out)
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue())


if __name__ == "__main__":
    main()
