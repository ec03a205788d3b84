"""Loaded by pytest before Django's settings (see pyproject.toml): one run, its own resources.

A developer may have `make run` going while testing: its worker listens on the default queue and
its files sit in var/. The test run takes a queue, a broker folder, a media folder and cache keys of its own.
"""

import os
import tempfile
import uuid

_run = uuid.uuid4().hex[:8]
_scratch = tempfile.mkdtemp(prefix=f"observers-test-{_run}-")

os.environ["CELERY_QUEUE"] = f"test-{_run}"
os.environ["CACHE_KEY_PREFIX"] = f"test-{_run}"  # rate limits and cached pages start empty each run
os.environ.setdefault("CELERY_BROKER_DIR", os.path.join(_scratch, "broker"))
os.environ["MEDIA_ROOT"] = os.path.join(_scratch, "media")
os.environ["SQLITE_TEST_DATABASE"] = os.path.join(_scratch, "test.sqlite3")
os.environ.setdefault("DEBUG", "1")
# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the same
# test (fixtures, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
