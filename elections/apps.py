from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def install_missing_templates(sender, **kwargs):
    """After every migrate (and test flush), make sure the shipped templates exist.

    Only missing templates are created: an administrator's edits to an installed one are kept
    (`manage.py install_templates --update` overwrites them on purpose).
    """
    from .services import install_shipped_templates  # noqa: PLC0415 models load after apps.py

    install_shipped_templates(update=False)


class ElectionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "elections"
    verbose_name = _("Elections")

    def ready(self):
        post_migrate.connect(install_missing_templates, sender=self)
