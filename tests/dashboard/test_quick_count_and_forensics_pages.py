import datetime
import io
import random
import uuid

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import selectors, services
from dashboard.models import ForensicReport
from demo.results import station_protocol
from elections.models import Region, Station
from protocols import services as protocol_services
from protocols.models import ResultSource
from protocols.official_import import import_official_results
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
CODES = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", *[f"L8.{n}" for n in range(1, 8)], "L9"]
_rng = random.Random(5)
PROTOCOLS = [station_protocol(1500, _rng) for _ in range(40)]  # honest, generated once


@pytest.fixture
def published():
    """40 stations with honest generated protocols, 12 of them observed in the random sample."""
    region = RegionFactory(code="ALA")
    commission = CommissionFactory(region=region, code="ALA-1")
    stations = [StationFactory(commission=commission, code=str(n), registered_voters=1500) for n in range(40)]
    election = ElectionFactory(slug="demo-2027")
    for number in range(1, 8):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    source = ResultSource.objects.create(code="demo", name="demo", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in CODES})
    protocols = {station.code: PROTOCOLS[number] for number, station in enumerate(stations)}
    lines = ["r,c,s," + ",".join(CODES)] + [
        f"ALA,ALA-1,{code}," + ",".join(str(protocol[line]) for line in CODES) for code, protocol in protocols.items()]
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(lines).encode()),
                            file_name="r.csv")
    observer = ObserverFactory()
    for station in stations[:12]:
        deployment = DeploymentFactory(observer=observer, election=election, station=station, in_random_sample=True)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=protocols[station.code])
    return election


def _more_sample_reports(published):
    """20 more sampled stations report: 32 in all, above the quick count's minimum of 30."""
    observer = ObserverFactory()
    for station in Station.objects.filter(commission__code="ALA-1").order_by("id")[12:32]:
        deployment = DeploymentFactory(observer=observer, election=published, station=station, in_random_sample=True)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=PROTOCOLS[int(station.code)])


