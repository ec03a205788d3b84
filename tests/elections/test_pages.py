import pytest
from django.urls import reverse

from elections.models import RegionSummary
from elections.services import refresh_region_summaries
from tests.factories import TEST_PASSWORD, ElectionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_lists_elections(client):
    election = ElectionFactory(name="Mazhilis 2027")
    response = client.get("/")
    assert response.status_code == 200
    assert "Mazhilis 2027" in response.text
    assert reverse("elections:detail", args=[election.slug]) in response.text


def test_home_page_without_elections_says_what_to_do(client):
    assert "No election has been set up yet" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").text


def test_language_switch_changes_the_interface(client):
    response = client.post(reverse("set_language"), {"language": "kk", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert '<html lang="kk">' in response.text
    assert "Сайлау" in response.text  # "Elections" in Kazakh
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    assert "Выборы" in client.get("/").text


def test_election_page_shows_the_workers_region_summary(client):
    station = StationFactory(registered_voters=1234)
    election = ElectionFactory()
    assert "have not been computed yet" in client.get(
        reverse("elections:detail", args=[election.slug]), HTTP_ACCEPT_LANGUAGE="en").text
    refresh_region_summaries(election_id=election.pk)
    response = client.get(reverse("elections:detail", args=[election.slug]), HTTP_ACCEPT_LANGUAGE="en")
    assert station.commission.region.name in response.text
    assert "1,234" in response.text


def test_only_coordinators_and_admins_may_ask_for_a_recompute(client, django_capture_on_commit_callbacks):
    election = ElectionFactory()
    url = reverse("elections:request-summary", args=[election.slug])
    observer = UserFactory(role="observer")
    client.login(username=observer.username, password=TEST_PASSWORD)
    assert client.post(url).status_code == 403
    coordinator = UserFactory(role="coordinator")
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url)
    assert response.status_code == 302
    assert len(callbacks) == 1  # the task is sent only once the request's transaction commits


def test_summaries_are_idempotent_and_follow_the_territory():
    StationFactory.create_batch(3)
    election = ElectionFactory()
    assert refresh_region_summaries(election_id=election.pk) == 3
    first = list(RegionSummary.objects.values_list("region_id", "stations", "registered_voters"))
    refresh_region_summaries(election_id=election.pk)
    assert list(RegionSummary.objects.values_list("region_id", "stations", "registered_voters")) == first


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def test_admin_is_served_to_admins(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    assert client.get("/admin/").status_code == 302
    client.login(username=admin.username, password=TEST_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/elections/station/").status_code == 200
    assert client.get("/admin/elections/protocoltemplate/1/change/").status_code == 200
