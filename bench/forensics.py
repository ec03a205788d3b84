"""Benchmark of the integer-percentage Monte Carlo (dashboard/forensics.py) on the real 2018 file.

    .venv/bin/python -m bench.forensics               # 1,000 draws, as published
    .venv/bin/python -m bench.forensics --quick       # 20 draws vectorised, 1 looped (what CI runs)
    .venv/bin/python -m bench.forensics --draws 200

Times the vectorised Monte Carlo against the per-station Python loop of the published analysis
drawing the very same binomials. The loop runs only a few draws and is extrapolated linearly to
the full number (its cost is the same for every draw); the output says so. It also checks that the
loop's draws give exactly the vectorised counts, and prints the excess next to the published 1,709.
"""

import argparse
import csv
import io
import time
import zipfile
from pathlib import Path

import numpy as np

from bench import RU_2018
from dashboard.forensics import integer_percentages, integer_percentages_loop

PROJECT = Path(__file__).resolve().parent.parent


DATA = RU_2018
PUBLISHED_EXCESS = 1709  # Kobak, Shpilkin & Pshenichnikov's analysis of the same file, 1,000 draws
SEED = 2018

# The file's columns after region, tik, uik: protocol lines L1..L12, then the 8 candidates
# (alphabetical), then the url. Putin, the leader, is the 4th candidate.
LINES = ("voters", "received_by_commission", "issued_early", "issued_in_station", "issued_outside",
         "cancelled", "in_mobile_boxes", "in_stationary_boxes", "invalid", "valid", "lost", "not_accounted")
CANDIDATES = ("Baburin", "Grudinin", "Zhirinovsky", "Putin", "Sobchak", "Suraykin", "Titov", "Yavlinsky")


def file_bytes(limit: int = 0, path: Path = DATA) -> bytes:
    """The real file as CSV bytes, whole or its header and first `limit` stations."""
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as raw:
        data = raw.read()
    if not limit:
        return data
    return b"\n".join(data.split(b"\n")[: limit + 1]) + b"\n"


def load_2018_arrays(path: Path = DATA) -> dict[str, np.ndarray]:
    """The 2018 file as arrays, one entry per station: every protocol line by name, each candidate,
    `candidates` (stations x 8), and the forensics inputs `given`, `received` and `leader`."""
    with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8"))
        next(reader)
        rows = list(reader)
    counts = np.array([row[3:3 + len(LINES) + len(CANDIDATES)] for row in rows], dtype=np.int64)
    arrays = {name: counts[:, column] for column, name in enumerate(LINES)}
    arrays["candidates"] = counts[:, len(LINES):]
    arrays.update({name: arrays["candidates"][:, column] for column, name in enumerate(CANDIDATES)})
    arrays["region"] = np.array([row[0] for row in rows])
    arrays["given"] = arrays["issued_early"] + arrays["issued_in_station"] + arrays["issued_outside"]
    arrays["received"] = arrays["valid"] + arrays["invalid"]
    arrays["leader"] = arrays["Putin"]
    return arrays


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.forensics", description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=1000, help="Monte Carlo draws (default 1,000)")
    parser.add_argument("--loop-draws", type=int, default=20, help="draws the per-station loop runs (default 20)")
    parser.add_argument("--quick", action="store_true", help="20 vectorised draws and 1 looped draw (for CI)")
    args = parser.parse_args(argv)
    draws, loop_draws = (20, 1) if args.quick else (args.draws, min(args.loop_draws, args.draws))

    arrays = load_2018_arrays()
    stations = (arrays["voters"], arrays["given"], arrays["received"], arrays["leader"])

    started = time.perf_counter()
    vectorised = integer_percentages(*stations, draws=draws, seed=SEED)
    vectorised_seconds = time.perf_counter() - started

    started = time.perf_counter()
    looped = integer_percentages_loop(*stations, draws=loop_draws, seed=SEED)
    loop_seconds = (time.perf_counter() - started) * draws / loop_draws
    same_draws = np.array_equal(looped.simulated, vectorised.simulated[:loop_draws])

    print(f"Integer percentages, Russia 2018: {arrays['voters'].size:,} stations, "
          f"{vectorised.included_stations:,} included, {draws:,} draws, seed {SEED}")
    print(f"  observed integer stations  {vectorised.observed:,}")
    print(f"  redraws: mean {vectorised.expected_mean:,.1f}, sd {vectorised.expected_sd:,.1f}, "
          f"99.9th percentile {vectorised.p999:,.1f}")
    print(f"  excess {vectorised.excess:,.1f} (published analysis: about {PUBLISHED_EXCESS:,}), "
          f"p = {vectorised.p_value:.3g}")
    print(f"  vectorised Monte Carlo     {vectorised_seconds:8.2f} s for {draws:,} draws")
    print(f"  per-station loop           {loop_seconds:8.2f} s for {draws:,} draws, extrapolated linearly "
          f"from {loop_draws} draw{'' if loop_draws == 1 else 's'} timed")
    print(f"  loop drew the same binomials as the vectorised draws: {'yes' if same_draws else 'NO'}")
    print(f"  ratio loop / vectorised    {loop_seconds / vectorised_seconds:8.1f}x")


if __name__ == "__main__":
    main()
