"""Every write about incidents: reports and their edits, triage, notifications, complaints.

Views, the API, the admin and the Celery task all call these functions, so each rule lives here
once. Errors are Django's own: ValidationError for bad input (400), PermissionDenied for a user
crossing a boundary (403).
"""

import datetime
import logging
import time
import urllib.request
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.queue import enqueue_on_commit
from evidence import selectors as evidence_selectors
from evidence import services as evidence_services
from evidence.models import EvidenceFile, Purpose
from observers import pseudonyms
from observers.models import CheckIn, Deployment, User
from observers.scope import of_observers
from observers.services import coordinator_region_ids, ensure_may_submit

from . import complaint_document, deadlines, webhooks
from .complaint_document import ComplaintFacts, EvidenceItem
from .models import (
    COORDINATE_ERRORS,
    COORDINATE_LIMITS,
    Complaint,
    ComplaintRevision,
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentEvidence,
    IncidentRevision,
    Notification,
    NotificationSetting,
    Severity,
    webhooks_allowed,
)
from .shipped_categories import SHIPPED_CATEGORIES

logger = logging.getLogger(__name__)
Status = Incident.Status

EDITABLE_FIELDS = ("category_id", "occurred_at", "description", "witnesses", "evidence_ids")
# What the evidence attached to an incident, and the scan of a complaint's answer, were sent for.
INCIDENT_EVIDENCE_PURPOSE = Purpose.INCIDENT_MEDIA
ANSWER_SCAN_PURPOSE = Purpose.COMPLAINT_ANSWER

# (from, to): the only moves triage may make. Everything else is refused by `_transition`.
TRANSITIONS = {
    (Status.NEW, Status.VERIFIED),
    (Status.NEW, Status.NOT_CONFIRMED),
    (Status.NOT_CONFIRMED, Status.VERIFIED),  # new facts came in
    (Status.VERIFIED, Status.ESCALATED),
    (Status.VERIFIED, Status.RESOLVED),
    (Status.ESCALATED, Status.RESOLVED),
}
COMPLAINT_STATUSES = {Status.VERIFIED, Status.ESCALATED}


def install_shipped_categories():
    """Create the shipped categories that are missing; never touch an existing one."""
    existing = set(IncidentCategory.objects.values_list("code", flat=True))
    IncidentCategory.objects.bulk_create([
        IncidentCategory(code=code, default_severity=severity, urgent=urgent, name_kk=kk, name_ru=ru, name_en=en,
                         position=position)
        for position, (code, severity, urgent, kk, ru, en) in enumerate(SHIPPED_CATEGORIES, start=1)
        if code not in existing
    ])


# --- Who may do what --------------------------------------------------------------------------


def ensure_coordinator_for(user, incident):
    """A coordinator of the incident's organisation, coordinating the station's region."""
    is_coordinator = user.is_authenticated and user.role == User.Role.COORDINATOR
    if not (is_coordinator and user.organisation_id == incident.organisation_id
            and incident.station.commission.region_id in coordinator_region_ids(user)):
        raise PermissionDenied(_("Only a coordinator of this organisation and region may do this."))


def default_deployment(observer):
    """Where the observer is: the deployment of their latest check-in (if it was an arrival)."""
    last = (CheckIn.objects.filter(deployment__observer=observer).order_by("-recorded_at", "-id")
            .values_list("kind", "deployment_id").first())
    if last and last[0] == CheckIn.Kind.CHECK_IN:
        return last[1]
    return None


# --- Evidence attached to incidents and complaints ---------------------------------------------


def _incident_evidence(observer, ids, station_id, election_id):
    return evidence_services.own_evidence(user=observer, ids=ids, purpose=INCIDENT_EVIDENCE_PURPOSE,
                                          station_id=station_id, election_id=election_id)


def attached_evidence(incident):
    """The incident's photos and videos, in the order they were attached."""
    return (EvidenceFile.objects.filter(incident_attachments__incident=incident)
            .select_related("original", "uploaded_by", "station").order_by("incident_attachments__attached_at",
                                                                           "incident_attachments__id"))


# --- Reports ----------------------------------------------------------------------------------


