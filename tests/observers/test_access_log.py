"""The access log (#16 item 3): each read of personal data is recorded once, with who, what, when
and from where; it is append-only; only the organisation's administrators see it, and export it."""

import csv
import io

import pytest
from django.urls import reverse

from observers import services, tokens
from observers.models import AccessLogEntry, User
from tests.factories import (
    TEST_PASSWORD,
    CoordinatorFactory,
    ObserverFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    evidence_file,
)
from tests.observers.conftest import photo

pytestmark = pytest.mark.django_db

Action = AccessLogEntry.Action
SIGN_UP = {"invitation_code": "JOIN-US", "username": "aigul", "password": TEST_PASSWORD,
           "first_name": "Aigul", "last_name": "Bekova", "phone": "+7 701 000 00 00"}


def admin_of(organisation):
    return UserFactory(role=User.Role.ADMIN, organisation=organisation)


def reads(action):
    return list(AccessLogEntry.objects.filter(action=action))


def test_one_view_of_a_document_photo_is_one_entry_with_who_when_and_where(client, coordinator, organisation):
    observer = services.sign_up(**SIGN_UP, document=photo())
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    response = client.get(reverse("observers:document", args=[observer.accreditation.pk]),
                          REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [entry] = reads(Action.DOCUMENT_VIEWED)
    assert (entry.actor, entry.subject, entry.organisation) == (coordinator, observer, organisation)
    assert entry.client_address == "203.0.113.7" and entry.at is not None
    assert entry.target == f"accreditation {observer.accreditation.pk}"


def test_the_rest_of_a_range_request_and_a_head_are_not_logged_again(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    url = reverse("observers:document", args=[observer.accreditation.pk])
    client.get(url, HTTP_RANGE="bytes=0-")
    client.get(url, HTTP_RANGE="bytes=1024-")  # the player fetching the rest: the same view
    client.head(url)
    assert len(reads(Action.DOCUMENT_VIEWED)) == 1
    client.get(url)  # a second view, later: a second entry
    assert len(reads(Action.DOCUMENT_VIEWED)) == 2


def test_the_api_document_read_goes_through_the_page_once(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    key = tokens.issue(user=coordinator)[1]
    response = client.get(f"/api/accreditations/{observer.accreditation.pk}/document/",
                          HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    [entry] = reads(Action.DOCUMENT_VIEWED)
    assert entry.actor == coordinator


def test_a_refused_read_is_not_logged_as_a_read(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    stranger = CoordinatorFactory()  # another organisation
    client.login(username=stranger.username, password=TEST_PASSWORD)
    assert client.get(reverse("observers:document", args=[observer.accreditation.pk])).status_code == 404
    assert not reads(Action.DOCUMENT_VIEWED)


def test_an_observer_reading_their_own_document_is_not_logged(client, organisation):
    observer = services.sign_up(**SIGN_UP, document=photo())
    client.login(username=observer.username, password=TEST_PASSWORD)
    assert client.get(reverse("observers:document", args=[observer.accreditation.pk])).status_code == 200
    assert not reads(Action.DOCUMENT_VIEWED)


def test_the_coordinators_page_of_a_person_is_logged_once_and_a_decision_as_a_change(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    url = reverse("observers:accreditation", args=[observer.accreditation.pk])
    assert client.get(url).status_code == 200
    assert len(reads(Action.PERSON_VIEWED)) == 1
    # The decision itself reads no person; the page it returns to (offering to deploy the observer
    # just approved) is a new view of them, logged once more.
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert len(reads(Action.PERSON_VIEWED)) == 1
    assert client.get(url).status_code == 200
    assert len(reads(Action.PERSON_VIEWED)) == 2
    changes = AccessLogEntry.objects.filter(action=Action.CHANGED, subject=observer).order_by("id")
    assert [entry.actor for entry in changes] == [observer, coordinator]  # the sign-up, then the decision
    assert changes.last().target.endswith(": approved")


def test_an_original_download_is_logged_once_for_a_reviewer(client):
    observer = ObserverFactory()
    evidence = evidence_file(uploaded_by=observer)
    reviewer = UserFactory(role=User.Role.REVIEWER)
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    response = client.get(reverse("evidence:file", args=[evidence.pk, "original"]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    client.get(reverse("evidence:file", args=[evidence.pk, "original"]), HTTP_RANGE="bytes=500-")
    [entry] = reads(Action.ORIGINAL_DOWNLOADED)
    assert (entry.actor, entry.subject, entry.target) == (reviewer, observer, f"evidence {evidence.pk}")
    # A copy (thumbnail, web size) carries no metadata: not a read of personal data.
    client.get(reverse("evidence:file", args=[evidence.pk, "web"]))
    assert len(reads(Action.ORIGINAL_DOWNLOADED)) == 1


def test_an_evidence_package_is_one_export_entry_per_observer_in_it(client):
    first, second = ObserverFactory(), ObserverFactory()
    station = StationFactory()
    evidence = evidence_file(uploaded_by=first, station=station.pk)
    evidence_file(uploaded_by=second, station=station.pk)
    evidence_file(uploaded_by=first, station=station.pk)
    reviewer = UserFactory(role=User.Role.REVIEWER)
    client.login(username=reviewer.username, password=TEST_PASSWORD)
    response = client.get(reverse("evidence:station-package", args=[evidence.station_id]))
    assert response.status_code == 200
    entries = {entry.subject: entry for entry in reads(Action.EXPORTED)}
    assert set(entries) == {first, second}
    assert entries[first].target == "evidence package: 2 original(s)"
    assert entries[first].organisation == first.organisation


def test_the_log_is_append_only():
    entry = AccessLogEntry.objects.create(action=Action.PERSON_VIEWED, target="x")
    with pytest.raises(TypeError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(target="y")
    with pytest.raises(TypeError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(TypeError):
        entry.delete()
    entry.target = "y"
    with pytest.raises(TypeError):
        entry.save()
    assert AccessLogEntry.objects.get(pk=entry.pk).target == "x"


def test_an_admin_sees_their_organisations_entries_only_paginated_and_as_csv(client, coordinator, organisation):
    observer = services.sign_up(**SIGN_UP, document=photo())
    other = ObserverFactory()  # another organisation
    AccessLogEntry.objects.create(action=Action.PERSON_VIEWED, subject=other, organisation=other.organisation,
                                  target="user elsewhere")
    for _number in range(55):
        AccessLogEntry.objects.create(action=Action.DOCUMENT_VIEWED, actor=coordinator, subject=observer,
                                      organisation=organisation, target="accreditation here",
                                      client_address="198.51.100.4")
    admin = admin_of(organisation)
    client.login(username=admin.username, password=TEST_PASSWORD)
    page = client.get(reverse("observers:access-log"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "accreditation here" in page.text and "user elsewhere" not in page.text
    assert "Page 1 of 2" in page.text and "198.51.100.4" in page.text
    assert "<title>Access log" in page.text and observer.last_name not in page.text
    response = client.get(reverse("observers:access-log-csv"), {"action": "document_viewed"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())  # the byte-order mark Excel needs for Cyrillic
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["at", "who", "role", "what", "observer", "observer_pseudonym", "record", "from_address"]
    assert len(rows) == 1 + 55
    assert {row[1] for row in rows[1:]} == {coordinator.username}
    assert {row[4] for row in rows[1:]} == {str(observer.pk)}
    assert {row[5] for row in rows[1:]} == {f"Observer {User.objects.get(pk=observer.pk).pseudonym}"}
    # Reading the log is itself logged.
    assert AccessLogEntry.objects.filter(action=Action.EXPORTED, actor=admin, target="access log CSV").count() == 1


def test_only_administrators_see_the_log(client, coordinator):
    reviewer = UserFactory(role=User.Role.REVIEWER, organisation=coordinator.organisation)
    observer = ObserverFactory(organisation=coordinator.organisation)
    for user in (coordinator, reviewer, observer):
        client.login(username=user.username, password=TEST_PASSWORD)
        assert client.get(reverse("observers:access-log")).status_code == 403
        assert client.get(reverse("observers:access-log-csv")).status_code == 403
    client.logout()
    assert client.get(reverse("observers:access-log")).status_code == 302  # to the login page


def test_bad_filters_say_what_is_wrong_never_a_500(client, organisation):
    admin = admin_of(organisation)
    client.login(username=admin.username, password=TEST_PASSWORD)
    for query, message in (({"action": "nonsense"}, "Choose one of the kinds of access"),
                           ({"observer": "①"}, "by their number"),
                           ({"observer": "9" * 40}, "by their number")):
        response = client.get(reverse("observers:access-log"), query, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and message in response.text
        assert client.get(reverse("observers:access-log-csv"), query, HTTP_ACCEPT_LANGUAGE="en").status_code == 400
    assert client.get(reverse("observers:access-log"), {"page": "zzz"}).status_code == 200


def test_a_platform_administrator_sees_every_organisations_entries(client):
    first, second = ObserverFactory(), ObserverFactory(organisation=OrganisationFactory())
    for observer in (first, second):
        AccessLogEntry.objects.create(action=Action.PERSON_VIEWED, subject=observer,
                                      organisation=observer.organisation, target=f"seen {observer.pk}")
    platform_admin = UserFactory(role=User.Role.ADMIN, organisation=None)
    client.login(username=platform_admin.username, password=TEST_PASSWORD)
    page = client.get(reverse("observers:access-log")).text
    assert f"seen {first.pk}" in page and f"seen {second.pk}" in page
