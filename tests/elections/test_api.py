import pytest
from rest_framework.test import APIClient

from tests.factories import ContestantFactory, ElectionFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def test_api_requires_authentication():
    assert APIClient().get("/api/elections/").status_code in (401, 403)


def test_elections_list_with_contestants(api):
    election = ElectionFactory()
    ContestantFactory(election=election, ballot_number=1, name="AMANAT")
    body = api.get("/api/elections/").json()
    assert body["count"] == 1
    assert body["results"][0]["contestants"][0]["name"] == "AMANAT"


def test_protocol_lines_are_expanded_and_translated(api):
    election = ElectionFactory()
    ContestantFactory(election=election, ballot_number=1)
    ContestantFactory(election=election, ballot_number=2)
    lines = api.get(f"/api/elections/{election.slug}/protocol-lines/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert [line["code"] for line in lines] == ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8.1", "L8.2", "L9"]
    assert lines[0]["label"] == "Число избирателей, внесённых в списки"
    relations = api.get(f"/api/elections/{election.slug}/control-relations/").json()
    assert relations[0]["expression"] == "L2 == L3 + L5 + L6"


def test_stations_are_paginated_and_filtered_by_region(api):
    stations = StationFactory.create_batch(3)
    region = stations[0].commission.region_id
    body = api.get("/api/stations/", {"commission__region": region}).json()
    assert body["count"] == 1 and body["results"][0]["id"] == stations[0].id


def test_openapi_schema_and_docs_are_served(api):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/elections/{slug}/protocol-lines/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
