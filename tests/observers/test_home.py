""""My station" shows, on each deployment's card, what the observer sent there: check-in, protocol
copy (version, flags), uploads, incidents. Only their own, never a colleague's at the same
station, and with a fixed number of queries however many deployments they have."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident
from observers import home, services
from protocols.models import Discrepancy
from protocols.services import submit_copy
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    DeploymentFactory,
    ElectionFactory,
    IncidentFactory,
    ObserverFactory,
    StationFactory,
    _incident_category,
    evidence_file,
)
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = pytest.mark.django_db


@pytest.fixture
def election():
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number)
    return election


@pytest.fixture
def station(region):
    return StationFactory(commission=CommissionFactory(region=region), code="101")


def deploy(observer, election, station):
    return DeploymentFactory(observer=observer, election=election, station=station)


def home_page(client, observer):
    client.login(username=observer.username, password=TEST_PASSWORD)
    response = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.text


def test_the_apps_above_register_their_sections():
    assert home.registered_sections() == [
        "protocols.selectors.home_protocol_section",
        "evidence.selectors.home_uploads_section",
        "incidents.selectors.home_incidents_section",
        "checklists.selectors.home_section",
    ]


def test_a_new_deployment_says_nothing_was_sent_yet(client, coordinator, election, station):
    observer = ObserverFactory(organisation=coordinator.organisation)
    deploy(observer, election, station)
    page = home_page(client, observer)
    assert "No protocol sent yet." in page
    assert "No photo or video uploaded yet." in page
    assert "No incident reported." in page


def test_the_observer_sees_the_status_of_what_they_sent(client, coordinator, election, station):
    observer = ObserverFactory(organisation=coordinator.organisation)
    deployment = deploy(observer, election, station)
    services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4())
    submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(), figures=KZ_PROTOCOL)
    copy, _created = submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                 figures={**KZ_PROTOCOL, "L8.1": 501})
    Discrepancy.objects.create(election=election, station=station, key="test-mismatch", kind="mismatch",
                               severity="critical", observer_copy=copy)
    evidence_file(uploaded_by=observer, station=station.pk, election=election.pk, purpose="protocol_photo")
    evidence_file(uploaded_by=observer, station=station.pk, election=election.pk, purpose="protocol_photo")
    IncidentFactory(deployment=deployment, category=_incident_category("vote-buying"))

    page = home_page(client, observer)
    assert "You are at the station" in page and "Check out" in page
    assert "Protocol sent: version 2" in page and "does not add up" in page
    assert "flagged: being checked by a reviewer" in page
    assert "2 files uploaded" in page and "Photo of a protocol (2)" in page
    assert "1 incident reported" in page and "<span class=\"badge\">New</span>" in page

    Discrepancy.objects.filter(observer_copy=copy).update(status="observer_error")
    assert "a reviewer thinks a figure was mistyped" in home_page(client, observer)
    Discrepancy.objects.filter(observer_copy=copy).update(status="withdrawn")
    assert "no flag" in home_page(client, observer)


def test_the_observer_never_sees_a_colleagues_status_at_the_same_station(client, coordinator, election, station):
    mine = ObserverFactory(organisation=coordinator.organisation)
    colleague = ObserverFactory(organisation=coordinator.organisation)
    deploy(mine, election, station)
    theirs = deploy(colleague, election, station)
    services.record_check_in(observer=colleague, deployment_id=theirs.pk, client_id=uuid.uuid4())
    copy, _created = submit_copy(observer=colleague, deployment_id=theirs.pk, client_id=uuid.uuid4(),
                                 figures=KZ_PROTOCOL)
    Discrepancy.objects.create(election=election, station=station, key="theirs", kind="mismatch",
                               severity="critical", observer_copy=copy)
    evidence_file(uploaded_by=colleague, station=station.pk, election=election.pk, purpose="count_media")
    IncidentFactory(deployment=theirs, description="The colleague's report")

    page = home_page(client, mine)
    assert "No protocol sent yet." in page and "Protocol sent" not in page and "flagged" not in page
    assert "No photo or video uploaded yet." in page
    assert "No incident reported." in page
    assert "Check in at this station" in page  # the colleague's check-in is not theirs
    assert f"/incidents/mine/{Incident.objects.get().pk}/" not in page
    # The colleague sees their own.
    page = home_page(client, colleague)
    assert "Protocol sent: version 1" in page and "1 file uploaded" in page and "1 incident reported" in page


def test_my_station_reads_with_the_same_number_of_queries_for_one_or_many_deployments(client, coordinator, election):
    observer = ObserverFactory(organisation=coordinator.organisation)
    region = coordinator.organisation.regions.get()

    def queries():
        client.login(username=observer.username, password=TEST_PASSWORD)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("observers:home")).status_code == 200
        return len(captured)

    def deploy_with_records():
        deployment = deploy(observer, election, StationFactory(commission=CommissionFactory(region=region)))
        services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4())
        submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(), figures=KZ_PROTOCOL)
        IncidentFactory(deployment=deployment)

    deploy_with_records()
    one = queries()
    for _ in range(3):
        deploy_with_records()
    assert queries() == one
