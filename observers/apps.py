from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.backends.signals import connection_created
from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext_lazy as _

from . import sqlite_functions, throttling


class ObserversConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "observers"
    verbose_name = _("Observers")

    def ready(self):
        connection_created.connect(sqlite_functions.register, dispatch_uid="observers-sqlite-functions")
        from . import tokens  # noqa: PLC0415 tokens and models load after apps.py
        from .models import Accreditation, User  # noqa: PLC0415

        # Every failed login from the web (page, admin, API token) counts against its (username,
        # address) pair, and a successful one clears it; see observers/throttling.py.
        user_login_failed.connect(throttling.record_login_failure, dispatch_uid="observers-login-failures")
        user_logged_in.connect(throttling.clear_login_failures, dispatch_uid="observers-login-success")
        # API tokens die with a password change, a logout and a revoked accreditation.
        pre_save.connect(tokens.revoke_on_password_change, sender=User, dispatch_uid="observers-tokens-password")
        user_logged_out.connect(tokens.revoke_on_logout, dispatch_uid="observers-tokens-logout")
        post_save.connect(tokens.revoke_on_revoked_accreditation, sender=Accreditation,
                          dispatch_uid="observers-tokens-accreditation")
