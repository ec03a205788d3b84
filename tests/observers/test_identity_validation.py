"""Usernames of a safe alphabet (NFKC, one script), phone numbers in E.164, and IDs or file names
that are not what they should be answer 4xx with a clear message, never 500."""

import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from observers import identity
from observers.models import User
from tests.factories import TEST_PASSWORD, CoordinatorFactory, ElectionFactory, ObserverFactory, UserFactory

from .conftest import photo


@pytest.mark.parametrize("raw, code", [
    ("<b>x</b>", "characters"),
    ("a b", "characters"),
    ("adm\u0456n", "mixed_scripts"),  # Cyrillic і among Latin letters: looks like "admin"
    ("раypal", "mixed_scripts"),  # Cyrillic р and а
    ("x", "length"),
    ("a" * 41, "length"),
    ("robert'); --", "characters"),
    ("zero\u200bwidth", "characters"),
    ("1234", "characters"),
])
def test_unsafe_usernames_are_refused(raw, code):
    with pytest.raises(identity.IdentityError) as refused:
        identity.normalise_username(raw)
    assert refused.value.code == code


@pytest.mark.parametrize("raw, stored", [
    ("aigerim.s", "aigerim.s"),
    ("Айгерім", "Айгерім"),  # Kazakh, all Cyrillic
    ("Әлия_2027", "Әлия_2027"),
    ("ａｄｍｉｎ", "admin"),  # fullwidth letters: NFKC
])
def test_legitimate_usernames_are_kept_in_their_nfkc_form(raw, stored):
    assert identity.normalise_username(raw) == stored


@pytest.mark.parametrize("raw", ["+7<b>1</b>", "+7 701", "call me", "+7 701 123 45 67 ext <script>", "1"])
def test_bad_phone_numbers_are_refused(raw):
    with pytest.raises(identity.IdentityError):
        identity.normalise_phone(raw)


@pytest.mark.parametrize("raw, stored", [("+7 (701) 123-45-67", "+77011234567"), ("8 701 123 45 67", "+77011234567"),
                                         ("+7 916 123 45 67", "+79161234567")])
def test_phone_numbers_are_stored_in_e164(raw, stored):
    assert identity.normalise_phone(raw, "KZ") == stored


def sign_up(organisation, **fields):
    data = {"invitation_code": "JOIN-US", "username": f"user{uuid.uuid4().hex[:6]}", "password": TEST_PASSWORD,
            "first_name": "Dias", "phone": "+7 701 123 45 67", "document": photo(), **fields}
    return APIClient(HTTP_ACCEPT_LANGUAGE="en").post("/api/signup/", data, format="multipart",
                                                     REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.1")


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["<b>x</b>", "a b", "adm\u0456n"])
def test_sign_up_refuses_an_unsafe_username_with_a_clear_message(organisation, username):
    response = sign_up(organisation, username=username)
    assert response.status_code == 400
    assert "username" in response.json()
    assert not User.objects.filter(first_name="Dias").exists()


@pytest.mark.django_db
def test_sign_up_refuses_markup_in_the_phone_and_stores_e164(organisation):
    refused = sign_up(organisation, phone="+7<b>1</b>")
    assert refused.status_code == 400 and "valid phone number" in str(refused.json()["phone"])
    created = sign_up(organisation, username="Айгерім", phone="8 (701) 123-45-67")
    assert created.status_code == 201, created.content
    assert User.objects.get(username="Айгерім").phone == "+77011234567"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/accreditations/null,null/document/", "/api/accreditations/null/",
                                  "/api/accreditations/1e3/decide/", "/api/observers/%00/",
                                  "/api/incidents/-1/", "/api/evidence/files/abc/"])
def test_ids_in_urls_are_parsed_before_use(coordinator, path):
    client = APIClient()
    client.force_authenticate(coordinator)
    response = client.get(path) if "decide" not in path else client.post(path, {"decision": "approve"})
    assert response.status_code == 404, (path, response.status_code)


@pytest.mark.django_db
def test_a_coordinator_finds_the_document_of_a_real_id(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="pending")
    client = APIClient()
    client.force_authenticate(coordinator)
    assert client.get(f"/api/accreditations/{observer.accreditation.pk}/").status_code == 200


@pytest.fixture
def coordinator(organisation):
    return CoordinatorFactory(organisation=organisation)


@pytest.mark.django_db
@pytest.mark.parametrize("number", ["²", "①", "١٢", "99999999999999999999999"])
def test_odd_digits_in_query_strings_and_headers_are_never_a_server_error(organisation, region, number):
    coordinator = CoordinatorFactory(organisation=organisation)
    coordinator.regions.add(region)
    election = ElectionFactory()
    observer = ObserverFactory(organisation=organisation)
    reviewer = UserFactory(role="reviewer")
    cases = [
        (observer, f"/evidence/upload/?station={number}&election={number}"),
        (coordinator, f"/incidents/feed.json?after={number}"),
        (coordinator, f"/dashboard/{election.slug}/results/?region={number}"),
        (coordinator, f"/dashboard/{election.slug}/feed.json?after_flag={number}&after_incident=1"),
        (reviewer, f"/protocols/review/?election={number}&region={number}"),
    ]
    for user, url in cases:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        assert client.get(url).status_code < 500, url
    client = Client()
    client.force_login(observer)
    created = client.post("/api/evidence/uploads/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH=number)
    assert created.status_code == 400
