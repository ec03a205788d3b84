"""The evidence log: one hash chain of entries, appended one at a time under a lock."""

import datetime
import json

from django.db import connection, transaction
from django.utils import timezone

from .. import chain
from ..models import EvidenceLogEntry

# --- The evidence log -------------------------------------------------------------------------


def _iso(moment):
    return moment.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def append_log(*, action, payload, evidence=None):
    """Append one entry to the hash chain. Call inside a transaction (the caller's write and its
    entry commit together); entries are appended one at a time under a lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_log must run inside a transaction")
    _lock("evidence-log")
    last = EvidenceLogEntry.objects.select_for_update().order_by("-sequence").only("sequence", "entry_hash").first()
    sequence = last.sequence + 1 if last else 1
    previous_hash = last.entry_hash if last else chain.GENESIS
    created_at = timezone.now()
    payload = json.loads(json.dumps(payload, default=str))  # exactly what the JSON column will return
    entry_hash = chain.entry_hash(sequence=sequence, created_at=_iso(created_at), action=str(action),
                                  evidence_id=evidence.pk if evidence else None, payload=payload,
                                  previous_hash=previous_hash)
    return EvidenceLogEntry.objects.create(sequence=sequence, created_at=created_at, action=action, evidence=evidence,
                                           payload=payload, previous_hash=previous_hash, entry_hash=entry_hash)


def log_entry_fields(entry):
    """An entry as the plain dict that `chain.entry_hash` hashes (plus its hash)."""
    return {"sequence": entry.sequence, "created_at": _iso(entry.created_at), "action": entry.action,
            "evidence_id": entry.evidence_id, "payload": entry.payload, "previous_hash": entry.previous_hash,
            "entry_hash": entry.entry_hash}


def _lock(name):
    """A transaction-scoped lock on PostgreSQL; SQLite (development) serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])
