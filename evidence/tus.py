"""The tus 1.0 resumable upload protocol's headers, parsed and written. Pure: no Django import.

https://tus.io/protocols/resumable-upload: core, creation, termination, checksum and expiration.
"""

import base64
import binascii

from config.parsing import is_whole_number

VERSION = "1.0.0"
EXTENSIONS = ("creation", "termination", "checksum", "expiration")
CHECKSUM_ALGORITHMS = ("sha256",)
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CHECKSUM_MISMATCH = 460


class HeaderError(ValueError):
    pass


def parse_metadata(header):
    """`Upload-Metadata: key base64,key2 base64,flag` -> {"key": "value", "key2": "...", "flag": ""}."""
    metadata = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        if not key or " " in encoded.strip():
            raise HeaderError("Upload-Metadata")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError):
            raise HeaderError("Upload-Metadata") from None
    return metadata


def parse_checksum(header):
    """`Upload-Checksum: sha256 <base64 digest>` -> ("sha256", raw digest bytes); None when absent."""
    if not header:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    algorithm = algorithm.lower()
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        raise HeaderError("Upload-Checksum") from None
    return algorithm, digest


def parse_non_negative(value, name):
    if value is None or not is_whole_number(value):
        raise HeaderError(name)
    return int(value)


def encode_metadata(metadata):
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}" for key, value in metadata.items())