def test_quick_count_estimates_each_party_and_compares_with_the_official_share(client, published):
    # 12 reports are below the minimum of 30: the sample grows to 32 reporting stations first.
    observer = ObserverFactory()
    for station in Station.objects.filter(commission__code="ALA-1").order_by("id")[12:32]:
        deployment = DeploymentFactory(observer=observer, election=published, station=station, in_random_sample=True)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=PROTOCOLS[int(station.code)])
    client.login(username=UserFactory(role="reviewer").username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:quick-count", args=["demo-2027"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["sampled"] == 32 and page.context["population"] == 40
    rows = {row["name"]: row for row in page.context["rows"]}
    assert len(rows) == 7 + 1  # and turnout
    first = rows["Party 1"]
    assert 40 < first["estimate"] < 70 and first["margin"] > 0
    assert abs(first["estimate"] - first["official"]) <= first["margin"] and not first["outside"]


def _reviewer(client):
    user = UserFactory(role="reviewer")
    client.login(username=user.username, password=TEST_PASSWORD)
    return user


def test_forensics_page_shows_the_signals_at_once_and_the_monte_carlo_once_a_worker_ran_it(
        client, published, django_capture_on_commit_callbacks, sent_tasks):
    _reviewer(client)
    url = reverse("dashboard:forensics", args=["demo-2027"])
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "not proof of fraud" in page.text
    assert "Being computed" in page.text and 'http-equiv="refresh"' in page.text
    assert len(enqueued) == 1  # the Monte Carlo goes to a worker, once
    assert sent_tasks() == [("dashboard.tasks.integer_percentages", [ForensicReport.objects.get().pk])]
    assert "87 of 280 vote counts (those of at least 100)" in page.text  # 40 stations x 7 parties
    with django_capture_on_commit_callbacks() as again:
        assert "Being computed" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    assert again == []  # already asked for: not enqueued twice

    report = ForensicReport.objects.get()
    assert services.compute_integer_percentages(report_id=report.pk) is True
    assert services.compute_integer_percentages(report_id=report.pk) is False  # safe to run twice
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Being computed" not in page.text and 'http-equiv="refresh"' not in page.text
    integer = page.context["integer"]
    assert integer["included_stations"] == 40 and len(integer["simulated"]) == 1000
    assert integer["excess"] == pytest.approx(integer["observed"] - integer["expected_mean"])
    assert reverse("dashboard:forensics-plot", args=["demo-2027", "integer", "svg"]) in page.text


def test_forensics_are_computed_once_per_import_and_scope_not_per_user(client, published):
    url = reverse("dashboard:forensics", args=["demo-2027"])
    _reviewer(client)
    client.get(url)
    client.logout()
    _reviewer(client)  # another reviewer: the same country, the same report
    client.get(url)
    (first,) = ForensicReport.objects.all()
    coordinator = CoordinatorFactory()
    coordinator.regions.add(published_region := Region.objects.get(code="ALA"))
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    assert client.get(url).context["report"] == first  # a coordinator of that region: the same scope
    assert ForensicReport.objects.count() == 1

    # A new import with changed figures: the next visit makes a new report (the old one stays).
    source = ResultSource.objects.get(code="demo")
    rows = ["r,c,s," + ",".join(CODES)] + [
        f"ALA,ALA-1,{number}," + ",".join(str(value) for value in published_protocol(number, extra=5).values())
        for number in range(40)]
    import_official_results(election=published, source=source, stream=io.BytesIO("\n".join(rows).encode()),
                            file_name="r2.csv")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Being computed" in page.text
    report = page.context["report"]
    assert report != first and report.result_import_id > first.result_import_id
    assert report.scope == first.scope == services.scope_key([published_region.pk])
    assert ForensicReport.objects.count() == 2

    elsewhere = CoordinatorFactory()
    elsewhere.regions.add(RegionFactory(code="AST", name="Astana"))  # no official result there
    client.login(username=elsewhere.username, password=TEST_PASSWORD)
    assert client.get(url).context["too_few"] is True
    assert ForensicReport.objects.count() == 3  # their scope has a report of its own


def published_protocol(number, extra=0):
    """The fixture's protocol of station `number`, with `extra` ballots for party 1 (still consistent)."""
    protocol = dict(PROTOCOLS[number])
    for line in ("L3", "L4", "L8.1"):
        protocol[line] += extra
    protocol["L6"] -= extra
    return {code: protocol[code] for code in CODES}


def test_every_forensic_plot_is_served_as_png_and_svg_labelled_as_a_signal(client, published):
    _reviewer(client)
    client.get(reverse("dashboard:forensics", args=["demo-2027"]))
    services.compute_integer_percentages(report_id=ForensicReport.objects.get().pk)
    for plot in ("fingerprint", "integer", "digits"):
        png = client.get(reverse("dashboard:forensics-plot", args=["demo-2027", plot, "png"]))
        assert png["Content-Type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n", plot
        svg = client.get(reverse("dashboard:forensics-plot", args=["demo-2027", plot, "svg"]),
                         HTTP_ACCEPT_LANGUAGE="en")
        assert svg["Content-Type"] == "image/svg+xml" and b"not proof of fraud" in svg.content, plot
    digits = client.get(reverse("dashboard:forensics-plot", args=["demo-2027", "digits", "svg"]), {"min_count": 10},
                        HTTP_ACCEPT_LANGUAGE="en")
    assert b"Last digits of the 280 counts of at least 10" in digits.content
    assert client.get(reverse("dashboard:forensics-plot", args=["demo-2027", "map", "png"])).status_code == 404
    assert client.get(reverse("dashboard:forensics-plot", args=["demo-2027", "digits", "gif"])).status_code == 404


def test_integer_plot_waits_for_the_monte_carlo(client, published):
    _reviewer(client)
    assert client.get(reverse("dashboard:forensics-plot", args=["demo-2027", "integer", "png"])).status_code == 404


def test_fingerprint_data_for_the_interactive_heat_map_counts_every_station(client, published):
    _reviewer(client)
    page = client.get(reverse("dashboard:forensics", args=["demo-2027"]))
    data_url = reverse("dashboard:fingerprint-data", args=["demo-2027"])
    assert f'data-url="{data_url}"' in page.text and "js/fingerprint.js" in page.text
    data = client.get(data_url).json()
    assert data["bins"] == 100 and data["stations"] == 40
    turnout, share = np.nonzero(np.array(data["counts"]))
    assert turnout.min() >= 45 and turnout.max() < 82  # the fixture's turnouts: 45% to 82%
    assert data["max"] == max(max(row) for row in data["counts"])


def test_digit_tests_say_which_counts_they_used_and_offer_other_minimums(client, published):
    _reviewer(client)
    url = reverse("dashboard:forensics", args=["demo-2027"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["min_count"] == 100 and page.context["last"]["tested"] == 87
    assert "Small counts make low last digits more common" in page.text
    rows = {row["min_count"]: row for row in page.context["sensitivity"]}
    assert list(rows) == [10, 20, 50, 100, 200, 500, 1000]
    assert rows[100]["chosen"] and rows[10]["test"]["tested"] == 280 and rows[1000]["test"] is None
    other = client.get(url, {"min_count": 10}, HTTP_ACCEPT_LANGUAGE="en")
    assert other.context["last"]["tested"] == 280 and "280 of 280 vote counts (those of at least 10)" in other.text
    assert client.get(url, {"min_count": 7}).context["min_count"] == 100  # not offered: the default


def test_official_arrays_are_read_set_based_whatever_the_number_of_stations(published):
    region_ids = set(Region.objects.values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        arrays, leader = selectors.official_arrays(published, region_ids)
    assert len(queries) <= 5  # the lines, the contestants, the totals and the table: no query per station
    assert leader == "L8.1"
    expected = sorted((protocol["L1"], protocol["L3"], protocol["L4"], protocol["L8.1"]) for protocol in PROTOCOLS)
    assert sorted(zip(*(arrays[name].tolist() for name in ("voters", "given", "received", "leader")),
                      strict=True)) == expected
    assert arrays["votes"].shape == (40, 7)
    assert arrays["votes"].sum() == sum(protocol[f"L8.{n}"] for protocol in PROTOCOLS for n in range(1, 8))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_computes_the_monte_carlo_and_the_page_then_shows_it(client, published, celery_worker_process):
    _reviewer(client)
    url = reverse("dashboard:forensics", args=["demo-2027"])
    assert "Being computed" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").text
    celery_worker_process.wait_for(lambda: ForensicReport.objects.filter(integer__isnull=False).exists(),
                                   what="the worker's Monte Carlo")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Being computed" not in page.text and "Excess" in page.text
    assert page.context["integer"]["included_stations"] == 40
    assert "dashboard.tasks.integer_percentages" in celery_worker_process.log_path.read_text()


def _report_whose_request_was_lost(election, requested_at):
    """A report whose Monte Carlo was claimed at `requested_at` and whose message never arrived."""
    regions = [Region.objects.get(code="ALA").pk]
    return ForensicReport.objects.create(
        election=election, result_import_id=services.latest_import_id(election), scope=services.scope_key(regions),
        region_ids=regions, stations=40, leader="L8.1", signals={}, requested_at=requested_at)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_lost_monte_carlo_request_is_sent_again_by_the_sweep_and_computed(published, celery_worker_process):
    lost_at = datetime.datetime(2027, 3, 21, 20, 0, tzinfo=datetime.UTC)
    report = _report_whose_request_was_lost(published, lost_at)
    almost = lost_at + services.REQUEST_EXPIRES - datetime.timedelta(seconds=1)
    assert services.sweep_unfinished_reports(now=almost) == 0  # not expired yet: maybe still on its way
    expired = lost_at + services.REQUEST_EXPIRES + datetime.timedelta(seconds=1)
    assert services.sweep_unfinished_reports(now=expired) == 1  # nobody visits the page: the sweep sends it
    assert services.sweep_unfinished_reports(now=expired) == 0  # claimed again: sent once
    celery_worker_process.wait_for(lambda: ForensicReport.objects.filter(pk=report.pk, integer__isnull=False).exists(),
                                   what="the re-sent Monte Carlo")
    assert ForensicReport.objects.get(pk=report.pk).integer["included_stations"] == 40


def test_a_report_superseded_by_a_newer_import_is_not_swept(published):
    lost_at = datetime.datetime(2027, 3, 21, 20, 0, tzinfo=datetime.UTC)
    _report_whose_request_was_lost(published, lost_at)
    rows = ["r,c,s," + ",".join(CODES)] + [
        f"ALA,ALA-1,{number}," + ",".join(str(value) for value in published_protocol(number, extra=3).values())
        for number in range(40)]
    import_official_results(election=published, source=ResultSource.objects.get(code="demo"),
                            stream=io.BytesIO("\n".join(rows).encode()), file_name="r2.csv")
    assert services.sweep_unfinished_reports(now=lost_at + datetime.timedelta(hours=1)) == 0


def test_observers_cannot_see_the_statistics(client, published):
    client.login(username=ObserverFactory().username, password=TEST_PASSWORD)
    assert client.get(reverse("dashboard:forensics", args=["demo-2027"])).status_code == 403
    assert client.get(reverse("dashboard:quick-count", args=["demo-2027"])).status_code == 403


def test_quick_count_compares_turnout_with_the_official_figure(client, published):
    _more_sample_reports(published)  # 12 are below the minimum of 30 reports
    _reviewer(client)
    url = reverse("dashboard:quick-count", args=["demo-2027"])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    turnout = page.context["rows"][-1]
    assert turnout["name"] == "Turnout" and turnout["turnout"]
    official = sum(p["L4"] for p in PROTOCOLS) / sum(p["L1"] for p in PROTOCOLS)
    assert turnout["official"] == pytest.approx(100 * official)
    sample = PROTOCOLS[:32]
    assert turnout["estimate"] == pytest.approx(100 * sum(p["L4"] for p in sample) / sum(p["L1"] for p in sample))
    assert not turnout["outside"] and "Turnout" not in page.context["outside"]

    # The commissions of the 8 stations no observer sampled add 200 ballots each for party 1: the
    # official turnout rises by about 3 points, out of the sample's reach.
    rows = ["r,c,s," + ",".join(CODES)] + [
        f"ALA,ALA-1,{number}," + ",".join(str(value) for value in published_protocol(
            number, extra=0 if number < 32 else 200).values()) for number in range(40)]
    import_official_results(election=published, source=ResultSource.objects.get(code="demo"),
                            stream=io.BytesIO("\n".join(rows).encode()), file_name="stuffed.csv")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    turnout = page.context["rows"][-1]
    assert turnout["official"] - turnout["estimate"] > turnout["margin"] and turnout["outside"]
    assert "Turnout" in page.context["outside"]
    assert "The official figure lies outside the quick count's 95% margin for:" in page.text
    assert 'id="turnout-row"' in page.text and "Official figure outside the margin" in page.text
