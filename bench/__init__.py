"""Benchmarks, run with `python -m bench NAME` (see bench/__main__.py), and the real data they share."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def data_file(name: str) -> Path:
    """A file of the repository's `data/` folder (see data/README.md): real published results."""
    return PROJECT / "data" / name


RU_2018 = data_file("ru-2018-presidential-by-station.csv.zip")


def configure_production_site(folder: Path):
    """Production settings (DEBUG off, collected static files) on a fresh SQLite database in
    `folder`, migrated, then Django set up in this process: the site a bench serves with gunicorn."""
    os.environ.update({
        "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "localhost,127.0.0.1", "ENV_FILE": os.devnull,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "STATIC_ROOT": str(folder / "static"),
        "MEDIA_ROOT": str(folder / "media"), "EVIDENCE_UPLOAD_DIR": str(folder / "uploads"),
        "CELERY_BROKER_DIR": str(folder / "broker"), "DJANGO_SETTINGS_MODULE": "config.settings",
    })
    for name in ("REDIS_URL", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    for command in (["migrate", "--verbosity", "0"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=PROJECT, check=True)
    import django  # noqa: PLC0415 - configured by the environment set just above

    django.setup()
