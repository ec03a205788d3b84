"""Benchmarks, run with `python -m bench NAME` (see bench/__main__.py), and the real data they share."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def data_file(name: str) -> Path:
    """A file of the repository's `data/` folder (see data/README.md): real published results."""
    return PROJECT / "data" / name


RU_2018 = data_file("ru-2018-presidential-by-station.csv.zip")
