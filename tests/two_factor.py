"""Staff sign in with a second factor: helpers that enrol a user's authenticator app for real
(a confirmed django-otp TOTP device) and compute the code the app would show."""

import time

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from observers import two_factor
from observers.models import User


def enrolled_device(user):
    """The user's confirmed authenticator-app device (made the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name=two_factor.APP_DEVICE_NAME, confirmed=True)


def current_code(device):
    """The code the app shows now (the next one when this one was already used: a code works once)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


def mark_session_verified(client, user):
    """What the second-factor page does on a right code: the session remembers the device."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = enrolled_device(user).persistent_id
    session.save()


def pass_second_factor_in_browser(page, user):
    """After the password in a browser: give the app's code on the second-factor page."""
    page.wait_for_load_state()
    if "/accounts/two-factor/verify/" in page.url:
        page.get_by_label("Code").fill(current_code(enrolled_device(user)))
        page.get_by_role("button", name="Verify").click()


def log_in_in_browser(page, base_url, username, password):
    """The login page, then (for staff) the second-factor page with their enrolled app's code."""
    user = User.objects.get(username=username)
    if two_factor.required_for(user):
        enrolled_device(user)
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if two_factor.required_for(user):
        page.wait_for_url("**/accounts/two-factor/verify/**")
        pass_second_factor_in_browser(page, user)
