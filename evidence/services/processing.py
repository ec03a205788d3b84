"""Metadata and copies of stored originals, made by Celery after the upload commits."""

import datetime
import hashlib
import io
import logging
import shutil
import tempfile
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image

from .. import photos, videos
from ..models import EvidenceLogEntry, Original
from .log import append_log
from .storage import READ_BLOCK, derivative_key

logger = logging.getLogger(__name__)

# --- Metadata and copies (run by Celery) ------------------------------------------------------


@contextmanager
def local_path(key):
    """A local path to a stored object: the file itself on disk, a streamed temporary copy on S3."""
    try:
        yield default_storage.path(key)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(prefix="evidence-", suffix=".bin") as copy:
        with default_storage.open(key, "rb") as stream:
            shutil.copyfileobj(stream, copy, READ_BLOCK)
        copy.flush()
        yield copy.name


def process_original(*, original_id):
    """Read an original's metadata and make its copies. Safe to run twice: only a pending
    original is processed, and copies have fixed keys."""
    original = Original.objects.filter(pk=original_id).first()
    if original is None or original.processing != Original.Processing.PENDING:
        return
    facts, copies, state, error = {}, {}, Original.Processing.DONE, ""
    try:
        if original.kind == Original.Kind.PHOTO:
            with default_storage.open(original.key, "rb") as stream:
                facts, copies = photos.describe(stream)
        elif not videos.available():
            state = Original.Processing.NOT_PROCESSED
        else:
            with local_path(original.key) as path:
                facts = videos.read_facts(path)
                poster = videos.poster_frame(path, photos.WEB_PX)
            if poster:
                with Image.open(io.BytesIO(poster)) as image:
                    copies = {"web": poster, "thumbnail": photos.clean_copy(image, photos.THUMBNAIL_PX)}
    except Exception as failure:  # noqa: BLE001 - a failure is recorded on the original, never lost
        logger.exception("processing original %s failed", original.pk)
        state, error = Original.Processing.FAILED, f"{type(failure).__name__}: {failure}"[:500]
    keys = {}
    for name, data in copies.items():
        key = derivative_key(original.sha256, name)
        if default_storage.exists(key):
            default_storage.delete(key)
        keys[name] = default_storage.save(key, ContentFile(data))
    with transaction.atomic():
        original = Original.objects.select_for_update().get(pk=original_id)
        if original.processing != Original.Processing.PENDING:
            return
        captured_at = facts.get("captured_at")
        if captured_at is not None and timezone.is_naive(captured_at):
            # EXIF has no time zone: the phone's clock is taken to be in the election's time zone.
            captured_at = timezone.make_aware(captured_at)
        original.captured_at = captured_at
        original.device = facts.get("device") or ""
        original.latitude = facts.get("latitude")
        original.longitude = facts.get("longitude")
        original.width = facts.get("width") or original.width
        original.height = facts.get("height") or original.height
        original.duration = facts.get("duration")
        original.thumbnail_key = keys.get("thumbnail", "")
        original.web_key = keys.get("web", "")
        original.processing, original.processing_error = state, error
        original.processed_at = timezone.now()
        original.save()
        if copies:
            append_log(action=EvidenceLogEntry.Action.DERIVATIVE, evidence=original.submissions.order_by("pk").first(),
                       payload={"original_sha256": original.sha256, "copies": {
                           name: {"key": keys[name], "sha256": hashlib.sha256(data).hexdigest()}
                           for name, data in copies.items()}})


def pending_originals(*, older_than_minutes=5):
    """Originals still waiting for their copies: their task message may have been lost."""
    cutoff = timezone.now() - datetime.timedelta(minutes=older_than_minutes)
    return list(Original.objects.filter(processing=Original.Processing.PENDING, created_at__lt=cutoff)
                .values_list("pk", flat=True)[:500])
