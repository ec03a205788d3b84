"""API tokens that expire and are revoked: issued after the password (and, for staff, the second
factor), revoked on a password change, a logout, a revoked accreditation or by their owner.

A key is 32 random bytes shown once; the database keeps its SHA-256 only. The header is the one
the phone app already sends: `Authorization: Token <key>`.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from .models import Accreditation, ApiToken

KEYWORD = "Token"
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


def issue(*, user, name=""):
    """A new token of `user`; returns (ApiToken, key). The key is never stored nor shown again."""
    key = secrets.token_urlsafe(32)
    lifetime = datetime.timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, key_digest=_digest(key), prefix=key[:6], name=(name or "")[:100],
                                        expires_at=timezone.now() + lifetime)
    return token, key


def active_for(user):
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def revoke(*, user, reason, token_id=None):
    """Revoke one token of `user` (by id) or all of them; returns how many were revoked."""
    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if token_id is not None:
        tokens = tokens.filter(pk=token_id)
    return tokens.update(revoked_at=timezone.now(), revoked_reason=reason)


class ExpiringTokenAuthentication(BaseAuthentication):
    """DRF authentication by an unexpired, unrevoked ApiToken of an active user."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from None
        now = timezone.now()
        token = (ApiToken.objects.select_related("user")
                 .filter(key_digest=_digest(key), revoked_at__isnull=True, expires_at__gt=now).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This token is invalid, expired or revoked: log in again."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return KEYWORD


# --- Receivers (connected in observers.apps) -------------------------------------------------


def revoke_on_password_change(sender, instance, **kwargs):
    """pre_save of the user: set_password() leaves the new raw password in `_password`."""
    if instance.pk and getattr(instance, "_password", None) is not None:
        revoke(user=instance, reason="password changed")


def revoke_on_logout(sender, request=None, user=None, **kwargs):
    if user is not None:
        revoke(user=user, reason="logout")


def revoke_on_revoked_accreditation(sender, instance, **kwargs):
    if instance.status == Accreditation.Status.REVOKED:
        revoke(user=instance.observer, reason="accreditation revoked")


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The API schema (/api/docs/, schemathesis) describes the token header."""

    target_class = "observers.tokens.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "`Token <key>`, the key from POST /api/auth/token/ (it expires)."}
