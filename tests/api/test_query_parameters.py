"""Query parameters out of the database's range answer 400 and name the parameter (SQLite, the
embedded database of `make run`, raised OverflowError on a 102-digit region ID: a 500)."""

import pytest
from rest_framework.test import APIClient

from observers.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("region", ["-1.3293194372191825e+101", "99999999999999999999", "1.5", "0"])
def test_a_region_id_out_of_range_is_refused_with_the_parameters_name(region):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(UserFactory(role=User.Role.REVIEWER))
    response = client.get("/api/discrepancies/", {"region": region})
    assert response.status_code == 400, response.content
    assert "region" in response.json()


def test_a_region_id_in_range_filters_as_before():
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(UserFactory(role=User.Role.REVIEWER))
    response = client.get("/api/discrepancies/", {"region": "9223372036854775807"})
    assert response.status_code == 200 and response.json()["count"] == 0
