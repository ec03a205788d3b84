"""The Celery app.

Tasks are small and idempotent and receive IDs only, so they are safe to run twice: that is what
lets us acknowledge late (a task lost with its worker is delivered again) and sweep periodically.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=15 * 60,
    task_soft_time_limit=14 * 60,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
    beat_schedule={
        "sweep-changed-stations": {
            "task": "protocols.tasks.sweep_changed_stations",
            "schedule": 60.0,
        },
        "sweep-unsent-notifications": {
            "task": "incidents.tasks.sweep_unsent_notifications",
            "schedule": 60.0,
        },
        "fetch-official-results": {
            "task": "protocols.tasks.fetch_all_sources",
            "schedule": crontab(minute="*/10"),
        },
        "sweep-pending-evidence": {
            "task": "evidence.tasks.sweep_pending_originals",
            "schedule": crontab(minute="*/5"),
        },
        "clean-abandoned-evidence-uploads": {
            "task": "evidence.tasks.clean_abandoned_uploads",
            "schedule": crontab(minute=17),
        },
        "sweep-unfinished-forensic-reports": {
            "task": "dashboard.tasks.sweep_unfinished_reports",
            "schedule": crontab(minute="*/5"),
        },
        "sms-sweep-unsent": {
            "task": "sms.tasks.sweep_unsent",
            "schedule": 60.0,
        },
        "observers-retention-sweep": {
            "task": "observers.tasks.sweep_retention",
            "schedule": crontab(minute=41),
        },
        "sms-protocol-reminders": {
            "task": "sms.tasks.send_protocol_reminders",
            "schedule": crontab(minute="*/10"),
        },
    },
)
app.autodiscover_tasks()
