"""Resumable uploads: creation, chunks in the shared storage, quotas, the phone's hash, completion.

The upload path, and why it is built this way:

1. `create_upload` (tus POST) checks the observer may submit and is deployed at the station
   (and in the election) the file is sent for, the declared type and the size limit of its
   kind. A retried creation with the same client_id returns the same upload.
2. `append_chunk` (tus PATCH) keeps no state on the web machine: consecutive chunks of one upload
   may reach different processes on different machines behind a load balancer. The request
   claims the upload (its row read `select_for_update`, the client's offset checked against the
   stored one, a short `receiving_until` lease set: a second PATCH on the same upload gets
   "locked" at once), then streams the body in 64 KB blocks (never the whole chunk in memory)
   into a request-scoped spool, and stores it as its own object in the default storage (the
   storage every machine shares: S3 in production) with an `UploadChunk` row, the offset
   advancing in the same transaction. Bytes received before a dropped connection are kept and
   the client resumes from the last stored byte. With an Upload-Checksum the chunk is kept only
   if its SHA-256 matches.
3. After the first bytes the format is sniffed (from the chunk in hand, never read back), so a
   wrong file is refused after one chunk. The last chunk is not stored as an object: the stored
   chunks are assembled in order with it (hashed as they are read) into one file that
   `_complete` checks by content (`evidence/content.py`), then stores in the default storage
   under a content-addressed key `evidence/ab/cd/<sha256>`, unless an original with that SHA-256
   is already stored (the same bytes sent twice are stored once). The `EvidenceFile`, the
   upload's completion and a "received" log entry are written in one transaction; copies are
   made by Celery after commit; the chunk objects are deleted after it. The offset reaches the
   length in that transaction, so a request that dies before it leaves the last chunk to be sent
   again. Bytes through the storage per upload: the chunks before the last written and read once,
   the original written once (a photo sent in one chunk: only the original).

A refused file leaves nothing behind: the scratch file and the upload row are deleted, nothing
reaches the storage.
"""

import datetime
import hashlib
import itertools
import logging
import os
import re
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from config.queue import enqueue_on_commit
from elections.models import Election, Station
from observers import pseudonyms
from observers import services as observer_services
from observers.models import Deployment, User

from .. import content
from ..models import EvidenceFile, EvidenceLogEntry, Original, Purpose, Upload, UploadChunk
from .log import _iso, _lock, append_log
from .storage import READ_BLOCK, _store_original

logger = logging.getLogger(__name__)

# Request bodies are read in 64 KB blocks: gunicorn gathers each read in a buffer of its own, and
# reading 1 MB at a time measured ~25% slower than 64 KB (bench/evidence.py).
RECEIVE_BLOCK = 64 * 1024


class UploadRefused(Exception):
    """An upload request the protocol must refuse; `reason` picks the HTTP status in the API.

    Reasons: not_found, conflict (offset or length disagree), locked (another request is writing
    this upload), too_large, unsupported (not an accepted photo or video), invalid (bad file or
    header), checksum (the chunk's checksum did not match), completed (evidence is never deleted).
    """

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason
        self.message = message


def content_error_message(error):
    messages = {
        "empty": _("The file is empty."),
        "unknown": _("This file is not an accepted photo (JPEG, PNG, WebP, HEIC) or video (MP4, MOV, WebM)."),
        "mislabelled": _("The file's name or type does not match its content: it is not what it claims to be."),
        "truncated": _("The file is incomplete (truncated): send it again from the phone's gallery."),
        "polyglot": _("The file has extra data hidden in or after the picture or video and was refused."),
        "corrupt": _("The file is damaged and cannot be read."),
        "bomb": _("The photo has too many pixels to be processed safely."),
    }
    return messages.get(error.code, messages["corrupt"])


# --- Chunks in the shared storage -------------------------------------------------------------

WRITER_LEASE = datetime.timedelta(minutes=2)
"""How long a request's claim on an upload holds while it receives a chunk. Correctness does not
depend on it (a chunk is recorded only at the offset it was claimed for); it only lets a client
whose earlier request died resume without waiting for anything else."""
SPOOL_BYTES = 1024 * 1024


