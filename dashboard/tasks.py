"""Celery tasks of the dashboard: thin, take IDs, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="dashboard.tasks.integer_percentages")
def integer_percentages_task(report_id):
    """The integer-percentage Monte Carlo of one forensic report (about 20 s at 100,000 stations)."""
    return services.compute_integer_percentages(report_id=report_id)


@shared_task(name="dashboard.tasks.sweep_unfinished_reports")
def sweep_unfinished_reports_task():
    """Periodic: the Monte Carlo of reports whose request was lost is sent again."""
    return services.sweep_unfinished_reports()