def report_incident(*, observer, client_id, category_id, description, deployment_id=None, occurred_at=None,
                    witnesses="", latitude=None, longitude=None, accuracy_m=None, evidence_ids=(), severity=None):
    """Record a report once per client_id, however often the phone re-sends it.

    `evidence_ids` are the observer's own uploads (purpose "incident_media") to attach; a re-send
    is a retry, not an edit, so it returns the stored incident with its attachments unchanged.
    Returns (incident, created). An urgent category notifies the coordinators after commit.
    `severity` (a Severity value) overrides the category's default: a checklist's critical answer says it.
    """
    ensure_may_submit(observer)
    existing = Incident.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.observer_id != observer.pk:
            raise ValidationError({"client_id": _("This ID was already used.")})
        return existing, False
    deployment_id = deployment_id or default_deployment(observer)
    deployment = Deployment.objects.select_related("station").filter(pk=deployment_id, observer=observer).first()
    if deployment is None:
        raise ValidationError({"deployment": _("Choose the station where you are deployed.")})
    category = IncidentCategory.objects.filter(pk=category_id, active=True).first()
    if category is None:
        raise ValidationError({"category": _("Choose a category.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe what happened.")})
    if (latitude is None) != (longitude is None):
        raise ValidationError({"latitude": _("Send both latitude and longitude, or neither.")})
    for name, value in (("latitude", latitude), ("longitude", longitude)):
        if value is not None and not _within(value, COORDINATE_LIMITS[name]):
            raise ValidationError({name: COORDINATE_ERRORS[name]})
    evidence = _incident_evidence(observer, evidence_ids, deployment.station_id, deployment.election_id)
    incident = Incident(
        client_id=client_id, observer=observer, organisation_id=deployment.organisation_id, deployment=deployment,
        election_id=deployment.election_id, station_id=deployment.station_id, category=category,
        severity=severity if severity in Severity.values else category.default_severity,
        occurred_at=occurred_at or timezone.now(),
        description=description.strip(), witnesses=(witnesses or "").strip(),
        latitude=latitude, longitude=longitude, accuracy_m=accuracy_m,
    )
    try:
        with transaction.atomic():
            incident.save()
            IncidentEvidence.objects.bulk_create([IncidentEvidence(incident=incident, evidence=item)
                                                  for item in evidence])
            if category.urgent:
                _record_pending_notifications(incident)
                enqueue_on_commit("incidents.tasks.notify_urgent_incident", incident.pk)
    except IntegrityError:
        # The same client_id arrived twice at once: the other request recorded it. Any other
        # broken constraint is a bug to see, not a duplicate to hide.
        existing = Incident.objects.filter(client_id=client_id, observer=observer).first()
        if existing is None:
            raise
        return existing, False
    return incident, True


def _within(value, limit):
    try:
        return -limit <= Decimal(str(value)) <= limit
    except InvalidOperation:
        return False


