"""Every write about evidence: resumable uploads, storing originals, the log, copies, packages.

One module per purpose, each importing only those below it (log, storage <- uploads, processing,
packages; references stands alone); callers keep `from evidence import services` and
`services.create_upload(...)`:

- `log`: the evidence log, one hash chain appended under a lock;
- `storage`: content-addressed keys, storing an original once, hashing what is stored;
- `uploads`: resumable uploads (creation, chunks, quotas, the phone's hash, completion); its
  docstring tells the upload path and why it is built this way;
- `processing`: metadata and copies of originals, run by Celery;
- `references`: the files a higher app may attach (`own_evidence`, `evidence_for`);
- `packages`: ZIP packages of originals for lawyers.
"""
from .log import append_log, log_entry_fields
from .packages import SUMMARY_HOW_TO_VERIFY, build_package, station_package
from .processing import local_path, pending_originals, process_original
from .references import evidence_for, own_evidence
from .storage import READ_BLOCK, derivative_key, hash_stored, original_key
from .uploads import (
    RECEIVE_BLOCK,
    SPOOL_BYTES,
    WRITER_LEASE,
    UploadRefused,
    append_chunk,
    check_metadata_text,
    chunk_prefix,
    chunk_root,
    clean_abandoned_uploads,
    content_error_message,
    create_upload,
    current_offset,
    device_claim,
    device_log_fields,
    ensure_deployed_for,
    ensure_device_hash_matches,
    ensure_may_upload,
    ensure_within_upload_quota,
    max_bytes_for,
    stored_chunk_keys,
    terminate_upload,
    upload_of,
)

__all__ = [
    "READ_BLOCK",
    "RECEIVE_BLOCK",
    "SPOOL_BYTES",
    "SUMMARY_HOW_TO_VERIFY",
    "UploadRefused",
    "WRITER_LEASE",
    "append_chunk",
    "append_log",
    "build_package",
    "check_metadata_text",
    "chunk_prefix",
    "chunk_root",
    "clean_abandoned_uploads",
    "content_error_message",
    "create_upload",
    "current_offset",
    "derivative_key",
    "device_claim",
    "device_log_fields",
    "ensure_deployed_for",
    "ensure_device_hash_matches",
    "ensure_may_upload",
    "ensure_within_upload_quota",
    "evidence_for",
    "hash_stored",
    "local_path",
    "log_entry_fields",
    "max_bytes_for",
    "original_key",
    "own_evidence",
    "pending_originals",
    "process_original",
    "station_package",
    "stored_chunk_keys",
    "terminate_upload",
    "upload_of",
]
