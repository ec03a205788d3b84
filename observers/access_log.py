"""The access log: every read of a document photo, an original, an observer's page or an export
with personal data, and every change of personal data, recorded once (who, what, when, from
where), append-only (AccessLogEntry), shown to the organisation's administrators.

Views call `record(request, ...)` after the permission check and before the bytes leave, so a
refused read is never logged as a read, and a read is logged even when the answer is a redirect
to the storage (S3). A continuation of a read already logged is not logged again: a `Range`
request that does not start at byte 0 (a video player or a download manager fetching the rest),
and HEAD (no content leaves). An observer reading their own document, original or page is not
logged (`READS`); their own changes are. Services without a request call `record` with `request=None`: the
address is then the one of the request being served (`current_address`, set by
observers.middleware.ClientAddressMiddleware), or none at all for the retention sweep.

Who sees it: administrators, those of an organisation its entries only (`entries_for`);
coordinators, reviewers and observers never (`ensure_may_see`).
"""

import contextvars
import ipaddress
import re

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import throttling
from .models import AccessLogEntry, User

Action = AccessLogEntry.Action
READS = {Action.DOCUMENT_VIEWED, Action.ORIGINAL_DOWNLOADED, Action.PERSON_VIEWED}

_RANGE_START = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-")

# The address of the request being served (set by observers.middleware.ClientAddressMiddleware),
# for the changes a service records without a request in hand.
current_address = contextvars.ContextVar("access_log_client_address", default=None)


def is_continuation(request):
    """True for a request that carries on a read already logged: HEAD, or a Range from a byte
    other than the first."""
    if request is None:
        return False
    if request.method == "HEAD":
        return True
    match = _RANGE_START.match(request.headers.get("Range", ""))
    return bool(match) and match.group(1) not in ("", "0")


def client_address(request):
    """The client's address as an IP text (the throttles' rule), or None when it is not one."""
    address = throttling.client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record(request, *, action, actor=None, subject=None, organisation_id=None, target=""):
    """Append one entry; returns it (None for a continuation of a logged read). `actor` defaults to
    the request's user; `organisation_id` to the subject's organisation."""
    if is_continuation(request):
        return None
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if action in READS and actor is not None and subject is not None and actor.pk == subject.pk:
        return None  # an observer reading their own data: nobody else's eyes, nothing to log
    if organisation_id is None and subject is not None:
        organisation_id = subject.organisation_id
    return AccessLogEntry.objects.create(
        actor=actor, action=action, subject=subject, organisation_id=organisation_id, target=str(target)[:120],
        client_address=client_address(request) if request is not None else current_address.get())


def may_see(user):
    return user.is_authenticated and user.is_platform_admin


def ensure_may_see(user):
    if not may_see(user):
        raise PermissionDenied(_("Only the organisation's administrators see the access log."))
    return user


def entries_for(user):
    """The entries this user may see: an administrator of an organisation its own, an
    administrator of the platform (no organisation) every one; nobody else any."""
    queryset = AccessLogEntry.objects.select_related("actor", "subject", "organisation")
    if not may_see(user):
        return queryset.none()
    if user.organisation_id:
        return queryset.filter(organisation_id=user.organisation_id)
    return queryset


def actor_label(entry):
    if entry.actor is None:
        return _("the platform (retention)")
    return entry.actor.username


def role_label(entry):
    return User.Role(entry.actor.role).label if entry.actor else ""
