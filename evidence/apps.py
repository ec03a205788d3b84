from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image

from observers import home


class EvidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evidence"
    verbose_name = _("Evidence")

    def ready(self):
        from observers import privacy as observers_privacy  # noqa: PLC0415 it reads models
        # Every decode in this process (copies in the Celery worker too) stops at our pixel limit.
        Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_IMAGE_PIXELS
        from . import privacy as evidence_privacy  # noqa: PLC0415 models load after apps.py
        from . import selectors  # noqa: PLC0415 models load after apps.py

        home.register_section(selectors.home_uploads_section, position=20)
        observers_privacy.register_holder("evidence", export=evidence_privacy.export, erase=evidence_privacy.erase, position=20)
