"""The stored originals: content-addressed keys, storing a file once, hashing what is stored."""

import hashlib

from django.core.files import File
from django.core.files.storage import default_storage

from ..models import Original

READ_BLOCK = 1024 * 1024


# --- Keys and originals in the storage -------------------------------------------------------


def original_key(sha256):
    return f"evidence/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def derivative_key(sha256, name):
    return f"evidence/copies/{sha256[:2]}/{sha256}/{name}.jpg"


class _ScratchFile(File):
    """A complete assembled file handed to the storage: local storage renames it (no copy)."""

    def __init__(self, path, media_type):
        super().__init__(open(path, "rb"), name=str(path))  # noqa: SIM115 (closed by the caller)
        self.content_type = media_type

    def temporary_file_path(self):
        return self.name


def hash_stored(key):
    hasher = hashlib.sha256()
    with default_storage.open(key, "rb") as stream:
        for block in iter(lambda: stream.read(READ_BLOCK), b""):
            hasher.update(block)
    return hasher.hexdigest()


def _store_original(path, sha256, found, size):
    key = original_key(sha256)
    # An object left by an attempt whose transaction did not commit is kept only if its bytes are right.
    if default_storage.exists(key) and hash_stored(key) != sha256:
        default_storage.delete(key)
    if not default_storage.exists(key):
        scratch = _ScratchFile(path, found.format.media_type)
        try:
            saved_as = default_storage.save(key, scratch)
        finally:
            scratch.close()
        if saved_as != key:
            raise RuntimeError(f"storage saved {key} as {saved_as}")
    return Original.objects.create(
        sha256=sha256, key=key, size=size, media_type=found.format.media_type, format_code=found.format.code,
        kind=found.format.kind, width=found.width or None, height=found.height or None,
    )
