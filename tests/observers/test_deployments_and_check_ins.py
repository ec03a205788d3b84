import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from observers import services
from observers.models import CheckIn, Deployment
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(region):
    return StationFactory(commission=CommissionFactory(region=region), code="101",
                          latitude="43.238949", longitude="76.889709")


def test_coordinator_deploys_an_observer_in_their_region(client, coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation, first_name="Aruzhan")
    election = ElectionFactory()
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    # As the form sends it without its script: the observer's username and the station's number typed.
    client.post(reverse("observers:deployments"), {"observer_query": observer.username, "election": election.pk,
                                                   "station_query": "101"})
    deployment = Deployment.objects.get()
    assert (deployment.observer, deployment.station, deployment.assigned_by) == (observer, station, coordinator)
    assert "Aruzhan" in client.get(reverse("observers:deployments")).text


def test_a_station_outside_the_coordinators_regions_is_refused(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation)
    elsewhere = StationFactory()  # a region the organisation does not cover
    with pytest.raises(PermissionDenied):
        services.deploy(coordinator=coordinator, observer_id=observer.pk, election_id=ElectionFactory().pk,
                        station_id=elsewhere.pk)
    assert not Deployment.objects.exists()


def test_csv_deployment_is_all_or_nothing_with_line_numbers(coordinator, station):
    observers = [ObserverFactory(organisation=coordinator.organisation, username=f"obs{n}") for n in range(2)]
    election = ElectionFactory()
    region_code = station.commission.region.code
    bad = f"username,region_code,station_code\nobs0,{region_code},101\nghost,{region_code},101\nobs1,{region_code},999\n"
    with pytest.raises(ValidationError) as refused:
        services.deploy_from_csv(coordinator=coordinator, election_id=election.pk, csv_text=bad)
    assert [message.split(":")[0] for message in refused.value.messages] == ["line 3", "line 4"]
    assert not Deployment.objects.exists()
    good = f"username,region_code,station_code,in_random_sample\nobs0,{region_code},101,yes\nobs1,{region_code},101,no\n"
    assert services.deploy_from_csv(coordinator=coordinator, election_id=election.pk, csv_text=good) == (2, 0)
    assert services.deploy_from_csv(coordinator=coordinator, election_id=election.pk, csv_text=good) == (0, 2)
    assert Deployment.objects.filter(in_random_sample=True).get().observer == observers[0]


def test_observer_picks_a_station_only_when_the_organisation_allows(coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation)
    election = ElectionFactory()
    with pytest.raises(PermissionDenied):
        services.self_deploy(observer=observer, election_id=election.pk, station_id=station.pk)
    coordinator.organisation.allow_self_deployment = True
    coordinator.organisation.save()
    observer.refresh_from_db()
    assert services.self_deploy(observer=observer, election_id=election.pk, station_id=station.pk).station == station
    with pytest.raises(PermissionDenied):
        services.self_deploy(observer=observer, election_id=election.pk, station_id=StationFactory().pk)


def test_check_in_on_the_phone_records_server_time_and_distance(client, coordinator, station):
    deployment = DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), station=station)
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    home = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Polling station 101" in home.text and "Check in at this station" in home.text
    response = client.post(reverse("observers:check-in"), {
        "deployment": deployment.pk, "client_id": str(uuid.uuid4()), "kind": "in",
        "latitude": "43.239500", "longitude": "76.890000", "accuracy": "25"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "Checked in." in response.text and "Check out" in response.text
    record = CheckIn.objects.get()
    assert record.distance_m < 100 and not record.far_from_station and record.recorded_at is not None


def test_far_away_check_in_is_flagged_not_refused(coordinator, station):
    deployment = DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), station=station)
    record, created = services.record_check_in(
        observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
        latitude="43.300000", longitude="76.950000", accuracy_m=30)
    assert created and record.far_from_station and 8000 < record.distance_m < 9000


def test_a_retried_check_in_is_recorded_once(coordinator, station):
    deployment = DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), station=station)
    client_id = uuid.uuid4()
    first, created = services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk,
                                              client_id=client_id)
    again, created_again = services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk,
                                                    client_id=client_id)
    assert created and not created_again and first.pk == again.pk and CheckIn.objects.count() == 1


def test_unaccredited_observer_cannot_check_in_through_the_page(client, coordinator, station):
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="pending")
    deployment = DeploymentFactory(observer=observer, station=station)
    client.login(username=observer.username, password=TEST_PASSWORD)
    response = client.post(reverse("observers:check-in"), {"deployment": deployment.pk, "client_id": str(uuid.uuid4()),
                                                           "kind": "in"}, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "accreditation is not approved" in response.text
    assert not CheckIn.objects.exists()


def test_observer_cannot_check_in_at_someone_elses_deployment(coordinator, station):
    mine = ObserverFactory(organisation=coordinator.organisation)
    theirs = DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), station=station)
    with pytest.raises(ValidationError):
        services.record_check_in(observer=mine, deployment_id=theirs.pk, client_id=uuid.uuid4())


def test_coordinator_lists_only_deployments_in_their_regions(client, organisation, station):
    near = CoordinatorFactory(organisation=organisation)
    near.regions.add(station.commission.region)
    far = CoordinatorFactory(organisation=organisation)
    far.regions.add(RegionFactory())
    DeploymentFactory(observer=ObserverFactory(organisation=organisation, first_name="Samal"), station=station)
    row = "<td>Samal Observer"
    client.login(username=near.username, password=TEST_PASSWORD)
    assert row in client.get(reverse("observers:deployments")).text
    client.login(username=far.username, password=TEST_PASSWORD)
    assert row not in client.get(reverse("observers:deployments")).text
