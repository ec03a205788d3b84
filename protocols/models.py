"""Observer copies of the results protocol, official versions, and the flags between them.

Figures are stored as one JSON object per version ({"L1": 1500, "L8.2": 311, ...}) with the
codes of the election's protocol lines: one row per station and source keeps a national import
(100,000 stations) to 100,000 rows, and one row can be compared as a whole. Nothing is
overwritten: a correction or a new publication is a new version, the old one stays.
"""

import codecs
import io
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from elections.models import Commission, Election, Station
from observers.models import Deployment

from . import crosscheck


class ObserverCopy(models.Model):
    """One version of an observer's copy of a station's protocol."""

    client_id = models.UUIDField(unique=True, help_text=_("Made by the phone: a re-sent copy is stored once."))
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="protocol_copies")
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="protocol_copies")
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="observer_copies")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="observer_copies")
    version = models.PositiveIntegerField(_("version"))
    is_latest = models.BooleanField(default=True)
    figures = models.JSONField(_("figures"))
    comment = models.TextField(_("comment"), blank=True, max_length=SHORT_TEXT)
    warnings = models.JSONField(_("control relations broken when sent"), default=list, blank=True)
    photos = models.ManyToManyField("evidence.EvidenceFile", through="ObserverCopyPhoto", related_name="protocol_copies",
                                    blank=True, verbose_name=_("photos of the protocol"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("observer's protocol copy")
        verbose_name_plural = _("observers' protocol copies")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["observer", "election", "station", "version"],
                                    name="observer_copy_version_unique"),
            models.UniqueConstraint(fields=["observer", "election", "station"], condition=Q(is_latest=True),
                                    name="observer_copy_one_latest"),
        ]
        indexes = [models.Index(fields=["election", "station"], condition=Q(is_latest=True),
                                name="observer_copy_latest_idx")]

    def __str__(self):
        return f"{self.station} v{self.version} ({self.observer})"


class ObserverCopyPhoto(models.Model):
    """A photo of the protocol pages, sent through the evidence pipeline by the copy's observer
    for its station and election, attached to one version of the copy.

    Each version carries its own list (a correction starts from the previous version's photos);
    rows are never changed or deleted, like the versions, and the evidence file is protected.
    """

    # Indexed through the unique (copy, evidence) index: no index of its own to update.
    copy = models.ForeignKey(ObserverCopy, on_delete=models.PROTECT, related_name="photo_attachments", db_index=False)
    evidence = models.ForeignKey("evidence.EvidenceFile", on_delete=models.PROTECT,
                                 related_name="protocol_copy_attachments")

    class Meta:
        verbose_name = _("protocol photo of an observer's copy")
        verbose_name_plural = _("protocol photos of observers' copies")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["copy", "evidence"], name="observer_copy_photo_once")]

    def __str__(self):
        return f"copy {self.copy_id} <- evidence {self.evidence_id}"


class CommissionProtocol(models.Model):
    """A territorial commission's summary protocol: as an observer copied it at the commission
    (`observer`), or as the authorities published it (`result_import`: imported from a source of
    commission-level rows). Versioned per observer, or per election for the published ones.

    Tabulation is where a station's honest count can still be changed (seed recs. 19, 20.1, 21),
    so the summary is compared with the sum of the commission's station protocols.
    """

    client_id = models.UUIDField(unique=True, null=True, blank=True)  # observers' copies only
    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="summary_copies",
                                 null=True, blank=True)
    result_import = models.ForeignKey("ResultImport", on_delete=models.PROTECT, related_name="summaries",
                                      null=True, blank=True)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="commission_protocols")
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="summary_protocols")
    version = models.PositiveIntegerField()
    is_latest = models.BooleanField(default=True)
    figures = models.JSONField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)  # when its tabulation check was last sent
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commission summary protocol")
        verbose_name_plural = _("commission summary protocols")
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(observer__isnull=False, result_import__isnull=True)
                                   | Q(observer__isnull=True, result_import__isnull=False),
                                   name="commission_protocol_observer_or_import"),
            models.UniqueConstraint(fields=["observer", "election", "commission", "version"],
                                    name="commission_protocol_version_unique"),
            # Published summaries have no observer, and NULLs never collide in a unique index.
            models.UniqueConstraint(fields=["election", "commission", "version"], condition=Q(observer__isnull=True),
                                    name="published_summary_version_unique"),
            models.UniqueConstraint(fields=["election", "commission"],
                                    condition=Q(observer__isnull=True, is_latest=True),
                                    name="published_summary_one_latest"),
        ]

    def __str__(self):
        return f"{self.commission} v{self.version}"


