import io
import json
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from elections.models import ElectionStation
from protocols import services
from protocols.models import Discrepancy, OfficialVersion, ResultImport
from protocols.official_import import ResultImportError, import_official_results
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


def run_import(election, source, data, **options):
    return import_official_results(election=election, source=source, stream=io.BytesIO(data), file_name="r.csv",
                                   **options)


def test_import_stores_one_version_per_station_and_reimport_adds_only_changes(election, station, kz_source):
    data = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL), ("ALA", "ALA-01", "102", KZ_PROTOCOL)])
    report = run_import(election, kz_source, data, create_stations=True)
    assert (report.rows, report.versions_added, report.stations_created) == (2, 2, 1)
    assert run_import(election, kz_source, data).versions_added == 0
    changed = official_csv([("ALA", "ALA-01", "101", {**KZ_PROTOCOL, "L8.1": 560, "L8.2": 240}),
                            ("ALA", "ALA-01", "102", KZ_PROTOCOL)])
    report = run_import(election, kz_source, changed)
    assert (report.versions_added, report.unchanged) == (1, 1)
    versions = OfficialVersion.objects.filter(station=station).order_by("version")
    assert [(v.version, v.is_latest, v.figures["L8.1"]) for v in versions] == [(1, False, 500), (2, True, 560)]
    assert ResultImport.objects.count() == 3 and len(ResultImport.objects.first().sha256) == 64


def test_a_changed_publication_becomes_a_flag(election, station, kz_source):
    run_import(election, kz_source, official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)]))
    run_import(election, kz_source, official_csv([("ALA", "ALA-01", "101", {**KZ_PROTOCOL, "L8.1": 501, "L7": 9})]))
    services.check_stations(election_id=election.pk)
    flag = Discrepancy.objects.get(kind="official_changed")
    assert flag.severity == "critical" and flag.deltas == {"L7": [10, 9, -1], "L8.1": [500, 501, 1]}


def test_bad_rows_are_reported_by_line_and_nothing_is_written(election, station, kz_source):
    bad = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL), ("ALA", "ALA-01", "101", KZ_PROTOCOL)])
    bad += b"ALA,ALA-01,103,1,2,three,4,5,6,7,8,9,10,11\n"
    with pytest.raises(ResultImportError) as refused:
        run_import(election, kz_source, bad, create_stations=True)
    assert [line for line, _message in refused.value.errors] == [3, 4]
    assert "already on line 2" in refused.value.errors[0][1] and "L3 (issued)" in refused.value.errors[1][1]
    assert not OfficialVersion.objects.exists() and not ResultImport.objects.exists()


def test_bad_rows_are_named_by_the_files_own_line_after_blank_lines_and_multi_line_fields(election, station,
                                                                                          kz_source):
    good = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)]).decode()
    header, row = good.splitlines()
    text = "\n".join([
        header,  # line 1
        row,  # line 2
        "",  # line 3: blank
        '"ALA","ALA-01","""quoted""\nstation",1,2,3,4,5,6,7,8,9,10,11',  # lines 4-5: one quoted field spans two
        "",  # line 6: blank
        "ALA,ALA-01,104,1,2,three,4,5,6,7,8,9,10,11",  # line 7
        row.replace(",101,", ",105,"),  # line 8
        row,  # line 9: station 101 again
    ]) + "\n"
    with pytest.raises(ResultImportError) as refused:
        run_import(election, kz_source, text.encode(), create_stations=True)
    assert [line for line, _message in refused.value.errors] == [7, 9]
    assert "already on line 2" in refused.value.errors[1][1]
    unknown = "\n".join([header, "", "", row.replace(",101,", ",900,")]) + "\n"
    with pytest.raises(ResultImportError) as refused:
        run_import(election, kz_source, unknown.encode())
    assert refused.value.errors[0][0] == 4 and "unknown station 900" in refused.value.errors[0][1]
    assert not OfficialVersion.objects.exists() and not ResultImport.objects.exists()


def test_unknown_stations_are_refused_unless_creation_is_asked(election, station, kz_source):
    data = official_csv([("AST", "AST-09", "900", KZ_PROTOCOL)])
    with pytest.raises(ResultImportError, match="unknown station 900"):
        run_import(election, kz_source, data)
    assert run_import(election, kz_source, data, create_stations=True).stations_created == 1


