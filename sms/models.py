"""The SMS channel: gateways, every message in and out, and who chose to get SMS.

Nothing an observer sends is lost: every inbound message is kept as received, with what it was
read as, what it created and what we answered. A sender who is not an accredited observer gets
nothing back, and their message is kept raw in the quarantine (status `quarantined`), nothing else.
"""

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from elections.models import Election
from observers.models import Organisation


def new_webhook_slug():
    return secrets.token_urlsafe(12)


def hash_token(token):
    return hashlib.sha256((token or "").encode()).hexdigest()


class Gateway(models.Model):
    """One SMS gateway: the phone with the Android app, or a commercial provider.

    Secrets are write-only: the admin form takes a new value and never shows the stored one. The
    generic provider's inbound token is kept only as its SHA-256; the Android app's signing key and
    the outbound password must be kept as given (an HMAC and basic auth need the key itself)."""

    class Kind(models.TextChoices):
        ANDROID = "android", _("SMS Gateway for Android")
        GENERIC = "generic", _("Generic provider (form-encoded From/Body)")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="sms_gateways",
                                     verbose_name=_("organisation"),
                                     help_text=_("Its coordinators see the messages from unknown numbers."))
    webhook_slug = models.CharField(_("webhook address"), max_length=40, unique=True, default=new_webhook_slug,
                                    help_text=_("The gateway posts to /sms/hook/<this>/."))
    signing_key = models.CharField(_("signing key"), max_length=200, blank=True,
                                   help_text=_("Android app: Settings, Webhooks, Signing Key."))
    inbound_token_hash = models.CharField(_("inbound token (SHA-256)"), max_length=64, blank=True)
    send_url = models.URLField(_("send API address"), blank=True,
                               help_text=_("Android app: http://<phone>:8080/message; provider: its send URL."))
    send_username = models.CharField(_("send API username"), max_length=100, blank=True)
    send_password = models.CharField(_("send API password"), max_length=200, blank=True)
    sends_per_minute = models.PositiveIntegerField(_("messages per minute"), default=20)
    default_region = models.CharField(_("country of local numbers"), max_length=2, default="KZ",
                                      help_text=_("Numbers without a country code are read as this country's."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS gateway")
        verbose_name_plural = _("SMS gateways")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Subscription(models.Model):
    """An observer who chose to receive SMS (accreditation decisions, reminders), in a language."""

    observer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms",
                                    verbose_name=_("observer"))
    opted_in = models.BooleanField(_("receives SMS"), default=False)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, default="ru")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SMS subscription")
        verbose_name_plural = _("SMS subscriptions")

    def __str__(self):
        return f"{self.observer} ({self.language})"


class InboundMessage(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, not yet processed")
        QUARANTINED = "quarantined", _("Unknown or unaccredited number")
        PART = "part", _("Part of a longer message, waiting for the rest")
        MALFORMED = "malformed", _("Not understood")
        REFUSED = "refused", _("Understood, refused")
        PROCESSED = "processed", _("Recorded")

    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="inbound", verbose_name=_("gateway"))
    dedupe_key = models.CharField(_("duplicate key"), max_length=80, unique=True,
                                  help_text=_("A gateway that sends the same message again is recorded once."))
    gateway_message_id = models.CharField(_("gateway's message ID"), max_length=100, blank=True)
    sender_raw = models.CharField(_("sender as sent"), max_length=64)
    sender = models.CharField(_("sender (E.164)"), max_length=20, blank=True, db_index=True)
    text = models.TextField(_("text"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent by the phone"), null=True, blank=True)
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="sms_messages", verbose_name=_("observer"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("organisation"))
    part_number = models.PositiveSmallIntegerField(null=True, blank=True)
    part_total = models.PositiveSmallIntegerField(null=True, blank=True)
    joined_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="parts")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    parse = models.JSONField(_("read as"), default=dict, blank=True)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created = models.JSONField(_("created"), default=list, blank=True,
                               help_text=_("What the message created: [kind, id, new?]."))
    reply = models.TextField(_("reply"), blank=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("times processed"), default=0)

    class Meta:
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["observer", "-received_at"]),
                   models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.sender or self.sender_raw}: {self.text[:40]}"

    @property
    def client_id(self):
        """The ID handed to the services: the same message always makes the same record."""
        return uuid.uuid5(uuid.NAMESPACE_URL, f"sms-inbound:{self.dedupe_key}")


class OutboundMessage(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        ACCREDITATION = "accreditation", _("Accreditation decision")
        REMINDER = "reminder", _("Reminder")
        COORDINATOR = "coordinator", _("Coordinator's message")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be sent")
        SENT = "sent", _("Handed to the gateway")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dedupe_key = models.CharField(max_length=120, unique=True,
                                  help_text=_("One reply per message, one reminder per deployment."))
    gateway = models.ForeignKey(Gateway, on_delete=models.PROTECT, null=True, blank=True, related_name="outbound")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="sms_outbound")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    in_reply_to = models.ForeignKey(InboundMessage, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="replies")
    phone = models.CharField(_("to"), max_length=20)
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    gateway_state = models.CharField(_("gateway's state"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound SMS")
        verbose_name_plural = _("outbound SMS")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_outbound_due",
                                condition=Q(status="queued"))]

    def __str__(self):
        return f"{self.phone}: {self.text[:40]}"
