"""How pages reach a phone: compressed, described for search engines, with a favicon where browsers
ask for it, and the upload client loaded without holding up the first paint (issue 17)."""

import gzip
import json
import re

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from config.compression import CompressionMiddleware
from elections.models import ElectionStation
from tests.dashboard.test_dashboard_pages import world  # noqa: F401 (the fixture)
from tests.factories import TEST_PASSWORD, DeploymentFactory, StationFactory

pytestmark = pytest.mark.django_db


def test_favicon_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_pages_are_compressed_for_browsers_that_accept_gzip(client):
    plain = client.get("/", HTTP_ACCEPT_LANGUAGE="ru")
    compressed = client.get("/", HTTP_ACCEPT_LANGUAGE="ru", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert len(compressed.content) < len(plain.content) / 2
    html = gzip.decompress(compressed.content).decode()
    assert "<h1>" in html and html.count("csrfmiddlewaretoken") == plain.content.decode().count("csrfmiddlewaretoken")
    assert compressed["Content-Security-Policy"] == plain["Content-Security-Policy"]


def test_the_maps_json_is_compressed(client, world):  # noqa: F811
    for number in range(40):  # enough stations for answers worth compressing (Django leaves < 200 bytes alone)
        station = StationFactory(commission=world["commission"], latitude=f"43.{2000 + number * 13}",
                                 longitude=f"76.{8000 + number * 17}")
        ElectionStation.objects.create(election=world["election"], station=station)
    client.login(username=world["coordinator"].username, password=TEST_PASSWORD)
    for name in ("dashboard:map-clusters", "dashboard:map-points"):
        url = reverse(name, args=[world["election"].slug])
        params = {"zoom": 17, "bbox": "76,43,77,44"}  # close in: a cluster per station
        plain = client.get(url, params)
        compressed = client.get(url, params, HTTP_ACCEPT_ENCODING="gzip")
        assert compressed.get("Content-Encoding") == "gzip", (name, len(plain.content))
        assert len(compressed.content) < len(plain.content), name
        assert json.loads(gzip.decompress(compressed.content)) == plain.json()


def test_photos_are_sent_as_they_are():
    """A photo's bytes are already compressed: gzip would only cost the server time."""
    photo = HttpResponse(b"\xff\xd8\xff" + b"\x00" * 5000, content_type="image/jpeg")
    request = RequestFactory().get("/evidence/files/1/original/", HTTP_ACCEPT_ENCODING="gzip")
    answer = CompressionMiddleware(lambda request: photo)(request)
    assert "Content-Encoding" not in answer and len(answer.content) == 5003


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_every_page_has_a_description_in_its_language(client, language):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    description = re.search(r'<meta name="description" content="([^"]+)">', html)
    assert description, "no meta description"
    assert (re.search("[а-яё]", description.group(1)) is not None) == (language != "en")


def test_protocol_and_incident_forms_load_the_upload_client_deferred(client):
    deployment = DeploymentFactory()
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    for url in (reverse("protocols:submit", args=[deployment.pk]), f"{reverse('incidents:report')}?deployment={deployment.pk}"):
        html = client.get(url).content.decode()
        scripts = re.findall(r"<script [^>]*src=\"[^\"]*(?:tus\.min\.js|evidence-upload\.js)\"[^>]*>", html)
        assert len(scripts) == 2, url
        assert all(" defer" in script for script in scripts), scripts
