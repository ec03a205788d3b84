"""Publications as commissions really make them, built from the real 2018 file: each imported by a
mapping written as data (a JSON file loaded as a source), never a code change.

The variant spells the same stations another way ("УИК №12", a numbered region, commissions
without their number), rewords a header, adds columns, puts the lines in another order, has
remote e-voting rows without a station number, commission total rows to skip, and blank rows (a
station listed, its results not published). A few thousand rows keep the suite fast; the whole
file is imported once, in test_real_file.py.
"""

import csv
import io
import json
import re
import zipfile
from functools import cache

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from bench import RU_2018
from dashboard import selectors as dashboard_selectors
from elections.models import ElectionStation, Region, Station, StationAlias, TerritoryAlias
from elections.selectors import election_stations
from protocols.models import OfficialVersion, ResultImport, ResultSource
from protocols.official_import import ConfirmationNeeded, ResultImportError, import_official_results
from protocols.shipped_sources import RU_2018_CANDIDATES, RU_2018_LINES
from tests.factories import ContestantFactory, ElectionFactory, UserFactory

pytestmark = pytest.mark.django_db

CODES = [f"L{n}" for n in range(1, 13)] + [f"L13.{n}" for n in range(1, 9)]
REWORDED_L1 = "Число избирателей, внесенных в список избирателей на момент окончания голосования"
E_VOTING = "ДЭГ"


