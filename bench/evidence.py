"""Benchmarks of the evidence pipeline, each against a baseline measured in the same run.

    .venv/bin/python -m bench evidence                 # a 1 GB video, 50 photos of 4000x3000
    .venv/bin/python -m bench evidence --quick         # 5 MB, 3 photos (what CI runs)
    .venv/bin/python -m bench evidence --size-mb 256 --images 20 --chunk-mb 8 32

(a) Uploading one file through the resumable (tus) endpoint of a real HTTP server (gunicorn, one
    sync worker, on 127.0.0.1) in PATCH chunks, from creation to the stored original (content
    check and move into storage included), vs `shutil.copyfile` of the same file on the same disk.
    Every chunk is fsynced before the server acknowledges its offset (a phone is never told a byte
    is safe before it is), so the chunk size matters: the browser client's 4 MB, and 64 MB.
(b) The server worker's peak memory during each upload: its peak RSS (VmHWM, reset just before the
    upload through /proc/<pid>/clear_refs) minus its RSS just before, for the file and for one an
    eighth of its size (what an upload takes must not grow with the file).
(c) Thumbnails (320 px) per second from 4000x3000 JPEGs with Pillow's draft mode vs a full decode.

The file is a real MP4 (a one-second clip from ffmpeg, its index first) padded to the size with a
`free` box of random bytes: ffprobe reads it as a video, so the server accepts it as evidence.
Uses its own SQLite database, media and scratch folders in a temporary folder.
"""

import argparse
import hashlib
import http.client
import io
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


def parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench evidence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the uploaded file (default 1024)")
    parser.add_argument("--images", type=int, default=50, help="photos for the thumbnail benchmark (default 50)")
    parser.add_argument("--chunk-mb", type=int, nargs="+", default=[4, 64],
                        help="PATCH chunk sizes, one upload each (default: 4, the browser client's, and 64)")
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn",
                        help="HTTP server: gunicorn (production, default) or Django's runserver")
    parser.add_argument("--quick", action="store_true", help="5 MB and 3 photos: checks the benchmark runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.size_mb, args.images = 5, 3
    return args


def prepare_django(folder):
    os.environ.update({
        "DEBUG": "1", "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "MEDIA_ROOT": str(folder / "media"),
        "EVIDENCE_UPLOAD_DIR": str(folder / "uploads"), "CELERY_BROKER_DIR": str(folder / "broker"),
        "CELERY_QUEUE": f"bench-{uuid.uuid4().hex[:8]}", "DJANGO_SETTINGS_MODULE": "config.settings",
        "EVIDENCE_MAX_VIDEO_BYTES": str(64 * 1024 * MB),
    })
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("AWS_STORAGE_BUCKET_NAME", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from observers import tokens
    from observers.models import Accreditation, Organisation, User

    organisation = Organisation.objects.create(name="Bench NGO", slug="bench-ngo")
    observer = User.objects.create_user("bench-observer", password=uuid.uuid4().hex, role=User.Role.OBSERVER,
                                        organisation=organisation)
    Accreditation.objects.create(observer=observer, organisation=organisation, status=Accreditation.Status.APPROVED)
    return tokens.issue(user=observer)[1]


def make_video(path, size):
    """A real MP4 padded with a `free` box of random bytes to exactly `size` bytes."""
    clip = path.with_suffix(".clip.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=10",
                    "-c:v", "mpeg4", "-movflags", "+faststart", str(clip)], check=True)
    head = clip.read_bytes()
    clip.unlink()
    padding = size - len(head) - 16
    if padding < 0:
        raise SystemExit("--size-mb too small for a video")
    with open(path, "wb") as output:
        output.write(head)
        output.write(struct.pack(">I4sQ", 1, b"free", padding + 16))
        while padding:
            block = os.urandom(min(8 * MB, padding))
            output.write(block)
            padding -= len(block)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Slice:
    """`length` bytes of an open file from its current position, read in blocks by http.client."""

    def __init__(self, stream, length):
        self.stream, self.left = stream, length

    def read(self, size=-1):
        size = self.left if size is None or size < 0 else min(size, self.left)
        block = self.stream.read(size)
        self.left -= len(block)
        return block


def upload(port, token, path, chunk):
    size = path.stat().st_size
    headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Token {token}"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=MB)
    from evidence import tus

    connection.request("POST", "/api/evidence/uploads/", headers={
        **headers, "Upload-Length": str(size),
        "Upload-Metadata": tus.encode_metadata({"filename": path.name, "filetype": "video/mp4",
                                                "client_id": str(uuid.uuid4())})})
    response = connection.getresponse()
    response.read()
    if response.status != 201:
        raise SystemExit(f"creation failed: {response.status}")
    location = response.getheader("Location").split(str(port), 1)[1]
    offset = 0
    with open(path, "rb") as source:
        while offset < size:
            length = min(chunk, size - offset)
            connection.request("PATCH", location, body=Slice(source, length), headers={
                **headers, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length)})
            response = connection.getresponse()
            body = response.read()
            if response.status != 204:
                raise SystemExit(f"PATCH at {offset} failed: {response.status} {body[:200]!r}")
            offset = int(response.getheader("Upload-Offset"))
    return response.getheader("Evidence-Id")


