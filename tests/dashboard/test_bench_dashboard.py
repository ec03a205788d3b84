"""CI runs the dashboard benchmark at a small size on SQLite: it must keep working and keep
checking that each endpoint gives the numbers of its single-SQL baseline, not be fast here."""

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_quick_dashboard_benchmark_reports_each_ratio_with_matching_numbers():
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    result = subprocess.run([sys.executable, "-m", "bench", "dashboard", "--quick"], cwd=PROJECT, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    output = result.stdout
    assert "dashboard bench on sqlite: 2,000 stations" in output
    assert re.search(r"\(a\) coverage, national: .* ratio [\d.]+x \(same numbers: yes\)", output)
    assert re.search(r"\(b\) map points, [\d,]+ stations, .* ratio [\d.]+x .*\(same states: yes\)", output)
    assert len(re.findall(r"\(c\) live feed, .* ratio [\d.]+x .*\(same items: yes\)", output)) == 2
    assert re.search(r"\(d\) forensics arrays, 2,000 stations: .* ratio [\d.]+x \(same numbers: yes\)", output)
    assert re.search(r"\(d\) forensics page: first visit .* later visits \d+ ms; the worker's Monte Carlo [\d.]+ s "
                     r"\(1,000 draws", output)


def test_the_benchmark_refuses_a_database_it_would_wipe():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/observers"
    result = subprocess.run([sys.executable, "-m", "bench", "dashboard", "--quick"], cwd=PROJECT, env=environment,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "must contain 'bench'" in result.stderr
