"""People and the organisations they observe for.

The user carries one role (a field, not groups): permissions in this project depend on who a
person is in the observation effort and on which organisation and regions they belong to, which
groups cannot express; one field is also one place to look when auditing who can see what.
"""

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from config.limits import SHORT_TEXT
from elections.models import Election, Region, Station

# Capitals and digits without the look-alikes (0/O, 1/I/L): codes are read aloud and typed on
# phones, and matched whatever their case (observers.services.find_organisation_by_code).
INVITATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_invitation_code():
    return "-".join("".join(secrets.choice(INVITATION_ALPHABET) for _ in range(4)) for _ in range(3))


class Organisation(models.Model):
    """An observer NGO: it accredits its observers and deploys them in its regions."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="organisations", verbose_name=_("regions"))
    invitation_code = models.CharField(
        _("invitation code"),
        max_length=40,
        unique=True,
        default=new_invitation_code,
        help_text=_("Observers give this code when they sign up, to join the organisation."),
    )
    allow_self_deployment = models.BooleanField(
        _("observers may pick their station"),
        default=False,
        help_text=_("Accredited observers may deploy themselves to a station in the organisation's regions."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            # An observer types the code in any case: two codes differing only by case would be one.
            models.UniqueConstraint(Upper("invitation_code"), name="invitation_code_unique_any_case"),
        ]

    def __str__(self):
        return self.name


PSEUDONYM_CONSTRAINT = "user_pseudonym_per_organisation"
PSEUDONYM_ALPHABET = "0123456789ABCDEF"


def new_pseudonym_code(organisation_id, *, exclude=()):
    """A random code ("7F3A") no other member of this organisation carries: 4 hexadecimal digits,
    one more each time a few draws collide (a very large organisation). Random, not derived from
    the person: it tells nothing about them and survives the erasure of their personal data."""
    length = 4
    while True:
        for _attempt in range(8):
            code = "".join(secrets.choice(PSEUDONYM_ALPHABET) for _digit in range(length))
            if code in exclude:
                continue
            if organisation_id is None or not User.objects.filter(organisation_id=organisation_id,
                                                                  pseudonym=code).exists():
                return code
        length += 1


class PlatformUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        OBSERVER = "observer", _("Observer")
        COORDINATOR = "coordinator", _("Coordinator")
        REVIEWER = "reviewer", _("Reviewer")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.OBSERVER)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(
        _("language"), max_length=8, blank=True, choices=settings.LANGUAGES,
        help_text=_("The language of the messages sent to this person (e-mail); the one they signed up in."))
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    pseudonym = models.CharField(
        _("pseudonym"), max_length=12, blank=True, editable=False,
        help_text=_("Stable code shown instead of the name to everyone outside the organisation's coordinators."),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="coordinators",
        verbose_name=_("regions"),
        help_text=_("For coordinators: the regions they coordinate."),
    )

    erased_at = models.DateTimeField(
        _("personal data erased"), null=True, blank=True,
        help_text=_("When the name, phone, e-mail and document were erased; the figures and evidence stay."))

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One code per person within an organisation (observers.pseudonyms shows it).
            models.UniqueConstraint(fields=["organisation", "pseudonym"], condition=~Q(pseudonym=""),
                                    name=PSEUDONYM_CONSTRAINT),
        ]

    @property
    def is_platform_admin(self):
        return self.role == self.Role.ADMIN or self.is_superuser

    def save(self, *args, **kwargs):
        """Saved with a pseudonym code: drawn once, kept for good (erasure keeps it too); drawn
        again only when it collides in a new organisation."""
        if not self.pseudonym:
            self.pseudonym = new_pseudonym_code(self.organisation_id)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "pseudonym"}
        for attempt in range(5):
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError as error:
                # PostgreSQL names the constraint; SQLite (`make run`) names its columns.
                collided = PSEUDONYM_CONSTRAINT in str(error) or f"{self._meta.db_table}.pseudonym" in str(error)
                if not collided or attempt == 4:
                    raise
                self.pseudonym = new_pseudonym_code(self.organisation_id, exclude={self.pseudonym})
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "pseudonym"}


def accreditation_document_path(accreditation, filename):
    # A random name: the observer's name or the file's original name never reach the storage.
    return f"accreditation/{uuid.uuid4().hex}"


class Accreditation(models.Model):
    """An observer's accreditation by their organisation: the gate to submitting anything."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a coordinator")
        APPROVED = "approved", _("Accredited")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    observer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="accreditation",
                                    verbose_name=_("observer"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="accreditations",
                                     verbose_name=_("organisation"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    document = models.FileField(_("accreditation document"), upload_to=accreditation_document_path, blank=True)
    document_type = models.CharField(_("document type"), max_length=40, blank=True)
    document_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=SHORT_TEXT)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self):
        return f"{self.observer} ({self.get_status_display()})"


