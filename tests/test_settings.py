"""Production settings and the migration state, checked the way CI and a deployment see them."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent


def manage(*args, unset=(), **env):
    """Run manage.py as a deployment would: none of the test run's development switches, no
    developer's .env (ENV_FILE=/dev/null unless given), and the `unset` variables removed."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", *unset)}
    environment["ENV_FILE"] = os.devnull
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT_DIR, env=environment,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deployment_checklist():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    DEBUG="0", SECRET_KEY="x" * 64 + "-a-real-deployment-generates-its-own", ALLOWED_HOSTS="observe.example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", unset=["SECRET_KEY"], DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_manage_py_in_an_unconfigured_checkout_runs_with_the_development_defaults():
    for command in (["check"], ["makemigrations", "--check", "--dry-run"]):
        result = manage(*command, unset=["SECRET_KEY"])
        assert result.returncode == 0, result.stdout + result.stderr


PRINT_DEBUG = "from django.conf import settings; print('DEBUG is', settings.DEBUG)"


def test_manage_py_reads_the_env_file_before_choosing_development_defaults(tmp_path):
    """A deployment configured only through .env keeps DEBUG off under manage.py, as its web server does."""
    env_file = tmp_path / ".env"
    env_file.write_text("SECRET_KEY=" + "k" * 64 + "-from-the-env-file\nALLOWED_HOSTS=observe.example.org\n")
    configured = manage("shell", "-c", PRINT_DEBUG, unset=["SECRET_KEY"], ENV_FILE=str(env_file))
    assert "DEBUG is False" in configured.stdout.splitlines(), configured.stderr
    env_file.write_text("DEBUG=0\n")  # production asked for, but no key: refused, not DEBUG
    refused = manage("shell", "-c", PRINT_DEBUG, unset=["SECRET_KEY"], ENV_FILE=str(env_file))
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr
    env_file.write_text("# nothing configured\n")
    developer = manage("shell", "-c", PRINT_DEBUG, unset=["SECRET_KEY"], ENV_FILE=str(env_file))
    assert "DEBUG is True" in developer.stdout.splitlines(), developer.stderr


def test_the_web_server_never_gets_development_defaults():
    """Outside manage.py (gunicorn, celery) nothing configured means production, which wants a key."""
    code = "import django; django.setup()"
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "OBSERVERS_COMMAND_LINE")}
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
                            env={**environment, "ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "config.settings"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_s3_storage_is_selected_when_a_bucket_is_configured():
    code = ("from django.conf import settings; from django.core.files.storage import default_storage;"
            "print(settings.STORAGES['default']['BACKEND'], default_storage.bucket_name)")
    result = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=PROJECT_DIR,
                            env=dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings",
                                     AWS_STORAGE_BUCKET_NAME="evidence", AWS_S3_ENDPOINT_URL="http://127.0.0.1:9"),
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["storages.backends.s3.S3Storage", "evidence"], result.stderr


def test_models_and_migrations_agree():
    result = manage("makemigrations", "--check", "--dry-run", DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_openapi_schema_generates_without_warnings():
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull, DEBUG="1")
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_docker_environment_example_passes_the_deployment_checklist():
    """The variables docker/compose.yml hands the containers load and pass `check --deploy`."""
    example = {}
    for line in (PROJECT_DIR / "docker" / ".env.example").read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            example[key] = value
    example["SECRET_KEY"] = "y" * 64 + "-generated-per-deployment"
    example["DATABASE_URL"] = "postgres://observers:pw@db:5432/observers"
    example["REDIS_URL"] = "redis://:pw@redis:6379/0"
    example["AWS_S3_ENDPOINT_URL"] = "http://minio:9000"
    result = manage("check", "--deploy", "--fail-level", "WARNING", **example)
    assert result.returncode == 0, result.stdout + result.stderr


def test_static_files_collect_with_the_production_storage(tmp_path):
    """The Docker build runs collectstatic with whitenoise's manifest storage, which refuses a
    vendored script that points at a missing source map."""
    result = manage("collectstatic", "--noinput", DEBUG="0", SECRET_KEY="z" * 64 + "-build-only",
                    STATIC_ROOT=str(tmp_path / "static"))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_make_run_on_another_address_lets_django_accept_that_address():
    """`make run HOST=...` serves on another address: Django's ALLOWED_HOSTS accepts the names the
    site is then reached by, unless the developer set ALLOWED_HOSTS."""
    if not shutil.which("make"):
        pytest.skip("make is not installed")

    def planned(*arguments):
        result = subprocess.run(["make", "-n", "run", *arguments], cwd=PROJECT_DIR, capture_output=True, text=True,
                                timeout=60, env={**os.environ, "ALLOWED_HOSTS": ""})
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "ALLOWED_HOSTS" not in planned()  # the loopback: Django's development defaults do
    assert "ALLOWED_HOSTS=${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1],192.168.1.20}" in planned("HOST=192.168.1.20")
    everywhere = planned("HOST=0.0.0.0")
    assert f",{socket.gethostname()}" in everywhere