def edit_incident(*, observer, incident_id, **changes):
    """The author corrects their report until a coordinator starts triage; the old values are kept.

    `evidence_ids`, when given, is the whole new list of attached files (own uploads only): files
    left out are detached, new ones attached, and the revision keeps the previous list.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().filter(pk=incident_id, observer=observer).first()
        if incident is None:
            raise PermissionDenied(_("Only the author may change a report."))
        ensure_may_submit(observer)
        if incident.triage_started_at is not None or incident.status != Status.NEW:
            raise ValidationError(_("A coordinator is already looking at this report: it can no longer be changed."))
        if "category_id" in changes and not IncidentCategory.objects.filter(
                pk=changes["category_id"], active=True).exists():
            raise ValidationError({"category": _("Choose a category.")})
        if "description" in changes and not (changes["description"] or "").strip():
            raise ValidationError({"description": _("Describe what happened.")})
        current_evidence = sorted(incident.attachments.values_list("evidence_id", flat=True))
        new_evidence = None
        if "evidence_ids" in changes:
            new_evidence = _incident_evidence(observer, changes.pop("evidence_ids") or (), incident.station_id,
                                              incident.election_id)
        changed = {name: value for name, value in changes.items() if getattr(incident, name) != value}
        evidence_changed = new_evidence is not None and [item.pk for item in new_evidence] != current_evidence
        if not changed and not evidence_changed:
            return incident
        previous = {name: _plain(getattr(incident, name)) for name in changed}
        if evidence_changed:
            previous["evidence_ids"] = current_evidence
            keep = {item.pk for item in new_evidence}
            incident.attachments.exclude(evidence_id__in=keep).delete()
            IncidentEvidence.objects.bulk_create([IncidentEvidence(incident=incident, evidence=item)
                                                  for item in new_evidence if item.pk not in current_evidence])
        IncidentRevision.objects.create(incident=incident, previous=previous, changed_by=observer)
        for name, value in changed.items():
            setattr(incident, name, value)
        if "category_id" in changed:
            incident.severity = IncidentCategory.objects.get(pk=incident.category_id).default_severity
        incident.save()
    return incident


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- Triage -----------------------------------------------------------------------------------


def _locked_incident_for(coordinator, incident_id):
    incident = (Incident.objects.select_for_update().select_related("station__commission")
                .filter(pk=incident_id).first())
    if incident is None:
        raise ValidationError(_("Unknown incident."))
    ensure_coordinator_for(coordinator, incident)
    return incident


def _transition(incident, *, to, actor, comment=""):
    """The one place where an incident changes status; illegal moves are refused."""
    if to not in Status.values or (incident.status, to) not in TRANSITIONS:
        raise ValidationError(
            _("An incident that is “%(current)s” cannot become “%(target)s”.")
            % {"current": incident.get_status_display(),
               "target": Status(to).label if to in Status.values else to})
    ensure_coordinator_for(actor, incident)
    IncidentEvent.objects.create(incident=incident, from_status=incident.status, to_status=to, actor=actor,
                                 comment=(comment or "").strip())
    incident.status = to
    incident.triage_started_at = incident.triage_started_at or timezone.now()
    incident.save(update_fields=["status", "triage_started_at", "updated_at"])
    return incident


def change_status(*, coordinator, incident_id, to, comment=""):
    with transaction.atomic():
        incident = _locked_incident_for(coordinator, incident_id)
        return _transition(incident, to=to, actor=coordinator, comment=comment)


def add_comment(*, coordinator, incident_id, comment):
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Write a comment.")})
    with transaction.atomic():
        incident = _locked_incident_for(coordinator, incident_id)
        event = IncidentEvent.objects.create(incident=incident, comment=comment, actor=coordinator)
        if incident.triage_started_at is None:
            incident.triage_started_at = timezone.now()
            incident.save(update_fields=["triage_started_at", "updated_at"])
    return event


# --- Urgent notifications ---------------------------------------------------------------------


def notification_recipients(incident):
    """E-mail addresses of the coordinators of the incident's organisation who cover its region."""
    region_id = incident.station.commission.region_id
    coordinators = User.objects.filter(role=User.Role.COORDINATOR, organisation_id=incident.organisation_id,
                                       is_active=True).exclude(email="").prefetch_related("regions")
    return sorted(user.email for user in coordinators if region_id in coordinator_region_ids(user))


NOTIFICATION_CLAIM = datetime.timedelta(minutes=2)
"""How long a run's claim on a notification holds: longer than a send (10 s timeout), so two
runs never send one row at once; a run that died with its claim is overtaken after it."""
NOTIFICATION_SWEEP_GRACE = datetime.timedelta(minutes=1)
NOTIFICATION_BACKOFF = datetime.timedelta(seconds=30)
NOTIFICATION_BACKOFF_MAX = datetime.timedelta(hours=1)


def notification_channels(incident):
    """The channels an urgent incident is sent on, by its organisation's setting."""
    if not incident.category.urgent:
        return []
    setting = NotificationSetting.objects.filter(organisation_id=incident.organisation_id).first()
    channels = []
    if setting is None or setting.email_enabled:
        channels.append(Notification.Channel.EMAIL)
    if setting is not None and setting.webhook_url:
        channels.append(Notification.Channel.WEBHOOK)
    return channels


def _record_pending_notifications(incident):
    """In the report's own transaction: the unsent rows are what the sweep reads, so a message
    lost with the broker delays a notification, never drops it."""
    Notification.objects.bulk_create([Notification(incident=incident, channel=channel)
                                      for channel in notification_channels(incident)], ignore_conflicts=True)


