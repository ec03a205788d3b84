"""Account pages: the second factor (enrol, verify, backup codes) and the API tokens' list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import throttling, tokens, two_factor


def _next(request, default="observers:start"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _locked(request, template, context):
    wait = throttling.login_retry_after(request, request.user.get_username())
    if wait is None:
        return None
    messages.error(request, throttling.wait_message(wait))
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@login_required
def verify(request):
    """After the password: the 6-digit code of the authenticator app, or a backup code."""
    if not two_factor.required_for(request.user) or request.user.is_verified():
        return redirect(_next(request))
    if not two_factor.is_enrolled(request.user) and not two_factor.backup_codes_left(request.user):
        return redirect(with_next("two-factor-enrol", _next(request, "")))
    context = {"next": _next(request, "")}
    if request.method == "POST":
        refused = _locked(request, "registration/two_factor_verify.html", context)
        if refused:
            return refused
        if two_factor.verify(request=request, code=request.POST.get("code")):
            return redirect(_next(request))
        context["error"] = _("This code is wrong or has expired. Enter the current code from your app, "
                             "or one of your backup codes.")
    return render(request, "registration/two_factor_verify.html", context, status=400 if "error" in context else 200)


def with_next(name, target):
    return reverse(name) + ("?" + urlencode({"next": target}) if target else "")


@login_required
def enrol(request):
    """Enrolment (QR code and secret shown to this session only, confirmed by a first code); once
    enrolled, the page says so and gives new backup codes."""
    user = request.user
    if two_factor.is_enrolled(user):
        if not user.is_verified():
            return redirect(with_next("two-factor-verify", _next(request, "")))
        if request.method == "POST" and request.POST.get("action") == "new-codes":
            codes = two_factor.new_backup_codes(user)
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": _next(request, "")})
        return render(request, "registration/two_factor_status.html",
                      {"codes_left": two_factor.backup_codes_left(user)})
    context = {"next": _next(request, "")}
    if request.method == "POST":
        refused = _locked(request, "registration/two_factor_enrol.html",
                          dict(context, secret=two_factor.secret_text(two_factor.pending_device(user))))
        if refused:
            return refused
        codes = two_factor.confirm_enrolment(request=request, code=request.POST.get("code"))
        if codes is not None:
            return render(request, "registration/two_factor_codes.html", {"codes": codes, "next": _next(request, "")})
        context["error"] = _("This code is wrong or has expired. Enter the code your app shows now.")
    device = two_factor.pending_device(user) if request.method == "POST" else two_factor.restart_enrolment(user)
    context["secret"] = two_factor.secret_text(device)
    return render(request, "registration/two_factor_enrol.html", context, status=400 if "error" in context else 200)


@login_required
def enrol_qr(request):
    """The QR code of the device being enrolled, as an SVG image (never cached)."""
    if two_factor.is_enrolled(request.user):
        raise Http404
    response = HttpResponse(two_factor.qr_svg(two_factor.pending_device(request.user)), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
def api_tokens(request):
    """The person's API tokens (phones, scripts): when made, last used, expiry; each revocable."""
    return render(request, "registration/api_tokens.html", {"tokens": tokens.active_for(request.user)})


@require_POST
@login_required
def revoke_api_token(request, token_id):
    if tokens.revoke(user=request.user, reason="revoked by owner", token_id=token_id):
        messages.success(request, _("The token was revoked: the device using it must log in again."))
    return redirect("account-tokens")
