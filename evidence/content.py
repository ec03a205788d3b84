"""What a file is, decided by its bytes, never by its name. Pure: no Django import.

An observer's photo or video becomes evidence, so the server must know what it stores: a file is
accepted only when its first bytes are the signature of an accepted format, its container
structure is walked whole and covers the file exactly (every JPEG segment and scan from SOI to EOI,
every PNG chunk with its CRC to IEND, every ISO-BMFF box; only known types; nothing missing:
truncated; nothing embedded or appended: a polyglot such as a JPEG with a ZIP or a script after it
or in a segment, a PNG with a ZIP in a private chunk, an MP4 with an archive in a `free` box),
its declared type or name agrees with its bytes
(mislabelled files are refused rather than guessed), and a decoder can read it (Pillow for photos,
ffprobe for videos when it is installed).

`sniff(head)` needs only the first bytes, so an upload of the wrong kind of file is refused after
its first chunk instead of after two gigabytes; `inspect(path, ...)` checks the complete file by
seeking through it (never reading it whole into memory).
"""

import json
import mmap
import os
import shutil
import struct
import subprocess
import warnings
import zlib
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
        _walk_jpeg(stream, size)
    elif fmt.code == "png":
        _walk_png(stream, size)
    elif fmt.code == "webp":
        stream.seek(4)
        (riff_size,) = struct.unpack("<I", stream.read(4))
        if riff_size + 8 > size:
            raise ContentError("truncated", "truncated")
        if riff_size + 8 < size:
            raise ContentError("polyglot", "trailing")
        _walk_webp(stream, size)
    elif fmt.code in ("heic", "mp4", "mov"):
        _walk_iso_boxes(stream, size)
    elif fmt.code == "webm":
        _check_webm(stream, size)


# Signatures of other formats that have no business inside a photo's metadata or a video's boxes:
# an archive (ZIP local header or end of central directory), a PDF, a web page or a script. A
# phone writes EXIF, XMP, ICC profiles and maker notes there; binary maker notes hit a 4-byte
# signature by chance about once in four billion positions, on 64 KB segments.
FOREIGN_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"%PDF-", b"<script", b"<html", b"<?php", b"<svg", b"<body",
                      b"<iframe", b"javascript:", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
# In compressed video data (gigabytes of random-looking bytes) a 4-byte signature would match by
# chance: there only signatures of 6 bytes or more count (a ZIP header with its usual version
# fields, an end of central directory of disk 0), about once in 2^48 positions.
STRONG_SIGNATURES = (b"PK\x03\x04\x14\x00", b"PK\x03\x04\x0a\x00", b"PK\x03\x04\x2d\x00", b"PK\x05\x06\x00\x00\x00\x00",
                     b"%PDF-1.", b"%PDF-2.", b"<script", b"<html", b"<?php", b"<!DOCTYPE html", b"Rar!\x1a\x07",
                     b"7z\xbc\xaf\x27\x1c")


def _has_foreign(data, signatures=FOREIGN_SIGNATURES):
    lowered = data.lower()
    return any(signature.lower() in lowered for signature in signatures)


# --- JPEG: every segment from SOI to EOI --------------------------------------------------

# Segments a camera or phone writes: frame headers (baseline, extended, progressive, lossless;
# not the arithmetic-coding ones few decoders read), Huffman and quantisation tables, restart
# interval, number of lines, application segments (EXIF, JFIF, XMP, ICC, MPF, maker notes) and
# comments. Any other marker is refused.
JPEG_SEGMENTS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xCC, 0xDB, 0xDC, 0xDD, *range(0xE0, 0xF0), 0xFE}
JPEG_METADATA = {*range(0xE0, 0xF0), 0xFE}
# Phones (multi-picture "MPO" files, depth maps, Motion Photos' still) append further complete
# JPEG images after the first one's EOI; each is walked the same way. More are refused.
JPEG_MAX_IMAGES = 4


def _walk_jpeg(stream, size):
    """Walk the file as JPEG images back to back: SOI, segments, entropy-coded scans, EOI.

    Nothing may hide anywhere: every metadata segment is checked for another file's signature,
    every marker must be a known one, the scan data runs marker to marker, and after the last EOI
    come at most zero bytes of padding. A ZIP or a page appended (even one whose own comment ends
    with FF D9) is refused, whatever the file's last bytes are.
    """
    if size < 4:
        raise ContentError("truncated", "truncated")
    with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        position = 0
        for _image in range(JPEG_MAX_IMAGES):
            position = _walk_one_jpeg(data, position, size)
            rest = data[position:position + 2]
            if rest == b"\xff\xd8":
                continue
            if not rest or not data[position:size].rstrip(b"\x00"):
                return
            raise ContentError("polyglot", "trailing")
        raise ContentError("polyglot", "trailing")


