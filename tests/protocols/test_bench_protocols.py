"""CI runs the protocol benchmarks at a small size: they must keep working, not be fast here."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
def test_protocol_benchmarks_run_at_a_small_size():
    if connection.vendor != "postgresql":
        pytest.skip("the protocol benchmarks compare against PostgreSQL COPY; CI runs them on PostgreSQL")
    settings = connection.settings_dict
    url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/" \
          "observers_bench_ci"
    environment = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE",)}
    environment["BENCH_DATABASE_URL"] = url
    result = subprocess.run([sys.executable, "-m", "bench.protocols", "--quick"], cwd=PROJECT, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    assert [line[:3] for line in lines[-3:]] == ["(a)", "(b)", "(c)"]
    assert "ratio" in lines[-3] and "ratio" in lines[-2] and "p95" in lines[-1]
