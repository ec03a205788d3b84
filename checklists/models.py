"""Checklists the NGO writes itself, the observers' answers, the drawn quick-count sample, messages.

A checklist (opening, voting, counting, closing or custom) is data: ordered questions in
versions. A version that has answers is never changed: editing it makes the next version, and
each submission keeps the version it answered. Answers are rows (one per question, one per ticked
option of a multiple choice) so that the process statistics are one GROUP BY.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from elections.models import Election, Region, Station
from incidents.models import Incident, IncidentCategory, Severity
from observers.models import Deployment, Organisation

LANGUAGES = ("kk", "ru", "en")


def translated(obj, field, language=None):
    language = (language or get_language() or "en")[:2]
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_en", "") or getattr(obj, f"{field}_ru", "")


class Checklist(models.Model):
    class Kind(models.TextChoices):
        OPENING = "opening", _("Opening")
        VOTING = "voting", _("Voting")
        COUNTING = "counting", _("Counting")
        CLOSING = "closing", _("Closing")
        CUSTOM = "custom", _("Other")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="checklists",
                                 verbose_name=_("election"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="checklists", verbose_name=_("organisation"),
                                     help_text=_("Empty: offered to the observers of every organisation."))
    code = models.SlugField(_("code"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.CUSTOM)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title_kk = models.CharField(_("title (Kazakh)"), max_length=200, blank=True)
    title_ru = models.CharField(_("title (Russian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["election", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["election", "code"], name="checklist_code_unique")]

    def __str__(self):
        return self.title()

    def title(self, language=None):
        return translated(self, "title", language)

    def current_version(self):
        return self.versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["checklist", "-number"]
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="checklist_version_unique")]

    def __str__(self):
        return f"{self.checklist} v{self.number}"


class Question(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("Yes or no")
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        NUMBER = "number", _("Whole number")
        TIME = "time", _("Time")
        TEXT = "text", _("Text")
        PHOTO = "photo", _("Photo")

    CATEGORICAL = ("yes_no", "single", "multiple")

    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.SlugField(_("key"), max_length=60, help_text=_("Stays the same across versions."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text_kk = models.CharField(_("question (Kazakh)"), max_length=500, blank=True)
    text_ru = models.CharField(_("question (Russian)"), max_length=500, blank=True)
    text_en = models.CharField(_("question (English)"), max_length=500)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True,
                               help_text=_('[{"value": ..., "label_kk": ..., "label_ru": ..., "label_en": ...}]'))
    min_value = models.IntegerField(_("smallest"), null=True, blank=True)
    max_value = models.IntegerField(_("largest"), null=True, blank=True)
    show_if_key = models.SlugField(_("shown only if question"), max_length=60, blank=True)
    show_if_value = models.CharField(_("has the answer"), max_length=60, blank=True)
    critical_values = models.JSONField(_("critical answers"), default=list, blank=True)
    critical_severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, blank=True)
    critical_category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+", verbose_name=_("incident category"))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="question_key_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="question_position_unique"),
            models.CheckConstraint(condition=Q(min_value__isnull=True) | Q(max_value__isnull=True)
                                   | Q(min_value__lte=models.F("max_value")), name="question_range"),
        ]

    def __str__(self):
        return self.text()

    def text(self, language=None):
        return translated(self, "text", language)

    def choice_label(self, value, language=None):
        language = (language or get_language() or "en")[:2]
        if self.kind == self.Kind.YES_NO:
            return str(_("Yes") if value == "yes" else _("No") if value == "no" else value)
        for choice in self.choices:
            if choice.get("value") == value:
                return choice.get(f"label_{language}") or choice.get("label_en") or value
        return value

    def options(self):
        if self.kind == self.Kind.YES_NO:
            return ["yes", "no"]
        return [choice["value"] for choice in self.choices]


class Submission(models.Model):
    """An observer's answers to one version of a checklist at their deployment. A correction is a
    new submission; the previous one stays, no longer the latest."""

    client_id = models.UUIDField(_("client ID"), unique=True,
                                 help_text=_("Made by the phone, so a retried submission is stored once."))
    version = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="submissions")
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="submissions")
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="checklist_submissions")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="checklist_submissions")
    # The station's region when the answers arrived, kept on the row so that the statistics group
    # 3,000,000 answers by region without joining stations and commissions (bench/checklists.py).
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField(_("answers as sent"), default=dict)
    is_latest = models.BooleanField(default=True)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("checklist answers")
        verbose_name_plural = _("checklist answers")
        ordering = ["-submitted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["deployment", "checklist"], condition=Q(is_latest=True),
                                               name="submission_one_latest")]
        indexes = [models.Index(fields=["checklist", "station"], condition=Q(is_latest=True),
                                name="submission_latest_station")]

    def __str__(self):
        return f"{self.checklist_id} @ {self.station_id} ({self.submitted_at:%Y-%m-%d %H:%M})"


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    key = models.SlugField(max_length=60)
    value = models.CharField(max_length=2000, blank=True)
    evidence_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["submission", "key"])]

    def __str__(self):
        return f"{self.key}={self.value}"


class CriticalAlert(models.Model):
    """The incident raised by a critical answer: one per station, checklist and question."""

    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=60)
    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="checklist_alert")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="alerts")
    value = models.CharField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["checklist", "station", "key"], name="critical_alert_once")]

    def __str__(self):
        return f"{self.key} @ {self.station_id}"


class QuickCountSample(models.Model):
    """A drawn random sample: everything needed to draw it again (sampling.draw with the same seed)."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="drawn_samples")
    seed = models.BigIntegerField(_("seed"))
    allocation = models.CharField(_("allocation"), max_length=10)
    size = models.PositiveIntegerField(_("stations"))
    wanted_margin = models.FloatField(_("wanted margin"), null=True, blank=True)
    strata = models.JSONField(_("strata"), default=list)
    method = models.CharField(_("method"), max_length=300)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("drawn"), auto_now_add=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-drawn_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["election"], condition=Q(is_current=True),
                                               name="one_current_sample")]

    def __str__(self):
        return f"{self.election_id}: {self.size} (seed {self.seed})"


class SampledStation(models.Model):
    sample = models.ForeignKey(QuickCountSample, on_delete=models.CASCADE, related_name="stations")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sample", "station"], name="sampled_station_once")]

    def __str__(self):
        return f"{self.station_id} ({self.stratum})"


class Message(models.Model):
    class Audience(models.TextChoices):
        ALL = "all", _("All my observers")
        REGION = "region", _("Observers of a region")
        STATION = "station", _("Observers of a station")
        NOT_CHECKED_IN = "not_checked_in", _("Observers who have not checked in")
        NO_PROTOCOL = "no_protocol", _("Observers who have not sent a protocol")

    client_id = models.UUIDField(unique=True)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("to"), max_length=16, choices=Audience.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    body = models.TextField(_("message"), max_length=2000)
    email_copy = models.BooleanField(_("also by e-mail"), default=False)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.body[:60]


class MessageRecipient(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="recipients")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "observer"], name="message_recipient_once")]

    def __str__(self):
        return f"{self.message_id} -> {self.observer_id}"
