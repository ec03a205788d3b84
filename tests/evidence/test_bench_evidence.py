"""The evidence benchmark runs (at a tiny size) and reports its ratios; figures are not asserted."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not shutil.which("ffmpeg"), reason="ffmpeg is not installed (.ci/run installs it)")
def test_quick_evidence_benchmark_reports_upload_memory_and_thumbnail_ratios():
    result = subprocess.run([sys.executable, "-m", "bench", "evidence", "--quick"], cwd=PROJECT, capture_output=True,
                            text=True, timeout=300, env={k: v for k, v in __import__("os").environ.items()
                                                         if k not in ("DATABASE_URL", "REDIS_URL")})
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout
    uploads = re.findall(r"resumable upload, +(\d+) MB chunks .*: ([\d.]+)x the copy, .*source's: (\w+)", output)
    assert [(chunk, answer) for chunk, _ratio, answer in uploads] == [("4", "yes"), ("64", "yes")], output
    assert re.search(r"peak growth during one upload: 2 MB file: \+[\d.]+ MB, 5 MB file: \+[\d.]+ MB", output)
    assert re.search(r"ratio draft / full\s+[\d.]+x", output)
