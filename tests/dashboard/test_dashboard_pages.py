import io
import uuid

import pytest
from django.urls import reverse

from elections.models import Election
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
    evidence_file,
)

pytestmark = pytest.mark.django_db

PROTOCOL = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
            "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}
COLUMNS = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8.1", "L8.2", "L8.3", "L9"]


@pytest.fixture
def world():
    """Two regions; the first with two stations (one observed, with votes moved), the second one."""
    almaty, astana = RegionFactory(code="ALA", name="Almaty"), RegionFactory(code="AST", name="Astana")
    commission = CommissionFactory(region=almaty, code="ALA-1", name="Almaty TEC 1")
    observed = StationFactory(commission=commission, code="1")
    StationFactory(commission=commission, code="2")
    StationFactory(commission=CommissionFactory(region=astana, code="AST-1"), code="3")
    election = ElectionFactory(name="Mazhilis 2027", slug="mazhilis-2027")
    for number, name in ((1, "AMANAT"), (2, "Auyl"), (3, "Respublica")):
        ContestantFactory(election=election, ballot_number=number, name=name)
    source = ResultSource.objects.create(code="t", name="t", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in COLUMNS})
    rows = ["r,c,s," + ",".join(COLUMNS)]
    for region, commission_code, station in (("ALA", "ALA-1", "1"), ("ALA", "ALA-1", "2"), ("AST", "AST-1", "3")):
        figures = {**PROTOCOL, "L8.1": 540, "L8.2": 260} if station == "1" else PROTOCOL
        rows.append(f"{region},{commission_code},{station}," + ",".join(str(figures[code]) for code in COLUMNS))
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(rows).encode()),
                            file_name="r.csv")
    observer = ObserverFactory()
    deployment = DeploymentFactory(observer=observer, election=election, station=observed)
    protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                  figures=PROTOCOL)
    protocol_services.check_stations(election_id=election.pk)
    coordinator = CoordinatorFactory(organisation=observer.organisation)
    coordinator.regions.add(almaty)
    return {"election": election, "almaty": almaty, "astana": astana, "commission": commission,
            "observed": observed, "coordinator": coordinator}


def test_coverage_counts_per_region_and_only_the_coordinators_regions(client, world):
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:coverage", args=["mazhilis-2027"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["group"].name for row in rows] == ["Almaty"]  # Astana is not theirs
    assert rows[0]["figures"] == {"stations": 2, "deployed": 1, "checked_in": 0, "protocols": 1,
                                  "protocols_with_photos": 0, "official": 2,
                                  "open_flags": 1, "incidents_low": 0, "incidents_medium": 0, "incidents_high": 0,
                                  "incidents_critical": 0, "not_published": 0}
    assert client.get(reverse("dashboard:region", args=["mazhilis-2027", world["astana"].pk])).status_code == 404


