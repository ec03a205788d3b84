"""A reviewer opens the dashboard: the overview, a region and the coverage export answer, on PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from observers.models import User
from tests.factories import TEST_PASSWORD, ElectionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_client(client):
    reviewer = UserFactory(role=User.Role.REVIEWER)
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    return client


def test_reviewer_sees_the_overview_region_and_coverage_export(reviewer_client):
    assert connection.vendor == "postgresql", "the bug was PostgreSQL's: text = bigint"
    station = StationFactory()
    election = ElectionFactory()
    region = station.commission.region
    overview = reviewer_client.get(reverse("dashboard:coverage", args=[election.slug]))
    assert overview.status_code == 200
    assert region.name in overview.content.decode()
    assert reviewer_client.get(reverse("dashboard:region", args=[election.slug, region.pk])).status_code == 200
    export = reviewer_client.get(reverse("dashboard:export", args=[election.slug, "coverage", "csv"]))
    assert export.status_code == 200
    assert region.name in export.getvalue().decode()
