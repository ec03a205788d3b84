"""#12 item 4: a list answers summaries, the detail the whole record. 100 incidents (the page
cap) whose every text is as long as allowed, each with comments and revisions, and 100
complaints with the longest answer, list in a bounded answer; the detail still has every text."""

import datetime
import uuid

import pytest
from django.test import Client

from config.limits import LONG_TEXT, SHORT_TEXT
from config.pagination import EXCERPT_LENGTH
from incidents.models import Complaint, IncidentEvent, IncidentRevision
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

LIST_BUDGET = 150_000  # bytes for a page of 100 items: about 1.5 KB an item


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def long_incidents(deployment, coordinator, region):
    coordinator.regions.add(region)
    incidents = [IncidentFactory(deployment=deployment, description="d" * LONG_TEXT, witnesses="w" * SHORT_TEXT)
                 for _ in range(100)]
    IncidentEvent.objects.bulk_create([IncidentEvent(incident=incident, comment="c" * SHORT_TEXT, actor=coordinator)
                                       for incident in incidents for _ in range(3)])
    IncidentRevision.objects.bulk_create([IncidentRevision(incident=incident, previous={"description": "p" * LONG_TEXT},
                                                           changed_by=deployment.observer) for incident in incidents])
    return incidents


def test_a_page_of_100_incidents_with_the_longest_texts_stays_small(long_incidents, coordinator):
    client = logged_in(coordinator)
    listed = client.get("/api/incidents/", {"page_size": 100})
    items = listed.json()["results"]
    assert len(items) == 100
    assert len(listed.content) < LIST_BUDGET, len(listed.content)
    first = items[0]
    assert len(first["description_excerpt"]) == EXCERPT_LENGTH and first["description_excerpt"].endswith("…")
    assert not {"description", "witnesses", "events", "revisions"} & set(first)
    detail = client.get(f"/api/incidents/{first['id']}/").json()
    assert len(detail["description"]) == LONG_TEXT and len(detail["witnesses"]) == SHORT_TEXT
    assert len(detail["events"]) == 3 and len(detail["revisions"]) == 1


def test_a_page_of_100_complaints_with_the_longest_answers_stays_small(long_incidents, coordinator):
    complaints = Complaint.objects.bulk_create([Complaint(
        client_id=uuid.uuid4(), incident=incident, addressed_to="a" * 300, language="ru", created_by=coordinator,
        filed_where="f" * 300, answered_on=datetime.date(2027, 3, 25), answer_text="t" * LONG_TEXT)
        for incident in long_incidents])
    client = logged_in(coordinator)
    listed = client.get("/api/complaints/", {"page_size": 100})
    items = listed.json()["results"]
    assert len(items) == 100 and len(listed.content) < LIST_BUDGET, len(listed.content)
    assert len(items[0]["answer_excerpt"]) == EXCERPT_LENGTH and "answer_text" not in items[0]
    detail = client.get(f"/api/complaints/{complaints[0].pk}/").json()
    assert len(detail["answer_text"]) == LONG_TEXT and "revisions" in detail
