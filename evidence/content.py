"""What a file is, decided by its bytes, never by its name. Pure: no Django import.

An observer's photo or video becomes evidence, so the server must know what it stores: a file is
accepted only when its first bytes are the signature of an accepted format, its container
structure covers the file exactly (nothing missing: truncated; nothing appended: a polyglot such as
a JPEG with a ZIP or a script after it, or in its comment or metadata segments), its declared type or name agrees with its bytes
(mislabelled files are refused rather than guessed), and a decoder can read it (Pillow for photos,
ffprobe for videos when it is installed).

`sniff(head)` needs only the first bytes, so an upload of the wrong kind of file is refused after
its first chunk instead of after two gigabytes; `inspect(path, ...)` checks the complete file by
seeking through it (never reading it whole into memory).
"""

import json
import os
import shutil
import struct
import subprocess
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

try:  # HEIC/HEIF photos (iPhones) through the maintained pillow-heif plugin.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover - pillow-heif is in requirements.txt
    HEIF_SUPPORTED = False

PHOTO = "photo"
VIDEO = "video"


@dataclass(frozen=True)
class Format:
    code: str  # jpeg, png, webp, heic, mp4, mov, webm
    kind: str  # photo or video
    media_type: str
    extensions: tuple
    pillow_format: str = ""


FORMATS = {
    "jpeg": Format("jpeg", PHOTO, "image/jpeg", ("jpg", "jpeg", "jpe"), "JPEG"),
    "png": Format("png", PHOTO, "image/png", ("png",), "PNG"),
    "webp": Format("webp", PHOTO, "image/webp", ("webp",), "WEBP"),
    "heic": Format("heic", PHOTO, "image/heic", ("heic", "heif"), "HEIF"),
    "mp4": Format("mp4", VIDEO, "video/mp4", ("mp4", "m4v")),
    "mov": Format("mov", VIDEO, "video/quicktime", ("mov", "qt")),
    "webm": Format("webm", VIDEO, "video/webm", ("webm",)),
}
# Declared types that name the same format as another spelling.
MEDIA_TYPE_ALIASES = {"image/jpg": "jpeg", "image/pjpeg": "jpeg", "image/heif": "heic", "image/heic-sequence": "heic",
                      "image/heif-sequence": "heic", "video/x-m4v": "mp4", "audio/webm": "webm"}
# MP4 and QuickTime are one container family (ISO base media file format): phones label them
# loosely (an Android .mp4 may carry the 'qt  ' brand), so one is never "mislabelled" as the other.
SAME_FAMILY = {frozenset({"mp4", "mov"})}

HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
QUICKTIME_BRANDS = {b"qt  "}
SNIFF_BYTES = 64


class ContentError(ValueError):
    """The file is not acceptable evidence; `code` says why (for tests and logs), str() for people."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def sniff(head):
    """The Format whose signature starts `head`, or None. Needs about 32 bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return FORMATS["jpeg"]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return FORMATS["png"]
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return FORMATS["webp"]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in HEIF_BRANDS:
            return FORMATS["heic"] if HEIF_SUPPORTED and brand != b"avif" else None
        if brand in QUICKTIME_BRANDS:
            return FORMATS["mov"]
        return FORMATS["mp4"]
    if head[4:8] in (b"moov", b"mdat", b"wide"):
        return FORMATS["mov"]  # old QuickTime files start without an ftyp box
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:SNIFF_BYTES]:
        return FORMATS["webm"]
    return None


def declared_format(filename="", media_type=""):
    """The format a client claims, from the type it sent or else the file name's extension."""
    media_type = (media_type or "").split(";")[0].strip().lower()
    for fmt in FORMATS.values():
        if media_type == fmt.media_type:
            return fmt
    if media_type in MEDIA_TYPE_ALIASES:
        return FORMATS[MEDIA_TYPE_ALIASES[media_type]]
    extension = os.path.splitext(filename or "")[1].lstrip(".").lower()
    for fmt in FORMATS.values():
        if extension in fmt.extensions:
            return fmt
    return None


def ensure_labelled_as(fmt, *, filename="", media_type=""):
    """Refuse a file whose declared type or extension names another format than its bytes."""
    claims = [declared_format(media_type=media_type), declared_format(filename=filename)]
    for claim in claims:
        if claim is None or claim.code == fmt.code or frozenset({claim.code, fmt.code}) in SAME_FAMILY:
            continue
        raise ContentError("mislabelled", f"mislabelled:{claim.code}:{fmt.code}")


