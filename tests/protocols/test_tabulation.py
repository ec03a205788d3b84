import csv
import io
import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from protocols import services
from protocols.models import CommissionProtocol, Discrepancy, ResultSource
from protocols.official_import import ResultImportError, import_official_results
from tests.factories import TEST_PASSWORD, RegionFactory, StationFactory, UserFactory
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_stations(election, station, kz_source, deployment):
    StationFactory(commission=station.commission, code="102")
    deployment.organisation.regions.add(station.commission.region)
    import_official_results(election=election, source=kz_source, file_name="official.csv", stream=io.BytesIO(
        official_csv([("ALA", "ALA-01", "101", KZ_PROTOCOL), ("ALA", "ALA-01", "102", KZ_PROTOCOL)])))
    return station.commission


def summary_of(factor=2, **changes):
    return {**{code: value * factor for code, value in KZ_PROTOCOL.items()}, **changes}


def test_a_summary_that_adds_up_raises_nothing(election, deployment, two_stations):
    summary, _ = services.submit_commission_protocol(observer=deployment.observer, election_id=election.pk,
                                                     commission_id=two_stations.pk, client_id=uuid.uuid4(),
                                                     figures=summary_of())
    assert services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk) == 0


def test_votes_moved_at_tabulation_are_a_critical_flag(election, deployment, two_stations):
    summary, _ = services.submit_commission_protocol(
        observer=deployment.observer, election_id=election.pk, commission_id=two_stations.pk,
        client_id=uuid.uuid4(), figures=summary_of(**{"L8.1": 1100, "L8.2": 500}))
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag = Discrepancy.objects.get(kind="tabulation")
    assert (flag.severity, flag.commission, flag.station) == ("critical", two_stations, None)
    assert flag.deltas == {"L8.1": [1000, 1100, 100], "L8.2": [600, 500, -100]}
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    assert Discrepancy.objects.filter(kind="tabulation").count() == 1


def test_a_confirmed_observer_copy_is_added_up_in_place_of_the_official_figures(election, deployment, two_stations):
    honest = {**KZ_PROTOCOL, "L8.1": 450, "L8.2": 350}  # the observer saw 50 votes moved
    services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                         figures=honest)
    services.check_stations(election_id=election.pk)
    mismatch = Discrepancy.objects.get(kind="mismatch")
    services.decide(discrepancy_id=mismatch.pk, reviewer=UserFactory(role="reviewer"), decision="confirm")
    services.submit_commission_protocol(observer=deployment.observer, election_id=election.pk,
                                        commission_id=two_stations.pk, client_id=uuid.uuid4(), figures=summary_of())
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag = Discrepancy.objects.get(kind="tabulation")
    assert flag.detail == [{"basis": "confirmed"}]
    assert flag.deltas == {"L8.1": [950, 1000, 50], "L8.2": [650, 600, -50]}


def test_commission_protocol_api_is_idempotent_and_refuses_foreign_regions(election, deployment, two_stations):
    api = APIClient()
    api.force_authenticate(deployment.observer)
    payload = {"client_id": str(uuid.uuid4()), "election": election.pk, "commission": two_stations.pk,
               "figures": summary_of()}
    assert api.post("/api/commission-protocols/", payload, format="json").status_code == 201
    assert api.post("/api/commission-protocols/", payload, format="json").status_code == 200
    deployment.organisation.regions.clear()
    payload["client_id"] = str(uuid.uuid4())
    assert api.post("/api/commission-protocols/", payload, format="json").status_code == 403


@pytest.fixture
def summary_source(kz_source):
    """The same columns as the station results, one row per territorial commission."""
    return ResultSource.objects.create(code="test-kz-summaries", name="Test CEC, commission summaries",
                                       level="commission", region_column="region", commission_column="commission",
                                       line_columns=kz_source.line_columns)


def summaries_csv(rows):
    """official_csv's columns without the station: (region, commission, figures) per row."""
    lines = official_csv([(region, commission, "", figures) for region, commission, figures in rows]).decode()
    without_station = [",".join(fields[:2] + fields[3:]) for fields in (line.split(",") for line in lines.splitlines())]
    return ("\n".join(without_station) + "\n").encode()


def import_summaries(election, source, rows):
    return import_official_results(election=election, source=source, file_name="summaries.csv",
                                   stream=io.BytesIO(summaries_csv(rows)))


def test_an_imported_commission_summary_is_compared_with_the_sum_of_its_stations(election, two_stations,
                                                                                 summary_source):
    report = import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of(**{"L8.1": 1100, "L8.2": 500}))])
    assert (report.rows, report.versions_added, report.stations_created) == (1, 1, 0)
    published = CommissionProtocol.objects.get()
    assert (published.observer, published.result_import_id, published.version) == (None, report.result_import_id, 1)
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag = Discrepancy.objects.get(kind="tabulation")
    assert (flag.severity, flag.commission, flag.commission_protocol) == ("critical", two_stations, published)
    assert flag.deltas == {"L8.1": [1000, 1100, 100], "L8.2": [600, 500, -100]}

    assert import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of(**{"L8.1": 1100, "L8.2": 500}))]
                            ).versions_added == 0
    corrected = import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of())])
    assert corrected.versions_added == 1
    latest = CommissionProtocol.objects.get(is_latest=True)
    assert latest.version == 2 and latest.queued_at is not None and latest.checked_at is None
    # Its check was sent after commit; were the message lost, the sweep sends it again.
    assert services.sweep(now=latest.queued_at + services.SWEEP_GRACE * 2)["commissions"] == [
        (election.pk, two_stations.pk)]
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag.refresh_from_db()
    assert flag.status == "withdrawn" and not Discrepancy.objects.filter(status="open", kind="tabulation").exists()
    # The published summary itself changed: flagged like a station's changed publication.
    changed = Discrepancy.objects.get(kind="official_changed")
    assert (changed.commission, changed.commission_protocol, changed.severity) == (two_stations, latest, "critical")
    assert changed.deltas == {"L8.1": [1100, 1000, -100], "L8.2": [500, 600, 100]}


