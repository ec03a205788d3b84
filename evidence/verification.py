"""Re-check everything stored: every original's bytes against its SHA-256, and the log's chain.

Used by `manage.py verify_evidence`. Reads only; a problem names the file (by storage key and
evidence IDs) or the log entry (by sequence) it concerns.
"""

from dataclasses import dataclass, field

from django.core.files.storage import default_storage

from . import chain
from .models import EvidenceLogEntry, Original
from .services import hash_stored, log_entry_fields


@dataclass
class Report:
    files_checked: int = 0
    entries_checked: int = 0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def verify_evidence(*, progress=None):
    report = Report()
    received = set()
    for entry in EvidenceLogEntry.objects.filter(action=EvidenceLogEntry.Action.RECEIVED).iterator():
        received.add(entry.payload.get("sha256"))
    for original in Original.objects.order_by("pk").iterator():
        report.files_checked += 1
        label = f"original {original.key} (evidence {', '.join(str(pk) for pk in original.submissions.values_list('pk', flat=True)) or '-'})"
        if not default_storage.exists(original.key):
            report.problems.append(f"{label}: MISSING from the storage")
        else:
            actual = hash_stored(original.key)
            if actual != original.sha256:
                report.problems.append(f"{label}: ALTERED: its SHA-256 is now {actual}, it was {original.sha256}")
        if original.sha256 not in received:
            report.problems.append(f"{label}: no 'received' entry in the evidence log")
        if progress:
            progress(report)
    entries = (log_entry_fields(entry) for entry in EvidenceLogEntry.objects.order_by("sequence").iterator())

    def counted(items):
        for item in items:
            report.entries_checked += 1
            yield item

    for sequence, message in chain.problems(counted(entries)):
        report.problems.append(f"log entry #{sequence}: {message}")
    return report
