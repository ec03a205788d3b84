"""The suite runs its workers on the broker it is configured with."""

from django.conf import settings


def test_the_suite_uses_the_configured_broker():
    """In CI the broker is Redis; on a bare machine it is the embedded filesystem broker."""
    expected = "redis://" if settings.REDIS_URL else "filesystem://"
    assert settings.CELERY_BROKER_URL.startswith(expected)