def send_urgent_notifications(*, incident_id):
    """E-mail and webhook, each sent once per incident, outside any transaction or row lock.

    Each unsent row is claimed by a short committed update, then sent with no lock held, then
    marked sent; a failure is recorded on the row (attempts, error) and raised once the other
    channels had their turn, so the task retries with back-off and the sweep after it.
    Returns the channels sent by this run.
    """
    incident = Incident.objects.select_related("category", "station__commission__region", "organisation",
                                               "observer").get(pk=incident_id)
    channels = notification_channels(incident)
    if not channels:
        return []
    Notification.objects.bulk_create([Notification(incident=incident, channel=channel) for channel in channels],
                                     ignore_conflicts=True)
    setting = NotificationSetting.objects.filter(organisation_id=incident.organisation_id).first()
    sent, failures = [], []
    for notification in Notification.objects.filter(incident=incident, channel__in=channels, sent_at__isnull=True):
        if not _claim_notification(notification):
            continue  # another run is sending it, or sent it a moment ago
        try:
            if notification.channel == Notification.Channel.EMAIL:
                detail = _send_email(incident)
            else:
                detail = _post_webhook(incident, setting, delivery=notification.pk)
        except (OSError, ValidationError) as error:
            Notification.objects.filter(pk=notification.pk).update(
                claimed_at=None, attempts=F("attempts") + 1, last_attempt_at=timezone.now(),
                last_error=f"{type(error).__name__}: {error}"[:1000])
            logger.warning("notification %s of incident %s not sent: %s", notification.channel, incident.pk, error)
            failures.append(error)
            continue
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=timezone.now(), detail=detail, claimed_at=None, attempts=F("attempts") + 1,
            last_attempt_at=timezone.now(), last_error="")
        sent.append(notification.channel)
    if failures:
        raise failures[0]
    return sent


def _claim_notification(notification):
    now = timezone.now()
    return bool(Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - NOTIFICATION_CLAIM)).update(claimed_at=now))


def unsent_notifications_due(*, now=None):
    """Incidents with a notification still unsent whose next try is due: not younger than the
    grace left to its queued message, not claimed by a live run, past its back-off (30 s, doubling
    with each failed attempt, at most an hour)."""
    now = now or timezone.now()
    rows = Notification.objects.filter(sent_at__isnull=True, created_at__lt=now - NOTIFICATION_SWEEP_GRACE).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - NOTIFICATION_CLAIM),
    ).values_list("incident_id", "attempts", "last_attempt_at")
    due = set()
    for incident_id, attempts, last_attempt_at in rows:
        wait = min(NOTIFICATION_BACKOFF * 2 ** min(attempts, 20), NOTIFICATION_BACKOFF_MAX)
        if last_attempt_at is None or last_attempt_at <= now - wait:
            due.add(incident_id)
    return sorted(due)


def sweep_unsent_notifications(*, now=None):
    """The beat's safety net (every minute): send again every due unsent notification."""
    due = unsent_notifications_due(now=now)
    for incident_id in due:
        enqueue_on_commit("incidents.tasks.notify_urgent_incident", incident_id)
    return due


def _summary(incident):
    """What a receiver needs, and nothing about who the observer is: their name and phone stay
    in the platform (a chat tool or a mailbox may leak); `observer_ref` is a pseudonym, the same
    for one observer's reports, that coordinators match in the platform."""
    station = incident.station
    return {
        "incident": incident.pk,
        "category": incident.category.name_en,
        "category_ru": incident.category.name_ru,
        "severity": incident.severity,
        "station": station.code,
        "commission": station.commission.name,
        "region": station.commission.region.name,
        "occurred_at": incident.occurred_at.isoformat(),
        "description": incident.description,
        # observers.pseudonyms: the same code the platform shows outside the organisation.
        "observer_ref": pseudonyms.pseudonym_code(incident.observer),
    }


def _send_email(incident):
    recipients = notification_recipients(incident)
    if not recipients:
        return "no recipients"
    summary = _summary(incident)
    subject = _("Urgent incident at station %(station)s: %(category)s") % {
        "station": summary["station"], "category": incident.category.name()}
    body = "\n".join(f"{key}: {value}" for key, value in summary.items())
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return ", ".join(recipients)


