"""The installable observer app: its manifest, its service worker and the session probe the outbox
asks before sending (what the browser reads when the observer installs and uses the app)."""

import re

import pytest
from django.test import Client

from tests.factories import ObserverFactory

pytestmark = pytest.mark.django_db


def test_the_service_worker_is_served_from_the_root_and_loads_workbox_from_this_site_only():
    response = Client().get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/" and response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    imported = re.findall(r'importScripts\("([^"]+)"\)', script)
    assert len(imported) == 4 and all(url.startswith("/static/vendor/workbox/workbox-") for url in imported)
    assert "http://" not in script and "https://" not in script
    version = re.search(r'var VERSION = "([0-9a-f]{12})"', script).group(1)
    assert '"observer-pages-" + VERSION' in script and version != "__VERSION__"


def test_the_manifest_names_the_app_in_the_observers_language_and_starts_on_my_station():
    names = {}
    for language in ("kk", "ru", "en"):
        response = Client(headers={"accept-language": language}).get("/manifest.webmanifest")
        data = response.json()
        assert response["Content-Type"] == "application/manifest+json"
        assert (data["start_url"], data["display"], data["lang"]) == ("/observe/me/", "standalone", language)
        assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}
        names[language] = data["name"]
    assert names["en"] == "Election observers" and len(set(names.values())) == 3


def test_the_session_probe_says_whether_the_phone_is_still_logged_in_and_is_never_cached():
    anonymous = Client().get("/app/session/")
    assert anonymous.json()["authenticated"] is False and anonymous["Cache-Control"] == "no-store"
    client = Client()
    client.force_login(ObserverFactory())
    data = client.get("/app/session/").json()
    assert data["authenticated"] is True and len(data["csrf"]) >= 32


def test_forgetting_the_phone_ends_the_session_and_clears_the_sites_data_on_the_phone():
    """The last step of "remove everything from this phone" (a plain logout keeps the outbox)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(ObserverFactory())
    assert client.get("/app/forget/").status_code == 405
    assert client.post("/app/forget/").status_code == 403  # no CSRF token: a page elsewhere cannot log you out
    csrf = client.get("/app/session/").json()["csrf"]
    response = client.post("/app/forget/", HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 204
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert client.get("/app/session/").json()["authenticated"] is False
    plain_logout = Client()
    plain_logout.force_login(ObserverFactory())
    assert "Clear-Site-Data" not in plain_logout.post("/accounts/logout/")


def test_every_page_links_the_manifest_and_the_app_script_without_inline_code():
    client = Client()
    client.force_login(ObserverFactory())
    html = client.get("/observe/me/").content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'id="app-config" type="application/json"' in html and "js/outbox.js" in html
    assert not re.search(r"<script(?![^>]*(src=|application/json))[^>]*>", html)  # no executable inline script
