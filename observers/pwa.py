"""The observer's phone app: the web manifest, the service worker (served from the site's root so
its scope covers every observer page) and the small session probe the outbox asks before it sends.

The service worker is a template: it loads the vendored Workbox modules by their static URLs (hashed
in production), and its cache names carry a version computed from the rendered script, so a deploy
that changes any asset the worker names replaces the old caches.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

# Paths whose pages the service worker keeps for offline use (the observer's own pages).
OFFLINE_PAGE_PREFIXES = ("/observe/me/", "/protocols/deployments/", "/incidents/report/", "/incidents/mine/",
                         "/evidence/upload/", "/evidence/mine/", "/checklists/answer/", "/observe/signup/",
                         "/accounts/login/")


@require_GET
def service_worker(request):
    context = {
        "workbox": [json.dumps(static(f"vendor/workbox/workbox-{name}.prod.js"))
                    for name in ("core", "routing", "strategies", "cacheable-response")],
        "page_prefixes": json.dumps(OFFLINE_PAGE_PREFIXES),
        "home": json.dumps(reverse("observers:home")),
        # STATIC_URL itself: the hashed production storage has no manifest entry for "".
        "static_prefix": json.dumps(settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"),
    }
    script = render_to_string("observers/sw.js", context)
    version = hashlib.sha256(script.encode()).hexdigest()[:12]
    response = HttpResponse(script.replace("__VERSION__", version), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    home = reverse("observers:home")
    data = {
        "name": _("Election observers"),
        "short_name": _("Observers"),
        "lang": request.LANGUAGE_CODE,
        "start_url": home,
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0d2a4a",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
             "purpose": "maskable"},
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def session(request):
    """Whether this browser is still logged in, and a fresh CSRF token for the outbox's POSTs."""
    response = JsonResponse({"authenticated": request.user.is_authenticated, "csrf": get_token(request),
                             "login": reverse("login")})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def forget_phone(request):
    """The last step of "remove everything from this phone": the session ends and the browser is
    told to clear this site's cookies, storage and cache (Clear-Site-Data), including the HttpOnly
    session cookie the page's script cannot reach. A plain logout does not do this: it keeps the
    drafts and the outbox, which must survive a logout."""
    logout(request)
    response = HttpResponse(status=204)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    response["Cache-Control"] = "no-store"
    return response
