"""The real 2018 Russian per-station results, imported end to end (the suite's one full-size file)."""

import csv
import io
import zipfile

import pytest
from django.db import connection

from bench import RU_2018
from elections.models import Station
from protocols.models import Discrepancy, OfficialVersion, ResultSource
from protocols.official_import import import_official_results
from protocols.services import check_stations
from protocols.shipped_sources import RU_2018_CANDIDATES
from tests.factories import ContestantFactory, ElectionFactory

DATA = RU_2018
pytestmark = pytest.mark.django_db


def file_totals():
    with zipfile.ZipFile(DATA) as archive, archive.open(archive.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8"))
        next(reader)
        totals, stations = [0] * 20, 0
        for row in reader:
            stations += 1
            for index in range(20):
                totals[index] += int(row[3 + index])
    codes = [f"L{n}" for n in range(1, 13)] + [f"L13.{n}" for n in range(1, 9)]
    return stations, dict(zip(codes, totals, strict=True))


def test_the_real_2018_file_imports_with_the_files_own_national_totals():
    election = ElectionFactory(country="RU", kind="two_round", name="Presidential 2018", slug="ru-2018")
    for number, name in enumerate(RU_2018_CANDIDATES, start=1):
        ContestantFactory(election=election, ballot_number=number, name=name, kind="candidate")
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")
    with zipfile.ZipFile(DATA) as archive, archive.open(archive.namelist()[0]) as stream:
        preview = import_official_results(election=election, source=source, stream=stream, file_name="2018.csv",
                                          create_stations=True, dry_run=True)
    assert (preview.rows_read, preview.stations_to_create, preview.problem_count) == (97_699, 97_699, 0)
    assert preview.unused_columns == ["url"] and not Station.objects.exists()
    with zipfile.ZipFile(DATA) as archive, archive.open(archive.namelist()[0]) as stream:
        report = import_official_results(election=election, source=source, stream=stream, file_name="2018.csv",
                                         create_stations=True)
    stations, totals = file_totals()
    assert report.rows == report.versions_added == report.stations_created == stations == 97_699
    assert Station.objects.filter(commission__region__country="RU").count() == 97_699
    assert OfficialVersion.objects.filter(election=election, is_latest=True).count() == 97_699
    if connection.vendor == "postgresql":
        sums = ", ".join(f"SUM((figures->>'{code}')::bigint)" for code in totals)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sums} FROM protocols_officialversion WHERE election_id = %s",  # noqa: S608
                           [election.pk])
            database = dict(zip(totals, cursor.fetchone(), strict=True))
    else:
        database = dict.fromkeys(totals, 0)
        for figures in OfficialVersion.objects.filter(election=election).values_list("figures", flat=True).iterator():
            for code in totals:
                database[code] += figures[code]
    assert database == totals
    assert totals["L13.4"] == 56_430_712  # the published national total of the winner

    # The dashboard's national totals (its own set-based query) are the same figures.
    from dashboard import selectors as dashboard_selectors
    from elections.models import Region

    regions = set(Region.objects.filter(country="RU").values_list("id", flat=True))
    dashboard = dashboard_selectors.results(election, regions)
    assert dashboard["official"] == {code: value for code, value in totals.items() if code.startswith("L13.")}
    assert dashboard["official_stations"] == 97_699

    # Seats from these votes: the SQL sums and the dashboard's totals give one projection.
    from fractions import Fraction

    from dashboard import seats

    candidates = {code: int(value) for code, value in database.items() if code.startswith("L13.")}  # SUM: numeric
    participants = int(database["L7"] + database["L8"])  # ballots found in the portable and stationary boxes
    result = seats.two_round(candidates, participants)
    assert result == seats.two_round(dashboard["official"], participants)
    assert (result.winner, result.runoff) == ("L13.4", ())  # 76.7% of those who voted: no run-off
    table = seats.compare_methods(candidates, 450, threshold=Fraction(5, 100))
    assert table == seats.compare_methods(dashboard["official"], 450, threshold=Fraction(5, 100))
    for allocation in table.values():  # only Putin, Grudinin and Zhirinovsky pass 5% of the valid votes
        assert sum(allocation.seats.values()) == 450
        assert {code for code, won in allocation.seats.items() if won} == {"L13.2", "L13.3", "L13.4"}

    # Every station's own arithmetic: the shipped relations flag the stations domain.md expects.
    check_stations(election_id=election.pk)
    flagged = Discrepancy.objects.filter(election=election, kind="inconsistent")
    assert flagged.count() == 29  # 26 + 3 + 6 stations breaking a logical check, some breaking two
