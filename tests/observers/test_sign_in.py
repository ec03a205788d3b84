"""Strong sign-in: staff give a second factor (TOTP app or a backup code) after their password,
on the pages, the admin and the API; observers may enrol one; API tokens expire, are listed and
revocable, and die with a password change, a logout or a revoked accreditation; authenticated
answers are never cached."""

import datetime
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from observers import services, two_factor
from observers.models import ApiToken
from tests.factories import TEST_PASSWORD, CoordinatorFactory, ObserverFactory, UserFactory
from tests.two_factor import current_code, enrolled_device

pytestmark = pytest.mark.django_db


def page_login(client, user, password=TEST_PASSWORD, next_url=""):
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    # Each test signs in from an address of its own: lockouts of one never meet another's.
    return client.post(reverse("login"), data, HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=address())


def address():
    return f"10.77.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_a_coordinator_without_a_second_factor_is_made_to_enrol_before_any_page(client):
    coordinator = CoordinatorFactory()
    page_login(client, coordinator)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/?next=")
    assert client.get("/api/me/").status_code == 403
    assert client.get("/admin/").status_code == 302
    enrolment = client.get(response["Location"])
    assert enrolment.status_code == 200
    assert "Scan this QR code" in enrolment.text
    qr = client.get("/accounts/two-factor/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    assert enrolment.context["secret"].replace(" ", "") in device.config_url
    wrong = client.post("/accounts/two-factor/", {"code": "000000"})
    assert wrong.status_code == 400 and "wrong" in wrong.text
    time.sleep(1.1)  # django-otp makes a device wait 1 s after a wrong code, doubling each time
    done = client.post("/accounts/two-factor/", {"code": current_code(device)})
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.text for code in codes)
    assert client.get("/dashboard/").status_code == 200
    # Shown once: the QR code of an enrolled account is gone.
    assert client.get("/accounts/two-factor/qr.svg").status_code == 404


