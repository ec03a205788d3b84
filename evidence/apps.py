from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = _("Evidence")

    def ready(self):
        from observers import home

        from . import selectors

        home.register_section(selectors.home_uploads_section, position=20)
