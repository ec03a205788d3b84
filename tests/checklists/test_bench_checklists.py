"""CI runs the process-statistics benchmark at a small size: it must keep working (it builds its
data with raw INSERTs, which a new NOT NULL column breaks) and keep checking that the statistics
agree with its SQL baseline, not be fast here."""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]


def test_the_process_statistics_benchmark_runs_at_a_small_size():
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark generates its data in PostgreSQL (generate_series); CI runs it there")
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/"
           f"{settings['NAME']}_bench_checklists")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as server:  # the bench's own database, made fresh
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')
    environment = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE",)}
    environment["DATABASE_URL"] = url
    result = subprocess.run([sys.executable, "-m", "bench.checklists", "--stations", "1000"], cwd=PROJECT,
                            env=environment, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert "1,000 stations x 30 questions" in result.stdout
    assert re.search(r"ratio \(a\)/\(b\): [\d.]+x", result.stdout)
