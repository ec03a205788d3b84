"""Incidents observers report, their triage by coordinators, and the complaints filed about them.

Nothing an observer sends is lost: an edit keeps the previous values (IncidentRevision), every
status change and comment is an IncidentEvent, and a complaint's filing and answer stay on record
(the NGO's public register of complaints, seed rec. 16).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.limits import LONG_TEXT, SHORT_TEXT
from elections.models import Election, Station
from evidence.models import EvidenceFile
from observers.models import Deployment, Organisation

from . import webhooks


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class IncidentCategory(models.Model):
    """A kind of violation, as data: names in each language, default severity, urgency."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200)
    name_ru = models.CharField(_("name (Russian)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    default_severity = models.CharField(_("default severity"), max_length=8, choices=Severity.choices,
                                        default=Severity.MEDIUM)
    urgent = models.BooleanField(_("urgent"), default=False,
                                 help_text=_("Coordinators are notified at once when such an incident is reported."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("offered to observers"), default=True)

    class Meta:
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")
        ordering = ["position", "code"]

    def __str__(self):
        return self.name()

    def name(self, language=None):
        language = (language or get_language() or "en")[:2]
        return getattr(self, f"name_{language}", "") or self.name_en or self.name_ru


# The range of a GPS position, in degrees, and what an observer is told when the phone sends one
# outside it: the form, the serializer and the service refuse it with these words.
COORDINATE_LIMITS = {"latitude": 90, "longitude": 180}
COORDINATE_ERRORS = {
    "latitude": _("The position is not valid: the latitude must be between -90 and 90 degrees."),
    "longitude": _("The position is not valid: the longitude must be between -180 and 180 degrees."),
}


class Incident(models.Model):
    """A violation an observer reported at a station."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        VERIFIED = "verified", _("Verified")
        NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")

    client_id = models.UUIDField(unique=True, help_text=_("Made by the phone: a re-sent report is stored once."))
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="incidents")
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="incidents")
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="incidents")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="incidents")
    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, related_name="incidents",
                                 verbose_name=_("category"))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    description = models.TextField(_("what happened"), max_length=LONG_TEXT)
    witnesses = models.TextField(_("witnesses"), blank=True, max_length=SHORT_TEXT)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.NEW)
    triage_started_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When a coordinator first acted on it; from then on the author cannot edit it."))
    evidence = models.ManyToManyField(EvidenceFile, through="IncidentEvidence", related_name="incidents", blank=True,
                                      verbose_name=_("photos and videos"))
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-reported_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__gte": -limit, f"{name}__lte": limit}),
                name=f"incident_{name}")
            for name, limit in COORDINATE_LIMITS.items()
        ]

    def __str__(self):
        return f"#{self.pk} {self.category} ({self.station})"


class IncidentEvidence(models.Model):
    """A photo or video, sent through the evidence pipeline by the incident's author, attached to it.

    Detaching (while the author may still edit) deletes the row; the incident's revision keeps
    the previous list of evidence IDs, and the evidence file itself is never deleted.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="incident_attachments")
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("incident evidence")
        verbose_name_plural = _("incident evidence")
        ordering = ["attached_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "evidence"], name="incident_evidence_once")]

    def __str__(self):
        return f"#{self.incident_id} <- evidence {self.evidence_id}"


class IncidentRevision(models.Model):
    """The values an incident had before its author changed it. Never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="revisions")
    previous = models.JSONField(_("previous values"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"#{self.incident_id} {self.changed_at:%Y-%m-%d %H:%M}"


class IncidentEvent(models.Model):
    """A coordinator's status change or comment on an incident: who, when, what. Never edited."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=14, choices=Incident.Status.choices, blank=True)
    to_status = models.CharField(max_length=14, choices=Incident.Status.choices, blank=True,
                                 help_text=_("Empty for a comment."))
    comment = models.TextField(_("comment"), blank=True, max_length=SHORT_TEXT)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status or '-'}"


class NotificationSetting(models.Model):
    """How an organisation's coordinators hear about urgent incidents."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="incident_notifications")
    webhook_url = models.URLField(_("webhook URL"), blank=True,
                                  help_text=_("Receives a JSON POST for each urgent incident (chat tools)."))
    email_enabled = models.BooleanField(_("e-mail the coordinators"), default=True)
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, default=webhooks.new_secret,
        help_text=_("Signs each webhook (HMAC-SHA256, header X-Observers-Signature); give it to the receiver."))

    class Meta:
        verbose_name = _("incident notification setting")
        verbose_name_plural = _("incident notification settings")

    def __str__(self):
        return str(self.organisation)

    def clean(self):
        if self.webhook_url and not webhooks_allowed(self.webhook_url):
            raise ValidationError({"webhook_url": _("The webhook URL must start with https://.")})


def webhooks_allowed(url):
    """Only https outside DEBUG: the payload names a station and what happened there."""
    return url.lower().startswith("https://") or (settings.DEBUG and url.lower().startswith("http://"))


class Notification(models.Model):
    """One urgent-incident notification per channel: the row that makes a retried task send once."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)
    # Delivery bookkeeping: a run claims the row (a short committed update, no lock held while
    # sending), records each failure, and the sweep sends again whatever is unsent, with back-off.
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "channel"], name="notification_once_per_channel")]
        indexes = [models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="notification_unsent")]

    def __str__(self):
        return f"#{self.incident_id} {self.channel}"


class Complaint(models.Model):
    """A complaint to an election commission about an incident: the NGO's register of complaints."""

    class Language(models.TextChoices):
        KAZAKH = "kk", _("Kazakh")
        RUSSIAN = "ru", _("Russian")

    class Level(models.TextChoices):
        PRECINCT = "precinct", _("Precinct commission")
        TERRITORIAL = "territorial", _("Territorial commission")

    client_id = models.UUIDField(
        help_text=_("Made by the page or the phone that drafts it: a re-sent request drafts one complaint."))
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="complaints")
    level = models.CharField(_("commission"), max_length=12, choices=Level.choices, default=Level.PRECINCT)
    addressed_to = models.CharField(_("addressed to"), max_length=300)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filed_at = models.DateTimeField(_("filed"), null=True, blank=True)
    filed_where = models.CharField(_("where it was filed"), max_length=300, blank=True)
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    answered_on = models.DateField(_("answer received"), null=True, blank=True)
    answer_text = models.TextField(_("answer"), blank=True, max_length=LONG_TEXT)
    answer_scan = models.ForeignKey(
        EvidenceFile, on_delete=models.PROTECT, null=True, blank=True, related_name="answered_complaints",
        verbose_name=_("scan of the answer"), help_text=_("Uploaded through the evidence pipeline by a coordinator."))

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["client_id"], name="complaint_client_id_once")]

    def __str__(self):
        return f"#{self.pk} {self.addressed_to}"


class ComplaintRevision(models.Model):
    """A change to a complaint's entry in the register: its filing or its answer, the values before
    and the values recorded, who recorded them and when. Never edited, so a correction never hides
    what the register said before."""

    class Part(models.TextChoices):
        FILING = "filing", _("Filing")
        ANSWER = "answer", _("Answer")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="revisions")
    part = models.CharField(max_length=6, choices=Part.choices)
    previous = models.JSONField(_("previous values"))
    recorded = models.JSONField(_("recorded values"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("complaint revision")
        verbose_name_plural = _("complaint revisions")
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"#{self.complaint_id} {self.part} {self.changed_at:%Y-%m-%d %H:%M}"