def chunk_root():
    """The folder of the storage that holds unfinished uploads' chunks."""
    return settings.EVIDENCE_UPLOAD_CHUNKS.strip("/")


def chunk_prefix(upload_id):
    return f"{chunk_root()}/{upload_id}/"


def stored_chunk_keys():
    """Every chunk object in the storage, finished uploads' included if not yet cleaned."""
    root = chunk_root()
    try:
        folders, _files = default_storage.listdir(root)
    except FileNotFoundError:
        return []
    return sorted(f"{root}/{folder}/{name}" for folder in folders
                  for name in default_storage.listdir(f"{root}/{folder}")[1])


def _delete_chunks(upload_id):
    for key in UploadChunk.objects.filter(upload_id=upload_id).values_list("key", flat=True):
        default_storage.delete(key)
    try:
        leftovers = default_storage.listdir(chunk_prefix(upload_id).rstrip("/"))[1]
    except FileNotFoundError:
        leftovers = []
    for name in leftovers:  # objects of requests that died before recording their chunk
        default_storage.delete(chunk_prefix(upload_id) + name)


def _read_stored(upload, limit=None):
    """The upload's stored bytes in order, block by block (at most `limit` of them)."""
    expected = 0
    for chunk_offset, key in UploadChunk.objects.filter(upload=upload).order_by("offset").values_list(
            "offset", "key"):
        if chunk_offset != expected:
            raise RuntimeError(f"upload {upload.pk}: chunk at {chunk_offset}, expected {expected}")
        with default_storage.open(key, "rb") as stream:
            for block in iter(lambda stream=stream: stream.read(READ_BLOCK), b""):
                if limit is not None and expected >= limit:
                    return
                yield block
                expected += len(block)
        if limit is not None and expected >= limit:
            return


def _assemble(upload, last=None):
    """The complete file in a request-scoped temporary file, and its SHA-256: the stored chunks
    in order, then `last` (the final chunk's spool, not stored as an object) when given."""
    hasher = hashlib.sha256()
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".part")
    blocks = _read_stored(upload)
    if last is not None:
        last.seek(0)
        blocks = itertools.chain(blocks, iter(lambda: last.read(READ_BLOCK), b""))
    with os.fdopen(handle, "wb") as output:
        for block in blocks:
            output.write(block)
            hasher.update(block)
    return Path(name), hasher.hexdigest()


def max_bytes_for(kind):
    if kind == content.PHOTO:
        return settings.EVIDENCE_MAX_PHOTO_BYTES
    if kind == content.VIDEO:
        return settings.EVIDENCE_MAX_VIDEO_BYTES
    return max(settings.EVIDENCE_MAX_PHOTO_BYTES, settings.EVIDENCE_MAX_VIDEO_BYTES)


def _too_large_message(kind):
    limit_mb = max_bytes_for(kind) // (1024 * 1024)
    if kind == content.PHOTO:
        return _("A photo may be at most %(mb)s MB.") % {"mb": limit_mb}
    return _("A file may be at most %(mb)s MB.") % {"mb": limit_mb}


# --- Creation ----------------------------------------------------------------------------------


def _parse_id(value, model, field):
    if value in (None, ""):
        return None
    try:
        return model.objects.get(pk=int(value))
    except (ValueError, model.DoesNotExist):
        raise UploadRefused("invalid", _("Unknown %(field)s.") % {"field": field}) from None


def ensure_may_upload(user, purpose, *, station=None, election=None):
    """Accredited observers send evidence of every kind, for the stations where they are deployed
    (in that election, when the upload names one); a coordinator sends only the scans of answers
    to their organisation's complaints (purpose "complaint_answer"). PermissionDenied otherwise."""
    if user.is_authenticated and user.role == User.Role.COORDINATOR and purpose == Purpose.COMPLAINT_ANSWER:
        return
    observer_services.ensure_may_submit(user)
    ensure_deployed_for(user, station=station, election=election)


