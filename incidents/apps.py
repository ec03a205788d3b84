from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from observers import home


def install_missing_categories(sender, **kwargs):
    """After every migrate (and test flush), make sure the shipped incident categories exist.

    Only missing categories are created: an administrator's edits to an installed one are kept.
    """
    from .services import install_shipped_categories  # noqa: PLC0415 models load after apps.py

    install_shipped_categories()


class IncidentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incidents"
    verbose_name = _("Incidents")

    def ready(self):
        from observers import privacy as observers_privacy  # noqa: PLC0415 it reads models

        from . import privacy as incident_privacy  # noqa: PLC0415 models load after apps.py
        from . import selectors  # noqa: PLC0415 models load after apps.py

        observers_privacy.register_holder("incidents", export=incident_privacy.export, erase=incident_privacy.erase,
                                position=30)
        post_migrate.connect(install_missing_categories, sender=self)
        home.register_section(selectors.home_incidents_section, position=30)