DELIMITER_CHOICES = [(",", _("comma")), (";", _("semicolon")), ("\t", _("tab")), ("|", _("vertical bar"))]


class ResultSource(models.Model):
    """Where official per-station results come from, and how to read its columns (data, not code)."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        JSON = "json", "JSON"
        XLSX = "xlsx", _("Excel workbook (.xlsx), its first sheet")

    class Level(models.TextChoices):
        STATION = "station", _("Polling stations (one row per station)")
        COMMISSION = "commission", _("Territorial commissions' summary protocols (one row per commission)")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.CSV)
    level = models.CharField(_("rows are"), max_length=10, choices=Level.choices, default=Level.STATION,
                             help_text=_("Commission summaries are keyed by region and commission, and compared "
                                         "with the sum of the commission's stations."))
    encoding = models.CharField(
        _("text encoding"), max_length=40, default="utf-8",
        help_text=_("How the file's text is encoded, e.g. utf-8, or windows-1251 for a spreadsheet saved in Russian "
                    "or Kazakh; a byte-order mark at the file's start wins."))
    delimiter = models.CharField(_("field delimiter"), max_length=1, choices=DELIMITER_CHOICES, default=",",
                                 help_text=_("What separates a CSV file's fields."))
    region_column = models.CharField(_("region column"), max_length=200)
    commission_column = models.CharField(_("commission column"), max_length=200)
    station_column = models.CharField(_("station column"), max_length=200, blank=True,
                                      help_text=_("Not read for commission summaries."))
    line_columns = models.JSONField(
        _("line columns"), help_text=_("Protocol line code for each column, e.g. {\"Число избирателей...\": \"L1\"}.")
    )
    station_pattern = models.CharField(
        _("station number pattern"), max_length=200, blank=True,
        help_text=_("A regular expression finding the number in the station column, e.g. (\\d+) for “УИК №1”; "
                    "its first group (or the whole match) is the number."))
    fallback_station_label = models.CharField(
        _("label of a unit without a station number"), max_length=40, blank=True,
        help_text=_("A row with an empty station column becomes its commission's counting unit of this name "
                    "(e.g. “ДЭГ” for remote e-voting); empty: such a row is refused."))
    region_pattern = models.CharField(
        _("region name: text to drop"), max_length=200, blank=True,
        help_text=_("A regular expression removed from region names before matching, e.g. ^\\d+\\s+ for a "
                    "leading number."))
    commission_pattern = models.CharField(
        _("commission name: text to drop"), max_length=200, blank=True,
        help_text=_("A regular expression removed from commission names before matching."))
    skip_rows = models.JSONField(
        _("rows to skip"), default=dict, blank=True,
        help_text=_("Rows whose column has one of these values are skipped, e.g. {\"level\": [\"region\"]}."))
    ignore_columns = models.JSONField(
        _("columns to ignore"), default=list, blank=True,
        help_text=_("Columns read by nothing and not reported as unknown, e.g. [\"url\"]."))
    url = models.URLField(_("URL to fetch"), blank=True)
    election = models.ForeignKey(Election, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text=_("The election whose results the URL publishes."))
    fetch_automatically = models.BooleanField(_("fetch periodically"), default=False)
    create_stations = models.BooleanField(_("create unknown stations"), default=False)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("official result source")
        verbose_name_plural = _("official result sources")

    def __str__(self):
        return self.name

    def clean(self):
        if self.level == self.Level.STATION and not self.station_column:
            raise ValidationError({"station_column": _("A source of per-station results needs a station column.")})
        try:
            # a text encoding: "base64" or "zlib" are codecs too, of bytes to bytes
            io.TextIOWrapper(io.BytesIO(), encoding=codecs.lookup(self.encoding).name)
        except LookupError:
            raise ValidationError({"encoding": _("Unknown encoding “%(encoding)s”: e.g. utf-8 or windows-1251.")
                                   % {"encoding": self.encoding}}, code="bad_encoding") from None
        for name in ("station_pattern", "region_pattern", "commission_pattern"):
            try:
                re.compile(getattr(self, name))
            except re.error as error:
                raise ValidationError({name: _("Not a valid pattern: %(error)s") % {"error": error}},
                                      code="bad_pattern") from None
        if not isinstance(self.skip_rows, dict) or not all(
                isinstance(values, list) for values in self.skip_rows.values()):
            raise ValidationError({"skip_rows": _("Give a column and a list of values, e.g. {\"level\": [\"region\"]}.")},
                                  code="bad_skip_rows")
        if not isinstance(self.ignore_columns, list):
            raise ValidationError({"ignore_columns": _("Give a list of column names.")}, code="bad_ignore_columns")


class ResultImport(models.Model):
    """One import of an official results file: what came in, what changed, what was refused."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="result_imports")
    source = models.ForeignKey(ResultSource, on_delete=models.PROTECT, related_name="imports")
    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    rows = models.PositiveIntegerField(default=0)
    stations_created = models.PositiveIntegerField(default=0)
    versions_added = models.PositiveIntegerField(default=0)
    rows_refused = models.PositiveIntegerField(default=0)
    rows_blank = models.PositiveIntegerField(_("rows not published"), default=0)
    problem_count = models.PositiveIntegerField(default=0)
    problems_csv = models.TextField(blank=True, help_text=_("Every problem of the file, one per line (CSV)."))
    unused_columns = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("official results import")
        verbose_name_plural = _("official results imports")
        ordering = ["-imported_at"]

    def __str__(self):
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


