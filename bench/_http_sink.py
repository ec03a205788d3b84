"""A WSGI application that only reads each request's body and hashes it, as the upload endpoint
does, then throws it away: served by the same gunicorn, it measures what the HTTP server itself
can deliver to Python, the ceiling of any upload endpoint behind it (bench/evidence.py)."""

import hashlib

import django

django.setup()  # the block size is the upload endpoint's own, read from its module

from evidence.services import RECEIVE_BLOCK  # noqa: E402


def application(environ, start_response):
    stream, left = environ["wsgi.input"], int(environ.get("CONTENT_LENGTH") or 0)
    digest = hashlib.sha256()
    while left:
        block = stream.read(min(RECEIVE_BLOCK, left))
        if not block:
            break
        digest.update(block)
        left -= len(block)
    start_response("204 No Content", [("X-Sha256", digest.hexdigest())])
    return [b""]
