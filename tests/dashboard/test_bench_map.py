"""CI runs the map benchmark small on SQLite: it must keep working and keep checking that the
clusters hold the per-state counts of its single-SQL baseline, not be fast here."""

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_quick_map_benchmark_reports_bytes_and_ratio_with_matching_counts():
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run([sys.executable, "-m", "bench", "map", "--quick"], cwd=PROJECT, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "map bench on sqlite: 2,000 located stations" in result.stdout
    national = re.search(r"national view \(zoom 4\): [\d,]+ clusters, ([\d.]+) KB, .* ratio [\d.]+x "
                         r"\(same per-state counts: yes\)", result.stdout)
    assert national and float(national.group(1)) <= 100
