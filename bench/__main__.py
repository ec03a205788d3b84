"""Run the benchmarks: `python -m bench` (all), `python -m bench NAME [options]` (one).

Each benchmark is a module of this package with a `main(argv)`; each prints its figures next to
a baseline measured in the same run, because absolute times on a shared machine mislead.
"""

import importlib
import pkgutil
import sys
from pathlib import Path


def benchmarks():
    folder = Path(__file__).resolve().parent
    names = []
    for module in pkgutil.iter_modules([str(folder)]):
        if not module.name.startswith("_") and hasattr(importlib.import_module(f"bench.{module.name}"), "main"):
            names.append(module.name)
    return sorted(names)


def main(argv):
    available = benchmarks()
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        print("benchmarks:", ", ".join(available))
        return
    if argv and not argv[0].startswith("-"):
        if argv[0] not in available:
            raise SystemExit(f"unknown benchmark {argv[0]!r}; choose from {', '.join(available)}")
        importlib.import_module(f"bench.{argv[0]}").main(argv[1:])
        return
    for name in available:
        print(f"== {name}")
        importlib.import_module(f"bench.{name}").main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
