"""Files are judged by their structure, not by their end: every JPEG segment, PNG chunk and ISO-BMFF
box is walked, only known types are accepted, and nothing may be embedded or trailing. Real phone
photos, screenshots and ffmpeg videos pass; images are decoded within a memory bound."""

import io
import resource
import struct
import subprocess
import tracemalloc
import zipfile
import zlib

import pytest
from PIL import Image, PngImagePlugin

from evidence import content, photos
from evidence.models import EvidenceFile
from tests.factories import photo_bytes, video_bytes


def zip_bytes(comment=b""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
        archive.comment = comment
    return buffer.getvalue()


def png_chunk(chunk_type, data):
    return struct.pack(">I", len(data)) + chunk_type + data + struct.pack(">I", zlib.crc32(chunk_type + data))


def png_with_chunk(png, chunk):
    """`chunk` inserted right after IHDR (8-byte signature + 25-byte IHDR chunk)."""
    return png[:33] + chunk + png[33:]


def iso_box(box_type, payload):
    return struct.pack(">I4s", len(payload) + 8, box_type) + payload


def mp4_with_box_after_ftyp(mp4, box):
    (ftyp_size,) = struct.unpack(">I", mp4[:4])
    return mp4[:ftyp_size] + box + mp4[ftyp_size:]


def judge(tmp_path, data, filename):
    path = tmp_path / filename
    path.write_bytes(data)
    return content.inspect(path, max_pixels=50_000_000, filename=filename)


def refused_code(tmp_path, data, filename):
    with pytest.raises(content.ContentError) as refused:
        judge(tmp_path, data, filename)
    return refused.value.code


def faststart_mp4(tmp_path):
    """An ffmpeg MP4 with its index first, so its media data (`mdat`) is the last box."""
    video_bytes(tmp_path)  # skips when ffmpeg is missing
    target = tmp_path / "faststart.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=10",
                    "-c:v", "mpeg4", "-movflags", "+faststart", str(target)], check=True, capture_output=True)
    return target.read_bytes()


def mp4_with_zip_at_the_end_of_its_media_data(tmp_path):
    """The ZIP inside the last box, its size grown to cover it: the boxes still tile the file, and a
    ZIP reader (which looks for the archive's end in a file's last 64 KB) opens it."""
    data, position = faststart_mp4(tmp_path), 0
    while True:
        size, box_type = struct.unpack(">I4s", data[position:position + 8])
        if box_type == b"mdat":
            archive = zip_bytes()
            return data[:position] + struct.pack(">I", size + len(archive)) + data[position + 4:] + archive
        position += size


def webp_with_chunk(chunk_type, payload):
    webp = photo_bytes(image_format="WEBP")
    chunk = chunk_type + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)
    body = webp[12:] + chunk
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


CRAFTED = {
    # The checks of today look at the last bytes: a ZIP comment ending in FF D9 fools them.
    "JPEG + ZIP whose comment ends in FF D9": (lambda tmp: photo_bytes(seed=1) + zip_bytes(comment=b"x\xff\xd9"),
                                               "photo.jpg"),
    "JPEG + HTML + FF D9": (lambda tmp: photo_bytes(seed=2) + b"<html><script>alert(1)</script></html>\xff\xd9",
                            "photo.jpg"),
    "JPEG with an unknown marker segment between its scans": (
        lambda tmp: (lambda d: d[:-2] + b"\xff\xf7\x00\x10" + b"A" * 14 + b"\xff\xd9")(photo_bytes(seed=3)), "photo.jpg"),
    "PNG with a script in tEXt": (
        lambda tmp: png_with_chunk(photo_bytes(image_format="PNG"), png_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>")),
        "shot.png"),
    "PNG with a page in a compressed zTXt": (
        lambda tmp: png_with_chunk(photo_bytes(image_format="PNG"),
                                   png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"<html><body>hi</body></html>"))),
        "shot.png"),
    "PNG with a ZIP in a private chunk": (
        lambda tmp: png_with_chunk(photo_bytes(image_format="PNG"), png_chunk(b"prVt", zip_bytes())), "shot.png"),
    "PNG with a ZIP after IEND whose comment ends like IEND": (
        lambda tmp: photo_bytes(image_format="PNG") + zip_bytes(comment=b"\x00\x00\x00\x00IEND\xaeB`\x82"), "shot.png"),
    "WebP with a ZIP in an unknown chunk": (lambda tmp: webp_with_chunk(b"zipx", zip_bytes()), "photo.webp"),
    "WebP with a page in its XMP chunk": (lambda tmp: webp_with_chunk(b"XMP ", b"<html><script>alert(1)</script>"),
                                          "photo.webp"),
    "MP4 with a ZIP in a free box": (lambda tmp: mp4_with_box_after_ftyp(video_bytes(tmp), iso_box(b"free", zip_bytes())),
                                     "count.mp4"),
    "MP4 with a PDF in a skip box at its end": (
        lambda tmp: video_bytes(tmp) + iso_box(b"skip", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"), "count.mp4"),
    "MP4 whose media data ends with a ZIP": (mp4_with_zip_at_the_end_of_its_media_data, "count.mp4"),
    "MP4 with an unknown top-level box": (lambda tmp: video_bytes(tmp) + iso_box(b"zipx", b"\x00" * 64), "count.mp4"),
}


@pytest.mark.parametrize("case", list(CRAFTED), ids=list(CRAFTED))
def test_a_crafted_polyglot_is_refused(tmp_path, case):
    make, filename = CRAFTED[case]
    assert refused_code(tmp_path, make(tmp_path), filename) in ("polyglot", "corrupt")


@pytest.mark.django_db
def test_a_polyglot_sent_by_an_observer_is_not_stored(tus_client, tmp_path):
    data = photo_bytes(seed=4) + zip_bytes(comment=b"x\xff\xd9")
    response = tus_client.send(data, filename="photo.jpg", filetype="image/jpeg")
    assert response.status_code in (400, 415)
    assert "extra data" in response.content.decode()
    assert not EvidenceFile.objects.exists()


def phone_exif():
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0132] = "samsung", "SM-A155F", "2027:03:19 10:15:00"
    exif[0x0112] = 6  # rotated
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (43.0, 15.0, 30.0), 3: "E", 4: (76.0, 55.0, 12.0)})
    return exif


