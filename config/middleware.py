"""Answers for faults of the shared services, so a phone knows to send again."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger("observers.faults")

DATABASE_RETRY_AFTER_SECONDS = 10


class DatabaseUnavailableMiddleware:
    """The database unreachable (restarted, failed over, connection cut) answers 503 with a
    Retry-After, not a 500: the request's transaction was rolled back, nothing of it is stored,
    and the phone's outbox sends it again with the same client ID, which stores it once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable during %s %s: %s", request.method, request.path, exception)
        message = _("The service is briefly unavailable and nothing was stored. Send again in a few seconds.")
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            response = JsonResponse({"detail": message, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