def ensure_deployed_for(observer, *, station=None, election=None):
    """An observer files evidence only where they observe: a deployment at the station (check-ins
    and incidents hang on deployments too), in the election when one is named. A file that names
    neither station nor election (an "other" upload) is not tied to any place."""
    if station is None and election is None:
        return
    deployments = Deployment.objects.filter(observer=observer)
    if station is not None:
        deployments = deployments.filter(station=station)
    if election is not None:
        deployments = deployments.filter(election=election)
    if deployments.exists():
        return
    if station is None:
        raise PermissionDenied(_("You are not deployed in this election: you cannot send evidence for it."))
    if election is None:
        raise PermissionDenied(_("You are not deployed at station %(code)s: evidence is sent only for the "
                                 "stations where you observe.") % {"code": station.code})
    raise PermissionDenied(_("You are not deployed at station %(code)s in this election: evidence is sent only for "
                             "the stations where you observe.") % {"code": station.code})


def check_metadata_text(metadata):
    """Upload-Metadata values are text a person could read: no NUL or other control character
    (PostgreSQL refuses NUL in text), at most 255 characters each."""
    for name, value in metadata.items():
        text = value if isinstance(value, str) else ""
        if not isinstance(value, str) or len(text) > 255 or any(ord(c) < 32 or ord(c) == 127 for c in text):
            raise UploadRefused("invalid", _("The upload's %(field)s has characters that are not allowed.")
                                % {"field": str(name)[:40]})


def ensure_within_upload_quota(user, length):
    """An observer has at most EVIDENCE_MAX_OPEN_UPLOADS unfinished uploads and
    EVIDENCE_MAX_OPEN_UPLOAD_BYTES announced by them, this one included; the periodic sweep and
    finished uploads give the room back. One query; the row lock keeps two requests honest."""
    User.objects.select_for_update().filter(pk=user.pk).first()
    open_uploads = Upload.objects.filter(uploaded_by=user, state=Upload.State.RECEIVING).aggregate(
        count=Count("pk"), total=Sum("length"))
    if open_uploads["count"] >= settings.EVIDENCE_MAX_OPEN_UPLOADS:
        raise UploadRefused("quota", _("You have %(count)s unfinished uploads: finish or cancel one before starting "
                                       "another.") % {"count": open_uploads["count"]})
    if (open_uploads["total"] or 0) + length > settings.EVIDENCE_MAX_OPEN_UPLOAD_BYTES:
        limit = settings.EVIDENCE_MAX_OPEN_UPLOAD_BYTES // (1024 * 1024)
        raise UploadRefused("quota", _("Your unfinished uploads would exceed %(mb)s MB: finish or cancel one before "
                                       "starting another.") % {"mb": limit})


@transaction.atomic
def create_upload(*, user, length, metadata):
    """Start (or find again) a resumable upload. `metadata` is the tus Upload-Metadata dict:
    filename, filetype, client_id (UUID, made by the client), station, election, purpose."""
    check_metadata_text(metadata)
    purpose = metadata.get("purpose") or Purpose.OTHER
    if purpose not in Purpose.values:
        raise UploadRefused("invalid", _("Unknown purpose."))
    station = _parse_id(metadata.get("station"), Station, "station")
    election = _parse_id(metadata.get("election"), Election, "election")
    ensure_may_upload(user, purpose, station=station, election=election)
    try:
        client_id = uuid.UUID(metadata.get("client_id") or str(uuid.uuid4()))
    except ValueError:
        raise UploadRefused("invalid", _("client_id must be a UUID.")) from None
    existing = Upload.objects.filter(uploaded_by=user, client_id=client_id).first()
    if existing:
        if existing.length != length:
            raise UploadRefused("conflict", _("This client_id was already used for a file of another size."))
        return existing
    done = EvidenceFile.objects.filter(uploaded_by=user, client_id=client_id).select_related("original").first()
    if done:  # the file arrived earlier and its upload was swept since: report it complete again
        return Upload.objects.create(uploaded_by=user, client_id=client_id, length=done.original.size,
                                     offset=done.original.size, filename=done.filename, state=Upload.State.COMPLETE,
                                     evidence=done, purpose=done.purpose, station=done.station, election=done.election)
    filename = os.path.basename(metadata.get("filename", ""))[:255]
    declared_type = metadata.get("filetype", "")[:100]
    declared = content.declared_format(filename, declared_type)
    if (declared_type or filename) and declared is None:
        raise UploadRefused("unsupported", content_error_message(content.ContentError("unknown", "")))
    kind = declared.kind if declared else None
    if length > max_bytes_for(kind):
        raise UploadRefused("too_large", _too_large_message(kind))
    if length == 0:
        raise UploadRefused("invalid", content_error_message(content.ContentError("empty", "")))
    ensure_within_upload_quota(user, length)
    device_sha256, device_captured_at = device_claim(metadata)
    upload = Upload.objects.create(
        uploaded_by=user, client_id=client_id, length=length, filename=filename, declared_type=declared_type,
        station=station, election=election, purpose=purpose,
        device_sha256=device_sha256, device_captured_at=device_captured_at,
    )
    return upload


