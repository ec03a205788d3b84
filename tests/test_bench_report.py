"""`python -m bench` writes what each benchmark measured into its dated section of the report."""

import datetime
import re

from bench import report
from bench.__main__ import main

MARKERS = f"# Benchmarks\n\nintro\n\n{report.LATEST_START}\n{report.LATEST_END}\n\n## By hand\n\nold figures\n"


def test_a_run_writes_its_figures_and_a_second_run_replaces_them(tmp_path, capsys):
    target = tmp_path / "benchmarks.md"
    target.write_text(MARKERS)
    main(["forensics", "--quick", "--record", str(target)])
    printed = capsys.readouterr().out
    text = target.read_text()
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert f"### forensics, {today}" in text
    assert "`python -m bench forensics --quick`" in text
    excess = re.search(r"excess [\d,.]+ \(published analysis: about 1,709\)", printed).group(0)
    assert excess in text  # the figures it printed, as printed
    assert text.index(report.LATEST_START) < text.index("### forensics") < text.index(report.LATEST_END)
    assert text.endswith("## By hand\n\nold figures\n")  # what was there is kept

    report.record("forensics", "excess 1.0\n", command="python -m bench forensics", path=target,
                  day=datetime.date(2027, 3, 1))
    report.record("protocols", "(a) import 1.0 s\n", command="python -m bench protocols", path=target,
                  day=datetime.date(2027, 3, 1))
    text = target.read_text()
    assert text.count("### forensics") == 1 and "### forensics, 2027-03-01" in text and excess not in text
    assert text.index("### forensics") < text.index("### protocols, 2027-03-01") < text.index(report.LATEST_END)


def test_a_quick_run_leaves_the_report_alone(tmp_path, monkeypatch, capsys):
    target = tmp_path / "benchmarks.md"
    target.write_text(MARKERS)
    monkeypatch.setattr(report, "REPORT", target)
    main(["forensics", "--quick"])
    assert "ratio loop / vectorised" in capsys.readouterr().out
    assert target.read_text() == MARKERS
