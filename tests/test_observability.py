"""Operators' view: JSON log lines when LOG_FORMAT=json, Sentry only when SENTRY_DSN is set."""

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

SETUP = ("import logging, os\n"
         "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
         "import django\n"
         "django.setup()\n")


def run_django(code, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("LOG_", "SENTRY_"))}
    environment.update(env)
    done = subprocess.run([sys.executable, "-c", SETUP + code], cwd=PROJECT, env=environment, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_with_log_format_json_every_log_record_is_one_json_line():
    done = run_django("log = logging.getLogger('protocols.services')\n"
                      "log.warning('station %s: «%s»', 412, 'пересчёт')\n"
                      "try:\n    1 / 0\nexcept ZeroDivisionError:\n    log.exception('check failed')\n",
                      LOG_FORMAT="json")
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["level"], line["logger"], line["message"]) for line in lines] == [
        ("WARNING", "protocols.services", "station 412: «пересчёт»"),
        ("ERROR", "protocols.services", "check failed")]
    assert "ZeroDivisionError" in lines[1]["exception"] and lines[0]["time"].endswith("+00:00")


def test_without_log_format_logs_stay_plain_text():
    done = run_django("logging.getLogger('x').warning('plain')\n")
    assert done.stderr.strip() == "plain"


def test_sentry_starts_only_when_a_dsn_is_set_and_sends_no_personal_data():
    code = ("import sentry_sdk\nfrom django.conf import settings\n"
            "client = sentry_sdk.get_client()\n"
            "print(settings.SENTRY_ENABLED, client.is_active(), client.options.get('send_default_pii'))\n")
    assert run_django(code).stdout.split() == ["False", "False", "None"]
    configured = run_django(code, SENTRY_DSN="https://public@127.0.0.1:8499/1", SENTRY_ENVIRONMENT="staging")
    assert configured.stdout.split() == ["True", "True", "False"]
