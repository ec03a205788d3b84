"""Videos: duration, resolution, capture time and a poster frame, through ffprobe/ffmpeg.

Pure: no Django import. When the tools are missing, `available()` is False and the caller records
the video as "not processed" instead of guessing.
"""

import datetime
import shutil
import subprocess
import tempfile
from pathlib import Path

from . import content

FFMPEG = "ffmpeg"


def available():
    return content.ffprobe_available() and shutil.which(FFMPEG) is not None


def read_facts(path):
    """{"duration", "width", "height", "captured_at", "device"} from ffprobe (None/"" when unknown)."""
    info = content.probe(path) or {}
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), {})
    container = info.get("format", {})
    width, height = video.get("width"), video.get("height")
    rotation = 0
    for side_data in video.get("side_data_list", []) or []:
        if "rotation" in side_data:
            rotation = abs(int(float(side_data["rotation"])))
    if str((video.get("tags") or {}).get("rotate", "0")).lstrip("-").isdigit():
        rotation = rotation or abs(int((video.get("tags") or {}).get("rotate", 0)))
    if rotation in (90, 270) and width and height:
        width, height = height, width
    tags = {key.lower(): value for key, value in (container.get("tags") or {}).items()}
    captured_at = None
    if tags.get("creation_time"):
        try:
            captured_at = datetime.datetime.fromisoformat(tags["creation_time"].replace("Z", "+00:00"))
        except ValueError:
            captured_at = None
    device = " ".join(p for p in (tags.get("com.apple.quicktime.make", ""), tags.get("com.apple.quicktime.model", "")) if p)
    try:
        duration = round(float(container.get("duration") or video.get("duration")), 3)
    except (TypeError, ValueError):
        duration = None
    return {"duration": duration, "width": width, "height": height, "captured_at": captured_at, "device": device}


def poster_frame(path, max_px, *, at_seconds=1.0, timeout=120):
    """A JPEG (bytes) of one frame, upright (ffmpeg applies rotation), no metadata; None if none."""
    with tempfile.TemporaryDirectory(prefix="poster-") as folder:
        target = Path(folder) / "poster.jpg"
        for seek in (at_seconds, 0):
            subprocess.run(
                [FFMPEG, "-v", "error", "-y", "-ss", str(seek), "-i", str(path), "-frames:v", "1",
                 "-vf", f"scale='min({max_px},iw)':-2", "-map_metadata", "-1", "-q:v", "4", str(target)],
                capture_output=True, timeout=timeout, check=False,
            )
            if target.exists() and target.stat().st_size:
                return target.read_bytes()
    return None
