"""Usernames of a safe alphabet (NFKC, one script), phone numbers in E.164, and IDs or file names
that are not what they should be answer 4xx with a clear message, never 500."""

import sqlite3
import uuid

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from observers import identity, sqlite_functions
from observers.models import User
from observers.services import username_skeleton
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


@pytest.mark.parametrize("new, taken", [
    ("сос", "coc"),  # all Cyrillic, one script: looks like the Latin "coc"
    ("coc", "сос"),
    ("АВС", "abc"),  # Cyrillic capitals (one script) that read "ABC"
    ("ВОТ", "bot"),
    ("rnike", "mike"),
    ("Iogin", "login"),  # capital I looks like a small l
    ("ad0l", "adol"),
])
def test_a_username_whose_skeleton_is_taken_is_confusable(new, taken):
    assert identity.skeleton(new) == identity.skeleton(taken)


@pytest.mark.parametrize("first, second", [("Айгерім", "Айгерим"), ("aigerim", "aigerlm"), ("жук", "zhuk")])
def test_usernames_that_do_not_look_alike_keep_different_skeletons(first, second):
    assert identity.skeleton(first) != identity.skeleton(second)


@pytest.mark.django_db
def test_the_databases_skeleton_equals_pythons_for_every_letter_of_the_table():
    names = ["сос", "АДМІН", "Айгерім", "Әлия_2027", "rnvvI01", "ЁЖИК", "ӀӏÀàŢ"]  # stored usernames are NFKC already
    for name in names:
        UserFactory(username=name)
    stored = dict(User.objects.filter(username__in=names).annotate(sk=username_skeleton()).values_list("username", "sk"))
    assert stored == {name: identity.skeleton(name) for name in names}


@pytest.mark.django_db
def test_the_embedded_databases_translate_is_postgresqls():
    """`make run` uses SQLite, which has no TRANSLATE: observers.sqlite_functions gives it one with
    PostgreSQL's rules (a longer source drops the characters with no counterpart; the first place
    of a repeated character wins), so sign-ups work on a machine with nothing configured."""
    embedded = sqlite3.connect(":memory:")
    embedded.create_function("TRANSLATE", 3, sqlite_functions.translate, deterministic=True)
    table = (identity.SKELETON_FROM, identity.SKELETON_TO)
    cases = {("сос", *table): "coc", ("Айгерім", *table): identity.skeleton("Айгерім"),
             ("12345", "143", "ax"): "a2x5", ("abc", "aa", "xy"): "xbc"}
    for arguments, expected in cases.items():
        assert embedded.execute("SELECT TRANSLATE(?, ?, ?)", arguments).fetchone()[0] == expected, arguments
        with connection.cursor() as cursor:  # the suite's own database, PostgreSQL in CI, agrees
            cursor.execute("SELECT TRANSLATE(%s, %s, %s)", arguments)
            assert cursor.fetchone()[0] == expected, arguments
    assert embedded.execute("SELECT TRANSLATE(NULL, 'a', 'b')").fetchone()[0] is None


@pytest.mark.django_db
@pytest.mark.parametrize("new, taken", [("сос", "coc"), ("pop", "рор"), ("ВОТ", "Bot")])
def test_sign_up_refuses_a_username_confusable_with_a_taken_one(organisation, new, taken):
    UserFactory(username=taken)
    response = sign_up(organisation, username=new)
    assert response.status_code == 400
    assert "looks like one that is taken" in str(response.json()["username"])
    assert not User.objects.filter(username=new).exists()


@pytest.mark.django_db
def test_a_coordinator_creating_an_observer_on_the_api_is_refused_a_confusable_username(organisation):
    UserFactory(username="coc")
    coordinator = CoordinatorFactory(organisation=organisation)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(coordinator)
    response = client.post("/api/observers/", {"username": "сос", "password": TEST_PASSWORD, "first_name": "Dias",
                                               "last_name": "S", "phone": "+7 701 123 45 67"}, format="json")
    assert response.status_code == 400 and "looks like one that is taken" in str(response.json()["username"])


@pytest.mark.django_db
def test_the_admin_refuses_confusable_and_unsafe_usernames_on_add_and_change():
    UserFactory(username="coc")
    admin = UserFactory(role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    add = "/admin/observers/user/add/"
    for username, message in [("сос", "looks like one that is taken"), ("adm\u0456n", "one alphabet")]:
        response = client.post(add, {"username": username, "password1": "Long-enough-pass-42",
                                     "password2": "Long-enough-pass-42", "role": "observer",
                                     "usable_password": "true"})
        assert response.status_code == 200 and message in response.text, username
        assert not User.objects.filter(username=username).exists()
    created = client.post(add, {"username": "ｄｉａｓ", "password1": "Long-enough-pass-42",
                                "password2": "Long-enough-pass-42", "role": "observer", "usable_password": "true"})
    assert created.status_code == 302 and User.objects.filter(username="dias").exists()
    user = User.objects.get(username="dias")
    change = client.get(f"/admin/observers/user/{user.pk}/change/")
    data = {key: value for key, value in change.context["adminform"].form.initial.items()
            if key in ("username", "role", "first_name", "last_name", "email", "phone")}
    data = {**{key: value or "" for key, value in data.items()}, "date_joined_0": "2027-01-01",
            "date_joined_1": "10:00:00", "is_active": "on"}
    refused = client.post(f"/admin/observers/user/{user.pk}/change/", {**data, "username": "сос"})
    assert refused.status_code == 200 and "looks like one that is taken" in refused.text
    kept = client.post(f"/admin/observers/user/{user.pk}/change/", {**data, "username": "dias"})
    assert kept.status_code == 302, kept.context["adminform"].form.errors if kept.context else kept
