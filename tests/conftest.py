"""Fixtures shared by the whole suite: a real Celery worker process and a real Chromium."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.client import ClientMixin
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from config.celery import app
from observers import two_factor
from tests import two_factor as second_factor

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = PROJECT_DIR / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Property tests judge the code, not the machine: on a shared 2-core CI box a worker process or a
# browser may stall one draw for a second, which is neither a failure nor a slow strategy.
hypothesis_settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "shared-machine"))


def database_url_of_test_database():
    """The URL of the database this test run uses, for processes started by the tests."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] or ""
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    host = f"{credentials}@" if credentials else ""
    return f"postgres://{host}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` in its own process, on this run's queue and test database.

    Function-scoped on purpose: the test database is flushed between transactional tests, and a
    fresh worker guarantees no connection or prefetched message outlives its test.
    """
    env = dict(os.environ, DATABASE_URL=database_url_of_test_database())
    log_path = Path(settings.MEDIA_ROOT).parent / f"worker-{time.monotonic_ns()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "info",
             "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-mingle", "--without-gossip", "--without-heartbeat"],
            cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(lambda: "ready" in log_path.read_text(), timeout=60, what="the worker to start", log=log_path)
        yield WorkerHandle(process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class WorkerHandle:
    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    def wait_for(self, condition, timeout=60, what="the worker"):
        _wait_for(condition, timeout=timeout, what=what, log=self.log_path)


def _wait_for(condition, *, timeout, what, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A page the size of a common phone (390x844), touch enabled."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts_dir():
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(autouse=True)
def english_messages():
    """Services' messages in English, so tests read them; pages follow each request's language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def sent_tasks():
    """Read back, from the real broker, the tasks this test sent to the run's own queue.

    `sent_tasks()` returns [(task name, args), ...] in the order they were sent and removes them,
    so no later worker test receives them. Whatever an earlier test left there is discarded first.
    """
    def read():
        found = []
        with app.connection_for_read() as connection:
            queue = connection.SimpleQueue(settings.CELERY_TASK_DEFAULT_QUEUE)
            try:
                while True:
                    try:
                        message = queue.get(block=False)
                    except queue.Empty:
                        break
                    args, _kwargs, _embed = message.decode()
                    found.append((message.headers["task"], args))
                    message.ack()
            finally:
                queue.close()
        return found

    read()
    return read


@pytest.fixture(autouse=True)
def staff_logins_pass_the_second_factor(monkeypatch):
    """`client.login()` and `client.force_login()` of staff (who must give a second factor) log in
    with a verified, enrolled authenticator app, as a coordinator does every day; tests of the
    second factor itself log in through the login page instead."""
    original = ClientMixin._login

    def login_with_second_factor(self, user, backend=None):
        original(self, user, backend)
        if two_factor.required_for(user):
            second_factor.mark_session_verified(self, user)

    monkeypatch.setattr(ClientMixin, "_login", login_with_second_factor)