class OfficialVersion(models.Model):
    """The figures the authorities published for a station, as of one import."""

    # Indexed through the unique (election, station, version) index: no index of its own to update.
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="official_versions",
                                 db_index=False)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="official_versions")
    result_import = models.ForeignKey(ResultImport, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField()
    is_latest = models.BooleanField(default=True)
    figures = models.JSONField()
    imported_at = models.DateTimeField()

    class Meta:
        verbose_name = _("official version")
        verbose_name_plural = _("official versions")
        ordering = ["-imported_at"]
        constraints = [
            models.UniqueConstraint(fields=["election", "station", "version"], name="official_version_unique"),
            models.UniqueConstraint(fields=["election", "station"], condition=Q(is_latest=True),
                                    name="official_one_latest"),
        ]

    def __str__(self):
        return f"{self.station} official v{self.version}"


class StationCheck(models.Model):
    """When a station's inputs last changed, when its check was last sent to the workers, and
    when the cross-check last ran on them.

    The periodic sweep re-checks every station whose inputs changed after its last check, so a
    lost Celery message can delay a flag but never lose it; a check sent less than the sweep's
    grace period ago is left to the message already queued.
    """

    # Indexed through the unique (election, station) index: no index of its own to update.
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="station_checks", db_index=False)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="checks")
    inputs_changed_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["election", "station"], name="station_check_unique")]
        indexes = [models.Index(fields=["election", "checked_at"])]

    def __str__(self):
        return f"{self.station}: checked {self.checked_at}"


class ElectionCheck(models.Model):
    """The election-wide counterpart of `StationCheck`, one row per election.

    `checked_at`: when the last full re-check started: every station whose inputs had not changed
    since is checked, without writing 100,000 `StationCheck` rows to say so. `inputs_changed_at`:
    when an import changed (nearly) every station at once: one mark instead of 100,000, which the
    sweep turns into a full re-check. `queued_at`: when a full re-check was last sent to the workers.
    """

    election = models.OneToOneField(Election, on_delete=models.CASCADE, related_name="full_check")
    checked_at = models.DateTimeField(null=True, blank=True)
    inputs_changed_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.election}: all stations checked {self.checked_at}"


