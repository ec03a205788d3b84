from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChecklistsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "checklists"
    verbose_name = _("Checklists")

    def ready(self):
        # The app registry is ready only here: observers' registry and this app's selectors.
        from observers import home

        from . import selectors

        home.register_section(selectors.home_section, position=40)
