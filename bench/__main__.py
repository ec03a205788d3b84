"""Run the benchmarks: `python -m bench` (all), `python -m bench NAME [options]` (one).

Each benchmark is a module of this package with a `main(argv)`; each prints its figures next to
a baseline measured in the same run, because absolute times on a shared machine mislead.

What a benchmark prints is also written into docs/benchmarks.md, as its dated section (replacing
the previous one; see bench/report.py). A `--quick` run (CI's check that a benchmark still runs)
writes nothing there unless `--record FILE` names a file; `--no-record` writes nothing.
"""

import contextlib
import importlib
import io
import pkgutil
import sys
from pathlib import Path

from bench import report


def benchmarks():
    folder = Path(__file__).resolve().parent
    names = []
    for module in pkgutil.iter_modules([str(folder)]):
        if not module.name.startswith("_") and hasattr(importlib.import_module(f"bench.{module.name}"), "main"):
            names.append(module.name)
    return sorted(names)


class _Tee(io.TextIOBase):
    """Writes to the terminal and keeps a copy."""

    def __init__(self, terminal):
        self.terminal, self.copy = terminal, io.StringIO()

    def write(self, text):
        self.copy.write(text)
        return self.terminal.write(text)

    def flush(self):
        self.terminal.flush()


def _record_target(argv):
    """(argv without the recording options, the file to write or None)."""
    argv, target = list(argv), report.REPORT
    if "--no-record" in argv:
        argv.remove("--no-record")
        target = None
    elif "--record" in argv:
        at = argv.index("--record")
        target = Path(argv[at + 1])
        del argv[at:at + 2]
    elif "--quick" in argv:
        target = None
    return argv, target


def run(name, argv, target):
    tee = _Tee(sys.stdout)
    with contextlib.redirect_stdout(tee):
        importlib.import_module(f"bench.{name}").main(argv)
    if target is not None:
        command = " ".join(["python -m bench", name, *argv])
        print(f"(figures written to {report.record(name, tee.copy.getvalue(), command=command, path=target)})")


def main(argv):
    available = benchmarks()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        print("benchmarks:", ", ".join(available))
        return
    argv, target = _record_target(argv)
    if argv and not argv[0].startswith("-"):
        if argv[0] not in available:
            raise SystemExit(f"unknown benchmark {argv[0]!r}; choose from {', '.join(available)}")
        run(argv[0], argv[1:], target)
        return
    for name in available:
        print(f"== {name}")
        run(name, argv, target)


if __name__ == "__main__":
    main(sys.argv[1:])