@dataclass
class Inspection:
    format: Format
    width: int = 0
    height: int = 0
    video_readable: bool | None = None  # None: ffprobe is not installed, only the container was checked


def inspect(path, *, max_pixels, filename="", media_type=""):
    """Check a complete file; return an Inspection or raise ContentError."""
    size = os.path.getsize(path)
    if size == 0:
        raise ContentError("empty", "empty")
    with open(path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
        fmt = sniff(head)
        if fmt is None:
            raise ContentError("unknown", "unknown")
        ensure_labelled_as(fmt, filename=filename, media_type=media_type)
        check_structure(stream, fmt, size)
    if fmt.kind == PHOTO:
        width, height = check_photo(path, fmt, max_pixels=max_pixels)
        return Inspection(fmt, width, height)
    return Inspection(fmt, video_readable=check_video_stream(path))


# --- Container structure: nothing missing, nothing appended -------------------------------


def check_structure(stream, fmt, size):
    if fmt.code == "jpeg":
        _check_jpeg_end(stream, size)
        _check_jpeg_segments(stream, size)
    elif fmt.code == "png":
        _check_png_end(stream, size)
    elif fmt.code == "webp":
        stream.seek(4)
        (riff_size,) = struct.unpack("<I", stream.read(4))
        if riff_size + 8 > size:
            raise ContentError("truncated", "truncated")
        if riff_size + 8 < size:
            raise ContentError("polyglot", "trailing")
    elif fmt.code in ("heic", "mp4", "mov"):
        _walk_iso_boxes(stream, size)
    elif fmt.code == "webm":
        _check_webm(stream, size)


def _check_jpeg_end(stream, size):
    """A JPEG ends with its End Of Image marker (FF D9), allowing only zero padding after it.

    Multi-picture JPEGs (phones embed a second image after the first one's EOI) still end with an
    EOI, so they pass; a JPEG with a ZIP, a PDF or a script appended does not.
    """
    tail_length = min(size, 4096)
    stream.seek(size - tail_length)
    tail = stream.read(tail_length).rstrip(b"\x00")
    if not tail.endswith(b"\xff\xd9"):
        if b"PK\x05\x06" in tail or b"<" in tail[-256:] or b"%%EOF" in tail:
            raise ContentError("polyglot", "trailing")
        raise ContentError("truncated", "truncated")


# Signatures of other formats that have no business inside a photo's metadata: an archive (ZIP local
# header or end of central directory), a PDF, a web page or a script. A phone writes EXIF, XMP, ICC
# profiles and maker notes there; binary maker notes hit a 4-byte signature by chance about once in
# four billion positions, on 64 KB segments.
FOREIGN_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"%PDF-", b"<script", b"<html", b"<?php", b"<svg")


