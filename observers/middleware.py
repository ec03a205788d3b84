"""Middleware of signing in: authenticated answers are never stored by a browser or a proxy, and
staff pass their second factor before anything else (observers.two_factor)."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from . import access_log, account_views, two_factor


def _authenticated(request):
    user = getattr(request, "user", None)  # DRF sets it here too for a token-authenticated call
    return bool(user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META


class NoStoreForAuthenticatedMiddleware:
    """`Cache-Control: no-store` (and private, no-cache) on every answer to a signed-in person or
    an API call with a token: a shared phone's browser cache or a proxy never keeps an observer's
    name, station or evidence."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _authenticated(request):
            add_never_cache_headers(response)
            response["Cache-Control"] = "private, no-store, no-cache, must-revalidate, max-age=0"
        return response


# Paths a signed-in person reaches before their second factor: the pages of the second factor
# itself, logging out, the language switch and static files.
TWO_FACTOR_OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/accounts/login/", "/i18n/", "/static/",
                            "/healthz", "/favicon.ico")


class TwoFactorRequiredMiddleware:
    """A session that passed the password but not the second factor (staff always; observers who
    enrolled) reaches only the second factor's pages: other pages redirect there (enrolment when
    there is no device yet), the API answers 403. Installed after django-otp's OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not user.is_verified() and not request.path.startswith(TWO_FACTOR_OPEN_PREFIXES)
                and two_factor.required_for(user)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Give the code of your second factor on the website first."),
                                     "code": "second_factor_required"}, status=403)
            name = "two-factor-verify" if two_factor.is_enrolled(user) else "two-factor-enrol"
            return redirect(account_views.with_next(name, request.get_full_path()))
        return self.get_response(request)


class ClientAddressMiddleware:
    """Hands the client's address to the access log for the changes a service records
    (observers.access_log.current_address), and forgets it after the answer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = access_log.current_address.set(access_log.client_address(request))
        try:
            return self.get_response(request)
        finally:
            access_log.current_address.reset(token)
