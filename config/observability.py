"""What operators see: logs as JSON lines when LOG_FORMAT=json, errors in Sentry when SENTRY_DSN is set.

Both are off by default; settings.py calls `logging_config` and `init_sentry`. Sentry gets no
personal data (`send_default_pii=False`): no user names, addresses or cookies leave the server,
as the observers' identities are what is at risk.
"""

import datetime
import json
import logging

import sentry_sdk
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, and the traceback."""

    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, log_format, level):
    """The LOGGING setting: plain text lines, or JSON lines with log_format "json"."""
    handler = {"class": "logging.StreamHandler"}
    formatters = {}
    if log_format == "json":
        formatters["json"] = {"()": JsonLinesFormatter}
        handler["formatter"] = "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": {"console": handler},
        "root": {"handlers": ["console"], "level": level},
    }


def init_sentry(*, dsn, environment, release, traces_sample_rate):
    """Report errors of the web processes and the workers to Sentry; nothing without a DSN."""
    if not dsn:
        return False
    sentry_sdk.init(dsn=dsn, environment=environment or None, release=release or None,
                    integrations=[DjangoIntegration(), CeleryIntegration()],
                    traces_sample_rate=traces_sample_rate, send_default_pii=False)
    return True
