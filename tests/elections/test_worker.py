"""A task sent from the web travels through the real broker to a real worker process."""

import pytest
from django.conf import settings
from django.urls import reverse

from elections.models import RegionSummary
from tests.factories import TEST_PASSWORD, ElectionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.worker


def test_recompute_button_reaches_the_worker_and_its_result_shows(client, celery_worker_process):
    StationFactory.create_batch(4, registered_voters=1000)
    election = ElectionFactory()
    coordinator = UserFactory(role="coordinator")
    client.login(username=coordinator.username, password=TEST_PASSWORD)

    response = client.post(reverse("elections:request-summary", args=[election.slug]), follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "A worker will recompute" in response.text

    celery_worker_process.wait_for(lambda: RegionSummary.objects.filter(election=election).count() == 4,
                                   what="the worker's region summaries")
    assert sum(RegionSummary.objects.values_list("registered_voters", flat=True)) == 4000
    page = client.get(reverse("elections:detail", args=[election.slug]), HTTP_ACCEPT_LANGUAGE="en")
    assert "4,000" in page.text
    assert "refresh_region_summaries" in celery_worker_process.log_path.read_text()


def test_the_suite_uses_the_configured_broker():
    """In CI the broker is Redis; on a bare machine it is the embedded filesystem broker."""
    expected = "redis://" if settings.REDIS_URL else "filesystem://"
    assert settings.CELERY_BROKER_URL.startswith(expected)
