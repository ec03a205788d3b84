"""docs/benchmarks.md is written by the benchmarks themselves: each run of `python -m bench NAME`
replaces NAME's dated section there with the figures it printed (see bench/__main__.py).

A section sits between `<!-- bench NAME -->` and `<!-- /bench NAME -->`, inside the block of
latest runs; a benchmark that has none yet gets one at the end of that block.
"""

import datetime
import os
import platform
import re
from pathlib import Path

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
LATEST_START, LATEST_END = "<!-- latest runs -->", "<!-- /latest runs -->"


def section(name, output, *, command, day):
    return (f"<!-- bench {name} -->\n"
            f"### {name}, {day.isoformat()}\n\n"
            f"`{command}` on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}:\n\n"
            f"```text\n{output.rstrip()}\n```\n"
            f"<!-- /bench {name} -->\n")


def record(name, output, *, command, path=REPORT, day=None):
    """Put this run's figures in the report, in place of the benchmark's previous section."""
    day = day or datetime.datetime.now(datetime.UTC).date()
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{LATEST_START}\n{LATEST_END}\n"
    if LATEST_START not in text:
        text = text.rstrip("\n") + f"\n\n{LATEST_START}\n{LATEST_END}\n"
    new = section(name, output, command=command, day=day)
    pattern = re.compile(rf"<!-- bench {re.escape(name)} -->\n.*?<!-- /bench {re.escape(name)} -->\n", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: new, text, count=1)
    else:
        text = text.replace(LATEST_END, new + "\n" + LATEST_END, 1)
    path.write_text(text)
    return path
