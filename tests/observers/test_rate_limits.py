"""Rate limits a person would hit: too many sign-ups from one address, too many failed logins for
one username from one address (page, admin and API token alike) with growing delays, nobody
locked out from elsewhere or behind a shared NAT, and an X-Forwarded-For header that a client
wrote itself changes nothing."""

import itertools
import uuid

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from observers import throttling
from observers.models import ApiToken, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# Each test draws addresses and usernames of its own, so counters in the shared cache never meet.
_addresses = (f"10.{n // 250 % 250}.{n % 250}.{uuid.uuid4().int % 250 + 1}" for n in itertools.count(1))


def new_address():
    return next(_addresses)


@pytest.fixture
def small_limits(settings):
    settings.RATE_LIMITS = {"sign-up": (2, 3600), "login": (2, 86400)}


def login_page(client, username, password, address, **extra):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en", **extra)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_sign_up_page_refuses_a_flood_from_one_address(client, organisation, small_limits):
    address = new_address()
    attempt = {"invitation_code": "wrong", "username": "x", "first_name": "X", "phone": "1"}
    for _ in range(2):
        assert client.post(reverse("observers:sign-up"), attempt, REMOTE_ADDR=address).status_code == 200
    refused = client.post(reverse("observers:sign-up"), attempt, REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and "Too many attempts. Try again in 60 minutes." in refused.text
    assert int(refused["Retry-After"]) > 3500
    # The API's sign-up shares the budget of the address; another address has its own.
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address)
    assert api.post("/api/signup/", attempt, format="multipart").status_code == 429
    assert client.post(reverse("observers:sign-up"), attempt, REMOTE_ADDR=new_address()).status_code == 200
    assert not User.objects.filter(username="x").exists()


def test_a_spoofed_forwarded_for_header_does_not_buy_more_sign_ups(client, organisation, small_limits):
    address = new_address()
    attempt = {"invitation_code": "wrong", "username": "x", "first_name": "X", "phone": "1"}
    statuses = [client.post(reverse("observers:sign-up"), attempt, REMOTE_ADDR=address,
                            HTTP_X_FORWARDED_FOR=new_address()).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_behind_one_trusted_proxy_the_address_it_appended_counts(client, organisation, small_limits, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy, phone_a, phone_b = new_address(), new_address(), new_address()
    attempt = {"invitation_code": "wrong", "username": "x", "first_name": "X", "phone": "1"}

    def post(forwarded_for):
        return client.post(reverse("observers:sign-up"), attempt, REMOTE_ADDR=proxy,
                           HTTP_X_FORWARDED_FOR=forwarded_for).status_code

    # The client's own first entries vary; the proxy's last entry (the phone's address) counts.
    assert [post(f"{new_address()}, {phone_a}") for _ in range(3)] == [200, 200, 429]
    assert post(phone_b) == 200  # another phone behind the same proxy is not refused


def test_failed_logins_lock_that_username_from_that_address_even_with_the_right_password(client, small_limits):
    user = UserFactory(username=f"guessed-{uuid.uuid4().hex[:8]}")
    address = new_address()
    for _ in range(2):
        response = login_page(client, user.username, "wrong-guess", address)
        assert response.status_code == 200 and not logged_in(client)
    # From the same address, with the right password, and the username in other letter case.
    assert login_page(client, user.username.upper(), TEST_PASSWORD, address).status_code == 429
    refused = login_page(client, user.username, TEST_PASSWORD, address)
    assert refused.status_code == 429 and "Too many attempts. Try again in 1 minute." in refused.text
    assert not logged_in(client)


def test_an_adversary_elsewhere_cannot_lock_a_coordinator_out(client, small_limits):
    coordinator = UserFactory(username=f"named-{uuid.uuid4().hex[:8]}")
    adversary = new_address()
    for _ in range(20):
        login_page(client, coordinator.username, "wrong-guess", adversary)
    assert login_page(client, coordinator.username, TEST_PASSWORD, adversary).status_code == 429
    # The coordinator, from their own address, logs in at once.
    assert login_page(client, coordinator.username, TEST_PASSWORD, new_address()).status_code == 302
    assert logged_in(client)


def test_a_shared_nat_does_not_lock_out_everyone_behind_it(client, small_limits):
    nat = new_address()
    for n in range(40):
        login_page(client, f"nobody-{uuid.uuid4().hex[:8]}-{n}", "wrong-guess", nat)
    user = UserFactory(username=f"innocent-{uuid.uuid4().hex[:8]}")
    assert login_page(client, user.username, TEST_PASSWORD, nat).status_code == 302
    assert logged_in(client)


def test_the_delay_grows_with_each_further_failure(client, small_limits, settings):
    settings.LOGIN_LOCKOUT_SECONDS = (60, 3600)
    user = UserFactory(username=f"slow-{uuid.uuid4().hex[:8]}")
    address = new_address()
    waits = []
    for _ in range(2):
        login_page(client, user.username, "wrong-guess", address)
    for _ in range(4):
        # A locked pair's attempts are refused without checking the password; waiting them out is
        # simulated by clearing the lock only, not the count of failures.
        refused = login_page(client, user.username, "wrong-guess", address)
        waits.append(int(refused["Retry-After"]))
        cache.delete(throttling._lock_key(throttling._pair(RequestFactory().get("/", REMOTE_ADDR=address),
                                                                 user.username)))
        login_page(client, user.username, "wrong-guess", address)
    assert [round(wait, -1) for wait in waits] == [60, 120, 240, 480], waits


def test_successful_logins_cost_nothing(client, small_limits):
    user = UserFactory(username=f"daily-{uuid.uuid4().hex[:8]}")
    address = new_address()
    for _ in range(5):
        assert login_page(client, user.username, TEST_PASSWORD, address).status_code == 302
        client.logout()


def test_the_token_endpoint_counts_and_refuses_like_the_login_page(small_limits):
    user = UserFactory(username=f"phone-{uuid.uuid4().hex[:8]}")
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    address = new_address()
    for _ in range(2):
        response = api.post("/api/auth/token/", {"username": user.username, "password": "wrong-guess"},
                            REMOTE_ADDR=address)
        assert response.status_code == 400
    refused = api.post("/api/auth/token/", {"username": user.username, "password": TEST_PASSWORD},
                       REMOTE_ADDR=address)
    assert refused.status_code == 429 and "Too many attempts" in refused.json()["detail"]
    assert 30 < int(refused["Retry-After"]) <= 60
    assert not ApiToken.objects.filter(user=user).exists()


def test_failures_on_the_token_endpoint_lock_the_login_page_too(client, small_limits):
    user = UserFactory(username=f"both-{uuid.uuid4().hex[:8]}")
    api = APIClient()
    address = new_address()
    for _ in range(2):
        api.post("/api/auth/token/", {"username": user.username, "password": "wrong-guess"}, REMOTE_ADDR=address)
    assert login_page(client, user.username, TEST_PASSWORD, address).status_code == 429


def test_the_admin_login_is_limited_too(client, small_limits):
    admin = UserFactory(username=f"root-{uuid.uuid4().hex[:8]}", role="admin", is_staff=True, is_superuser=True)
    address = new_address()
    for _ in range(2):
        client.post("/admin/login/", {"username": admin.username, "password": "wrong-guess"}, REMOTE_ADDR=address)
    response = client.post("/admin/login/", {"username": admin.username, "password": TEST_PASSWORD},
                           REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many attempts" in response.text and not logged_in(client)
