"""Work for the Celery workers, sent by task name once the current transaction commits.

A service that wants work done in the background calls `enqueue_on_commit("app.tasks.name", *ids)`;
it never imports its app's `tasks.py`, which imports the services: the dependency runs one way,
tasks -> services. The message leaves only when the transaction commits, so a worker never reads
rows that are not there yet, and a rolled-back write sends nothing.

A task's name starts with its module (`protocols.tasks.check_stations`), as Celery's default
names and every `@shared_task(name=...)` of the project do; a name no worker knows is refused
here, at once, rather than lost on a queue.
"""

import contextlib
import importlib

from django.db import transaction

from .celery import app


def enqueue_on_commit(task_name, *args, using=None):
    """Send the task `task_name` with these positional arguments (IDs) after the current commit
    (at once outside a transaction)."""
    _check_registered(task_name)
    transaction.on_commit(lambda: send(task_name, *args), using=using)


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