def _walk_one_jpeg(data, position, size):
    """The offset just after the EOI of the JPEG image starting at `position`."""
    if data[position:position + 2] != b"\xff\xd8":
        raise ContentError("polyglot", "trailing")
    position += 2
    seen_frame = False
    while True:
        if position + 2 > size:
            raise ContentError("truncated", "truncated")
        if data[position] != 0xFF:
            raise ContentError("corrupt", "corrupt")
        code = data[position + 1]
        if code == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if code == 0xD9:
            if not seen_frame:
                raise ContentError("corrupt", "corrupt")
            return position + 2
        if code == 0xDA:
            if not seen_frame:
                raise ContentError("corrupt", "corrupt")
            position = _skip_segment(data, position, size)
            position = _skip_scan(data, position, size)
            continue
        if code not in JPEG_SEGMENTS:
            raise ContentError("polyglot" if seen_frame else "corrupt", "embedded")
        if 0xC0 <= code <= 0xCF and code not in (0xC4, 0xCC):
            seen_frame = True
        end = _skip_segment(data, position, size)
        if code in JPEG_METADATA and _has_foreign(data[position + 4:end]):
            raise ContentError("polyglot", "embedded")
        position = end


def _skip_segment(data, position, size):
    if position + 4 > size:
        raise ContentError("truncated", "truncated")
    (length,) = struct.unpack(">H", data[position + 2:position + 4])
    if length < 2:
        raise ContentError("corrupt", "corrupt")
    end = position + 2 + length
    if end > size:
        raise ContentError("truncated", "truncated")
    return end


def _skip_scan(data, position, size):
    """Entropy-coded data: runs to the next marker that is not a stuffed FF 00 or a restart."""
    while True:
        found = data.find(b"\xff", position, size)
        if found < 0 or found + 1 >= size:
            raise ContentError("truncated", "truncated")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position = found + 1 if following == 0xFF else found + 2
            continue
        return found


# --- PNG: every chunk, its CRC, nothing after IEND -----------------------------------------

PNG_CHUNKS = {
    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCv",
    b"cLLi", b"tEXt", b"zTXt", b"iTXt", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"eXIf", b"tIME",
    b"iDOT",  # Apple's screenshots: offsets of the image data, 28 bytes
}
PNG_TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"iCCP"}
PNG_MAX_METADATA_CHUNK = 1 << 20  # an ICC profile or an XMP packet; screenshots carry a few KB
PNG_MAX_TEXT = 1 << 20  # inflated text of one chunk


def _walk_png(stream, size):
    """Signature, IHDR first, only known chunk types, every CRC right, IEND last and at the end.

    Text chunks (tEXt, zTXt, iTXt; zTXt/iTXt inflated with a bound) and the other metadata chunks
    may hold no page, script or archive; private chunks (a ZIP in `prVt`) are refused.
    """
    position = 8
    first = True
    while True:
        stream.seek(position)
        header = stream.read(8)
        if len(header) < 8:
            raise ContentError("truncated", "truncated")
        length, chunk_type = struct.unpack(">I4s", header)
        if first and chunk_type != b"IHDR":
            raise ContentError("corrupt", "corrupt")
        first = False
        if not _printable(chunk_type) or chunk_type not in PNG_CHUNKS:
            raise ContentError("polyglot", "embedded")
        end = position + 12 + length
        if end > size:
            raise ContentError("truncated", "truncated")
        if chunk_type in PNG_TEXT_CHUNKS and length > PNG_MAX_METADATA_CHUNK:
            raise ContentError("polyglot", "embedded")
        crc = zlib.crc32(chunk_type)
        remaining = length
        text = b""
        while remaining:
            block = stream.read(min(remaining, 1 << 20))
            if not block:
                raise ContentError("truncated", "truncated")
            crc = zlib.crc32(block, crc)
            if chunk_type in PNG_TEXT_CHUNKS:
                text += block
            remaining -= len(block)
        if struct.unpack(">I", stream.read(4) or b"\x00\x00\x00\x00")[0] != crc & 0xFFFFFFFF:
            raise ContentError("corrupt", "corrupt")
        if chunk_type in PNG_TEXT_CHUNKS and _has_foreign(_png_text(chunk_type, text)):
            raise ContentError("polyglot", "embedded")
        if chunk_type == b"IEND":
            if end < size:
                raise ContentError("polyglot", "trailing")
            return
        position = end


def _png_text(chunk_type, data):
    """The readable text of a text chunk (keyword and value; compressed ones inflated, bounded)."""
    if chunk_type == b"zTXt":
        keyword, _, rest = data.partition(b"\x00")
        return keyword + b"\x00" + _inflate(rest[1:])
    if chunk_type == b"iTXt":
        keyword, _, rest = data.partition(b"\x00")
        if rest[:1] == b"\x01":
            parts = rest[2:].split(b"\x00", 2)
            if len(parts) == 3:
                return keyword + b"\x00" + parts[0] + parts[1] + _inflate(parts[2])
        return data
    if chunk_type == b"iCCP":
        keyword, _, rest = data.partition(b"\x00")
        return keyword + b"\x00" + _inflate(rest[1:])
    return data