def test_coverage_counts_protocols_with_a_photo_from_their_own_observer(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the stored photos stay out of the run's shared media folder
    observer = world["observed"].deployments.get().observer
    evidence_file(uploaded_by=ObserverFactory(organisation=observer.organisation), station=world["observed"].pk,
                  purpose="protocol_photo")  # not by the copy's author
    evidence_file(uploaded_by=observer, station=world["observed"].pk, purpose="count_media")  # not of the protocol
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    url = reverse("dashboard:coverage", args=["mazhilis-2027"])
    assert client.get(url).context["rows"][0]["figures"]["protocols_with_photos"] == 0
    evidence_file(uploaded_by=observer, station=world["observed"].pk, election=world["election"].pk,
                  purpose="protocol_photo")
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["rows"][0]["figures"]["protocols_with_photos"] == 1
    assert "with photos" in page.text


def test_drill_down_to_a_station_shows_its_whole_story(client, world):
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    region = client.get(reverse("dashboard:region", args=["mazhilis-2027", world["almaty"].pk]))
    assert "Almaty TEC 1" in region.text
    commission = client.get(reverse("dashboard:commission", args=["mazhilis-2027", world["commission"].pk]))
    station_url = reverse("dashboard:station", args=["mazhilis-2027", world["observed"].pk])
    assert station_url in commission.text
    story = client.get(station_url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Critical" in story.text and "Observer&#x27;s copy differs" in story.text


def test_results_put_observer_totals_beside_the_official_ones_of_the_same_stations(client, world):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:results", args=["mazhilis-2027"]))
    rows = {row["name"]: row for row in page.context["rows"]}
    assert rows["AMANAT"]["official"] == 540 + 500 + 500
    assert (rows["AMANAT"]["observed"], rows["AMANAT"]["official_same_stations"], rows["AMANAT"]["difference"]) == (
        500, 540, -40)
    assert rows["Auyl"]["difference"] == 40


def test_seat_projection_compares_every_method(client, world):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    page = client.get(reverse("dashboard:seats", args=["mazhilis-2027"]), {"seats": "10", "threshold": "10"})
    assert len(page.context["methods"]) == 6
    rows = {row["name"]: row["seats"] for row in page.context["rows"]}
    assert rows["Respublica"] == [0] * 6  # 210 of 2,580 votes: 8.1%, under the 10% threshold
    assert all(amanat + auyl == 10 for amanat, auyl in zip(rows["AMANAT"], rows["Auyl"], strict=True))


def test_observers_cannot_open_the_dashboard(client, world):
    observer = ObserverFactory()
    client.login(username=observer.username, password=TEST_PASSWORD)
    assert client.get(reverse("dashboard:index")).status_code == 403
    assert client.get(reverse("dashboard:coverage", args=["mazhilis-2027"])).status_code == 403


def test_exports_respect_the_coordinators_scope(client, world):
    import csv as csv_module
    import io as io_module

    from openpyxl import load_workbook

    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    election = Election.objects.get(slug="mazhilis-2027").name
    coverage = client.get(reverse("dashboard:export", args=["mazhilis-2027", "coverage", "csv"]), HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv_module.reader(io_module.StringIO(coverage.getvalue().decode("utf-8-sig"))))
    assert rows == [["Election", "Region", "Stations", "Observers deployed", "Checked in", "Protocols received",
                     "Protocols with photos", "Official results", "Open flags", "Incidents: Low", "Incidents: Medium",
                     "Incidents: High", "Incidents: Critical", "Results not published"],
                    [election, "Almaty", "2", "1", "0", "1", "0", "2", "1", "0", "0", "0", "0", "0"]]
    workbook = load_workbook(io_module.BytesIO(client.get(
        reverse("dashboard:export", args=["mazhilis-2027", "results", "xlsx"]), HTTP_ACCEPT_LANGUAGE="en").content))
    sheet = list(workbook.active.values)
    assert sheet[0] == ("Election", "Contestant", "Official", "Observers", "Official, same stations")
    assert sheet[1] == (election, "AMANAT", 1040, 500, 540)  # Astana's station is outside this coordinator's scope
    flags = client.get(reverse("dashboard:export", args=["mazhilis-2027", "flags", "csv"]),
                       HTTP_ACCEPT_LANGUAGE="en").getvalue().decode()
    assert "Observer's copy differs from the official result,Critical,Open," in flags
    geojson = client.get(reverse("dashboard:export", args=["mazhilis-2027", "stations", "geojson"])).json()
    assert {feature["properties"]["code"]: feature["properties"]["state"] for feature in geojson["features"]} == {
        "1": "flagged", "2": "none"}


def test_map_points_are_compact_and_scoped(client, world):
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    data = client.get(reverse("dashboard:map-points", args=["mazhilis-2027"])).json()
    states = {point[1]: data["states"][point[4]] for point in data["points"]}
    assert states == {"1": "flagged", "2": "none"}
    page = client.get(reverse("dashboard:map", args=["mazhilis-2027"]))
    assert "vendor/leaflet/leaflet.js" in page.text and "tile.openstreetmap.org" in page.text


def test_live_feed_returns_only_what_is_new_and_in_scope(client, world):
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    url = reverse("dashboard:feed", args=["mazhilis-2027"])
    first = client.get(url).json()
    assert [item["station"] for item in first["items"]] == ["1"]
    assert client.get(url, {"after_flag": first["after_flag"]}).json()["items"] == []


def test_live_feed_pages_through_a_burst_of_flags_larger_than_one_answer(client, world):
    """A national import can raise hundreds of flags between two polls: every one of them reaches
    the page, oldest first, in answers of at most 50 that say whether more are waiting."""
    from protocols.models import Discrepancy

    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    url = reverse("dashboard:feed", args=["mazhilis-2027"])
    first = client.get(url).json()
    assert first["more"] is False
    burst = Discrepancy.objects.bulk_create([
        Discrepancy(election=world["election"], station=world["observed"], key=f"burst:{number}", kind="mismatch",
                    severity="critical", severity_rank=3) for number in range(120)])
    cursors = {"after_flag": first["after_flag"], "after_incident": first["after_incident"]}
    answers = []
    while True:
        answer = client.get(url, cursors).json()
        answers.append(answer)
        cursors = {"after_flag": answer["after_flag"], "after_incident": answer["after_incident"]}
        if not answer["more"]:
            break
    assert [len(answer["items"]) for answer in answers] == [50, 50, 20]
    seen = [item["id"] for answer in answers for item in answer["items"]]
    assert seen == sorted(flag.pk for flag in burst)  # each once, in the order they were raised
    assert client.get(url, cursors).json() == {"items": [], "more": False, **cursors}


def test_results_of_one_region_compare_only_its_stations(client, world):
    reviewer = UserFactory(role="reviewer")
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    url = reverse("dashboard:results", args=["mazhilis-2027"])
    astana = client.get(url, {"region": world["astana"].pk}, HTTP_ACCEPT_LANGUAGE="en")
    rows = {row["name"]: row for row in astana.context["rows"]}
    # Astana: one station, official 500 for AMANAT, no observer there.
    assert (rows["AMANAT"]["official"], rows["AMANAT"]["observed"], rows["AMANAT"]["difference"]) == (500, 0, 0)
    assert astana.context["data"]["official_stations"] == 1 and astana.context["data"]["observed_stations"] == 0
    assert f'<option value="{world["astana"].pk}" selected>' in astana.text
    almaty = client.get(url, {"region": world["almaty"].pk})
    rows = {row["name"]: row for row in almaty.context["rows"]}
    assert (rows["AMANAT"]["official"], rows["AMANAT"]["observed"], rows["AMANAT"]["official_same_stations"]) == (
        540 + 500, 500, 540)
    assert rows["AMANAT"]["official_share"] == pytest.approx(100 * 1040 / (1040 + 560 + 140))

    # A coordinator of Almaty cannot pick Astana: the choice is ignored and their own scope stays.
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    mine = client.get(url, {"region": world["astana"].pk})
    assert {row["name"]: row["official"] for row in mine.context["rows"]}["AMANAT"] == 1040
    assert [region.name for region in mine.context["regions"]] == ["Almaty"]
