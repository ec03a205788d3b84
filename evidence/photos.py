"""Photos: what their EXIF says, and the clean copies shown in pages. Pure: no Django import.

The original is never touched. Copies (thumbnail, web size) are new JPEGs: rotated upright with
`ImageOps.exif_transpose`, then written with no EXIF, XMP or other metadata at all, because a
photo's GPS position and phone serial can identify the observer who took it.
JPEG originals are decoded in draft mode (the decoder scales by 1/2, 1/4 or 1/8 while decoding,
to the smallest scale still at least as large as the copy), which is several times faster than a
full decode (see bench/evidence.py).
"""

import datetime
import io

from PIL import ExifTags, Image, ImageOps

from . import content  # noqa: F401  (registers the HEIF opener)

THUMBNAIL_PX = 320
WEB_PX = 1600


def _ratio_to_float(value):
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _gps_degrees(values, reference):
    if not values or len(values) != 3:
        return None
    parts = [_ratio_to_float(v) for v in values]
    if any(part is None for part in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if reference in ("S", "W", b"S", b"W"):
        degrees = -degrees
    return round(degrees, 6)


def _text(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip("\x00 ").strip() if value is not None else ""


def read_exif(image):
    """{"captured_at": naive datetime or None, "device": str, "latitude", "longitude"} from EXIF."""
    exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    captured_at = None
    for raw in (details.get(ExifTags.Base.DateTimeOriginal), details.get(ExifTags.Base.DateTimeDigitized),
                exif.get(ExifTags.Base.DateTime)):
        try:
            captured_at = datetime.datetime.strptime(_text(raw), "%Y:%m:%d %H:%M:%S")
            break
        except ValueError:
            continue
    make, model = _text(exif.get(ExifTags.Base.Make)), _text(exif.get(ExifTags.Base.Model))
    device = model if make and model.lower().startswith(make.lower()) else " ".join(p for p in (make, model) if p)
    latitude = _gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    longitude = _gps_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if latitude is not None and not -90 <= latitude <= 90:
        latitude = None
    if longitude is not None and not -180 <= longitude <= 180:
        longitude = None
    return {"captured_at": captured_at, "device": device[:200], "latitude": latitude, "longitude": longitude}


def clean_copy(image, max_px, *, draft=True, quality=82):
    """A JPEG (bytes) at most `max_px` on its longer side, upright, with no metadata."""
    if draft and image.format == "JPEG":
        # Draft keeps the longer side >= max_px, rotated or not.
        image.draft("RGB", (max_px, max_px))
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    # The same filter with or without draft mode: draft only changes how the JPEG is decoded.
    upright.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    # A brand-new image carries nothing over from the original (EXIF, XMP, ICC, comments).
    bare = Image.new(upright.mode, upright.size)
    bare.paste(upright)
    output = io.BytesIO()
    bare.save(output, "JPEG", quality=quality, optimize=False)
    return output.getvalue()


def describe(stream, *, sizes=(("thumbnail", THUMBNAIL_PX), ("web", WEB_PX)), draft=True):
    """Open a photo once: its EXIF facts, size, and a clean copy per requested size.

    Returns (facts, {"thumbnail": bytes, "web": bytes}). Copies are made from the largest down, each
    from a fresh open so draft mode can pick the best scale for each.
    """
    copies = {}
    with Image.open(stream) as image:
        facts = read_exif(image)
        width, height = image.size
        if width * height > Image.MAX_IMAGE_PIXELS:
            # Refused from the header, before a pixel is decoded (Pillow itself only refuses at twice its limit).
            raise Image.DecompressionBombError(f"{width}x{height} pixels")
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        facts.update(width=width, height=height)
    for name, max_px in sorted(sizes, key=lambda pair: -pair[1]):
        stream.seek(0)
        with Image.open(stream) as image:
            copies[name] = clean_copy(image, max_px, draft=draft)
    return facts, copies
