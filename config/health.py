"""GET /healthz: is every service the site needs answering? For load balancers, container health
checks and whoever is on call.

It checks the database, the Celery broker, the cache and the media storage, each on its own,
and answers JSON: 200 `{"status": "ok", "checks": {...: "ok"}}` when all answer, 503 with
`"status": "failing"` and the failed ones marked `"failed"` otherwise. The reason is logged, not
shown: the page is public and an error text may name hosts or credentials.
"""

import logging
import os
import uuid
from pathlib import Path

from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app

logger = logging.getLogger(__name__)


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_broker():
    with app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, interval_start=0, timeout=3)


def check_cache():
    key, value = f"healthz:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_storage():
    if isinstance(default_storage, FileSystemStorage):
        # The folder may not exist before the first upload: its nearest existing parent must be writable.
        folder = Path(default_storage.location)
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            raise PermissionError(f"{folder} is not a writable folder")
        return
    default_storage.exists("healthz")  # one authenticated request to the bucket


CHECKS = {"database": check_database, "broker": check_broker, "cache": check_cache, "storage": check_storage}


@never_cache
@require_GET
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:  # any failure of a service is what this page reports
            logger.exception("health check %s failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    failing = any(result != "ok" for result in results.values())
    return JsonResponse({"status": "failing" if failing else "ok", "checks": results}, status=503 if failing else 200)
