"""The forensics benchmark runs (quickly) and reports the loop / vectorised ratio."""

import re

from bench.forensics import main


def test_quick_benchmark_prints_the_ratio_and_the_excess(capsys):
    main(["--quick"])
    output = capsys.readouterr().out
    assert re.search(r"ratio loop / vectorised\s+[\d.]+x", output)
    assert "extrapolated linearly" in output
    assert "published analysis: about 1,709" in output
    assert "same binomials as the vectorised draws: yes" in output
