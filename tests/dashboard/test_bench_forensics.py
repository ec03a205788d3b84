"""The forensics benchmark runs (quickly) and reports the loop / vectorised ratio."""

import re

import pytest

from bench.forensics import DATA, main


@pytest.mark.skipif(not DATA.exists(), reason="../shared/data is not beside the project")
def test_quick_benchmark_prints_the_ratio_and_the_excess(capsys):
    main(["--quick"])
    output = capsys.readouterr().out
    assert re.search(r"ratio loop / vectorised\s+[\d.]+x", output)
    assert "extrapolated linearly" in output
    assert "published analysis: about 1,709" in output
    assert "same binomials as the vectorised draws: yes" in output
