"""Work for the Celery workers, sent by task name once the current transaction commits.

A service that wants work done in the background calls `enqueue_on_commit("app.tasks.name", *ids)`;
it never imports its app's `tasks.py`, which imports the services: the dependency runs one way,
tasks -> services. The message leaves only when the transaction commits, so a worker never reads
rows that are not there yet, and a rolled-back write sends nothing.

A task's name starts with its module (`protocols.tasks.check_stations`), as Celery's default
names and every `@shared_task(name=...)` of the project do; a name no worker knows is refused
here, at once, rather than lost on a queue.

A broker that cannot be reached when the transaction commits does not fail the write: every
pipeline records what it still has to do in the database (a station's `queued_at`, a
notification's unsent row, an original's pending state) before it enqueues, and a periodic sweep
sends again whatever is still undone. The observer's write has committed and must answer success,
not a 500 that makes the phone send it again; the failure is logged with the task and its
arguments (config.broker).
"""

import contextlib
import importlib

from django.db import transaction

from .broker import send_or_log
from .celery import app


def enqueue_on_commit(task_name, *args, using=None):
    """Send the task `task_name` with these positional arguments (IDs) after the current commit
    (at once outside a transaction)."""
    _check_registered(task_name)
    transaction.on_commit(lambda: send_or_log(send, task_name, *args), using=using)


def send(task_name, *args):
    """Send the task now, to the default queue (the test run's own queue under pytest).

    `send_task` ignores `task_always_eager`, so with CELERY_TASK_ALWAYS_EAGER the task runs here,
    in this process, as `.delay()` would run it."""
    _check_registered(task_name)
    if app.conf.task_always_eager:
        return app.tasks[task_name].apply(args=args, throw=app.conf.task_eager_propagates)
    return app.send_task(task_name, args=args)


def _check_registered(task_name):
    if task_name not in app.tasks:
        # A web process has not imported the tasks modules (a worker has). Tasks are named after
        # their module ("protocols.tasks.check_stations"): importing it registers the task.
        with contextlib.suppress(ImportError):
            importlib.import_module(task_name.rpartition(".")[0])
    if task_name not in app.tasks:
        raise LookupError(f"no Celery task is registered as {task_name!r}")
