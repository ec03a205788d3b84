"""Rate limits against flooding and password guessing, kept in Django's cache.

- sign-ups: per client address, the HTML page and the API sharing one budget;
- failed logins: per (username, client address) pair, counted for the login page, the admin's
  login, the second-factor page and `/api/auth/token/` alike (Django's `user_login_failed`
  signal), with delays that grow; while a pair is locked those entry points refuse even the
  right password, so guessing gains nothing, and nobody elsewhere is locked out.

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
LOGIN = "login"


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


# --- Login ---------------------------------------------------------------------------------
#
# Failed logins are counted per (username, address) pair, never per username alone or per address
# alone: an adversary elsewhere cannot lock a named coordinator out on election night (their own
# address gets locked, not the coordinator's), and a shared NAT where one person mistypes does not
# lock out everyone behind it. After `RATE_LIMITS["login"][0]` failures of one pair, each further
# failure locks that pair for a delay that doubles (LOGIN_LOCKOUT_SECONDS: first, longest); a
# successful login clears the pair. Staff also need their second factor (observers.two_factor),
# so a guessed password alone opens nothing.


def _username_key(username):
    return (username or "").strip().casefold()


def _pair(request, username):
    return f"{_username_key(username)}\x00{client_address(request)}"


def _lock_key(pair):
    return _key(LOGIN, pair) + ":locked-until"


def login_retry_after(request, username):
    """Seconds to wait before this address may try this username again; None when not locked."""
    locked_until = cache.get(_lock_key(_pair(request, username)))
    if locked_until is None:
        return None
    remaining = math.ceil(locked_until - time.time())
    return remaining if remaining > 0 else None


def lockout_seconds(failures):
    """The delay after the `failures`-th failure of one pair (0 while within the free attempts)."""
    limit, _window = settings.RATE_LIMITS[LOGIN]
    if failures < limit:
        return 0
    first, longest = settings.LOGIN_LOCKOUT_SECONDS
    return min(longest, first * 2 ** min(failures - limit, 32))


def count_login_failure(request, username):
    """One failed attempt (password or second-factor code) of this username from this address."""
    pair = _pair(request, username)
    delay = lockout_seconds(hit(LOGIN, pair))
    if delay:
        cache.set(_lock_key(pair), time.time() + delay, timeout=delay)


def record_login_failure(sender, credentials, request=None, **kwargs):
    """Receiver of `user_login_failed`: a failed login from the web counts against its
    (username, address) pair. Logins made by code, without a request, are not counted."""
    if request is None:
        return
    count_login_failure(request, credentials.get("username"))


def clear_login_failures(sender, request=None, user=None, **kwargs):
    """Receiver of `user_logged_in`: the pair starts again from zero."""
    if request is None or user is None:
        return
    pair = _pair(request, user.get_username())
    cache.delete_many([_key(LOGIN, pair), _key(LOGIN, pair) + ":since", _lock_key(pair)])


def wait_message(seconds):
    """What a refused person reads: how long to wait, in whole minutes."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext("Too many attempts. Try again in %(minutes)s minute.",
                    "Too many attempts. Try again in %(minutes)s minutes.", minutes) % {"minutes": minutes}
