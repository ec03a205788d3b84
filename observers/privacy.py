"""An observer's personal data: everything held about them as one download, its erasure, and the
retention sweep that erases it once every election they observed is past its retention period.

What erasure removes: the name, e-mail, phone and username (replaced), the password (the account
can no longer sign in) and every API token, the accreditation document (the photo also from the
storage, once the erasure commits, and its SHA-256), the check-ins' GPS positions, and what the
apps above hold (registered with `register_holder`: evidence device and GPS metadata, incident
positions, SMS numbers). What it keeps, under the pseudonym: the deployments, the figures, the
evidence files and their hashes, the evidence log, flags, decisions and the access log, so the
evidence chain still verifies (evidence/chain.py hashes the log entries, which erasure never
touches; see docs/privacy.md for what those entries hold).

The apps above observers (evidence, incidents, sms) add their part in their `AppConfig.ready()`:

    from observers import privacy
    privacy.register_holder("evidence", export=..., erase=...)

`export(observer)` returns plain JSON data (dicts, lists, texts, numbers); `erase(observer)` runs
inside the erasure's transaction and must be safe to run twice.
"""

import datetime
import io
import json
import zipfile

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from config.parsing import is_whole_number
from elections.models import Election

from . import access_log, selectors, tokens
from .models import Accreditation, CheckIn, Deployment, User

_holders = []  # (position, name, export, erase)


def register_holder(name, *, export=None, erase=None, position=100):
    """Add an app's part of an observer's personal data; registering a name again changes nothing."""
    if any(known == name for _position, known, _export, _erase in _holders):
        return
    _holders.append((position, name, export, erase))
    _holders.sort(key=lambda item: (item[0], item[1]))


# --- Who may ----------------------------------------------------------------------------------


def may_manage(user):
    return access_log.may_see(user)


def observers_managed_by(user):
    """The observers whose data this user may export and erase: an administrator of an
    organisation its observers, an administrator of the platform every observer; nobody else any."""
    if not may_manage(user):
        return User.objects.none()
    queryset = selectors.observers_for(user)
    return queryset.filter(organisation_id=user.organisation_id) if user.organisation_id else queryset


def observer_for(user, observer_id):
    """The observer (by ID) this administrator may manage; PermissionDenied for anyone else,
    ValidationError for an ID that is not one of theirs."""
    if not may_manage(user):
        raise PermissionDenied(_("Only the organisation's administrators export or erase an observer's data."))
    observer = observers_managed_by(user).filter(pk=int(observer_id)).first() if is_whole_number(str(observer_id)) else None
    if observer is None:
        raise ValidationError(_("No observer of your organisation has this number."))
    return observer


# --- Export -----------------------------------------------------------------------------------


def _iso(moment):
    return moment.isoformat() if moment else None


def personal_data(observer):
    """Everything held about an observer, as plain JSON data."""
    accreditation = Accreditation.objects.filter(observer=observer).first()
    data = {
        "observer": {
            "id": observer.pk, "username": observer.username, "first_name": observer.first_name,
            "last_name": observer.last_name, "email": observer.email, "phone": observer.phone,
            "organisation": observer.organisation.name if observer.organisation else None,
            "date_joined": _iso(observer.date_joined), "last_login": _iso(observer.last_login),
            "erased_at": _iso(observer.erased_at),
        },
        "accreditation": None if accreditation is None else {
            "status": accreditation.status, "reason": accreditation.reason,
            "document": "document" + _extension(accreditation.document_type) if accreditation.document else None,
            "document_type": accreditation.document_type, "document_sha256": accreditation.document_sha256,
            "submitted_at": _iso(accreditation.submitted_at), "decided_at": _iso(accreditation.decided_at),
            "events": [{"from": event.from_status, "to": event.to_status, "reason": event.reason,
                        "at": _iso(event.at)} for event in accreditation.events.all()],
        },
        "deployments": [{
            "id": deployment.pk, "election": deployment.election.name, "station": deployment.station.code,
            "in_random_sample": deployment.in_random_sample, "created_at": _iso(deployment.created_at),
        } for deployment in Deployment.objects.filter(observer=observer).select_related("election", "station")
            .order_by("pk")],
        "check_ins": [{
            "deployment": check_in.deployment_id, "kind": check_in.kind, "recorded_at": _iso(check_in.recorded_at),
            "device_time": _iso(check_in.device_time),
            "latitude": str(check_in.latitude) if check_in.latitude is not None else None,
            "longitude": str(check_in.longitude) if check_in.longitude is not None else None,
            "accuracy_m": check_in.accuracy_m, "distance_m": check_in.distance_m,
        } for check_in in CheckIn.objects.filter(deployment__observer=observer).order_by("recorded_at", "pk")],
        "api_tokens": [{
            "device": token.name, "created_at": _iso(token.created_at), "expires_at": _iso(token.expires_at),
            "last_used_at": _iso(token.last_used_at), "revoked_at": _iso(token.revoked_at),
        } for token in observer.api_tokens.order_by("created_at")],
    }
    for _position, name, export, _erase in _holders:
        if export is not None:
            data[name] = export(observer)
    return data


