"""What the dashboard keeps of its own: nothing but results worth computing once.

The dashboard reads every other app's records and writes none of them. The forensics are the one
computation too slow for a request (the integer-percentage Monte Carlo: about 20 seconds at
100,000 stations), so their results are kept here, once per election, official import and scope of
regions, and shared by everyone who sees that scope.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from elections.models import Election
from protocols.models import ResultImport


class ForensicReport(models.Model):
    """The forensic statistics of an election's official results as of one import, for one scope.

    `signals` (the fingerprint and the digit tests, seconds to compute) are filled in when the
    report is made, on the first visit to the page; `integer` (the Monte Carlo) by a worker
    (dashboard.tasks). A newer import makes a new report: results are never recomputed in place.
    """

    # Indexed through the unique (election, result_import, scope) index: no index of its own to update.
    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="+", db_index=False)
    result_import = models.ForeignKey(ResultImport, on_delete=models.CASCADE, related_name="+",
                                      help_text=_("The latest import that added official versions."))
    scope = models.CharField(max_length=64, help_text=_("SHA-256 of the sorted region IDs."))
    region_ids = models.JSONField()
    stations = models.PositiveIntegerField()
    leader = models.CharField(max_length=20, blank=True)
    signals = models.JSONField()
    integer = models.JSONField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("forensic report")
        verbose_name_plural = _("forensic reports")
        constraints = [
            models.UniqueConstraint(fields=["election", "result_import", "scope"], name="forensic_report_unique"),
        ]

    def __str__(self):
        return f"{self.election} forensics, import {self.result_import_id}"
