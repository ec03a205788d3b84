"""Evidence: the files observers send, stored once by content, and the append-only log about them.

- `Upload`: a resumable (tus) upload in progress; its bytes sit in local scratch until complete.
- `Original`: one stored content, keyed by its SHA-256 (the same bytes sent twice are stored once),
  with what was read from it (EXIF/ffprobe) and its derivatives (clean copies shown in pages).
- `EvidenceFile`: one observer's submission of an original: who, for which station, election
  and purpose, under which client-made UUID (a phone may retry: stored once per uploader).
- `EvidenceLogEntry`: the hash-chained, append-only evidence log (see `evidence/chain.py`).

Higher apps (protocols, incidents) link to `EvidenceFile` through their own tables.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from elections.models import Election, Station


class Purpose(models.TextChoices):
    PROTOCOL_PHOTO = "protocol_photo", _("Photo of a protocol")
    COUNT_MEDIA = "count_media", _("Photo or video of the count")
    INCIDENT_MEDIA = "incident_media", _("Photo or video of an incident")
    COMPLAINT_ANSWER = "complaint_answer", _("Answer to a complaint")
    OTHER = "other", _("Other")


class Upload(models.Model):
    """A resumable upload: `offset` bytes of `length` are stored so far, as chunks (UploadChunk)."""

    class State(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        COMPLETE = "complete", _("Complete")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="evidence_uploads")
    client_id = models.UUIDField(_("client ID"))
    length = models.PositiveBigIntegerField(_("length"))
    offset = models.PositiveBigIntegerField(_("offset"), default=0)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    declared_type = models.CharField(_("declared type"), max_length=100, blank=True)
    format_code = models.CharField(_("format"), max_length=10, blank=True, help_text=_("Read from the first bytes."))
    station = models.ForeignKey(Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    election = models.ForeignKey(Election, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.OTHER)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RECEIVING)
    evidence = models.ForeignKey("EvidenceFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # What the phone computed when the photo was taken or picked: the chain starts on the phone.
    device_sha256 = models.CharField(_("SHA-256 computed on the phone"), max_length=64, blank=True)
    device_captured_at = models.DateTimeField(_("taken (phone's clock)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last received"), auto_now=True)
    # Set while one request (on any web machine) receives a chunk: another gets "locked".
    receiving_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("upload in progress")
        verbose_name_plural = _("uploads in progress")
        constraints = [
            models.UniqueConstraint(fields=["uploaded_by", "client_id"], name="evidence_upload_client_id_once"),
            models.CheckConstraint(condition=Q(offset__lte=F("length")), name="evidence_upload_offset_within_length"),
        ]

    def __str__(self):
        return f"{self.filename or self.id} ({self.offset}/{self.length})"


class UploadChunk(models.Model):
    """The bytes one request brought to an upload, `size` of them from `offset`, kept as their own
    object in the default storage (shared by every web machine) until the upload completes."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="chunks")
    offset = models.PositiveBigIntegerField()
    size = models.PositiveBigIntegerField()
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "offset"], name="evidence_upload_chunk_once")]

    def __str__(self):
        return f"{self.upload_id} {self.offset}+{self.size}"


class Original(models.Model):
    """One stored content, by SHA-256. Never modified after it is stored; never deleted."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    class Processing(models.TextChoices):
        PENDING = "pending", _("Being processed")
        DONE = "done", _("Processed")
        FAILED = "failed", _("Processing failed")
        NOT_PROCESSED = "not_processed", _("Not processed (ffmpeg is not installed)")

    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    key = models.CharField(_("storage key"), max_length=255, unique=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    media_type = models.CharField(_("media type"), max_length=100)
    format_code = models.CharField(_("format"), max_length=10)
    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    duration = models.FloatField(_("duration in seconds"), null=True, blank=True)
    captured_at = models.DateTimeField(_("captured at (as the device says)"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=200, blank=True)
    latitude = models.DecimalField(_("GPS latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("GPS longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    processing = models.CharField(_("processing"), max_length=14, choices=Processing.choices,
                                  default=Processing.PENDING)
    processing_error = models.CharField(_("processing error"), max_length=500, blank=True)
    thumbnail_key = models.CharField(_("thumbnail key"), max_length=255, blank=True)
    web_key = models.CharField(_("web copy key"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("stored"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("original")
        verbose_name_plural = _("originals")
        indexes = [models.Index(fields=["processing", "created_at"])]

    def __str__(self):
        return self.sha256


class EvidenceFile(models.Model):
    """An observer's submission of a file: the original plus who, where and why."""

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_files")
    client_id = models.UUIDField(_("client ID"))
    original = models.ForeignKey(Original, on_delete=models.PROTECT, related_name="submissions")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence_files")
    election = models.ForeignKey(Election, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="evidence_files")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.OTHER)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["uploaded_by", "client_id"], name="evidence_file_client_id_once"),
        ]

    def __str__(self):
        return f"{self.filename or self.original.sha256[:12]} ({self.get_purpose_display()})"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The evidence log is append-only: entries are never updated.")

    def delete(self):
        raise TypeError("The evidence log is append-only: entries are never deleted.")


class EvidenceLogEntry(models.Model):
    """One entry of the append-only evidence log; `entry_hash` chains it to the previous entry."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("File received")
        DERIVATIVE = "derivative", _("Copies made")
        PACKAGE = "package", _("Package built")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    evidence = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="log_entries")
    payload = models.JSONField(_("payload"), default=dict)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("entry hash"), max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("evidence log entry")
        verbose_name_plural = _("evidence log")
        ordering = ["sequence"]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.entry_hash[:12]}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The evidence log is append-only: entries are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The evidence log is append-only: entries are never deleted.")
