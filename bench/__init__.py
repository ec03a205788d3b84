"""Benchmarks, run with `python -m bench NAME` (see bench/__main__.py), and the real data they share."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def shared_data_file(name: str) -> Path:
    """A file of `shared/data/`: beside the project (a checkout in /work/main finds /work/shared), or
    further up (a git worktree in /work/wt/<name> finds it too, where `PROJECT.parent` alone would
    silently skip every real-file test)."""
    for folder in PROJECT.parents:
        candidate = folder / "shared" / "data" / name
        if candidate.exists():
            return candidate
    return PROJECT.parent / "shared" / "data" / name


RU_2018 = shared_data_file("ru-2018-presidential-by-station.csv.zip")
