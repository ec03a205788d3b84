"""The coordinators' triage list: every filter narrows what a coordinator sees, and the page's
live feed brings new incidents within the same scope and filters."""

import pytest

from incidents.models import Incident
from tests.factories import (
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    IncidentFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
)

pytestmark = pytest.mark.django_db
Status = Incident.Status


@pytest.fixture
def astana(organisation):
    region = RegionFactory(code="AST", name="Astana")
    organisation.regions.add(region)
    return region


@pytest.fixture
def incidents(deployment, organisation, astana, categories):
    """Three incidents of the organisation: two in Almaty, one in Astana, of different severities and statuses."""
    astana_observer = ObserverFactory(organisation=organisation)
    astana_deployment = DeploymentFactory(observer=astana_observer, election=deployment.election,
                                          station=StationFactory(commission=CommissionFactory(region=astana)))
    return {
        "almaty_critical_new": IncidentFactory(deployment=deployment, category=categories["ballot-stuffing"],
                                               severity="critical", description="Ballots stuffed."),
        "astana_high_verified": IncidentFactory(deployment=astana_deployment, category=categories["vote-buying"],
                                                severity="high", status=Status.VERIFIED,
                                                description="Money at the door."),
        "almaty_low_not_confirmed": IncidentFactory(deployment=deployment, category=categories["other"],
                                                    severity="low", status=Status.NOT_CONFIRMED,
                                                    description="Music too loud."),
    }


def listed(client, query=""):
    return [incident.pk for incident in client.get(f"/incidents/{query}").context["page"].object_list]


def test_triage_filters_by_region_severity_and_status(client, coordinator, incidents, region, astana):
    client.force_login(coordinator)
    everything = [incidents[name].pk for name in ("almaty_low_not_confirmed", "astana_high_verified",
                                                  "almaty_critical_new")]
    assert listed(client) == everything
    assert listed(client, f"?region={astana.pk}") == [incidents["astana_high_verified"].pk]
    assert listed(client, f"?region={region.pk}") == [incidents["almaty_low_not_confirmed"].pk,
                                                      incidents["almaty_critical_new"].pk]
    assert listed(client, "?severity=critical") == [incidents["almaty_critical_new"].pk]
    assert listed(client, "?severity=medium") == []
    assert listed(client, "?status=verified") == [incidents["astana_high_verified"].pk]
    assert listed(client, "?status=not_confirmed") == [incidents["almaty_low_not_confirmed"].pk]
    assert listed(client, f"?region={region.pk}&severity=low&status=not_confirmed") == [
        incidents["almaty_low_not_confirmed"].pk]
    assert listed(client, f"?region={astana.pk}&status=new") == []
    empty = client.get(f"/incidents/?region={astana.pk}&status=new", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No incidents with these filters." in empty


def test_a_coordinator_limited_to_one_region_can_filter_only_within_it(client, organisation, incidents, astana):
    coordinator = CoordinatorFactory(organisation=organisation)
    coordinator.regions.add(astana)
    client.force_login(coordinator)
    assert listed(client) == [incidents["astana_high_verified"].pk]
    almaty = incidents["almaty_critical_new"].station.commission.region
    assert listed(client, f"?region={almaty.pk}") == listed(client)  # not offered: ignored, never widened


def test_live_feed_brings_only_new_incidents_in_scope_and_filters(client, coordinator, deployment, incidents,
                                                                  region, categories):
    client.force_login(coordinator)
    page = client.get(f"/incidents/?region={region.pk}&severity=critical")
    latest = max(incident.pk for incident in incidents.values())
    assert page.context["feed"]["after"] == incidents["almaty_critical_new"].pk
    feed_url = page.context["feed"]["url"]
    assert feed_url == f"/incidents/feed.json?region={region.pk}&severity=critical"

    fresh = IncidentFactory(deployment=deployment, category=categories["multiple-voting"], severity="critical")
    IncidentFactory(deployment=deployment, category=categories["other"], severity="low")  # filtered out
    foreign_ngo = OrganisationFactory()
    foreign_ngo.regions.add(region)
    IncidentFactory(deployment=DeploymentFactory(observer=ObserverFactory(organisation=foreign_ngo),
                                                 election=ElectionFactory(), station=deployment.station))
    response = client.get(f"{feed_url}&after={latest}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert [item["id"] for item in body["items"]] == [fresh.pk] and body["after"] == fresh.pk
    assert f'href="/incidents/{fresh.pk}/"' in body["items"][0]["html"]
    assert "Multiple voting" in body["items"][0]["html"] and "Station 412, Almaty" in body["items"][0]["html"]
    assert client.get(f"{feed_url}&after={fresh.pk}").json() == {"items": [], "after": fresh.pk}


def test_live_feed_refuses_a_bad_cursor_and_anyone_but_coordinators(client, coordinator, observer):
    client.force_login(coordinator)
    refused = client.get("/incidents/feed.json?after=12abc", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and refused.json() == {"error": "after must be a whole number."}
    client.force_login(observer)
    assert client.get("/incidents/feed.json?after=0").status_code == 403


def test_only_the_first_page_of_the_triage_list_is_live(client, coordinator, deployment):
    for _ in range(26):
        IncidentFactory(deployment=deployment)
    client.force_login(coordinator)
    assert client.get("/incidents/").context["feed"] is not None
    second = client.get("/incidents/?page=2")
    assert second.context["feed"] is None and b"triage-live.js" not in second.content


def test_a_burst_of_incidents_larger_than_one_poll_arrives_over_the_next_polls(client, coordinator, deployment):
    burst = [IncidentFactory(deployment=deployment).pk for _ in range(53)]
    client.force_login(coordinator)
    first = client.get("/incidents/feed.json?after=0").json()
    second = client.get(f"/incidents/feed.json?after={first['after']}").json()
    assert [item["id"] for item in first["items"] + second["items"]] == burst
