"""`{% pwa_config %}`: what the phone app's script needs (URLs and its interface strings in the
observer's language), as JSON in a <script type="application/json"> block, never executed."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import json_script
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def interface_strings():
    return {
        "outbox": _("Outbox"),
        "waiting": _("Waiting for the network"),
        "sending": _("Sending"),
        "sent": _("Received by the server at"),
        "refused": _("Refused:"),
        "refusedGeneric": _("The server did not accept it. Open it, correct it and send it again."),
        "correct": _("Correct and send again"),
        "login": _("Your session has ended: log in again and it will be sent."),
        "logIn": _("Log in"),
        "sendNow": _("Send now"),
        "delete": _("Delete"),
        "deleteConfirm": _("Delete this item from the phone? It was not sent."),
        "draftRestored": _("Your draft was restored from this phone."),
        "kept": _("Kept on this phone; it is sent with the form."),
        "remove": _("Remove"),
        "queued": _("No network: kept in the outbox, sent as soon as the phone is online."),
        "sendingNow": _("Sending…"),
        "wipe": _("Remove everything from this phone"),
        "wipeConfirm": _("Remove every draft, unsent item and saved page of this app from this phone? "
                         "Unsent items will be lost."),
        "wiped": _("Everything this app kept on this phone was removed, and you are logged out."),
        "wipedOffline": _("Everything this app kept on this phone was removed. No network: you are still "
                          "logged in on this phone; log out once it is online."),
        "hashing": _("Sealing (SHA-256)…"),
        "upload": {
            "offline": _("No connection to the server: this file is not sent yet. The app sends it by itself, from "
                         "where it stopped, as soon as the phone is online again (keep this page open)."),
            "server": _("The server could not store this file just now. The app tries again by itself in a minute, "
                        "from where it stopped."),
            "login": _("Your session has ended: this file was not sent. Log in again, then choose the file again."),
            "tooLarge": _("This file is too large to be sent: it was not sent. Send a shorter video or a smaller "
                          "photo."),
            "refused": _("The server did not accept this file:"),
            "generic": _("it was not sent. Check that it is a photo or a video, and choose it again."),
        },
        "hashFailed": _("A file could not be sealed (SHA-256) on this phone: pick it again."),
        "kinds": {
            "check-in": _("Check-in"),
            "protocol": _("Results protocol"),
            "summary": _("Commission summary protocol"),
            "incident": _("Incident report"),
            "upload": _("Photos and videos"),
            "checklist": _("Checklist"),
        },
    }


# The locale the phone's script formats dates and times with (Intl), per interface language. Kazakh
# writes them day first on 24 hours ("12.02.2026, 18:16"), as config/formats/kk does; browsers whose
# ICU data lacks "kk" (Debian's Chromium) fall back to "2026-02-12", so Kazakh pages use the numeric
# formats of Kazakhstan's Russian locale, which are the same digits in the same order.
DATE_LOCALES = {"kk": "ru-KZ"}


def date_locale(language):
    return DATE_LOCALES.get((language or "")[:2], language)


@register.simple_tag(takes_context=True)
def pwa_config(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = {
        "language": get_language(),
        "dateLocale": date_locale(get_language()),
        "user": bool(user and user.is_authenticated),
        "observer": bool(user and user.is_authenticated and getattr(user, "role", "") == "observer"),
        "sw": reverse("service-worker"),
        "session": reverse("app-session"),
        "forget": reverse("app-forget"),
        "login": reverse("login"),
        "home": reverse("observers:home"),
        "tus": static("vendor/tus-js-client/tus.min.js"),
        "sha256": static("vendor/js-sha256/sha256.min.js"),
        "strings": interface_strings(),
    }
    return json_script(data, "app-config")
