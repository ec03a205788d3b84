from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from observers import home


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = _("Evidence")

    def ready(self):
        from . import selectors  # noqa: PLC0415 models load after apps.py

        home.register_section(selectors.home_uploads_section, position=20)