def start_server(port, folder, kind, application="config.wsgi"):
    log = open(folder / "server.log", "a")  # noqa: SIM115 (closed with the server)
    command = ([sys.executable, "-m", "gunicorn", application, "-b", f"127.0.0.1:{port}", "-w", "1", "--timeout", "900"]
               if kind == "gunicorn" else
               [sys.executable, "manage.py", "runserver", "--noreload", "--nothreading", f"127.0.0.1:{port}"])
    server = subprocess.Popen(command, cwd=PROJECT, env=os.environ.copy(), stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        raise SystemExit("the server did not start: " + (folder / "server.log").read_text()[-2000:])
    if kind == "runserver":
        return server, log, server.pid
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return server, log, int(children[0])  # gunicorn's worker, which handles the requests


def bench_upload(args, folder, token):

    source = folder / "source.mp4"
    make_video(source, args.size_mb * MB)
    size = source.stat().st_size
    started = time.perf_counter()
    shutil.copyfile(source, folder / "copy.mp4")
    copy_seconds = time.perf_counter() - started
    with open(folder / "copy.mp4", "rb") as copy:  # the upload fsyncs every chunk: so does this baseline
        os.fsync(copy.fileno())
    synced_seconds = time.perf_counter() - started
    (folder / "copy.mp4").unlink()

    port = free_port()
    server, log, worker = start_server(port, folder, args.server)
    try:
        warm = folder / "warm.mp4"  # the first request imports the views, Pillow, the storage...
        make_video(warm, 2 * MB)
        upload(port, token, warm, MB)
        idle_kb = rss_kb(worker, "VmRSS")
        uploads, growth_by_size = {}, {}
        for chunk_mb in args.chunk_mb:
            seconds, same, growth_kb = measured_upload(port, token, folder, worker, size, chunk_mb)
            uploads[chunk_mb] = (seconds, same)
            growth_by_size[size] = max(growth_kb, growth_by_size.get(size, 0))
        # The same upload at an eighth of the size: the memory it takes must not grow with the file.
        small = max(2 * MB, size // 8)
        growth_by_size[small] = measured_upload(port, token, folder, worker, small, args.chunk_mb[0])[2]
        peak_kb = rss_kb(worker, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    server_alone = bench_server_alone(args, folder, source) if args.server == "gunicorn" else {}
    return {"size_mb": size / MB, "copy_mb_s": size / MB / copy_seconds, "copy_s": copy_seconds,
            "synced_mb_s": size / MB / synced_seconds, "synced_s": synced_seconds,
            "uploads": {chunk_mb: {"upload_s": seconds, "upload_mb_s": size / MB / seconds, "same_sha256": same,
                                   "server_alone_mb_s": size / MB / server_alone[chunk_mb]
                                   if chunk_mb in server_alone else None}
                        for chunk_mb, (seconds, same) in uploads.items()},
            "idle_mb": idle_kb / 1024, "peak_mb": peak_kb / 1024,
            "growth_mb_by_size": {file_size / MB: kb / 1024 for file_size, kb in sorted(growth_by_size.items())}}


def measured_upload(port, token, folder, worker, size, chunk_mb):
    """Upload a new file of `size` bytes; (seconds, stored SHA-256 equals the source's, the worker's
    peak RSS growth in KB over its RSS just before the upload)."""
    # A file of its own for each upload: the same bytes again would be stored only once.
    sent = folder / f"sent-{size}-{chunk_mb}.mp4"
    make_video(sent, size)
    before_kb = rss_kb(worker, "VmRSS")
    Path(f"/proc/{worker}/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    started = time.perf_counter()
    evidence_id = upload(port, token, sent, chunk_mb * MB)
    seconds = time.perf_counter() - started
    growth_kb = rss_kb(worker, "VmHWM") - before_kb
    same = stored_as_sent(evidence_id, sent)
    sent.unlink()
    return seconds, same, growth_kb


def bench_server_alone(args, folder, source):
    """{chunk MB: seconds} to PATCH the file to the same gunicorn serving bench/_http_sink.py, which
    only reads and hashes each body: the server's own ceiling."""
    port = free_port()
    server, log, _worker = start_server(port, folder, "gunicorn", application="bench._http_sink:application")
    seconds = {}
    try:
        for chunk_mb in args.chunk_mb:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=MB)
            started = time.perf_counter()
            with open(source, "rb") as stream:
                left = source.stat().st_size
                while left:
                    length = min(chunk_mb * MB, left)
                    connection.request("PATCH", "/", body=Slice(stream, length), headers={"Content-Length": str(length)})
                    response = connection.getresponse()
                    response.read()
                    if response.status != 204:
                        raise SystemExit(f"the bare server answered {response.status}")
                    left -= length
            seconds[chunk_mb] = time.perf_counter() - started
            connection.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return seconds


def stored_as_sent(evidence_id, sent):
    """Whether the stored original has the sent file's SHA-256, re-read from the storage."""
    from django.conf import settings

    from evidence.models import EvidenceFile

    original = EvidenceFile.objects.select_related("original").get(pk=evidence_id).original
    return sha256_of(sent) == sha256_of(Path(settings.MEDIA_ROOT) / original.key) == original.sha256


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(8 * MB), b""):
            digest.update(block)
    return digest.hexdigest()


def bench_thumbnails(args):
    import random

    from PIL import Image

    from evidence import photos

    rng = random.Random(2027)
    images = []
    for _ in range(args.images):
        noise = Image.frombytes("RGB", (500, 375), rng.randbytes(500 * 375 * 3)).resize((4000, 3000))
        buffer = io.BytesIO()
        noise.save(buffer, "JPEG", quality=88)
        images.append(buffer.getvalue())
    rates = {}
    for draft in (True, False):
        started = time.perf_counter()
        for data in images:
            with Image.open(io.BytesIO(data)) as image:
                photos.clean_copy(image, photos.THUMBNAIL_PX, draft=draft)
        rates[draft] = len(images) / (time.perf_counter() - started)
    return {"draft_per_s": rates[True], "full_per_s": rates[False], "images": len(images),
            "mean_jpeg_mb": sum(map(len, images)) / len(images) / MB}


def main(argv):
    args = parse(argv)
    if not shutil.which("ffmpeg"):
        raise SystemExit("bench evidence needs ffmpeg (apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory(prefix="bench-evidence-", dir=PROJECT / "var" if (PROJECT / "var").exists()
                                     else None) as scratch:
        folder = Path(scratch)
        token = prepare_django(folder)
        up = bench_upload(args, folder, token)
        thumbs = bench_thumbnails(args)
    print(f"evidence benchmark ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs)")
    print(f"  (a) {up['size_mb']:.0f} MB file, {args.server} on 127.0.0.1")
    print(f"      copy on the same disk (shutil.copyfile)   {up['copy_mb_s']:8.1f} MB/s  ({up['copy_s']:.2f} s)")
    print(f"      copy, then fsync (durable, like uploads)  {up['synced_mb_s']:8.1f} MB/s  ({up['synced_s']:.2f} s)")
    for chunk_mb, result in up["uploads"].items():
        print(f"      resumable upload, {chunk_mb:>3} MB chunks         {result['upload_mb_s']:8.1f} MB/s  "
              f"({result['upload_s']:.2f} s): {result['upload_mb_s'] / up['copy_mb_s']:.2f}x the copy, "
              f"{result['upload_mb_s'] / up['synced_mb_s']:.2f}x the synced copy; stored SHA-256 equals the "
              f"source's: {'yes' if result['same_sha256'] else 'NO'}")
        if result["server_alone_mb_s"]:
            print(f"        the same gunicorn only reading and hashing the bodies {result['server_alone_mb_s']:8.1f} MB/s "
                  f"({result['server_alone_mb_s'] / up['copy_mb_s']:.2f}x the copy): the upload runs at "
                  f"{result['upload_mb_s'] / result['server_alone_mb_s']:.2f}x the server's own ceiling")
    growth = ", ".join(f"{size_mb:.0f} MB file: +{mb:.1f} MB" for size_mb, mb in up["growth_mb_by_size"].items())
    print(f"  (b) server worker memory: idle {up['idle_mb']:.1f} MB (Django, DRF, Pillow loaded), "
          f"peak {up['peak_mb']:.1f} MB; peak growth during one upload: {growth}")
    print(f"  (c) thumbnails (320 px) from {thumbs['images']} JPEGs of 4000x3000 ({thumbs['mean_jpeg_mb']:.1f} MB each)")
    print(f"      full decode                               {thumbs['full_per_s']:8.1f} per s")
    print(f"      draft mode                                {thumbs['draft_per_s']:8.1f} per s")
    print(f"      ratio draft / full                        {thumbs['draft_per_s'] / thumbs['full_per_s']:8.2f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
