"""Rate limits against flooding and password guessing, kept in Django's cache.

- sign-ups: per client address, the HTML page and the API sharing one budget;
- failed logins: per client address and per username, counted for the login page, the admin's
  login and `/api/auth/token/` alike (Django's `user_login_failed` signal); while either budget
  is spent those entry points refuse even the right password, so guessing gains nothing.

The limits are settings (`RATE_LIMITS`: name -> (count, seconds)). A budget opens with the first
counted attempt and closes `seconds` later (two cache keys, one `incr` per attempt). The cache
is Redis in production, shared by every web worker; without REDIS_URL it is each process's
memory, which is enough for one developer's server.

The client's address is the one Django REST framework's throttles use, so there is one rule:
REMOTE_ADDR, or, behind `NUM_PROXIES` trusted reverse proxies, the address the nearest of them
saw (the X-Forwarded-For entry it appended). Anything a client writes into X-Forwarded-For
itself is never trusted.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import ngettext
from rest_framework.throttling import BaseThrottle

SIGN_UP = "sign-up"
LOGIN_BY_ADDRESS = "login-address"
LOGIN_BY_USERNAME = "login-username"


def client_address(request):
    """The client's address, as DRF's throttles see it (REMOTE_ADDR, or per NUM_PROXIES)."""
    return BaseThrottle().get_ident(request) or "unknown"


def _key(name, who):
    digest = hashlib.sha256(str(who).encode()).hexdigest()[:40]
    return f"rate-limit:{name}:{digest}"


def count(name, who):
    return cache.get(_key(name, who), 0)


def retry_after(name, who):
    """Seconds until `who` may try again under limit `name`, or None while within the budget."""
    limit, seconds = settings.RATE_LIMITS[name]
    key = _key(name, who)
    values = cache.get_many([key, key + ":since"])
    if values.get(key, 0) < limit:
        return None
    since = values.get(key + ":since", time.time())
    return max(1, math.ceil(since + seconds - time.time()))


def hit(name, who):
    """Count one attempt of `who` under limit `name`; returns the count in the current budget."""
    _limit, seconds = settings.RATE_LIMITS[name]
    key = _key(name, who)
    cache.add(key + ":since", time.time(), timeout=seconds)
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # the budget closed between the two calls: this attempt opens a new one
        cache.set(key, 1, timeout=seconds)
        return 1


# --- Sign-up --------------------------------------------------------------------------------


def sign_up_retry_after(request):
    """Count a sign-up attempt from the request's address; seconds to wait when over the limit."""
    address = client_address(request)
    limit, _seconds = settings.RATE_LIMITS[SIGN_UP]
    if hit(SIGN_UP, address) > limit:
        return retry_after(SIGN_UP, address)
    return None


class SignUpThrottle(BaseThrottle):
    """The API's sign-up shares the page's budget (per address)."""

    wait_seconds = None

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        self.wait_seconds = sign_up_retry_after(request)
        return self.wait_seconds is None

    def wait(self):
        return self.wait_seconds


# --- Login ----------------------------------------------------------------------------------


def _username_key(username):
    return (username or "").strip().casefold()


def login_retry_after(request, username):
    """Seconds to wait before this address, or anyone, may try this username again; None if
    both budgets of failed logins still have room."""
    waits = [retry_after(LOGIN_BY_ADDRESS, client_address(request))]
    if username:
        waits.append(retry_after(LOGIN_BY_USERNAME, _username_key(username)))
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


def record_login_failure(sender, credentials, request=None, **kwargs):
    """Receiver of `user_login_failed`: a failed login from the web counts against its address
    and its username. Logins made by code, without a request, are not counted."""
    if request is None:
        return
    hit(LOGIN_BY_ADDRESS, client_address(request))
    username = credentials.get("username")
    if username:
        hit(LOGIN_BY_USERNAME, _username_key(username))


def wait_message(seconds):
    """What a refused person reads: how long to wait, in whole minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("Too many attempts. Try again in %(minutes)s minute.",
                    "Too many attempts. Try again in %(minutes)s minutes.", minutes) % {"minutes": minutes}
