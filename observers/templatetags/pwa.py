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
        "wiped": _("Everything this app kept on this phone was removed."),
        "hashing": _("Sealing (SHA-256)…"),
        "kinds": {
            "check-in": _("Check-in"),
            "protocol": _("Results protocol"),
            "summary": _("Commission summary protocol"),
            "incident": _("Incident report"),
            "upload": _("Photos and videos"),
        },
    }


@register.simple_tag(takes_context=True)
def pwa_config(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    data = {
        "language": get_language(),
        "user": bool(user and user.is_authenticated),
        "observer": bool(user and user.is_authenticated and getattr(user, "role", "") == "observer"),
        "sw": reverse("service-worker"),
        "session": reverse("app-session"),
        "login": reverse("login"),
        "home": reverse("observers:home"),
        "tus": static("vendor/tus-js-client/tus.min.js"),
        "hashwasm": static("vendor/hash-wasm/sha256.umd.min.js"),
        "strings": interface_strings(),
    }
    return json_script(data, "app-config")
