"""Incidents in the coordinators' dashboard: counted by severity in the coverage tables, listed on
the station page, exported, and pushed to the live feed; each scoped like the incidents app says
(a coordinator: their organisation's incidents in their regions)."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from elections.services import record_election_stations
from incidents.models import Severity
from tests.dashboard.test_dashboard_pages import world  # noqa: F401 (the fixture)
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    IncidentFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SLUG = "mazhilis-2027"


def _incident(election, station, observer, severity):
    deployment = DeploymentFactory(observer=observer, election=election, station=station)
    return IncidentFactory(deployment=deployment, severity=severity)


@pytest.fixture
def incidents(world):  # noqa: F811 (the fixture, used by name)
    """In Almaty: two high and one low of the coordinator's NGO, one critical of another NGO;
    in Astana (not the coordinator's region): one medium of the coordinator's NGO."""
    election, observed = world["election"], world["observed"]
    ours = world["coordinator"].organisation
    theirs_observer = ObserverFactory()
    astana_station = StationFactory(commission=CommissionFactory(region=world["astana"], code="AST-2"), code="4")
    made = {
        "high": [_incident(election, observed, ObserverFactory(organisation=ours), Severity.HIGH) for _ in range(2)],
        "low": _incident(election, observed, ObserverFactory(organisation=ours), Severity.LOW),
        "other_ngo": _incident(election, observed, theirs_observer, Severity.CRITICAL),
        "astana": _incident(election, astana_station, ObserverFactory(organisation=ours), Severity.MEDIUM),
    }
    other_coordinator = CoordinatorFactory(organisation=theirs_observer.organisation)
    other_coordinator.regions.add(world["almaty"])
    return {**made, "other_coordinator": other_coordinator}


def _login(client, user):
    client.login(username=user.username, password=TEST_PASSWORD)


def test_coverage_counts_the_coordinators_incidents_by_severity_per_region_and_district(client, world, incidents):  # noqa: F811
    _login(client, world["coordinator"])
    page = client.get(reverse("dashboard:coverage", args=[SLUG]), HTTP_ACCEPT_LANGUAGE="en")
    (row,) = page.context["rows"]
    assert row["incidents"] == [1, 0, 2, 0]  # low, medium, high, critical: the other NGO's critical is not theirs
    assert page.context["totals"]["incidents"] == [1, 0, 2, 0]
    # The severities under one "Incidents" heading (the table fits a laptop), each read out in full.
    assert '<span class="visually-hidden">Incidents: </span>High</th>' in page.text
    district = client.get(reverse("dashboard:region", args=[SLUG, world["almaty"].pk]))
    (commission_row,) = district.context["rows"]
    assert commission_row["group"] == world["commission"]
    assert commission_row["figures"]["incidents_high"] == 2 and commission_row["figures"]["incidents_low"] == 1


def test_a_coordinator_of_another_ngo_sees_only_their_own_incidents(client, world, incidents):  # noqa: F811
    _login(client, incidents["other_coordinator"])
    page = client.get(reverse("dashboard:coverage", args=[SLUG]))
    assert page.context["rows"][0]["incidents"] == [0, 0, 0, 1]
    station = client.get(reverse("dashboard:station", args=[SLUG, world["observed"].pk]))
    assert [incident.pk for incident in station.context["incidents"]] == [incidents["other_ngo"].pk]
    feed = client.get(reverse("dashboard:feed", args=[SLUG])).json()
    assert [item["id"] for item in feed["items"] if item["type"] == "incident"] == [incidents["other_ngo"].pk]
    export = client.get(reverse("dashboard:export", args=[SLUG, "incidents", "csv"])).getvalue().decode()
    assert [row[0] for row in csv.reader(io.StringIO(export))][1:] == [str(incidents["other_ngo"].pk)]


def test_a_coordinator_of_another_region_sees_none_of_them(client, world, incidents):  # noqa: F811
    elsewhere = CoordinatorFactory(organisation=world["coordinator"].organisation)
    elsewhere.regions.add(RegionFactory(name="Shymkent"))
    _login(client, elsewhere)
    assert all(row["incidents"] == [0, 0, 0, 0] for row in
               client.get(reverse("dashboard:coverage", args=[SLUG])).context["rows"])
    assert [item for item in client.get(reverse("dashboard:feed", args=[SLUG])).json()["items"]
            if item["type"] == "incident"] == []
    export = client.get(reverse("dashboard:export", args=[SLUG, "incidents", "csv"])).getvalue().decode()
    assert export.splitlines()[1:] == []
    assert client.get(reverse("dashboard:station", args=[SLUG, world["observed"].pk])).status_code == 404


def test_coverage_takes_one_incident_query_whatever_the_number_of_regions(client, world, incidents):  # noqa: F811
    admin = UserFactory(role="admin")
    _login(client, admin)
    url = reverse("dashboard:coverage", args=[SLUG])

    def incident_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [query["sql"] for query in queries if "incidents_incident" in query["sql"]]

    before = incident_queries()
    for number in range(5):
        station = StationFactory(commission=CommissionFactory(region=RegionFactory(name=f"Extra {number}")))
        record_election_stations(election=world["election"], station_ids=[station.pk])  # on its station list
        _incident(world["election"], station, ObserverFactory(), Severity.LOW)
    after = incident_queries()
    assert len(before) == len(after) == 1 and "GROUP BY" in after[0]
    rows = client.get(url).context["rows"]
    assert sum(row["figures"]["incidents_low"] for row in rows) == 1 + 5


def test_station_page_counts_and_lists_the_stations_incidents(client, world, incidents):  # noqa: F811
    _login(client, world["coordinator"])
    page = client.get(reverse("dashboard:station", args=[SLUG, world["observed"].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["incident_counts"] == [("Low", 1), ("Medium", 0), ("High", 2), ("Critical", 0)]
    listed = {incident.pk for incident in page.context["incidents"]}
    assert listed == {incident.pk for incident in incidents["high"]} | {incidents["low"].pk}
    assert reverse("incidents:detail", args=[incidents["low"].pk]) in page.text
    assert reverse("incidents:detail", args=[incidents["other_ngo"].pk]) not in page.text


def test_incident_exports_are_scoped_and_carry_no_observer_name(client, world, incidents):  # noqa: F811
    _login(client, world["coordinator"])
    text = client.get(reverse("dashboard:export", args=[SLUG, "incidents", "csv"]),
                      HTTP_ACCEPT_LANGUAGE="en").getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Incident", "Election", "Region", "Territorial commission", "Station", "Category", "Severity",
                       "Status", "Occurred at (Asia/Almaty)", "Reported at (Asia/Almaty)", "Observer"]
    assert sorted((row[2], row[4], row[6]) for row in rows[1:]) == [
        ("Almaty", "1", "High"), ("Almaty", "1", "High"), ("Almaty", "1", "Low")]
    assert "Arman" not in text and incidents["low"].observer.username not in text
    assert f"Observer {incidents['low'].observer.pseudonym}" in text
    response = client.get(reverse("dashboard:export", args=[SLUG, "incidents", "xlsx"]), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Disposition"] == f'attachment; filename="{SLUG}-incidents.xlsx"'
    sheet = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert sheet[0][0] == "Incident" and len(sheet) == 4
    assert sorted(row[6] for row in sheet[1:]) == ["High", "High", "Low"]


def test_live_feed_brings_new_incidents_beside_flags_with_their_own_cursor(client, world, incidents):  # noqa: F811
    _login(client, world["coordinator"])
    url = reverse("dashboard:feed", args=[SLUG])
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    kinds = sorted((item["type"], item.get("severity")) for item in first["items"])
    assert kinds == [("flag", "critical"), ("incident", "high"), ("incident", "high"), ("incident", "low")]
    assert first["after_incident"] == max(incident.pk for incident in [*incidents["high"], incidents["low"]])
    cursors = {"after_flag": first["after_flag"], "after_incident": first["after_incident"]}
    assert client.get(url, cursors).json()["items"] == []
    new = _incident(world["election"], world["observed"], ObserverFactory(organisation=world["coordinator"].organisation),
                    Severity.CRITICAL)
    second = client.get(url, cursors, HTTP_ACCEPT_LANGUAGE="en").json()
    assert [(item["type"], item["id"], item["severity_label"]) for item in second["items"]] == [
        ("incident", new.pk, "Critical")]
    assert second["after_incident"] == new.pk and second["after_flag"] == first["after_flag"]


def test_live_feed_refuses_a_cursor_that_is_not_a_number(client, world):  # noqa: F811
    _login(client, world["coordinator"])
    response = client.get(reverse("dashboard:feed", args=[SLUG]), {"after_incident": "abc"},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json() == {"error": "after_incident must be a whole number."}


def test_station_page_takes_the_same_queries_for_one_incident_or_many(client, world, incidents):  # noqa: F811
    _login(client, world["coordinator"])
    url = reverse("dashboard:station", args=[SLUG, world["observed"].pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        return len(captured), page

    before, _page = queries()
    ours = world["coordinator"].organisation
    for severity in (Severity.LOW, Severity.MEDIUM, Severity.CRITICAL, Severity.HIGH, Severity.LOW):
        _incident(world["election"], world["observed"], ObserverFactory(organisation=ours), severity)
    after, page = queries()
    assert len(page.context["incidents"]) == 3 + 5
    assert after == before  # each incident's category comes with it, not in a query of its own
    assert str(incidents["low"].category) in page.text
