"""The admin's write boundaries: a staff coordinator may look at their organisation's records in the
admin, but every change there is refused (403) and leaves the database as it was. Only platform
administrators write through the admin."""

import pytest
from django.contrib.auth.models import Permission

from observers.models import Deployment, Organisation, User
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    DeploymentFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_coordinator(client, coordinator):
    """A coordinator given staff access and every admin permission on the observers app's models."""
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(*Permission.objects.filter(content_type__app_label="observers"))
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    return coordinator


@pytest.fixture
def deployment(coordinator, region):
    station = StationFactory(commission=CommissionFactory(region=region))
    return DeploymentFactory(observer=ObserverFactory(organisation=coordinator.organisation), station=station)


def test_staff_coordinator_cannot_move_a_deployment_in_the_admin(client, staff_coordinator, deployment):
    foreign_observer = ObserverFactory(organisation=OrganisationFactory())
    foreign_station = StationFactory()
    url = f"/admin/observers/deployment/{deployment.pk}/change/"
    assert client.get(url).status_code == 200  # they may look
    response = client.post(url, {"observer": foreign_observer.pk, "organisation": foreign_observer.organisation_id,
                                 "election": deployment.election_id, "station": foreign_station.pk,
                                 "in_random_sample": "on"})
    assert response.status_code == 403
    deployment.refresh_from_db()
    assert (deployment.observer_id, deployment.station_id, deployment.in_random_sample) == (
        deployment.observer.pk, deployment.station.pk, False)
    assert deployment.organisation_id == staff_coordinator.organisation_id
    assert client.post(f"/admin/observers/deployment/{deployment.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Deployment.objects.filter(pk=deployment.pk).exists()


def test_staff_coordinator_cannot_add_a_deployment_in_the_admin(client, staff_coordinator, deployment):
    foreign_observer = ObserverFactory(organisation=OrganisationFactory())
    response = client.post("/admin/observers/deployment/add/", {
        "observer": foreign_observer.pk, "organisation": foreign_observer.organisation_id,
        "election": deployment.election_id, "station": StationFactory().pk})
    assert response.status_code == 403
    assert Deployment.objects.count() == 1


def test_staff_coordinator_cannot_raise_anyone_in_the_admin(client, staff_coordinator):
    observer = ObserverFactory(organisation=staff_coordinator.organisation, username="asel")
    other_organisation = OrganisationFactory()
    every_permission = list(Permission.objects.values_list("pk", flat=True))
    escalation = {"username": "asel", "first_name": "Asel", "last_name": "", "email": "", "is_active": "on",
                  "is_staff": "on", "is_superuser": "on", "role": "admin", "phone": "1",
                  "organisation": other_organisation.pk, "user_permissions": every_permission,
                  "date_joined_0": "2027-01-01", "date_joined_1": "10:00:00"}
    response = client.post(f"/admin/observers/user/{observer.pk}/change/", escalation)
    assert response.status_code == 403
    observer.refresh_from_db()
    assert (observer.role, observer.is_staff, observer.is_superuser) == ("observer", False, False)
    assert observer.organisation_id == staff_coordinator.organisation_id
    assert not observer.user_permissions.exists()
    # Themself: not among the users they may see, and unchanged.
    response = client.post(f"/admin/observers/user/{staff_coordinator.pk}/change/",
                           {**escalation, "username": staff_coordinator.username})
    assert response.status_code in (302, 403, 404)
    staff_coordinator.refresh_from_db()
    assert (staff_coordinator.role, staff_coordinator.is_superuser) == ("coordinator", False)
    assert not staff_coordinator.is_platform_admin


def test_staff_coordinator_cannot_create_users_or_reset_passwords_in_the_admin(client, staff_coordinator):
    observer = ObserverFactory(organisation=staff_coordinator.organisation)
    response = client.post("/admin/observers/user/add/", {
        "username": "boss", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD, "role": "admin",
        "organisation": staff_coordinator.organisation_id, "usable_password": "true"})
    assert response.status_code == 403
    assert not User.objects.filter(username="boss").exists()
    response = client.post(f"/admin/observers/user/{observer.pk}/password/", {
        "password1": "a-new-password-to-take-over", "password2": "a-new-password-to-take-over"})
    assert response.status_code == 403
    observer.refresh_from_db()
    assert observer.check_password(TEST_PASSWORD)


def test_staff_coordinator_cannot_widen_their_organisation_in_the_admin(client, staff_coordinator, region):
    organisation = staff_coordinator.organisation
    code_before = organisation.invitation_code
    other_region = RegionFactory()
    response = client.post(f"/admin/observers/organisation/{organisation.pk}/change/", {
        "name": organisation.name, "slug": organisation.slug, "regions": [region.pk, other_region.pk],
        "invitation_code": "MY-OWN-CODE", "allow_self_deployment": "on"})
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert list(organisation.regions.all()) == [region]
    assert organisation.invitation_code == code_before and not organisation.allow_self_deployment
    assert client.post("/admin/observers/organisation/add/", {"name": "Mine", "slug": "mine",
                                                              "invitation_code": "X"}).status_code == 403
    assert not Organisation.objects.filter(slug="mine").exists()


def test_a_platform_administrator_still_edits_in_the_admin(client, organisation, region):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.post(f"/admin/observers/organisation/{organisation.pk}/change/", {
        "name": organisation.name, "slug": organisation.slug, "regions": [region.pk],
        "invitation_code": organisation.invitation_code, "allow_self_deployment": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.allow_self_deployment