def _check_jpeg_segments(stream, size):
    """The metadata segments before the image data (comments, APP0-APP15) hold no other file: a
    JPEG with a ZIP or a script in its comment is a polyglot even though it ends with its EOI."""
    stream.seek(2)
    position = 2
    while position + 4 <= size:
        marker = stream.read(2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return  # not a well-formed segment list: the decoder check judges the file
        code = marker[1]
        if code == 0xFF:  # fill byte before a marker
            stream.seek(position + 1)
            position += 1
            continue
        if code == 0xDA or code == 0xD9:  # start of scan (image data follows) or end of image
            return
        if code == 0x01 or 0xD0 <= code <= 0xD8:  # markers without a length
            position += 2
            continue
        (length,) = struct.unpack(">H", stream.read(2))
        if length < 2:
            return
        if code == 0xFE or 0xE0 <= code <= 0xEF:
            payload = stream.read(length - 2).lower()
            if any(signature.lower() in payload for signature in FOREIGN_SIGNATURES):
                raise ContentError("polyglot", "embedded")
        position += 2 + length
        stream.seek(position)


def _check_png_end(stream, size):
    stream.seek(max(0, size - 12))
    if stream.read(12) != b"\x00\x00\x00\x00IEND\xaeB`\x82":
        stream.seek(0)
        # Find whether an IEND exists earlier (data appended) or not at all (truncated).
        found = _find(stream, b"IEND\xaeB`\x82", size)
        raise ContentError("polyglot" if found else "truncated", "trailing" if found else "truncated")


def _find(stream, needle, size, block=1 << 20):
    position, previous = 0, b""
    while position < size:
        data = stream.read(block)
        if not data:
            return False
        if needle in previous + data:
            return True
        previous = data[-len(needle):]
        position += len(data)
    return False


def _printable(box_type):
    return all(32 <= byte < 127 for byte in box_type)


def _walk_iso_boxes(stream, size):
    """Top-level boxes of an ISO base media file must tile the file exactly."""
    position = 0
    seen = set()
    while position < size:
        stream.seek(position)
        header = stream.read(16)
        if len(header) < 8:
            raise ContentError("truncated", "truncated")
        box_size, box_type = struct.unpack(">I4s", header[:8])
        if not _printable(box_type):
            raise ContentError("polyglot" if seen else "unknown", "trailing")
        if box_size == 1:
            if len(header) < 16:
                raise ContentError("truncated", "truncated")
            (box_size,) = struct.unpack(">Q", header[8:16])
        elif box_size == 0:
            box_size = size - position  # the last box runs to the end of the file
        if box_size < 8:
            raise ContentError("corrupt", "corrupt")
        if position + box_size > size:
            raise ContentError("truncated", "truncated")
        seen.add(box_type)
        position += box_size
    if b"moov" not in seen and b"meta" not in seen:
        raise ContentError("corrupt", "corrupt")


def _read_vint(stream):
    first = stream.read(1)
    if not first:
        raise ContentError("truncated", "truncated")
    byte = first[0]
    length = 1
    mask = 0x80
    while length <= 8 and not byte & mask:
        mask >>= 1
        length += 1
    if length > 8:
        raise ContentError("corrupt", "corrupt")
    rest = stream.read(length - 1)
    if len(rest) < length - 1:
        raise ContentError("truncated", "truncated")
    value = byte & (mask - 1)
    for extra in rest:
        value = (value << 8) | extra
    unknown = value == (1 << (7 * length)) - 1
    return value, unknown


def _check_webm(stream, size):
    """EBML header, then one Segment; a Segment of known size must end where the file ends."""
    stream.seek(4)
    header_size, _ = _read_vint(stream)
    stream.seek(stream.tell() + header_size)
    if stream.read(4) != b"\x18\x53\x80\x67":
        raise ContentError("corrupt", "corrupt")
    segment_size, unknown = _read_vint(stream)
    if unknown:
        return  # browsers' MediaRecorder writes live WebM of unknown size; ffprobe judges it
    end = stream.tell() + segment_size
    if end > size:
        raise ContentError("truncated", "truncated")
    if end < size:
        raise ContentError("polyglot", "trailing")


# --- Decoders ---------------------------------------------------------------------------------


def check_photo(path, fmt, *, max_pixels):
    """Pillow must read the photo as the format its bytes claim, within the pixel limit.

    The limit is ours (`max_pixels`), checked before any pixel is decoded, and Pillow's own
    decompression-bomb warning is turned into a refusal. JPEGs are decoded in draft mode (1/8
    scale): every entropy-coded byte is still read, so a damaged scan is caught, at a fraction of
    the memory. Other formats are decoded fully (they are at most 40 MB by default).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=[fmt.pillow_format]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ContentError("bomb", "bomb")
                image.verify()
            with Image.open(path, formats=[fmt.pillow_format]) as image:
                if fmt.code == "jpeg":
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
                image.load()
    except ContentError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ContentError("bomb", "bomb") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
        raise ContentError("corrupt", "corrupt") from None
    return width, height


FFPROBE = "ffprobe"


def ffprobe_available():
    return shutil.which(FFPROBE) is not None


def probe(path, timeout=60):
    """ffprobe's JSON about a file, or None when ffprobe is not installed."""
    if not ffprobe_available():
        return None
    result = subprocess.run(
        [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)],
        capture_output=True, timeout=timeout, check=False,
    )
    if result.returncode != 0:
        return {}
    try:
        return json.loads(result.stdout or b"{}")
    except ValueError:
        return {}


def check_video_stream(path):
    """True when ffprobe reads a video stream; None when ffprobe is missing; refuse otherwise."""
    info = probe(path)
    if info is None:
        return None
    streams = info.get("streams") or []
    if not any(stream.get("codec_type") == "video" and stream.get("width") for stream in streams):
        raise ContentError("corrupt", "corrupt")
    return True