class Discrepancy(models.Model):
    """A flag raised by the cross-check, waiting for (or carrying) a reviewer's decision."""

    class Kind(models.TextChoices):
        MISMATCH = crosscheck.Kind.MISMATCH, _("Observer's copy differs from the official result")
        INCONSISTENT = crosscheck.Kind.INCONSISTENT, _("Protocol breaks a control relation")
        OBSERVERS_DISAGREE = crosscheck.Kind.OBSERVERS_DISAGREE, _("Observers' copies differ")
        OFFICIAL_CHANGED = crosscheck.Kind.OFFICIAL_CHANGED, _("Published result changed")
        MISSING_OFFICIAL = crosscheck.Kind.MISSING_OFFICIAL, _("No official result published")
        MISSING_COPY = crosscheck.Kind.MISSING_COPY, _("No protocol from a checked-in observer")
        TABULATION = crosscheck.Kind.TABULATION, _("Commission summary differs from its stations")

    class Severity(models.TextChoices):
        MINOR = crosscheck.Severity.MINOR, _("Minor")
        MAJOR = crosscheck.Severity.MAJOR, _("Major")
        CRITICAL = crosscheck.Severity.CRITICAL, _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONFIRMED = "confirmed", _("Confirmed")
        OBSERVER_ERROR = "observer_error", _("Observer error")
        RESOLVED = "resolved", _("Resolved")
        WITHDRAWN = "withdrawn", _("No longer applies")

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="discrepancies")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="discrepancies", null=True, blank=True)
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="discrepancies",
                                   null=True, blank=True)
    key = models.CharField(max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    severity_rank = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    deltas = models.JSONField(default=dict, blank=True)
    detail = models.JSONField(default=list, blank=True)
    observer_copy = models.ForeignKey(ObserverCopy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    other_copy = models.ForeignKey(ObserverCopy, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    official_version = models.ForeignKey(OfficialVersion, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    commission_protocol = models.ForeignKey(CommissionProtocol, on_delete=models.PROTECT, null=True, blank=True,
                                            related_name="discrepancies")
    previous_official = models.ForeignKey(OfficialVersion, on_delete=models.PROTECT, null=True, blank=True,
                                          related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("discrepancy")
        verbose_name_plural = _("discrepancies")
        ordering = ["-severity_rank", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["election", "station", "key"], name="discrepancy_key_unique"),
            # Commission-level flags have no station, and NULLs never collide in a unique index.
            models.UniqueConstraint(fields=["election", "key"], condition=Q(station__isnull=True),
                                    name="discrepancy_commission_key_unique"),
        ]
        indexes = [models.Index(fields=["election", "status", "-severity_rank", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.station}"


class Decision(models.Model):
    """A reviewer's decision on a discrepancy; every one is kept."""

    client_id = models.UUIDField(null=True, blank=True, unique=True,
                                 help_text=_("Made by the decision form: a re-sent decision is recorded once."))
    discrepancy = models.ForeignKey(Discrepancy, on_delete=models.PROTECT, related_name="decisions")
    status = models.CharField(max_length=16, choices=Discrepancy.Status.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=SHORT_TEXT)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"{self.get_status_display()} by {self.reviewer}"


class PhotoPublication(models.Model):
    """A coordinator's or reviewer's decision to publish a protocol photo on the public
    transparency page, or to take it down. Every decision is kept; the newest (`is_latest`) holds.

    A photo without any decision is not published. Only the EXIF-free web copy is ever served
    publicly, never the original.
    """

    evidence = models.ForeignKey("evidence.EvidenceFile", on_delete=models.PROTECT, related_name="publications")
    published = models.BooleanField(_("published"))
    is_latest = models.BooleanField(default=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("protocol photo publication")
        verbose_name_plural = _("protocol photo publications")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["evidence"], condition=Q(is_latest=True), name="photo_publication_one_latest"),
        ]

    def __str__(self):
        return f"{self.evidence_id}: {'published' if self.published else 'not published'}"