def upload_of(*, upload_id, user):
    upload = Upload.objects.filter(pk=upload_id, uploaded_by=user).select_related("evidence").first()
    if upload is None:
        raise UploadRefused("not_found", _("No such upload (it may have expired)."))
    return upload


def current_offset(*, upload_id, user):
    """The upload, with the offset every machine agrees on: the one in the database."""
    return upload_of(upload_id=upload_id, user=user)


# --- Appending ---------------------------------------------------------------------------------


def _claim(upload, offset):
    """Take the upload for this request, or refuse: another request holds it (locked), or the
    client's offset is not the stored one (conflict)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.offset != offset:
            raise UploadRefused("conflict", _("Upload-Offset %(sent)s does not match the %(stored)s bytes stored.")
                                % {"sent": offset, "stored": upload.offset})
        now = timezone.now()
        if upload.receiving_until is not None and upload.receiving_until > now:
            raise UploadRefused("locked", _("This upload is already receiving data; try again in a moment."))
        upload.receiving_until = now + WRITER_LEASE
        upload.save(update_fields=["receiving_until"])
    return upload


def _release(upload):
    Upload.objects.filter(pk=upload.pk).update(receiving_until=None)


def append_chunk(*, upload_id, user, offset, stream, content_length, checksum=None):
    """Append up to `content_length` bytes read from `stream` at `offset`; returns the upload.

    `checksum` is None or (algorithm, digest bytes) from Upload-Checksum. Reading stops early if
    the client's connection drops; what arrived is kept unless a checksum was promised.
    """
    upload = current_offset(upload_id=upload_id, user=user)
    if upload.state == Upload.State.COMPLETE:
        if offset == upload.length and content_length == 0:
            return upload
        raise UploadRefused("conflict", _("This upload is already complete."))
    if checksum and checksum[0] not in ("sha256",):
        raise UploadRefused("invalid", _("Unsupported checksum algorithm."))
    upload = _claim(upload, offset)
    try:
        if offset + content_length > upload.length:
            raise UploadRefused("conflict", _("The chunk goes past the declared length of the upload."))
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            chunk_hasher = hashlib.sha256() if checksum else None
            received = _receive(stream, spool, content_length, chunk_hasher)
            if checksum and (received < content_length or chunk_hasher.digest() != checksum[1]):
                if received == content_length:
                    raise UploadRefused("checksum", _("The chunk's checksum does not match: it was discarded."))
                return upload
            if not received:
                return upload
            new_offset = offset + received
            if not upload.format_code and new_offset >= min(upload.length, content.SNIFF_BYTES):
                _check_first_bytes(upload, _head(upload, offset, spool))
            if new_offset < upload.length:
                _store_chunk(upload, offset, received, spool)
                upload.offset = new_offset
                return upload
            # The last bytes go straight from the spool into the assembled file, never stored as a
            # chunk object to be read back: the offset advances with the completion's transaction,
            # under this request's lease (a request that dies before it leaves the offset where it
            # was, and the phone sends the last chunk again).
            path, sha256 = _assemble(upload, spool)
            try:
                return _complete(upload, path, sha256)
            finally:
                path.unlink(missing_ok=True)
    finally:
        _release(upload)


def _head(upload, offset, spool):
    """The file's first bytes (for sniffing its format): the stored ones before `offset`, then the
    chunk in hand, without reading back what was just received."""
    stored = b"".join(_read_stored(upload, limit=offset))[:offset] if offset else b""
    spool.seek(0)
    head = stored + spool.read(max(0, content.SNIFF_BYTES - len(stored)))
    return head[:content.SNIFF_BYTES]


def _store_chunk(upload, offset, size, spool):
    """The chunk as its own object, then its row and the new offset in one transaction. An object
    whose row never committed (the request died between the two) is deleted with the upload."""
    spool.seek(0)
    key = f"{chunk_prefix(upload.pk)}{offset:020d}-{uuid.uuid4().hex}"
    saved_as = default_storage.save(key, File(spool, name=key))
    with transaction.atomic():
        advanced = Upload.objects.filter(pk=upload.pk, offset=offset).update(
            offset=offset + size, updated_at=timezone.now())
        if not advanced:  # another request took this offset after our lease expired: its bytes stand
            transaction.on_commit(lambda: default_storage.delete(saved_as))
            raise UploadRefused("conflict", _("Upload-Offset %(sent)s does not match the %(stored)s bytes stored.")
                                % {"sent": offset, "stored": Upload.objects.get(pk=upload.pk).offset})
        UploadChunk.objects.create(upload=upload, offset=offset, size=size, key=saved_as)


def _receive(stream, spool, content_length, chunk_hasher):
    """Copy the body to the request's spool block by block; return how many bytes arrived."""
    received = 0
    while received < content_length:
        try:
            block = stream.read(min(RECEIVE_BLOCK, content_length - received))
        except Exception as error:  # noqa: BLE001 - each server signals a dropped client its own way
            logger.info("upload connection dropped after %s bytes: %r", received, error)
            break
        if not block:
            break
        spool.write(block)
        if chunk_hasher is not None:
            chunk_hasher.update(block)
        received += len(block)
    return received


