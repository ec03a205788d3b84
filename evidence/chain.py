"""The evidence log's hash chain. Pure: no Django import.

Each entry's hash is the SHA-256 of a canonical JSON text of its fields *and* of the previous
entry's hash, so editing, removing or reordering any entry changes every hash after it. Anyone can
recompute the chain from a package's manifest.json with the same five lines of code: keys sorted,
no spaces, UTF-8, ASCII escapes off (see `canonical`).
"""

import hashlib
import json

GENESIS = "0" * 64


def canonical(fields):
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(*, sequence, created_at, action, evidence_id, payload, previous_hash):
    """`created_at` is an ISO 8601 text in UTC; `payload` a JSON-serialisable dict."""
    fields = {"sequence": sequence, "created_at": created_at, "action": action, "evidence_id": evidence_id,
              "payload": payload, "previous_hash": previous_hash}
    return hashlib.sha256(canonical(fields)).hexdigest()


def problems(entries):
    """Check entries (dicts with the fields above plus `entry_hash`) in sequence order.

    Returns a list of (sequence, message): a gap in the sequence, a previous_hash that is not the
    previous entry's hash, an entry_hash that does not match its fields.
    """
    found = []
    previous_hash = GENESIS
    expected_sequence = 1
    for entry in entries:
        if entry["sequence"] != expected_sequence:
            found.append((entry["sequence"], f"sequence {entry['sequence']} follows {expected_sequence - 1}: entries are missing"))
        if entry["previous_hash"] != previous_hash:
            found.append((entry["sequence"], "previous_hash does not match the previous entry"))
        recomputed = entry_hash(**{key: entry[key] for key in
                                   ("sequence", "created_at", "action", "evidence_id", "payload", "previous_hash")})
        if recomputed != entry["entry_hash"]:
            found.append((entry["sequence"], "entry_hash does not match the entry's content: the entry was edited"))
        previous_hash = entry["entry_hash"]
        expected_sequence = entry["sequence"] + 1
    return found
