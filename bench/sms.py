"""Benchmark of the SMS channel's inbound path against one bulk insert of the same rows.

    .venv/bin/python -m bench sms                 # 10,000 messages from 2,000 observers
    .venv/bin/python -m bench sms --messages 2000

(a) `sms.services.ingest`: 10,000 messages as a gateway posts them (sender as typed, text), each
    sender's number normalised with phonenumbers, the senders looked up among the observers (one
    query), each message read by the parser and its duplicate key made, the rows stored in a bulk
    insert that skips resends; vs (b) storing the very same finished rows with one
    `bulk_create`. Each is run 3 times on an emptied table, alternately; the medians are compared
    (the target: (a) at most 3x (b)). (c) for information, `process` of 200 stored messages: the
    full path into the check-in, protocol and incident services, per message.

Needs PostgreSQL: BENCH_DATABASE_URL, or DATABASE_URL's server with the database `<name>_bench`
(created and wiped by the bench; never point it at real data).
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid

from bench.protocols import bench_database_url, prepare_database

REPEATS = 3


def make_data(observers, messages, seed=19):
    """An NGO, its Android gateway, an election, `observers` accredited observers deployed at
    their stations (phones typed as people type them) and `messages` texts from them (5% from
    unknown numbers)."""
    from elections.models import Commission, Contestant, Election, ProtocolTemplate, Region, Station  # after setup
    from observers.models import Accreditation, Deployment, Organisation, User
    from sms.gateways import Incoming
    from sms.models import Gateway

    rng = random.Random(seed)
    organisation = Organisation.objects.create(name="Bench NGO", slug="bench-ngo")
    gateway = Gateway.objects.create(name="Bench phone", kind="android", organisation=organisation,
                                     signing_key="bench")
    election = Election.objects.create(name="Bench", slug="bench", country="KZ", kind="list_pr", date="2027-03-21",
                                       status="ongoing", template=ProtocolTemplate.objects.get(country="KZ"))
    Contestant.objects.bulk_create([Contestant(election=election, ballot_number=n, name=f"Party {n}", kind="party")
                                    for n in (1, 2, 3)])
    region = Region.objects.create(country="KZ", code="B", name="Bench")
    commission = Commission.objects.create(region=region, code="B-1", name="Bench TEC")
    stations = Station.objects.bulk_create([Station(commission=commission, code=str(100 + n)) for n in range(observers)])
    formats = ["+7 701 {a} {b}", "8 (701) {a}-{b}", "7701{a}{b}"]
    users = User.objects.bulk_create([
        User(username=f"bench-{n}", role="observer", organisation=organisation, password="!",  # noqa: S106 (unusable)
             phone=rng.choice(formats).format(a=f"{n // 10000:03d}", b=f"{n % 10000:04d}"))
        for n in range(observers)])
    Accreditation.objects.bulk_create([Accreditation(observer=user, organisation=organisation, status="approved")
                                       for user in users])
    Deployment.objects.bulk_create([Deployment(observer=user, organisation=organisation, election=election,
                                               station=station) for user, station in zip(users, stations, strict=True)])
    texts = ["IN {s}", "P {s} 1 1500 2 1200 3 900 4 890 5 3 6 297 7 10 8.1 500 8.2 300 8.3 70 9 10",
             "p {s} 1:1500 2:1200 3:900", "I {s} 2 Observers were kept out of the count", "P {s} 1 15O0"]
    incoming = []
    for index in range(messages):
        n = rng.randrange(observers)
        sender = f"+7701{n // 10000:03d}{n % 10000:04d}" if rng.random() > 0.05 else f"+7777{index:07d}"
        incoming.append(Incoming(sender=sender, text=rng.choice(texts).format(s=100 + n),
                                 gateway_message_id=uuid.uuid4().hex[:12],
                                 sent_at_text=f"2027-03-21T20:{index // 600 % 60:02d}:{index % 60:02d}+05:00"))
    return gateway, incoming


def empty_table():
    from django.db import connection  # after setup

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sms_inboundmessage RESTART IDENTITY CASCADE")


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m bench sms")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--observers", type=int, default=2_000)
    options = parser.parse_args(argv)
    started = time.perf_counter()
    prepare_database(bench_database_url())
    print(f"database migrated in {time.perf_counter() - started:.0f}s", flush=True)
    from django.utils import timezone  # after setup

    from sms import phones, services
    from sms.models import InboundMessage

    started = time.perf_counter()
    gateway, incoming = make_data(options.observers, options.messages)
    print(f"data made in {time.perf_counter() - started:.0f}s", flush=True)
    ingest_times, bulk_times = [], []
    for _round in range(REPEATS):
        phones.e164.cache_clear()
        empty_table()
        started = time.perf_counter()
        stored = services.ingest(gateway=gateway, messages=incoming)
        ingest_times.append(time.perf_counter() - started)
        assert len(stored) >= 0.99 * len(incoming), len(stored)  # a few random draws repeat a message
        # The same finished rows, as new objects.
        rows = [InboundMessage(**{field.attname: getattr(row, field.attname) for field in InboundMessage._meta.fields
                                  if field.attname != "id"}) for row in stored]
        empty_table()
        started = time.perf_counter()
        InboundMessage.objects.bulk_create(rows)
        bulk_times.append(time.perf_counter() - started)
    again = services.ingest(gateway=gateway, messages=incoming)
    assert again == [], "resent messages must store nothing"
    statuses = dict.fromkeys(InboundMessage.Status.values, 0)
    empty_table()
    stored = services.ingest(gateway=gateway, messages=incoming)
    for row in stored:
        statuses[row.status] += 1
    sample = [row for row in stored if row.status == "received"][:200]
    started = time.perf_counter()
    for row in sample:
        services.process(message_id=row.pk)
    process_seconds = time.perf_counter() - started
    ingest, bulk = statistics.median(ingest_times), statistics.median(bulk_times)
    print(f"messages: {len(incoming):,} from {options.observers:,} observers (5% unknown numbers); "
          f"stored as: {', '.join(f'{k} {v:,}' for k, v in statuses.items() if v)}")
    print(f"(a) ingest (normalise, look up senders, parse, dedupe key, insert): median {ingest:.3f}s "
          f"(runs: {', '.join(f'{t:.3f}' for t in ingest_times)})")
    print(f"(b) one bulk_create of the same rows: median {bulk:.3f}s (runs: {', '.join(f'{t:.3f}' for t in bulk_times)})")
    print(f"ratio (a)/(b): {ingest / bulk:.2f}x (target: at most 3x)")
    print(f"(c) process (into the services, reply queued): {1000 * process_seconds / max(len(sample), 1):.1f} ms "
          f"per message over {len(sample)}")
    print(f"load average while running: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (shared machine)",
          file=sys.stdout)
    print(f"at {timezone.now():%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main(sys.argv[1:])