def _refuse(upload, path, reason, message):
    if path is not None:
        path.unlink(missing_ok=True)
    _delete_chunks(upload.pk)
    Upload.objects.filter(pk=upload.pk).delete()
    raise UploadRefused(reason, message)


def _check_first_bytes(upload, head):
    fmt = content.sniff(head)
    if fmt is None:
        _refuse(upload, None, "unsupported", content_error_message(content.ContentError("unknown", "")))
    try:
        content.ensure_labelled_as(fmt, filename=upload.filename, media_type=upload.declared_type)
    except content.ContentError as error:
        _refuse(upload, None, "unsupported", content_error_message(error))
    if upload.length > max_bytes_for(fmt.kind):
        _refuse(upload, None, "too_large", _too_large_message(fmt.kind))
    Upload.objects.filter(pk=upload.pk).update(format_code=fmt.code)
    upload.format_code = fmt.code


# --- Completion: validate, store once, log ---------------------------------------------------

def _complete(upload, path, sha256):
    try:
        ensure_may_upload(upload.uploaded_by, upload.purpose)
    except PermissionDenied as error:
        _refuse(upload, path, "forbidden", str(error))
    try:
        found = content.inspect(path, max_pixels=settings.EVIDENCE_MAX_IMAGE_PIXELS, filename=upload.filename,
                                media_type=upload.declared_type)
    except content.ContentError as error:
        _refuse(upload, path, "unsupported" if error.code in ("unknown", "mislabelled") else "invalid",
                content_error_message(error))
    if upload.length > max_bytes_for(found.format.kind):
        _refuse(upload, path, "too_large", _too_large_message(found.format.kind))
    ensure_device_hash_matches(upload, path, sha256)
    with transaction.atomic():
        upload = Upload.objects.select_for_update().select_related("uploaded_by").get(pk=upload.pk)
        if upload.state == Upload.State.COMPLETE:
            return upload
        _lock(f"evidence-original-{sha256}")
        original = Original.objects.select_for_update().filter(sha256=sha256).first()
        stored_now = original is None
        if stored_now:
            original = _store_original(path, sha256, found, upload.length)
        evidence = EvidenceFile.objects.filter(
            uploaded_by=upload.uploaded_by, original=original, station=upload.station, election=upload.election,
            purpose=upload.purpose,
        ).first()
        if evidence is None:
            evidence = EvidenceFile.objects.create(
                uploaded_by=upload.uploaded_by, client_id=upload.client_id, original=original, station=upload.station,
                election=upload.election, purpose=upload.purpose, filename=upload.filename,
            )
            append_log(action=EvidenceLogEntry.Action.RECEIVED, evidence=evidence, payload={
                "sha256": sha256, "size": original.size, "media_type": original.media_type, "key": original.key,
                "uploaded_by": upload.uploaded_by_id, "observer": pseudonyms.pseudonym_code(upload.uploaded_by),
                "station": upload.station_id, "election": upload.election_id, "purpose": upload.purpose,
                "filename": upload.filename, "client_id": str(upload.client_id), "first_copy": stored_now,
                **device_log_fields(upload),
            })
        upload.state = Upload.State.COMPLETE
        upload.evidence = evidence
        upload.offset = upload.length
        upload.save(update_fields=["state", "evidence", "offset", "updated_at"])
        if stored_now:
            enqueue_on_commit("evidence.tasks.process_original", original.pk)
    path.unlink(missing_ok=True)
    _delete_chunks(upload.pk)
    UploadChunk.objects.filter(upload=upload).delete()
    return upload