def test_a_phone_photo_with_exif_gps_and_xmp_passes(tmp_path):
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes(1600, 1200, seed=5))).save(
        buffer, "JPEG", exif=phone_exif(), quality=90,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF></rdf:RDF></x:xmpmeta>', icc_profile=b"\x00" * 600)
    found = judge(tmp_path, buffer.getvalue(), "IMG_2027.jpg")
    assert (found.format.code, found.width, found.height) == ("jpeg", 1600, 1200)


def test_a_progressive_jpeg_and_one_with_restart_markers_pass(tmp_path):
    source = Image.open(io.BytesIO(photo_bytes(800, 600, seed=6)))
    for options in ({"progressive": True}, {"restart_marker_rows": 2}):
        buffer = io.BytesIO()
        source.save(buffer, "JPEG", exif=phone_exif(), **options)
        assert b"\xff\xd0" in buffer.getvalue() or options.get("progressive")
        assert judge(tmp_path, buffer.getvalue(), "a.jpg").format.code == "jpeg"


def test_a_webp_photo_with_exif_passes(tmp_path):
    buffer = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes(800, 600, seed=10))).save(buffer, "WEBP", exif=phone_exif(), quality=80)
    assert judge(tmp_path, buffer.getvalue(), "photo.webp").format.code == "webp"


def test_a_png_screenshot_with_its_text_and_xmp_passes(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "gnome-screenshot")
    info.add_text("Comment", "Station 0412, turnout at 14:00", zip=True)
    info.add_itxt("XML:com.adobe.xmp", '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>', zip=True)
    buffer = io.BytesIO()
    Image.new("RGBA", (1080, 2400), (240, 240, 240, 255)).save(buffer, "PNG", pnginfo=info, dpi=(144, 144))
    found = judge(tmp_path, buffer.getvalue(), "Screenshot.png")
    assert (found.format.code, found.width, found.height) == ("png", 1080, 2400)


@pytest.mark.parametrize("extra", [[], ["-movflags", "+faststart"]], ids=["plain", "faststart"])
def test_an_ffmpeg_mp4_passes(tmp_path, extra):
    target = tmp_path / "clip.mp4"
    video_bytes(tmp_path)  # skips when ffmpeg is missing
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=2:size=320x240:rate=10",
                    "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "mpeg4", "-c:a", "aac", "-shortest", *extra,
                    "-metadata", "creation_time=2027-03-19T10:15:00Z", str(target)], check=True, capture_output=True)
    assert judge(tmp_path, target.read_bytes(), "clip.mp4").format.code == "mp4"


def test_a_quicktime_video_passes(tmp_path):
    assert judge(tmp_path, video_bytes(tmp_path, container="mov"), "clip.mov").format.code == "mov"


def huge_png():
    """The issue's file: a few hundred KB of PNG claiming 9,400 x 9,400 pixels (88 MP)."""
    buffer = io.BytesIO()
    Image.new("1", (9_400, 9_400)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_small_png_of_9400_by_9400_pixels_is_refused_before_decoding(tmp_path, settings):
    data = huge_png()
    assert len(data) < 400_000
    path = tmp_path / "tiny.png"
    path.write_bytes(data)
    tracemalloc.start()
    with pytest.raises(content.ContentError) as refused:
        content.inspect(path, max_pixels=settings.EVIDENCE_MAX_IMAGE_PIXELS, filename="tiny.png")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert refused.value.code == "bomb"
    assert peak < 5 * 1024 * 1024, peak


def test_pillow_itself_refuses_such_a_png_in_any_other_decode(tmp_path):
    # The Celery worker decodes through photos.describe: Pillow's own limit is ours (apps.ready).
    assert Image.MAX_IMAGE_PIXELS == 50_000_000
    with pytest.raises(Image.DecompressionBombError):
        photos.describe(io.BytesIO(huge_png()))


def test_a_12_megapixel_phone_photo_is_checked_and_copied_in_bounded_memory(tmp_path):
    path = tmp_path / "IMG.jpg"
    path.write_bytes(photo_bytes(4000, 3000, seed=7))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    content.inspect(path, max_pixels=50_000_000, filename="IMG.jpg")
    with open(path, "rb") as stream:
        facts, copies = photos.describe(stream)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert facts["width"] == 4000 and set(copies) == {"thumbnail", "web"}
    # A full decode of 12 MP is 36 MB; draft mode decodes at 1/8 (checks) and 1/2 (web copy).
    assert peak < 20 * 1024 * 1024, peak
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 60 * 1024  # KB
