"""/healthz says whether the database, the broker, the cache and the storage answer, and which failed."""

import socket

import pytest

from config.celery import app

pytestmark = pytest.mark.django_db


def closed_port():
    """A local port nothing listens on: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_answers_ok_when_every_service_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "cache": "ok",
                                                           "storage": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_an_unreachable_broker_with_503(client, settings):
    port = closed_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    assert app.conf.broker_url == f"redis://127.0.0.1:{port}/0"  # the check opens a new connection to it
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "checks": {"database": "ok", "broker": "failed", "cache": "ok",
                                                                "storage": "ok"}}


def test_healthz_names_an_unreachable_cache_with_503(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "cache": "failed", "storage": "ok"}
    assert "127.0.0.1" not in response.text  # the reason goes to the log, not to a public page


def test_healthz_names_a_storage_it_cannot_write_to(client, settings, tmp_path):
    """MEDIA_ROOT under a file, as when a volume is not mounted and a file took its place."""
    (tmp_path / "volume").write_text("not a folder")
    settings.MEDIA_ROOT = str(tmp_path / "volume" / "media")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "cache": "ok", "storage": "failed"}
