from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.utils.translation import gettext_lazy as _

from . import throttling


class ObserversConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "observers"
    verbose_name = _("Observers")

    def ready(self):
        # Every failed login from the web (page, admin, API token) counts against its (username,
        # address) pair, and a successful one clears it; see observers/throttling.py.
        user_login_failed.connect(throttling.record_login_failure, dispatch_uid="observers-login-failures")
        user_logged_in.connect(throttling.clear_login_failures, dispatch_uid="observers-login-success")