def _post_webhook(incident, setting, *, delivery):
    url = setting.webhook_url
    if not webhooks_allowed(url):
        raise ValidationError({"webhook_url": _("The webhook URL must start with https://.")})
    summary = _summary(incident)
    payload = dict(summary, text=f"URGENT: {summary['category']} — station {summary['station']}, "
                                 f"{summary['region']}: {summary['description']}")
    body = webhooks.body_of(payload)
    headers = webhooks.signed_headers(secret=setting.webhook_secret, body=body, timestamp=time.time(),
                                      delivery=delivery)
    # The scheme is checked above: only http(s), never file: or custom schemes.
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return f"HTTP {response.status}"


# --- Complaints -------------------------------------------------------------------------------

def create_complaint(*, coordinator, client_id, incident_id, language, level=Complaint.Level.PRECINCT):
    """Draft a complaint about a verified or escalated incident, to the station's commission, once
    per client_id however often the page or the phone re-sends it. Returns (complaint, created)."""
    if language not in Complaint.Language.values:
        raise ValidationError({"language": _("Choose Kazakh or Russian.")})
    if level not in Complaint.Level.values:
        raise ValidationError({"level": _("Choose the precinct or the territorial commission.")})
    request = {"created_by_id": coordinator.pk, "incident_id": int(incident_id), "language": language,
               "level": level}
    existing = _resent_complaint(client_id, request)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            incident = _locked_incident_for(coordinator, incident_id)
            if incident.status not in COMPLAINT_STATUSES:
                raise ValidationError(_("Only a verified or escalated incident can become a complaint."))
            station = incident.station
            addressed_to = complaint_document.addressee(language, level, station_code=station.code,
                                                        commission_name=station.commission.name)
            complaint = Complaint.objects.create(client_id=client_id, incident=incident, level=level,
                                                 addressed_to=addressed_to, language=language,
                                                 created_by=coordinator)
    except IntegrityError:
        # The same client_id arrived twice at once: the other request drafted it.
        existing = _resent_complaint(client_id, request)
        if existing is None:
            raise
        return existing, False
    return complaint, True


def _resent_complaint(client_id, request):
    """The complaint already drafted with this client_id, if the request is the same one re-sent;
    an ID used by someone else or for another complaint is refused, nothing is written."""
    existing = Complaint.objects.filter(client_id=client_id).first()
    if existing is None:
        return None
    if any(getattr(existing, name) != value for name, value in request.items()):
        raise ValidationError({"client_id": _("This ID was already used for another complaint.")})
    return existing


def _locked_complaint_for(coordinator, complaint_id):
    complaint = (Complaint.objects.select_for_update().select_related("incident__station__commission")
                 .filter(pk=complaint_id).first())
    if complaint is None:
        raise ValidationError(_("Unknown complaint."))
    ensure_coordinator_for(coordinator, complaint.incident)
    return complaint


def record_filing(*, coordinator, complaint_id, filed_at, filed_where):
    """Where and when the complaint was handed in; the answer is due COMPLAINT_ANSWER_DAYS later.
    A correction keeps what the register said before (ComplaintRevision); a re-send changes nothing."""
    if not (filed_where or "").strip():
        raise ValidationError({"filed_where": _("Say where the complaint was filed.")})
    with transaction.atomic():
        complaint = _locked_complaint_for(coordinator, complaint_id)
        _change_register(
            complaint, ComplaintRevision.Part.FILING, actor=coordinator, filed_at=filed_at,
            filed_where=filed_where.strip(),
            answer_due=deadlines.answer_due(timezone.localdate(filed_at), settings.COMPLAINT_ANSWER_DAYS))
    return complaint


def record_answer(*, coordinator, complaint_id, answered_on, answer_text, answer_scan_id=None):
    """The commission's answer: when, what it says, and optionally its scan, which the coordinator
    uploaded through the evidence pipeline (purpose "complaint_answer"). A scan already recorded
    stays when none is sent again. A correction keeps the previous answer (ComplaintRevision)."""
    with transaction.atomic():
        complaint = _locked_complaint_for(coordinator, complaint_id)
        if complaint.filed_at is None:
            raise ValidationError(_("Record when the complaint was filed first."))
        changes = {"answered_on": answered_on, "answer_text": (answer_text or "").strip()}
        if answer_scan_id:
            [changes["answer_scan"]] = evidence_services.own_evidence(user=coordinator, ids=[answer_scan_id],
                                                                      purpose=ANSWER_SCAN_PURPOSE)
        _change_register(complaint, ComplaintRevision.Part.ANSWER, actor=coordinator, **changes)
    return complaint