def test_an_enrolled_coordinator_gives_the_app_code_after_the_password(client):
    coordinator = CoordinatorFactory()
    device = enrolled_device(coordinator)
    response = page_login(client, coordinator, next_url="/dashboard/")
    assert response.status_code == 302
    verify = client.get("/dashboard/")
    assert verify.status_code == 302 and verify["Location"].startswith("/accounts/two-factor/verify/")
    refused = client.post("/accounts/two-factor/verify/", {"code": "123456", "next": "/dashboard/"})
    assert refused.status_code == 400 and "wrong" in refused.text
    assert client.get("/dashboard/").status_code == 302
    time.sleep(1.1)
    passed = client.post("/accounts/two-factor/verify/", {"code": current_code(device), "next": "/dashboard/"})
    assert passed.status_code == 302 and passed["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_backup_code_works_once(client):
    reviewer = UserFactory(role="reviewer")
    enrolled_device(reviewer)
    code = two_factor.new_backup_codes(reviewer)[0]
    page_login(client, reviewer)
    assert client.post("/accounts/two-factor/verify/", {"code": code}).status_code == 302
    assert client.get("/protocols/review/").status_code == 200
    client.logout()
    page_login(client, reviewer)
    assert client.post("/accounts/two-factor/verify/", {"code": code}).status_code == 400
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9


def test_the_admin_is_closed_to_a_password_alone(client):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    device = enrolled_device(admin)
    client.post("/admin/login/", {"username": admin.username, "password": TEST_PASSWORD, "next": "/admin/"},
                REMOTE_ADDR=address())
    assert client.get("/admin/observers/user/").status_code == 302
    client.post("/accounts/two-factor/verify/", {"code": current_code(device)})
    assert client.get("/admin/observers/user/").status_code == 200


def test_an_observer_signs_in_without_a_code_and_may_enrol_one(client):
    observer = ObserverFactory()
    page_login(client, observer)
    assert client.get("/observe/me/").status_code == 200
    client.get("/accounts/two-factor/")
    device = TOTPDevice.objects.get(user=observer, confirmed=False)
    client.post("/accounts/two-factor/", {"code": current_code(device)})
    client.logout()
    page_login(client, observer)
    assert client.get("/observe/me/").status_code == 302  # now their code is asked for too
    client.post("/accounts/two-factor/verify/", {"code": current_code(device)})
    assert client.get("/observe/me/").status_code == 200


def token_for(user, **extra):
    return APIClient().post("/api/auth/token/", {"username": user.username, "password": TEST_PASSWORD, **extra},
                            REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE="en")


def api_with(key):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_staff_get_an_api_token_only_with_their_code():
    coordinator = CoordinatorFactory()
    assert token_for(coordinator).status_code == 403  # not enrolled yet: the website first
    device = enrolled_device(coordinator)
    refused = token_for(coordinator)
    assert refused.status_code == 400 and "code" in refused.json()
    issued = token_for(coordinator, code=current_code(device))
    assert issued.status_code == 200
    assert api_with(issued.json()["token"]).get("/api/me/").json()["username"] == coordinator.username


def test_an_api_token_expires():
    observer = ObserverFactory()
    answer = token_for(observer).json()
    expires = datetime.datetime.fromisoformat(answer["expires_at"])
    assert datetime.timedelta(days=29) < expires - timezone.now() <= datetime.timedelta(days=30)
    assert api_with(answer["token"]).get("/api/me/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    expired = api_with(answer["token"]).get("/api/me/")
    assert expired.status_code in (401, 403) and "expired" in expired.json()["detail"]


def test_a_password_change_revokes_every_token():
    observer = ObserverFactory()
    key = token_for(observer).json()["token"]
    observer.set_password("a-new-long-passphrase-2027")
    observer.save()
    assert api_with(key).get("/api/me/").status_code in (401, 403)


def test_logging_out_revokes_tokens():
    observer = ObserverFactory()
    first, second = token_for(observer).json()["token"], token_for(observer).json()["token"]
    assert api_with(first).post("/api/auth/logout/").status_code == 204
    assert api_with(first).get("/api/me/").status_code in (401, 403)
    assert api_with(second).get("/api/me/").status_code == 200
    web = Client()
    page_login(web, observer)
    web.post(reverse("logout"))
    assert api_with(second).get("/api/me/").status_code in (401, 403)


def test_a_revoked_accreditation_revokes_the_observers_tokens():
    observer = ObserverFactory()
    coordinator = CoordinatorFactory(organisation=observer.organisation)
    key = token_for(observer).json()["token"]
    services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                  decision="revoke", reason="left the NGO")
    assert api_with(key).get("/api/me/").status_code in (401, 403)


def test_tokens_are_listed_with_a_revoke_button_that_works(client):
    observer = ObserverFactory()
    key = token_for(observer).json()["token"]
    page_login(client, observer)
    listing = client.get("/accounts/tokens/")
    token = ApiToken.objects.get(user=observer)
    assert key[:6] in listing.text and f"/accounts/tokens/{token.pk}/revoke/" in listing.text
    assert [item["prefix"] for item in api_with(key).get("/api/auth/tokens/").json()["results"]] == [key[:6]]
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert api_with(key).get("/api/me/").status_code in (401, 403)
    assert key[:6] not in client.get("/accounts/tokens/").text


def test_nobody_revokes_another_persons_token(client):
    victim, other = ObserverFactory(), ObserverFactory()
    key = token_for(victim).json()["token"]
    page_login(client, other)
    client.post(f"/accounts/tokens/{ApiToken.objects.get(user=victim).pk}/revoke/")
    assert api_with(key).get("/api/me/").status_code == 200


def test_authenticated_pages_and_api_answers_are_never_stored(client):
    observer = ObserverFactory()
    page_login(client, observer)
    for url in ("/observe/me/", "/api/me/", "/accounts/tokens/"):
        assert "no-store" in client.get(url)["Cache-Control"], url
    key = token_for(observer).json()["token"]
    assert "no-store" in api_with(key).get("/api/me/")["Cache-Control"]
    coordinator = CoordinatorFactory()
    staff = Client()
    page_login(staff, coordinator)
    assert "no-store" in staff.get("/dashboard/")["Cache-Control"]  # the redirect to the second factor
    assert "no-store" in api_with(key).get("/api/incidents/")["Cache-Control"]


def test_wrong_second_factor_codes_lock_that_username_from_that_address_only(client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login": (2, 86400)}
    coordinator = CoordinatorFactory()
    device = enrolled_device(coordinator)
    here = address()
    client.post(reverse("login"), {"username": coordinator.username, "password": TEST_PASSWORD}, REMOTE_ADDR=here)
    for _ in range(2):
        client.post("/accounts/two-factor/verify/", {"code": "000000"}, REMOTE_ADDR=here)
        time.sleep(1.1)
    time.sleep(2.1)  # django-otp's own wait after two wrong codes
    refused = client.post("/accounts/two-factor/verify/", {"code": current_code(device)}, REMOTE_ADDR=here,
                          HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429 and "Too many attempts" in refused.text
    elsewhere = Client()
    elsewhere.post(reverse("login"), {"username": coordinator.username, "password": TEST_PASSWORD},
                   REMOTE_ADDR=address())
    assert elsewhere.post("/accounts/two-factor/verify/", {"code": current_code(device)},
                          REMOTE_ADDR=address()).status_code == 302
