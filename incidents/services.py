"""Every write about incidents: reports and their edits, triage, notifications, complaints.

Views, the API, the admin and the Celery task all call these functions, so each rule lives here
once. Errors are Django's own: ValidationError for bad input (400), PermissionDenied for a user
crossing a boundary (403).
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from observers.models import CheckIn, Deployment, User
from observers.services import coordinator_region_ids, ensure_may_submit

from . import deadlines
from .complaint_document import ComplaintFacts
from .models import (
    Complaint,
    Incident,
    IncidentCategory,
    IncidentEvent,
    IncidentRevision,
    Notification,
    NotificationSetting,
)
from .shipped_categories import SHIPPED_CATEGORIES

logger = logging.getLogger(__name__)
Status = Incident.Status

EDITABLE_FIELDS = ("category_id", "occurred_at", "description", "witnesses")

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


# --- Reports ----------------------------------------------------------------------------------


def report_incident(*, observer, client_id, category_id, description, deployment_id=None, occurred_at=None,
                    witnesses="", latitude=None, longitude=None, accuracy_m=None):
    """Record a report once per client_id, however often the phone re-sends it.

    Returns (incident, created). An urgent category notifies the coordinators after commit.
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
    incident = Incident(
        client_id=client_id, observer=observer, organisation_id=deployment.organisation_id, deployment=deployment,
        election_id=deployment.election_id, station_id=deployment.station_id, category=category,
        severity=category.default_severity, occurred_at=occurred_at or timezone.now(),
        description=description.strip(), witnesses=(witnesses or "").strip(),
        latitude=latitude, longitude=longitude, accuracy_m=accuracy_m,
    )
    try:
        with transaction.atomic():
            incident.save()
            if category.urgent:
                transaction.on_commit(lambda: _enqueue_notifications(incident.pk))
    except IntegrityError:
        # The same client_id arrived twice at once: the other request recorded it.
        return Incident.objects.get(client_id=client_id), False
    return incident, True


def _enqueue_notifications(incident_id):
    from .tasks import notify_urgent_incident

    notify_urgent_incident.delay(incident_id)


def edit_incident(*, observer, incident_id, **changes):
    """The author corrects their report until a coordinator starts triage; the old values are kept."""
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
        changed = {name: value for name, value in changes.items() if getattr(incident, name) != value}
        if not changed:
            return incident
        previous = {name: _plain(getattr(incident, name)) for name in changed}
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


def send_urgent_notifications(*, incident_id):
    """E-mail and webhook, each at most once per incident: a retried task finds its row already sent."""
    incident = Incident.objects.select_related("category", "station__commission__region", "organisation",
                                               "observer").get(pk=incident_id)
    if not incident.category.urgent:
        return []
    setting = NotificationSetting.objects.filter(organisation_id=incident.organisation_id).first()
    channels = []
    if setting is None or setting.email_enabled:
        channels.append(Notification.Channel.EMAIL)
    if setting is not None and setting.webhook_url:
        channels.append(Notification.Channel.WEBHOOK)
    sent = []
    for channel in channels:
        Notification.objects.get_or_create(incident=incident, channel=channel)
        with transaction.atomic():
            notification = Notification.objects.select_for_update().get(incident=incident, channel=channel)
            if notification.sent_at is not None:
                continue
            if channel == Notification.Channel.EMAIL:
                notification.detail = _send_email(incident)
            else:
                notification.detail = _post_webhook(incident, setting.webhook_url)
            notification.sent_at = timezone.now()
            notification.save(update_fields=["sent_at", "detail"])
            sent.append(channel)
    return sent


def _summary(incident):
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
        "observer": incident.observer.get_full_name() or incident.observer.username,
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


def _post_webhook(incident, url):
    if not url.lower().startswith(("http://", "https://")):
        raise ValidationError({"webhook_url": _("The webhook URL must start with http:// or https://.")})
    summary = _summary(incident)
    payload = dict(summary, text=f"URGENT: {summary['category']} — station {summary['station']}, "
                                 f"{summary['region']}: {summary['description']}")
    # The scheme is checked above: only http(s), never file: or custom schemes.
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return f"HTTP {response.status}"


# --- Complaints -------------------------------------------------------------------------------

PRECINCT_COMMISSION = {
    "ru": "Участковую избирательную комиссию избирательного участка № {code}",
    "kk": "№ {code} сайлау учаскесінің учаскелік сайлау комиссиясына",
}


def create_complaint(*, coordinator, incident_id, language, level=Complaint.Level.PRECINCT):
    """Draft a complaint about a verified or escalated incident, to the station's commission."""
    if language not in Complaint.Language.values:
        raise ValidationError({"language": _("Choose Kazakh or Russian.")})
    if level not in Complaint.Level.values:
        raise ValidationError({"level": _("Choose the precinct or the territorial commission.")})
    with transaction.atomic():
        incident = _locked_incident_for(coordinator, incident_id)
        if incident.status not in COMPLAINT_STATUSES:
            raise ValidationError(_("Only a verified or escalated incident can become a complaint."))
        station = incident.station
        if level == Complaint.Level.PRECINCT:
            addressed_to = PRECINCT_COMMISSION[language].format(code=station.code)
        else:
            addressed_to = station.commission.name
        return Complaint.objects.create(incident=incident, level=level, addressed_to=addressed_to,
                                        language=language, created_by=coordinator)


def _locked_complaint_for(coordinator, complaint_id):
    complaint = (Complaint.objects.select_for_update().select_related("incident__station__commission")
                 .filter(pk=complaint_id).first())
    if complaint is None:
        raise ValidationError(_("Unknown complaint."))
    ensure_coordinator_for(coordinator, complaint.incident)
    return complaint


def record_filing(*, coordinator, complaint_id, filed_at, filed_where):
    """Where and when the complaint was handed in; the answer is due COMPLAINT_ANSWER_DAYS later."""
    if not (filed_where or "").strip():
        raise ValidationError({"filed_where": _("Say where the complaint was filed.")})
    with transaction.atomic():
        complaint = _locked_complaint_for(coordinator, complaint_id)
        complaint.filed_at = filed_at
        complaint.filed_where = filed_where.strip()
        complaint.answer_due = deadlines.answer_due(timezone.localdate(filed_at), settings.COMPLAINT_ANSWER_DAYS)
        complaint.save(update_fields=["filed_at", "filed_where", "answer_due"])
    return complaint


def record_answer(*, coordinator, complaint_id, answered_on, answer_text):
    with transaction.atomic():
        complaint = _locked_complaint_for(coordinator, complaint_id)
        if complaint.filed_at is None:
            raise ValidationError(_("Record when the complaint was filed first."))
        complaint.answered_on = answered_on
        complaint.answer_text = (answer_text or "").strip()
        complaint.save(update_fields=["answered_on", "answer_text"])
    return complaint


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
        description=incident.description, witnesses=incident.witnesses, evidence=[],
        incident_number=incident.pk, date=timezone.localdate().strftime("%d.%m.%Y"),
    )
