"""The second factor (TOTP, with one-time backup codes), through django-otp.

Coordinators, reviewers and admins must have one: after their password they enrol (QR code shown
once, then ten backup codes shown once) or give a code, before any other page or API answer.
Observers may enrol too; once they have, their code is asked for like staff's. A wrong code
counts as a failed login of the (username, address) pair (observers.throttling).
"""

import io
from base64 import b32encode

import segno
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import throttling
from .models import User

STAFF_ROLES = {User.Role.COORDINATOR, User.Role.REVIEWER, User.Role.ADMIN}
BACKUP_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def required_for(user):
    """Staff must have a second factor; anyone who enrolled one must use it."""
    if not user.is_authenticated:
        return False
    return user.role in STAFF_ROLES or user.is_staff or user.is_superuser or user_has_device(user, confirmed=True)


def is_enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user):
    """The authenticator-app device being enrolled: a new secret each time enrolment starts."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def restart_enrolment(user):
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return pending_device(user)


def qr_svg(device):
    """The otpauth:// URL of `device` as an SVG QR code (bytes)."""
    output = io.BytesIO()
    segno.make(device.config_url, error="m").save(output, kind="svg", scale=5, border=2, dark="#000", light="#fff")
    return output.getvalue()


def secret_text(device):
    """The secret in base32, grouped by four, for typing into an app by hand."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


@transaction.atomic
def confirm_enrolment(*, request, code):
    """Confirm the pending device with a code from the app; returns the backup codes (shown once),
    or None when the code is wrong (counted as a failed login)."""
    user = request.user
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(_clean(code)):
        throttling.count_login_failure(request, user.get_username())
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save()
    codes = new_backup_codes(user)
    otp_login(request, device)
    return codes


def new_backup_codes(user):
    """Ten new one-time codes (the old ones stop working)."""
    backup, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME,
                                                          defaults={"confirmed": True})
    backup.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


def backup_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _clean(code):
    return "".join((code or "").split())[:16]


def verify_code(*, user, code):
    """The confirmed device (app or backup codes) that accepts `code`, or None."""
    code = _clean(code)
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None


def verify(*, request, code):
    """Mark the session as having passed the second factor; False (counted) on a wrong code."""
    device = verify_code(user=request.user, code=code)
    if device is None:
        throttling.count_login_failure(request, request.user.get_username())
        return False
    otp_login(request, device)
    return True
