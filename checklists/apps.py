from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def mark_new_deployment(sender, instance, created, raw=False, **kwargs):
    """A deployment made after the sample was drawn gets its flag from the drawn sample, not by hand."""
    if created and not raw:
        from .services import mark_deployment_from_sample  # noqa: PLC0415 the app registry is ready only at call time

        mark_deployment_from_sample(deployment_id=instance.pk)


class ChecklistsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "checklists"
    verbose_name = _("Checklists")

    def ready(self):
        # The app registry is ready only here: observers' registry and this app's selectors.
        from observers import home  # noqa: PLC0415
        from observers.models import Deployment  # noqa: PLC0415

        from . import selectors  # noqa: PLC0415

        home.register_section(selectors.home_section, position=40)
        post_save.connect(mark_new_deployment, sender=Deployment, dispatch_uid="checklists-mark-deployment")