def _inflate(data):
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, PNG_MAX_TEXT)
    except zlib.error:
        raise ContentError("corrupt", "corrupt") from None
    if inflater.unconsumed_tail:
        raise ContentError("polyglot", "embedded")  # a "text" of more than a megabyte
    return text


# --- WebP: RIFF chunks of known types -----------------------------------------------------

WEBP_CHUNKS = {b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP", b"EXIF", b"XMP "}
WEBP_METADATA = {b"ICCP", b"EXIF", b"XMP "}


def _walk_webp(stream, size):
    """After `RIFF <size> WEBP`, chunks (type, little-endian size, data padded to even) of known
    types tile the file; metadata chunks hold no other file."""
    position = 12
    while position < size:
        stream.seek(position)
        header = stream.read(8)
        if len(header) < 8:
            raise ContentError("truncated", "truncated")
        chunk_type, length = struct.unpack("<4sI", header)
        if chunk_type not in WEBP_CHUNKS:
            raise ContentError("polyglot", "embedded")
        end = position + 8 + length + (length & 1)
        if end > size:
            raise ContentError("truncated", "truncated")
        if chunk_type in WEBP_METADATA:
            if length > PNG_MAX_METADATA_CHUNK:
                raise ContentError("polyglot", "embedded")
            if _has_foreign(stream.read(length)):
                raise ContentError("polyglot", "embedded")
        position = end


def _printable(box_type):
    return all(32 <= byte < 127 for byte in box_type)


# --- ISO base media (MP4, MOV, HEIC): known boxes, tiling the file, nothing hidden ----------

ISO_TOP_LEVEL_BOXES = {
    b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"meta", b"uuid", b"pdin", b"moof", b"mfra", b"sidx",
    b"styp", b"ssix", b"prft", b"emsg", b"pnot", b"idat", b"iinf", b"iloc",
}
ISO_SCAN_BLOCK = 1 << 20


def _walk_iso_boxes(stream, size):
    """Top-level boxes of an ISO base media file must be known types and tile the file exactly;
    no box (`free`, `skip`, `mdat`, `moov`, ... ) holds an archive, a PDF or a page."""
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
        header_length = 8
        if box_size == 1:
            if len(header) < 16:
                raise ContentError("truncated", "truncated")
            (box_size,) = struct.unpack(">Q", header[8:16])
            header_length = 16
        elif box_size == 0:
            box_size = size - position  # the last box runs to the end of the file
        if box_size < header_length:
            raise ContentError("corrupt", "corrupt")
        if position + box_size > size:
            raise ContentError("truncated", "truncated")
        if box_type not in ISO_TOP_LEVEL_BOXES:
            raise ContentError("polyglot", "embedded")
        if not seen and box_type not in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"):
            raise ContentError("corrupt", "corrupt")
        if box_type == b"mdat":
            _scan_media_data(stream, position + header_length, position + box_size, size)
        else:
            _scan_box(stream, position + header_length, position + box_size)
        seen.add(box_type)
        position += box_size
    if b"moov" not in seen and b"meta" not in seen:
        raise ContentError("corrupt", "corrupt")


# Readers find another format by its start or its end: a ZIP reader looks for the end of central
# directory in the last 64 KB of a file, a PDF reader for `%PDF-` in the first kilobyte, a browser
# sniffs the first 512 bytes for a page. Media data (gigabytes of compressed video) is therefore
# scanned where another reader would look, not byte by byte (about 20 MB/s in Python); every other
# box (moov, free, skip, uuid, meta, ...) is scanned whole.
MDAT_HEAD_SCAN = 4096
FILE_TAIL_SCAN = 66 * 1024


def _scan_media_data(stream, start, end, size):
    _scan_box(stream, start, min(end, start + MDAT_HEAD_SCAN))
    tail_start = max(start, size - FILE_TAIL_SCAN)
    if tail_start < end:
        _scan_box(stream, tail_start, end)


def _scan_box(stream, start, end):
    """No other file's signature anywhere in a box's content, read block by block."""
    stream.seek(start)
    position, previous = start, b""
    overlap = max(len(signature) for signature in STRONG_SIGNATURES) - 1
    while position < end:
        block = stream.read(min(ISO_SCAN_BLOCK, end - position))
        if not block:
            raise ContentError("truncated", "truncated")
        if _has_foreign(previous + block, STRONG_SIGNATURES):
            raise ContentError("polyglot", "embedded")
        previous = block[-overlap:]
        position += len(block)


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
