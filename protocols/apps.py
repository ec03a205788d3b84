from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from observers import home


def install_missing_sources(sender, **kwargs):
    from .shipped_sources import install_shipped_sources  # noqa: PLC0415 models load after apps.py

    install_shipped_sources()


class ProtocolsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "protocols"
    verbose_name = _("Protocols")

    def ready(self):
        from . import selectors  # noqa: PLC0415 models load after apps.py

        post_migrate.connect(install_missing_sources, sender=self)
        home.register_section(selectors.home_protocol_section, position=10)
