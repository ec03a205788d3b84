"""Process statistics at national scale against one SQL aggregate of the same answers.

    .venv/bin/python -m bench checklists                 # 100,000 stations, 30 questions each
    .venv/bin/python -m bench checklists --stations 5000 # smaller

The data, generated set-based in PostgreSQL (INSERT ... SELECT generate_series): 100 regions of
1,000 stations, one observer and deployment per station, a checklist of 30 questions (yes/no and
one-of-three), one latest submission per station answering every question (3,000,000 answer
rows), and a quick-count sample of 2,000 stations drawn by region (checklists.services.draw_sample).

(a) the statistics page's work: checklists.selectors.process_counts (one statement: reporting,
    answered and per-answer counts by region and sample membership) and the pure
    checklists.statistics.process_statistics (shares, missing, stratified estimates with margins);
(b) the baseline: one SQL aggregate counting the same latest answers by question and answer.
Both are checked to agree on the national counts before the ratio is printed (median of 5 runs).

Database: DATABASE_URL must be PostgreSQL with "bench" in its name (its public schema is wiped).
"""

import argparse
import os
import statistics as stats
import tempfile
import time

REPEATS = 5
QUESTIONS = 30


def prepare_database():
    url = os.environ.get("DATABASE_URL", "")
    name = url.rsplit("/", 1)[1].split("?")[0] if url.startswith("postgres") else ""
    if "bench" not in name:
        raise SystemExit("bench.checklists wipes its database: DATABASE_URL must be PostgreSQL with 'bench' in its name")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("CELERY_BROKER_DIR", tempfile.mkdtemp(prefix="bench-broker-"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)


def _t(model):
    return model._meta.db_table


def generate(stations_count):
    """Returns (checklist, admin user)."""
    from django.db import connection

    from checklists import services
    from checklists.models import Answer, Checklist, ChecklistVersion, Question, Submission
    from elections.models import Commission, Election, ProtocolTemplate, Region, Station
    from observers.models import Deployment, Organisation, User

    per_region = 1000
    regions = max(1, stations_count // per_region)
    admin = User.objects.create(username="bench-admin", role="admin", is_superuser=True)
    organisation = Organisation.objects.create(name="Bench NGO", slug="bench-ngo")
    template = ProtocolTemplate.objects.filter(country="RU").first() or ProtocolTemplate.objects.first()
    election = Election.objects.create(name="Bench", slug="bench", country="RU", kind="two_round", date="2018-03-18",
                                       status="ongoing", template=template)
    checklist = Checklist.objects.create(election=election, code="counting", kind="counting", title_en="Counting")
    version = ChecklistVersion.objects.create(checklist=checklist, number=1)
    choices = [{"value": v, "label_en": v, "label_ru": v, "label_kk": v} for v in ("a", "b", "c")]
    Question.objects.bulk_create([
        Question(version=version, position=n, key=f"q{n}", kind="yes_no" if n % 2 else "single", text_en=f"Q{n}",
                 choices=[] if n % 2 else choices) for n in range(1, QUESTIONS + 1)])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_t(Region)} (country, code, name) SELECT 'RU', 'r' || g, 'Region ' || g "  # noqa: S608
                       f"FROM generate_series(1, %s) g", [regions])
        cursor.execute(f"INSERT INTO {_t(Commission)} (region_id, code, name) SELECT id, code, name "  # noqa: S608
                       f"FROM {_t(Region)}")
        cursor.execute(f"""INSERT INTO {_t(Station)} (commission_id, code, name, address, registered_voters, updated_at,
                               kind)
            SELECT c.id, g::text, '', '', 500 + (g * 37) %% 2000, now(), 'precinct'
            FROM {_t(Commission)} c CROSS JOIN generate_series(1, %s) g""", [per_region])  # noqa: S608
        cursor.execute(f"""INSERT INTO {_t(User)} (username, password, role, organisation_id, is_superuser, is_staff,
                               is_active, first_name, last_name, email, phone, date_joined, pseudonym, language)
            SELECT 'obs-' || s.id, '!', 'observer', %s, false, false, true, '', '', '', '', now(), '', ''
            FROM {_t(Station)} s""", [organisation.pk])  # noqa: S608
        cursor.execute(f"""INSERT INTO {_t(Deployment)} (observer_id, organisation_id, election_id, station_id,
                               in_random_sample, created_at)
            SELECT u.id, %s, %s, substring(u.username from 5)::bigint, false, now()
            FROM {_t(User)} u WHERE u.username LIKE 'obs-%%'""", [organisation.pk, election.pk])  # noqa: S608
        cursor.execute(f"""INSERT INTO {_t(Submission)} (client_id, version_id, checklist_id, deployment_id,
                               observer_id, organisation_id, election_id, station_id, region_id, payload, is_latest,
                               submitted_at)
            SELECT md5(d.id::text)::uuid, %s, %s, d.id, d.observer_id, d.organisation_id, d.election_id,
                   d.station_id, c.region_id, '{{}}', true, now()
            FROM {_t(Deployment)} d JOIN {_t(Station)} st ON st.id = d.station_id
            JOIN {_t(Commission)} c ON c.id = st.commission_id""", [version.pk, checklist.pk])  # noqa: S608
        # Answers: deterministic but mixed within each region: yes for 70% (a hash of station and
        # question), a/b/c for the choices.
        cursor.execute(f"""INSERT INTO {_t(Answer)} (submission_id, question_id, key, value)
            SELECT s.id, q.id, q.key,
                   CASE WHEN q.kind = 'yes_no' THEN CASE WHEN (s.station_id * 7919 + q.position * 104729) %% 1000 < 700
                        THEN 'yes' ELSE 'no' END
                        ELSE (ARRAY['a', 'b', 'c'])[1 + (s.station_id * 7919 + q.position * 31) %% 997 %% 3] END
            FROM {_t(Submission)} s CROSS JOIN {_t(Question)} q WHERE q.version_id = %s""", [version.pk])  # noqa: S608
        cursor.execute("ANALYZE")
    services.draw_sample(user=admin, election_id=election.pk, size=min(2000, stations_count // 2), seed=2018)
    return checklist, admin


def _interleaved(first, second):
    """Median seconds of each, run in turns (first, second, first, ...) so that the other
    engineers' load on the shared machine weighs on both alike; and their last results."""
    times, results = ([], []), [None, None]
    for _ in range(REPEATS):
        for index, function in enumerate((first, second)):
            started = time.perf_counter()
            results[index] = function()
            times[index].append(time.perf_counter() - started)
    return stats.median(times[0]), stats.median(times[1]), results


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench checklists", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stations", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="measure the data a previous run left")
    args = parser.parse_args(argv)
    if args.reuse:
        os.environ.setdefault("DEBUG", "1")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
    else:
        prepare_database()
    from django.db import connection

    from checklists import selectors, statistics
    from checklists.models import Answer, Checklist, Submission
    from elections.models import Region

    started = time.perf_counter()
    checklist = Checklist.objects.filter(code="counting").first() if args.reuse else generate(args.stations)[0]
    print(f"{Submission.objects.count():,} stations x {QUESTIONS} questions "
          f"({'reused' if args.reuse else f'generated in {time.perf_counter() - started:.1f} s'})")
    regions = set(Region.objects.values_list("id", flat=True))
    questions = selectors.categorical_questions(checklist)

    def page():
        rows = selectors.process_counts(checklist, regions)
        population = selectors.sample_population(checklist.election, regions)
        return statistics.process_statistics(rows, questions, population=population)

    baseline_sql = f"""SELECT a.key, a.value, COUNT(*) FROM {_t(Answer)} a
        JOIN {_t(Submission)} s ON s.id = a.submission_id
        WHERE s.checklist_id = %s AND s.is_latest GROUP BY a.key, a.value"""  # noqa: S608

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, [checklist.pk])
            return cursor.fetchall()

    page(), baseline()  # warm the caches once
    page_seconds, baseline_seconds, (figures, counts) = _interleaved(page, baseline)
    expected = {(key, value): count for key, value, count in counts}
    got = {(item.key, share.value): share.stations for item in figures["questions"] for share in item.shares}
    assert got == expected, "the statistics and the baseline disagree"
    estimates = [share.estimate for item in figures["questions"] for share in item.shares if share.estimate]
    print(f"answers: {sum(expected.values()):,} rows; sampled stations reporting {figures['sample_reporting']:,}; "
          f"{len(estimates)} estimates with margins (e.g. {estimates[0].share:.3f} ± {estimates[0].margin:.3f})")
    print(f"(a) process statistics (one statement + pure module): {page_seconds * 1000:8.1f} ms "
          f"(median of {REPEATS}, run in turns with (b))")
    print(f"(b) one SQL aggregate of the same answers:            {baseline_seconds * 1000:8.1f} ms")
    print(f"ratio (a)/(b): {page_seconds / baseline_seconds:.2f}x (target <= 2x; shared machine, see load below)")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