def test_the_reviewer_sees_a_published_summary_named_as_such(client, election, two_stations, summary_source):
    import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of(**{"L7": 21, "L9": 19}))])
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    flag = Discrepancy.objects.get(kind="tabulation")
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    page = client.get(reverse("protocols:review-detail", args=[flag.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Summary, as published" in page.text and page.text.count('class="differs"') == 2


def test_an_imported_summary_and_an_observers_copy_are_checked_side_by_side(election, deployment, two_stations,
                                                                            summary_source):
    import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of(**{"L7": 21, "L9": 19}))])
    services.submit_commission_protocol(observer=deployment.observer, election_id=election.pk,
                                        commission_id=two_stations.pk, client_id=uuid.uuid4(), figures=summary_of())
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    [flag] = Discrepancy.objects.filter(kind="tabulation")
    assert flag.commission_protocol.result_import is not None and flag.deltas == {"L7": [20, 21, 1], "L9": [20, 19, -1]}


def test_summaries_of_unknown_commissions_are_refused_by_line_and_nothing_is_written(election, two_stations,
                                                                                     summary_source):
    with pytest.raises(ResultImportError) as refused:
        import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of()), ("ALA", "ALA-99", summary_of()),
                                                    ("ALA", "ALA-01", summary_of())])
    assert refused.value.errors == [(4, "commission already on line 2")]
    with pytest.raises(ResultImportError) as refused:
        import_summaries(election, summary_source, [("ALA", "ALA-01", summary_of()), ("ALA", "ALA-99", summary_of())])
    assert refused.value.errors == [(3, "unknown commission ALA-99, ALA: import its stations first")]
    assert not CommissionProtocol.objects.exists()


@pytest.fixture
def tabulation_flag(election, deployment, two_stations):
    services.submit_commission_protocol(
        observer=deployment.observer, election_id=election.pk, commission_id=two_stations.pk,
        client_id=uuid.uuid4(), figures=summary_of(**{"L8.1": 1100, "L8.2": 500}))
    services.check_tabulation(election_id=election.pk, commission_id=two_stations.pk)
    return Discrepancy.objects.get(kind="tabulation")


def test_the_reviewer_sees_the_summary_beside_the_sums_of_its_stations(client, tabulation_flag, two_stations):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    page = client.get(reverse("protocols:review-detail", args=[tabulation_flag.pk]), HTTP_ACCEPT_LANGUAGE="en")
    rows = {row["code"]: (row["base"], row["other"], row["delta"], row["differs"]) for row in page.context["rows"]}
    assert rows["L1"] == (3000, 3000, 0, False)
    # The difference is the first column minus the second, and the page says so in words.
    assert rows["L8.1"] == (1000, 1100, -100, True) and rows["L8.2"] == (600, 500, 100, True)
    assert "Δ is “Sum of its stations, as published” minus “Summary, as an observer copied it”" in page.text
    assert page.text.count('class="differs"') == 2 and "+100" in page.text and "-100" in page.text
    assert "Sum of its stations, as published" in page.text and "Summary, as an observer copied it" in page.text
    assert f"Commission {two_stations.name}, Almaty" in page.text
    assert "Broken control relations" not in page.text


def test_the_region_filter_and_the_export_include_commission_flags(client, tabulation_flag, two_stations):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    queue = client.get(reverse("protocols:review"), {"region": two_stations.region_id}, HTTP_ACCEPT_LANGUAGE="en")
    assert [item.pk for item in queue.context["page"]] == [tabulation_flag.pk]
    assert list(queue.context["regions"]) == [two_stations.region]
    elsewhere = client.get(reverse("protocols:review"), {"region": RegionFactory().pk})
    assert list(elsewhere.context["page"]) == []

    services.decide(discrepancy_id=tabulation_flag.pk, reviewer=reviewer, decision="confirm")
    response = client.get(reverse("protocols:export"), {"region": two_stations.region_id}, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    tabulation = "Commission summary differs from its stations"
    assert [(row["Region"], row["Territorial commission"], row["Station"], row["Flag"], row["Line"],
             row["Difference"]) for row in rows] == [("Almaty", two_stations.name, "", tabulation, "L8.1", "100"),
                                                     ("Almaty", two_stations.name, "", tabulation, "L8.2", "-100")]

    api = APIClient()
    api.force_authenticate(reviewer)
    listed = api.get("/api/discrepancies/", {"region": two_stations.region_id}).json()
    assert [(item["id"], item["region"]) for item in listed["results"]] == [(tabulation_flag.pk, two_stations.region_id)]