def _change_register(complaint, part, *, actor, **changes):
    """Set the filing's or the answer's fields and keep the change, with the values before, in a
    ComplaintRevision: the one way the register entry of a complaint changes."""
    before = register_entry(complaint, part)
    for name, value in changes.items():
        setattr(complaint, name, value)
    recorded = register_entry(complaint, part)
    if recorded == before:
        return
    ComplaintRevision.objects.create(complaint=complaint, part=part, previous=before, recorded=recorded,
                                     changed_by=actor)
    complaint.save(update_fields=list(changes))


def register_entry(complaint, part):
    """A complaint's filing or answer as plain values, instants in UTC: what a revision keeps."""
    if part == ComplaintRevision.Part.FILING:
        filed_at = complaint.filed_at.astimezone(datetime.UTC).isoformat() if complaint.filed_at else None
        return {"filed_at": filed_at, "filed_where": complaint.filed_where,
                "answer_due": _plain(complaint.answer_due)}
    scan = complaint.answer_scan
    return {"answered_on": _plain(complaint.answered_on), "answer_text": complaint.answer_text,
            "answer_scan": scan.pk if scan else None, "answer_scan_sha256": scan.original.sha256 if scan else ""}


def complaint_facts(complaint):
    """The facts a complaint document is filled with, as plain data for complaint_document."""
    incident = complaint.incident
    station = incident.station
    observer = incident.observer
    occurred = timezone.localtime(incident.occurred_at)
    return ComplaintFacts(
        language=complaint.language, addressed_to=complaint.addressed_to, organisation=incident.organisation.name,
        observer_name=observer.get_full_name() or observer.username, station_code=station.code,
        station_address=station.address or station.name, commission_name=station.commission.name,
        occurred_at=occurred.strftime("%d.%m.%Y %H:%M"), category=incident.category.name(complaint.language),
        description=incident.description, witnesses=incident.witnesses,
        evidence=[EvidenceItem(name=item.filename or f"evidence-{item.pk}", sha256=item.original.sha256,
                               kind=item.original.kind, captured_at=_local(item.original.captured_at))
                  for item in attached_evidence(incident)],
        incident_number=incident.pk, date=timezone.localdate().strftime("%d.%m.%Y"),
    )


def _local(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


# --- The incident's evidence package ----------------------------------------------------------


def incident_package(*, incident_id, user):
    """(filename, file): the ZIP of an incident's evidence for a lawyer or a court: the attached
    photos and videos and the scans of its complaints' answers, originals with their manifest.

    Originals may carry an observer's position and phone (EXIF), so the evidence app's rule
    applies: reviewers and administrators build packages, not coordinators.
    """
    if not evidence_selectors.may_build_packages(user):
        raise PermissionDenied(_("Only reviewers and administrators build evidence packages."))
    # observers.scope: a reviewer of an organisation packs its observers' incidents only.
    incident = (Incident.objects.select_related("category", "station__commission__region", "observer",
                                                "organisation").filter(of_observers(user, "organisation_id"))
                .filter(pk=incident_id).first())
    if incident is None:
        raise ValidationError(_("Unknown incident."))
    files = list(attached_evidence(incident))
    scans = EvidenceFile.objects.filter(answered_complaints__incident=incident).select_related(
        "original", "uploaded_by", "station", "election").order_by("pk").distinct()
    files += [scan for scan in scans if scan.pk not in {item.pk for item in files}]
    station = incident.station
    occurred = timezone.localtime(incident.occurred_at)
    title = _("Evidence for incident %(number)s") % {"number": incident.pk}
    lines = [
        _("Incident: %(category)s, %(when)s, status: %(status)s") % {
            "category": incident.category.name(), "when": occurred.strftime("%Y-%m-%d %H:%M"),
            "status": incident.get_status_display()},
        _("Station: %(code)s, %(name)s, %(address)s") % {"code": station.code, "name": station.name,
                                                         "address": station.address},
        _("Commission: %(commission)s; region: %(region)s") % {"commission": station.commission.name,
                                                               "region": station.commission.region.name},
        _("Organisation: %(organisation)s") % {"organisation": incident.organisation.name},
        "", incident.description,
    ]
    return f"evidence-incident-{incident.pk}.zip", evidence_services.build_package(files, title, lines, built_by=user)
