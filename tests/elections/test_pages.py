import pytest
from django.urls import reverse

from tests.factories import TEST_PASSWORD, ElectionFactory, UserFactory

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


def test_admin_is_served_to_admins(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    assert client.get("/admin/").status_code == 302
    client.login(username=admin.username, password=TEST_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/elections/station/").status_code == 200
    assert client.get("/admin/elections/protocoltemplate/1/change/").status_code == 200