def _extension(content_type):
    return {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}.get(content_type, "")


def export_archive(*, user, observer_id, request=None):
    """(filename, bytes): a ZIP of personal-data.json and the document photo, for an administrator.
    The file's name carries the observer's number only, never their name."""
    observer = observer_for(user, observer_id)
    data = personal_data(observer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        accreditation = Accreditation.objects.filter(observer=observer).first()
        if accreditation is not None and accreditation.document:
            with accreditation.document.open("rb") as document:
                archive.writestr(data["accreditation"]["document"], document.read())
    access_log.record(request, action=access_log.Action.EXPORTED, actor=user, subject=observer,
                      target=f"user {observer.pk}: everything held")
    return f"observer-{observer.pk}-personal-data.zip", buffer.getvalue()


# --- Erasure ----------------------------------------------------------------------------------


def erased_username(observer):
    """The username an erased observer keeps: their number only (unique, says nothing)."""
    return f"erased-{observer.pk}"


def erase(*, user, observer_id, request=None):
    """An administrator erases an observer's personal data; returns (observer, erased now?)."""
    observer = observer_for(user, observer_id)
    return _erase(observer.pk, actor=user, action=access_log.Action.ERASED, request=request)


def _erase(observer_id, *, actor, action, request=None):
    with transaction.atomic():
        observer = User.objects.select_for_update().get(pk=observer_id)
        if observer.erased_at is not None:
            return observer, False
        observer.first_name = observer.last_name = observer.email = observer.phone = ""
        observer.username = erased_username(observer)
        observer.set_unusable_password()  # also ends every session: its hash no longer matches
        observer.is_active = False
        observer.erased_at = timezone.now()
        observer.save()
        tokens.revoke(user=observer, reason="erased")
        accreditation = Accreditation.objects.select_for_update().filter(observer=observer).first()
        if accreditation is not None and (accreditation.document or accreditation.document_sha256):
            document = accreditation.document
            storage, name = document.storage, document.name
            accreditation.document = ""
            accreditation.document_type = accreditation.document_sha256 = ""
            accreditation.save(update_fields=["document", "document_type", "document_sha256"])
            if name:
                transaction.on_commit(lambda: storage.delete(name))
        CheckIn.objects.filter(deployment__observer=observer).update(latitude=None, longitude=None, accuracy_m=None,
                                                                     device_time=None)
        # The admin's history names the object it changed: the old username goes from there too.
        LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(User),
                                object_id=str(observer.pk)).update(object_repr=observer.username)
        for _position, _name, _export, erase_part in _holders:
            if erase_part is not None:
                erase_part(observer)
        access_log.record(request, action=action, actor=actor, subject=observer,
                          target=f"user {observer.pk}: personal data erased")
    return observer, True


# --- Retention --------------------------------------------------------------------------------


def due_elections(now=None):
    """Closed elections whose retention period is over (counted from `closed_at`, or from
    election day for one closed before the platform recorded when)."""
    now = now or timezone.now()
    due = []
    for election in Election.objects.filter(status=Election.Status.CLOSED, retention_days__isnull=False):
        closed = election.closed_at or datetime.datetime.combine(election.date, datetime.time(), tzinfo=datetime.UTC)
        if closed + datetime.timedelta(days=election.retention_days) <= now:
            due.append(election.pk)
    return due


def due_for_erasure(now=None):
    """IDs of the observers not yet erased whose every deployment is in an election past its
    retention period: someone deployed in an election still open, or kept without a period, stays."""
    due = due_elections(now)
    if not due:
        return []
    return list(_due_observers(due).values_list("pk", flat=True).distinct().order_by("pk"))


def erase_if_due(observer_id, now=None):
    """The retention sweep's step for one observer: erased if (still) due; True when erased now."""
    due = due_elections(now)
    if not due or not _due_observers(due).filter(pk=observer_id).exists():
        return False
    _observer, erased = _erase(observer_id, actor=None, action=access_log.Action.RETENTION_ERASED)
    return erased


def _due_observers(due):
    """The one rule: observers not yet erased, deployed in an election of `due` and in no other."""
    not_due = Deployment.objects.filter(observer=OuterRef("pk")).exclude(election_id__in=due)
    return (User.objects.filter(role=User.Role.OBSERVER, erased_at__isnull=True, deployments__election_id__in=due)
            .annotate(kept=Exists(not_due)).filter(kept=False))
