"""Real services for the fault tests: gunicorn with production settings, a real Celery worker
with a process pool, and a TCP proxy that the test cuts and restores in front of PostgreSQL or
Redis (the machine's own servers are shared and never stopped)."""

import contextlib
import os
import selectors
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from observers import tokens
from tests.conftest import PROJECT_DIR, WorkerHandle, _wait_for, database_url_of_test_database
from tests.protocols.conftest import deployment, election, kz_source, station  # noqa: F401 (fixtures used here)

PORTS = range(8600, 8700)


def free_port():
    """A free port of this suite's range (8600-8699 on 127.0.0.1)."""
    for port in PORTS:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8600-8699")


class TcpProxy:
    """127.0.0.1:port -> target, byte for byte. `cut()` drops every connection and refuses new
    ones, as a restarted or unreachable server does; `restore()` accepts again."""

    def __init__(self, target_port, target_host="127.0.0.1"):
        self.target = (target_host, target_port)
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets = set()
        self._listener = None
        self._stopped = False
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, client, upstream):
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _events in selector.select(timeout=1):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            self._close(client, upstream)

    def _close(self, *sockets):
        with self._lock:
            for sock in sockets:
                self._sockets.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self):
        # shutdown() wakes the thread blocked in accept(); close() alone would leave it listening.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            live = list(self._sockets)
        self._close(*live)

    def close(self):
        self.cut()


@pytest.fixture
def proxy():
    """`proxy(target_port)`: a TcpProxy closed at the end of the test."""
    made = []

    def make(target_port):
        made.append(TcpProxy(target_port))
        return made[-1]

    yield make
    for each in made:
        each.close()


class Server:
    def __init__(self, process, port, log_path):
        self.process, self.port, self.log_path = process, port, log_path
        self.url = f"http://127.0.0.1:{port}"

    def log(self):
        return self.log_path.read_text()


def production_env(**overrides):
    """The environment of a production web server or worker on this run's test database."""
    env = dict(os.environ, ENV_FILE="/dev/null", DEBUG="0", SECRET_KEY="fault-tests-" + "k" * 40,
               ALLOWED_HOSTS="127.0.0.1,localhost", SECURE_SSL_REDIRECT="0",
               DATABASE_URL=database_url_of_test_database(), REDIS_URL=settings.REDIS_URL,
               CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE, MEDIA_ROOT=str(settings.MEDIA_ROOT))
    env.pop("OBSERVERS_COMMAND_LINE", None)
    env.update(overrides)
    return env


@pytest.fixture
def gunicorn_server(transactional_db):
    """`gunicorn_server(**env)`: gunicorn (2 workers x 4 threads) with production settings."""
    started = []

    def start(workers=2, threads=4, **env):
        port = free_port()
        log_path = Path(settings.MEDIA_ROOT).parent / f"gunicorn-{port}-{time.monotonic_ns()}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(workers), "--threads", str(threads), "--timeout", "60",
                 "--graceful-timeout", "5", "--error-logfile", "-"],
                cwd=PROJECT_DIR, env=production_env(**env), stdout=log, stderr=subprocess.STDOUT)
        server = Server(process, port, log_path)
        started.append(server)
        _wait_for(lambda: _answers(server.url + "/api/protocol-copies/"), timeout=40, what="gunicorn", log=log_path)
        return server

    yield start
    for server in started:
        stop(server.process)


def _answers(url):
    try:
        urllib.request.urlopen(url, timeout=2)  # noqa: S310 (a local test server)
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def prefork_worker(transactional_db):
    """`prefork_worker()`: a real `celery worker` whose task runs in a child process (the
    production pool), so a killed child is a lost worker the parent notices."""
    started = []

    def start(**env):
        log_path = Path(settings.MEDIA_ROOT).parent / f"worker-prefork-{time.monotonic_ns()}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
                 "--loglevel", "info", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-mingle",
                 "--without-gossip", "--without-heartbeat"],
                cwd=PROJECT_DIR, env=production_env(**env), stdout=log, stderr=subprocess.STDOUT)
        handle = WorkerHandle(process, log_path)
        started.append(handle)
        _wait_for(lambda: "ready" in log_path.read_text(), timeout=60, what="the worker to start", log=log_path)
        return handle

    yield start
    for handle in started:
        stop(handle.process)


def child_pids(pid):
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def token_for(user):
    return tokens.issue(user=user)[1]


def run_database_params():
    db = connection.settings_dict
    return {"dbname": db["NAME"], "host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432,
            "user": db["USER"] or "postgres", "password": db["PASSWORD"] or None}


S3_BUCKET = "evidence-faults"


@pytest.fixture
def s3_server(tmp_path):
    """moto's S3-compatible server on this suite's ports, with an empty bucket: the one storage
    every web server of a test shares. Yields (environment for the servers, boto3 client)."""
    boto3 = pytest.importorskip("boto3") if not os.environ.get("EVIDENCE_S3_TEST_REQUIRED") else __import__("boto3")
    port = free_port()
    log_path = tmp_path / "moto.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _answers(endpoint), timeout=30, what="the moto server", log=log_path)
        client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing",
                              aws_secret_access_key="testing", region_name="us-east-1")
        client.create_bucket(Bucket=S3_BUCKET)
        env = {"AWS_STORAGE_BUCKET_NAME": S3_BUCKET, "AWS_S3_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_S3_REGION_NAME": "us-east-1"}
        yield env, client
    finally:
        stop(process)
