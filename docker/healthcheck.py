"""The image's HEALTHCHECK: GET /healthz on the local gunicorn, asked the way the TLS proxy asks.

Django answers only to a host in ALLOWED_HOSTS, and outside DEBUG it redirects plain HTTP to HTTPS
unless X-Forwarded-Proto says https; so the request carries the first allowed host and that
header. A redirect is a failure, never followed. Standard library only (the slim image has no
curl). Exit status 0 when /healthz answers 200, 1 otherwise. An http:// URL argument replaces
the default one.
"""

import os
import sys
import urllib.error
import urllib.request

URL = "http://127.0.0.1:8000/healthz"


def allowed_host():
    for host in os.environ.get("ALLOWED_HOSTS", "").split(","):
        host = host.strip()
        if host and host != "*":
            return host.lstrip(".")  # ".example.org" allows example.org itself
    return "localhost"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx then raises HTTPError


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else URL
    if not url.startswith("http://"):
        print("unhealthy: the URL must be http://", file=sys.stderr)
        return 1
    request = urllib.request.Request(url, headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=5) as response:
            if response.status == 200:
                return 0
            print(f"unhealthy: HTTP {response.status}", file=sys.stderr)
    except urllib.error.HTTPError as error:  # 503: the body names the failing services
        print(f"unhealthy: HTTP {error.code} {error.read(2000).decode(errors='replace')}", file=sys.stderr)
    except Exception as error:  # any failure means unhealthy
        print(f"unhealthy: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
