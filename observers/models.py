"""People and the organisations they observe for.

The user carries one role (a field, not groups): permissions in this project depend on who a
person is in the observation effort and on which organisation and regions they belong to, which
groups cannot express; one field is also one place to look when auditing who can see what.
"""

import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models import Region


def new_invitation_code():
    return secrets.token_urlsafe(9)


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


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
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("organisation"),
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="coordinators",
        verbose_name=_("regions"),
        help_text=_("For coordinators: the regions they coordinate."),
    )

    objects = PlatformUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_coordinator(self):
        return self.role == self.Role.COORDINATOR

    @property
    def is_observer(self):
        return self.role == self.Role.OBSERVER

    @property
    def is_reviewer(self):
        return self.role == self.Role.REVIEWER

    @property
    def is_platform_admin(self):
        return self.role == self.Role.ADMIN or self.is_superuser