def test_json_results_use_the_same_mapping(election, station, kz_source):
    kz_source.format = "json"
    kz_source.save()
    columns = {code: column for column, code in kz_source.line_columns.items()}
    record = {"region": "ALA", "commission": "ALA-01", "station": "101",
              **{columns[code]: value for code, value in KZ_PROTOCOL.items()}}
    report = run_import(election, kz_source, json.dumps({"stations": [record]}).encode())
    assert report.versions_added == 1 and OfficialVersion.objects.get().figures == KZ_PROTOCOL


def test_the_cross_check_is_idempotent_and_withdraws_what_no_longer_applies(election, deployment, kz_source):
    run_import(election, kz_source, official_csv([("ALA", "ALA-01", "101", {**KZ_PROTOCOL, "L8.1": 560, "L8.2": 240})]))
    copy, _ = services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                   figures=KZ_PROTOCOL)
    services.check_stations(election_id=election.pk)
    services.check_stations(election_id=election.pk)
    flag = Discrepancy.objects.get()
    assert (flag.kind, flag.severity, flag.observer_copy, flag.status) == ("mismatch", "critical", copy, "open")
    assert services.stations_due_for_check() == [] and services.latest_check_time(election.pk) is not None
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures={**KZ_PROTOCOL, "L8.1": 560, "L8.2": 240})
    assert services.stations_due_for_check() == [(election.pk, deployment.station_id)]
    services.check_stations(election_id=election.pk, station_ids=[deployment.station_id])
    flag.refresh_from_db()
    assert flag.status == "withdrawn" and Discrepancy.objects.count() == 1
    assert services.stations_due_for_check() == []


def test_the_sweep_finds_stations_whose_inputs_changed_after_their_check(election, deployment):
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=KZ_PROTOCOL)
    assert services.stations_due_for_check() == [(election.pk, deployment.station_id)]
    services.check_stations(election_id=election.pk, station_ids=[deployment.station_id])
    assert services.stations_due_for_check() == []


def test_import_command_with_progress(tmp_path, election, station, kz_source):
    path = tmp_path / "results.csv"
    path.write_bytes(official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL)]))
    out = io.StringIO()
    call_command("import_results", str(path), "--election", election.slug, "--source", "test-kz", "--no-progress",
                 stdout=out)
    assert "1 new official versions" in out.getvalue()
    with pytest.raises(CommandError, match="No election"):
        call_command("import_results", str(path), "--election", "nope", "--source", "test-kz")


def test_a_negative_or_huge_figure_is_refused_by_its_line(election, station, kz_source):
    data = official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL), ("ALA", "ALA-01", "102", {**KZ_PROTOCOL, "L3": -5}),
                         ("ALA", "ALA-01", "103", {**KZ_PROTOCOL, "L7": 10**9})])
    with pytest.raises(ResultImportError) as refused:
        run_import(election, kz_source, data, create_stations=True)
    assert [(line, "issued" in message or "invalid" in message) for line, message in refused.value.errors] == [
        (3, True), (4, True)]
    assert not OfficialVersion.objects.exists()


def test_a_blank_row_is_a_station_whose_results_were_not_published_and_is_flagged_missing(election, deployment,
                                                                                          kz_source):
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=KZ_PROTOCOL)
    data = official_csv([("ALA", "ALA-01", "102", KZ_PROTOCOL)]) + b"ALA,ALA-01,101,,,,,,,,,,,\n"
    report = run_import(election, kz_source, data, create_stations=True)
    assert (report.rows, report.rows_blank, report.versions_added, report.problems) == (2, 1, 1, [])
    assert not OfficialVersion.objects.filter(station=deployment.station).exists()  # not zeros
    assert ElectionStation.objects.get(election=election, station=deployment.station).official_blank
    election.results_deadline = timezone.now() - timezone.timedelta(hours=1)
    election.save()
    services.check_stations(election_id=election.pk)
    assert Discrepancy.objects.filter(station=deployment.station, kind="missing_official", status="open").exists()