class AccreditationEvent(models.Model):
    """Every change of an accreditation's status: who, when, why. Never edited."""

    accreditation = models.ForeignKey(Accreditation, on_delete=models.PROTECT, related_name="events",
                                      verbose_name=_("accreditation"))
    from_status = models.CharField(_("from"), max_length=10, choices=Accreditation.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=Accreditation.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    reason = models.TextField(_("reason"), blank=True, max_length=SHORT_TEXT)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("accreditation change")
        verbose_name_plural = _("accreditation changes")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


class Deployment(models.Model):
    """An observer sent to a polling station for an election."""

    observer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deployments",
                                 verbose_name=_("observer"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="deployments",
                                     verbose_name=_("organisation"))
    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="deployments",
                                 verbose_name=_("election"))
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="deployments",
                                verbose_name=_("polling station"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("assigned by"), help_text=_("Empty when the observer picked the station themselves."),
    )
    in_random_sample = models.BooleanField(
        _("in the random sample"), default=False, help_text=_("Part of the random sample used for the quick count.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["observer", "election", "station"], name="deployment_unique"),
        ]
        indexes = [models.Index(fields=["election", "station"])]

    def __str__(self):
        return f"{self.observer} @ {self.station}"


class ReviewAssignment(models.Model):
    """What an organisation gives one of its reviewers to review in an election: a region (every
    flag of its stations and commissions) or one station. A reviewer of an organisation sees only
    the review work of their assignments (observers.scope.assigned_review); with none, nothing."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="review_assignments",
                                     verbose_name=_("organisation"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="review_assignments", verbose_name=_("reviewer"))
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="review_assignments",
                                 verbose_name=_("election"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name=_("region"))
    station = models.ForeignKey(Station, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                                verbose_name=_("polling station"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["election", "reviewer", "region", "station"]
        constraints = [
            models.CheckConstraint(condition=Q(region__isnull=True) ^ Q(station__isnull=True),
                                   name="review_assignment_region_or_station"),
            models.UniqueConstraint(fields=["reviewer", "election", "region"], name="review_assignment_region_once"),
            models.UniqueConstraint(fields=["reviewer", "election", "station"], name="review_assignment_station_once"),
        ]

    def __str__(self):
        return f"{self.reviewer} @ {self.region or self.station} ({self.election})"


class CheckIn(models.Model):
    """An observer's arrival at (or departure from) their station, as the server saw it."""

    class Kind(models.TextChoices):
        CHECK_IN = "in", _("Checked in")
        CHECK_OUT = "out", _("Checked out")

    client_id = models.UUIDField(
        _("client ID"), unique=True, help_text=_("Made by the phone, so a retried request is recorded once.")
    )
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="check_ins",
                                   verbose_name=_("deployment"))
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    recorded_at = models.DateTimeField(_("server time"), auto_now_add=True)
    device_time = models.DateTimeField(_("phone time"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("GPS accuracy (m)"), null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("distance to the station (m)"), null=True, blank=True)
    far_from_station = models.BooleanField(_("far from the station"), default=False)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90), name="checkin_latitude"
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="checkin_longitude",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.recorded_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A key for the API (phones, scripts): it expires, it is revoked on a password change, a
    logout or a revoked accreditation, and its owner sees and revokes each one. Only the key's
    SHA-256 is stored: a leaked database opens no account."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    key_digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    name = models.CharField(_("device"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="apitoken_user_revoked")]

    def __str__(self):
        return f"{self.prefix}…"


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The access log is append-only: entries are never updated.")

    def delete(self):
        raise TypeError("The access log is append-only: entries are never deleted.")


class AccessLogEntry(models.Model):
    """One read or change of an observer's personal data: who, what, when, from where. Append-only
    (like the evidence log, without its hash chain): never edited, never deleted. See
    observers/access_log.py and docs/privacy.md."""

    class Action(models.TextChoices):
        DOCUMENT_VIEWED = "document_viewed", _("Document photo viewed")
        ORIGINAL_DOWNLOADED = "original_downloaded", _("Original evidence file downloaded")
        PERSON_VIEWED = "person_viewed", _("Observer's page viewed")
        EXPORTED = "exported", _("Export with personal data")
        CHANGED = "changed", _("Personal data changed")
        ERASED = "erased", _("Personal data erased")
        RETENTION_ERASED = "retention_erased", _("Personal data erased (retention period over)")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("who"),
                              help_text=_("Empty when the platform itself acted (the retention sweep)."))
    action = models.CharField(_("what"), max_length=20, choices=Action.choices)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("organisation"),
                                     help_text=_("The organisation whose observers' data it was."))
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("whose data"))
    target = models.CharField(_("which record"), max_length=120, blank=True)
    client_address = models.GenericIPAddressField(_("from where"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="accesslog_organisation_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The access log is append-only: entries are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The access log is append-only: entries are never deleted.")