# --- The phone's own hash (tus Upload-Metadata "sha256" and "captured_at") --------------------


def device_claim(metadata):
    """The SHA-256 (64 hex digits) and capture time (ISO 8601) the phone sent, or ("", None)."""
    claimed = (metadata.get("sha256") or "").strip().lower()
    if claimed and not re.fullmatch(r"[0-9a-f]{64}", claimed):
        raise UploadRefused("invalid", _("sha256 must be 64 hexadecimal digits."))
    captured = (metadata.get("captured_at") or "").strip()
    captured_at = None
    if captured:
        captured_at = parse_datetime(captured)
        if captured_at is None:
            raise UploadRefused("invalid", _("captured_at must be a date and time (ISO 8601)."))
        if timezone.is_naive(captured_at):
            captured_at = timezone.make_aware(captured_at, datetime.UTC)
    return claimed, captured_at


def ensure_device_hash_matches(upload, path, sha256):
    """Refuse (and discard) a file whose bytes are not the ones the phone hashed."""
    if upload.device_sha256 and upload.device_sha256 != sha256:
        _refuse(upload, path, "checksum", _("The file that arrived is not the one your phone sealed (its SHA-256 "
                                            "differs): nothing was stored. Send it again."))


def device_log_fields(upload):
    """The phone's hash and capture time, for the evidence log entry of the received file."""
    if not upload.device_sha256:
        return {}
    return {"device_sha256": upload.device_sha256,
            "device_captured_at": _iso(upload.device_captured_at) if upload.device_captured_at else None}


def terminate_upload(*, upload_id, user):
    """tus termination: forget an unfinished upload and its bytes. Stored evidence stays."""
    upload = upload_of(upload_id=upload_id, user=user)
    if upload.state == Upload.State.COMPLETE:
        raise UploadRefused("completed", _("This file is stored as evidence; evidence is never deleted."))
    upload = _claim(upload, upload.offset)
    _delete_chunks(upload.pk)
    Upload.objects.filter(pk=upload.pk).delete()


def clean_abandoned_uploads(*, now=None):
    """Delete uploads that received nothing for EVIDENCE_UPLOAD_EXPIRY_HOURS with their chunks,
    and chunk objects no upload knows; returns how many uploads were removed. Completed uploads'
    rows go too (their evidence stays)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.EVIDENCE_UPLOAD_EXPIRY_HOURS)
    removed = 0
    abandoned = Upload.objects.filter(updated_at__lt=cutoff).filter(
        Q(receiving_until__isnull=True) | Q(receiving_until__lt=now))
    for upload_id in abandoned.values_list("pk", flat=True):
        _delete_chunks(upload_id)
        removed += Upload.objects.filter(pk=upload_id, updated_at__lt=cutoff).delete()[1].get("evidence.Upload", 0)
    root = chunk_root()
    try:
        folders = default_storage.listdir(root)[0]
    except FileNotFoundError:
        folders = []
    known = {str(pk) for pk in Upload.objects.filter(pk__in=[
        folder for folder in folders if _is_uuid(folder)]).values_list("pk", flat=True)}
    for folder in folders:
        if folder not in known:
            for name in default_storage.listdir(f"{root}/{folder}")[1]:
                key = f"{root}/{folder}/{name}"
                if default_storage.get_modified_time(key) < cutoff:
                    default_storage.delete(key)
    return removed


def _is_uuid(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