@cache
def real_rows(count=3400):
    """The first `count` stations of the real file: (region, tik, uik, [20 figures as text])."""
    rows = []
    with zipfile.ZipFile(RU_2018) as archive, archive.open(archive.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8"))
        next(reader)
        for row in reader:
            rows.append((row[0], row[1], row[2], row[3:23]))
            if len(rows) == count:
                break
    return tuple(rows)


def as_published(rows):
    """The file's own layout, the shipped mapping's: region, tik, uik, the 20 lines, url."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["region", "tik", "uik", *RU_2018_LINES, *RU_2018_CANDIDATES, "url"])
    for region, tik, uik, figures in rows:
        writer.writerow([region, tik, uik, *figures, "http://example.org"])
    return out.getvalue().encode()


def variant(rows, *, blank_every=50, e_voting_commissions=3):
    """The same stations spelled another way, and what real publications add.

    Returns (file bytes, the file's own national sums of its station rows with figures, number of
    blank rows, number of e-voting rows)."""
    region_numbers = {}
    for region, *_rest in rows:
        region_numbers.setdefault(region, len(region_numbers) + 1)
    lines = ["Число избирателей, включенных в список избирателей", *RU_2018_LINES[1:], *RU_2018_CANDIDATES]
    order = list(reversed(range(20)))  # the lines in another order than the template's
    headers = [REWORDED_L1 if index == 0 else lines[index] for index in order]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["level", "Регион", "ТИК", "district", "УИК", *headers])
    sums, blank, e_voting, tiks_done = [0] * 20, 0, 0, []
    for number, (region, tik, uik, figures) in enumerate(rows, start=1):
        spelled_region = f"{region_numbers[region]} {region}"
        spelled_tik = re.sub(r"^\d+\s+", "", tik)
        if number % blank_every == 0:
            writer.writerow(["УИК", spelled_region, spelled_tik, "okrug", f"УИК №{uik}", *[""] * 20])
            blank += 1
        else:
            writer.writerow(["УИК", spelled_region, spelled_tik, "okrug", f"УИК №{uik}", *[figures[i] for i in order]])
            sums = [total + int(value or 0) for total, value in zip(sums, figures, strict=True)]
        if tik not in tiks_done:
            tiks_done.append(tik)
            # A commission's total row, which the mapping skips.
            writer.writerow(["ТИК", spelled_region, spelled_tik, "okrug", "", *["99999"] * 20])
            if len(tiks_done) <= e_voting_commissions:  # remote e-voting, counted per commission, no number
                evote = [str(7 * (i + 1)) for i in range(20)]
                writer.writerow(["УИК", spelled_region, spelled_tik, "okrug", "", *[evote[i] for i in order]])
                sums = [total + int(value) for total, value in zip(sums, evote, strict=True)]
                e_voting += 1
    return out.getvalue().encode(), dict(zip(CODES, sums, strict=True)), blank, e_voting


VARIANT_MAPPING = {
    "code": "ru-variant",
    "name": "A later publication of the same CEC",
    "region_column": "Регион",
    "commission_column": "ТИК",
    "station_column": "УИК",
    "station_pattern": r"(\d+)",
    "fallback_station_label": E_VOTING,
    "region_pattern": r"^\d+\s+",
    "commission_pattern": r"^\d+\s+",
    "skip_rows": {"level": ["ТИК"]},
    "ignore_columns": ["url"],
    "line_columns": {
        REWORDED_L1: "L1",
        **{column: f"L{number}" for number, column in enumerate(RU_2018_LINES, start=1)},
        **{column: f"L13.{number}" for number, column in enumerate(RU_2018_CANDIDATES, start=1)},
    },
}


def ru_election(slug):
    election = ElectionFactory(country="RU", kind="two_round", name=slug, slug=slug)
    for number, name in enumerate(RU_2018_CANDIDATES, start=1):
        ContestantFactory(election=election, ballot_number=number, name=name, kind="candidate")
    return election


def load_mapping(tmp_path, data=VARIANT_MAPPING):
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("load_result_source", str(path), stdout=io.StringIO())
    return ResultSource.objects.get(code=data["code"])


def run(election, source, data, **options):
    return import_official_results(election=election, source=source, stream=io.BytesIO(data), file_name="r.csv",
                                   **options)


def official_sums(election):
    sums = ", ".join(f"SUM((figures->>'{code}')::bigint)" for code in CODES)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sums} FROM protocols_officialversion WHERE election_id = %s AND is_latest",  # noqa: S608
                       [election.pk])
        return dict(zip(CODES, (int(value or 0) for value in cursor.fetchone()), strict=True))


@pytest.fixture
def first_election():
    """The 2018 publication of stations 1-3000, imported with the shipped mapping."""
    election = ru_election("ru-first")
    run(election, ResultSource.objects.get(code="ru-cik-2018-presidential"), as_published(real_rows()[:3000]),
        create_stations=True)
    return election


def test_two_spellings_of_the_same_stations_end_as_one_set_of_stations(tmp_path, first_election):
    source = load_mapping(tmp_path)
    rows = real_rows()[1000:3400]  # 2,000 stations known, 400 new
    data, sums, blank, e_voting = variant(rows)
    second = ru_election("ru-second")
    report = run(second, source, data, create_stations=True)

    assert report.rows == len(rows) + e_voting and report.rows_blank == blank
    assert report.stations_matched == 2000 and report.stations_created == 400 + e_voting
    assert report.problems == [] and report.unused_columns == ["district"]
    assert Station.objects.filter(commission__region__country="RU").count() == 3400 + e_voting
    assert Region.objects.filter(country="RU").count() == len({row[0] for row in real_rows()})
    units = Station.objects.filter(kind=Station.Kind.COMMISSION_UNIT)
    assert sorted(units.values_list("code", flat=True)) == [E_VOTING] * e_voting
    # The new units sit in the commissions already known, though spelled without their number.
    assert set(units.values_list("commission__code", flat=True)) <= {row[1] for row in real_rows()}
    # The spellings are kept: "УИК №1001" for station 1001, the numbered region for the region.
    station = Station.objects.get(commission__code=rows[0][1], code=rows[0][2])
    assert list(StationAlias.objects.filter(station=station).values_list("alias", flat=True)) == [f"УИК №{rows[0][2]}"]
    assert TerritoryAlias.objects.filter(kind="region", canonical=rows[0][0]).exists()

    # The national totals are the variant file's own sums; blank rows are not zeros.
    assert official_sums(second) == sums
    assert OfficialVersion.objects.filter(election=second).count() == len(rows) - blank + e_voting

    # Re-importing the same publication adds nothing and creates nothing.
    again = run(second, source, data, create_stations=True)
    assert (again.versions_added, again.stations_created, again.stations_to_create) == (0, 0, 0)


def test_blank_rows_are_stations_whose_results_were_not_published(tmp_path, first_election):
    source = load_mapping(tmp_path)
    data, _sums, blank, e_voting = variant(real_rows()[:1000], blank_every=40, e_voting_commissions=0)
    second = ru_election("ru-second")
    run(second, source, data)
    regions = set(Region.objects.filter(country="RU").values_list("id", flat=True))
    table = dashboard_selectors.coverage(second, regions)
    assert sum(row["stations"] for row in table.values()) == 1000
    assert sum(row["not_published"] for row in table.values()) == blank == 25
    assert sum(row["official"] for row in table.values()) == 1000 - blank
    assert ElectionStation.objects.filter(election=second, official_blank=True).count() == blank
    assert ResultImport.objects.get(election=second).rows_blank == blank


def test_a_row_with_some_figures_empty_is_refused_by_its_line_and_every_problem_is_counted(tmp_path,
                                                                                            first_election):
    source = load_mapping(tmp_path)
    rows = [(region, tik, uik, [""] + figures[1:] if number % 2 else figures)
            for number, (region, tik, uik, figures) in enumerate(real_rows()[:3000])]
    data, *_rest = variant(rows, blank_every=10**6, e_voting_commissions=0)
    second = ru_election("ru-second")
    with pytest.raises(ResultImportError) as refused:
        run(second, source, data)
    errors = refused.value.errors
    assert len(errors) == 1500  # every one counted: no cap at a thousand
    line, message = errors[0]
    assert line == 4 and "some figures are empty (L1)" in message  # header, station 1, a commission total, station 2
    assert not OfficialVersion.objects.filter(election=second).exists()
    assert not ElectionStation.objects.filter(election=second).exists()

    # The other rows may go in; the refused ones are kept with the import, every one, as CSV.
    report = run(second, source, data, skip_refused=True)
    assert (report.rows, report.rows_refused, report.problem_count) == (1500, 1500, 1500)
    assert len(report.first_problems) == 100
    stored = ResultImport.objects.get(pk=report.result_import_id)
    assert stored.rows_refused == 1500 and len(list(csv.reader(io.StringIO(stored.problems_csv)))) == 1501


def test_the_preview_counts_everything_and_writes_nothing(tmp_path, first_election):
    source = load_mapping(tmp_path)
    data, _sums, blank, e_voting = variant(real_rows()[1000:3400])
    second = ru_election("ru-second")
    before = Station.objects.count()
    preview = run(second, source, data, dry_run=True, create_stations=True)
    assert preview.dry_run and preview.rows_read == 2400 + e_voting + len({row[1] for row in real_rows()[1000:3400]})
    assert (preview.stations_matched, preview.stations_to_create) == (2000, 400 + e_voting)
    assert preview.rows_blank == blank and preview.rows_refused == 0 and preview.unused_columns == ["district"]
    assert Station.objects.count() == before and not ResultImport.objects.filter(election=second).exists()

    out = io.StringIO()
    path = tmp_path / "variant.csv"
    path.write_bytes(data)
    call_command("import_results", str(path), "--election", second.slug, "--source", source.code, "--dry-run",
                 "--create-stations", "--no-progress", stdout=out)
    assert "2000 stations matched" in out.getvalue() and "columns unused: district" in out.getvalue()
    assert not OfficialVersion.objects.filter(election=second).exists()


def test_a_file_that_would_create_most_stations_anew_asks_for_confirmation(tmp_path, client, first_election):
    # The variant read with the 2018 mapping's columns but none of its spellings: every station looks new.
    careless = {**VARIANT_MAPPING, "code": "careless", "station_pattern": "", "region_pattern": "",
                "commission_pattern": ""}
    source = load_mapping(tmp_path, careless)
    data, *_rest = variant(real_rows()[:1000], e_voting_commissions=0)
    second = ru_election("ru-second")
    with pytest.raises(ConfirmationNeeded) as needed:
        run(second, source, data, create_stations=True)
    assert needed.value.report.stations_to_create == 1000
    assert Station.objects.count() == 3000

    path = tmp_path / "variant.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError, match="--confirm"):
        call_command("import_results", str(path), "--election", second.slug, "--source", source.code,
                     "--create-stations", "--no-progress", stdout=io.StringIO())

    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    with path.open("rb") as upload:
        response = client.post("/api/official-results/import/", {
            "election": second.slug, "source": source.code, "file": upload, "create_stations": True})
    assert response.status_code == 409 and response.json()["preview"]["stations_to_create"] == 1000
    assert Station.objects.count() == 3000
    assert run(second, source, data, create_stations=True, confirm=True).stations_created == 1000


def test_coverage_quick_count_and_exports_show_the_elections_own_stations(tmp_path, client, first_election):
    source = load_mapping(tmp_path)
    data, _sums, blank, e_voting = variant(real_rows()[2000:3400])
    second = ru_election("ru-second")
    # 1,000 of the first election's stations and 400 new: a large share, confirmed.
    run(second, source, data, create_stations=True, confirm=True)
    regions = set(Region.objects.filter(country="RU").values_list("id", flat=True))
    assert Station.objects.count() == 3400 + e_voting

    for election, stations in ((first_election, 3000), (second, 1400 + e_voting)):
        assert election_stations(election).count() == stations
        table = dashboard_selectors.coverage(election, regions)
        assert sum(row["stations"] for row in table.values()) == stations
        assert dashboard_selectors.quick_count_sample(election, regions)[1] == stations

    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    response = client.get(f"/dashboard/{second.slug}/export/coverage.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    exported = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")
                                               if response.streaming else response.content.decode("utf-8-sig"))))
    assert sum(int(row["Stations"]) for row in exported) == 1400 + e_voting
    assert sum(int(row["Results not published"]) for row in exported) == blank


def test_results_show_both_bases_and_both_turnouts_each_labelled(client, first_election):
    categories = dict(first_election.template.lines.values_list("code", "category"))
    sums = official_sums(first_election)

    def base(category):
        return sum(value for code, value in sums.items() if categories.get(code) == category)

    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    page = client.get(f"/dashboard/{first_election.slug}/results/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    rows = {row["name"]: row for row in page.context["rows"]}
    winner = rows[RU_2018_CANDIDATES[3]]
    assert winner["share_of_valid"] == pytest.approx(100 * sums["L13.4"] / base("valid"))
    assert winner["share_of_cast"] == pytest.approx(100 * sums["L13.4"] / base("cast"))
    assert winner["share_of_cast"] < winner["share_of_valid"]
    turnout = page.context["turnout"]
    assert turnout["issued"] == pytest.approx(100 * base("issued") / base("registered"))
    assert turnout["cast"] == pytest.approx(100 * base("cast") / base("registered"))
    for label in ("% of valid votes", "% of all ballots cast", "Turnout: ballots issued ÷ voters on the list",
                  "Turnout: ballots found in the boxes ÷ voters on the list"):
        assert label in page.text


def test_mapping_help_proposes_a_mapping_from_a_header_that_is_saved_as_a_source(client, tmp_path):
    election = ru_election("ru-help")
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    data, *_rest = variant(real_rows()[:50])
    upload = tmp_path / "new.csv"
    upload.write_bytes(data)
    with upload.open("rb") as handle:
        page = client.post("/admin/protocols/resultsource/propose/", {"file-file": handle, "file-election": election.pk,
                                                                      "propose": "1"})
    assert page.status_code == 200
    initial = page.context["mapping"].initial
    assert (initial["region_column"], initial["commission_column"], initial["station_column"]) == ("Регион", "ТИК", "УИК")
    assert initial["line_columns"][REWORDED_L1] == "L1" and initial["line_columns"][RU_2018_CANDIDATES[3]] == "L13.4"
    assert "district" in page.context["unmatched"]
    # The person corrects it (the pattern for "УИК №12", e-voting units) and saves it as a source.
    saved = client.post("/admin/protocols/resultsource/propose/", {
        "save": "1", "mapping-code": "ru-help", "mapping-name": "Help", "mapping-region_column": "Регион",
        "mapping-commission_column": "ТИК", "mapping-station_column": "УИК", "mapping-station_pattern": r"(\d+)",
        "mapping-fallback_station_label": E_VOTING, "mapping-line_columns": json.dumps(initial["line_columns"]),
        "mapping-ignore_columns": "[]"})
    assert saved.status_code == 302
    source = ResultSource.objects.get(code="ru-help")
    assert source.station_pattern == r"(\d+)" and source.line_columns == initial["line_columns"]


def test_the_admin_previews_a_file_and_offers_every_problem_as_csv(client, tmp_path, first_election):
    source = load_mapping(tmp_path)
    rows = [(region, tik, uik, [""] + figures[1:] if number % 3 == 0 else figures)
            for number, (region, tik, uik, figures) in enumerate(real_rows()[:600])]
    data, *_rest = variant(rows, blank_every=10**6, e_voting_commissions=0)
    second = ru_election("ru-second")
    upload = tmp_path / "variant.csv"
    upload.write_bytes(data)
    client.force_login(UserFactory(role="admin", is_staff=True, is_superuser=True))
    with upload.open("rb") as handle:
        page = client.post("/admin/protocols/resultsource/import/", {
            "file": handle, "election": second.pk, "source": source.pk, "dry_run": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    preview = page.context["preview"]
    assert preview.dry_run and preview.stations_matched == 400 and preview.rows_refused == 200
    assert page.context["problem_count"] == 200 and len(page.context["problems"]) == 100
    assert "Stations matched" in page.text and "Download every problem (CSV)" in page.text
    problems = client.get(f"/admin/protocols/resultsource/import/problems/{page.context['problems_token']}.csv")
    assert problems.status_code == 200 and len(problems.content.decode().strip().splitlines()) == 201
    assert not OfficialVersion.objects.filter(election=second).exists()
