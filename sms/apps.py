from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = _("SMS channel")

    def ready(self):
        from observers import privacy as observers_privacy  # noqa: PLC0415 it reads models

        from . import privacy as sms_privacy  # noqa: PLC0415

        # observers never imports sms: the accreditation decision reaches it by Django's
        # post_save signal on observers.AccreditationEvent (see sms.signals).
        from . import signals  # noqa: F401, PLC0415  (connects the receivers; must run once the apps are loaded)

        observers_privacy.register_holder("sms", export=sms_privacy.export, erase=sms_privacy.erase, position=40)
