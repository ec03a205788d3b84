"""Quick count: a hand-worked sample, then samples drawn from the real 2018 file."""


import numpy as np
import pytest

from bench.forensics import CANDIDATES, DATA, load_2018_arrays
from dashboard.quickcount import SampledStation, compare, estimate, ratio_estimate

MAJOR_CANDIDATES = ("Putin", "Grudinin", "Zhirinovsky", "Sobchak")


def test_hand_worked_quick_count():
    # N = 10 stations, n = 4 sampled, f = 0.4.
    #   valid x: 100 200 150 50 (sum 500, mean 125);  A: 60 100 90 20 (sum 270);  B: 40 100 60 30
    # p_A = 270 / 500 = 0.54.  y - p x: 6, -8, 9, -7; squares 36 + 64 + 81 + 49 = 230.
    # var = (1 - 0.4) / (4 * 125^2) * 230 / 3 = 0.6 / 62500 * 76.667 = 7.36e-4;
    # margin = 1.96 * sqrt(7.36e-4) = 1.96 * 0.027129 = 0.053174.
    # p_B = 0.46 with the same squares (mirror image), so the same margin.
    # Turnout: cast 105 210 155 50 (520) of registered 200 400 300 100 (1000): 0.52, mean x 250;
    #   y - p x: 1, 2, -1, -2; squares 10; var = 0.6 / (4 * 250^2) * 10 / 3 = 8e-6; margin 0.0055437.
    sample = [
        SampledStation(registered=200, cast=105, valid=100, votes={"A": 60, "B": 40}),
        SampledStation(registered=400, cast=210, valid=200, votes={"A": 100, "B": 100}),
        SampledStation(registered=300, cast=155, valid=150, votes={"A": 90, "B": 60}),
        SampledStation(registered=100, cast=50, valid=50, votes={"A": 20, "B": 30}),
    ]
    result = estimate(sample, population_size=10, contestants=["A", "B"])
    assert result.sampling_fraction == 0.4
    assert result.contestants["A"].share == pytest.approx(0.54)
    assert result.contestants["A"].margin == pytest.approx(0.053174, abs=1e-6)
    assert result.contestants["B"].share == pytest.approx(0.46)
    assert result.contestants["B"].margin == pytest.approx(result.contestants["A"].margin)
    assert result.turnout.share == pytest.approx(0.52)
    assert result.turnout.margin == pytest.approx(0.0055437, abs=1e-7)

    # Official A 60%: 0.06 from the estimate, beyond the 0.0532 margin. B 45% and turnout 52.3% are inside.
    rows = compare(result, {"A": 0.60, "B": 0.45}, official_turnout=0.523)
    assert [(row.contestant, row.outside_margin) for row in rows] == [("A", True), ("B", False), ("turnout", False)]
    assert rows[0].official == 0.60 and rows[0].estimate == pytest.approx(0.54)


def test_sampling_every_station_leaves_no_margin():
    sample = [SampledStation(100, 60, 50, {"A": 30}), SampledStation(100, 70, 60, {"A": 20})]
    assert estimate(sample, population_size=2, contestants=["A"]).contestants["A"].margin == 0


def test_a_single_station_cannot_measure_its_own_error():
    with pytest.raises(ValueError):
        estimate([SampledStation(100, 60, 50, {"A": 30})], population_size=10, contestants=["A"])


# --- Samples from the real 2018 file -------------------------------------------------------------



@pytest.fixture(scope="module")
def russia_2018():
    return load_2018_arrays(DATA)


def sample_of(arrays, rows) -> list[SampledStation]:
    return [
        SampledStation(
            registered=int(arrays["voters"][i]),
            cast=int(arrays["received"][i]),
            valid=int(arrays["valid"][i]),
            votes={name: int(arrays[name][i]) for name in CANDIDATES},
        )
        for i in rows
    ]


def national_shares(arrays) -> dict[str, float]:
    return {name: arrays[name].sum() / arrays["valid"].sum() for name in CANDIDATES}


def test_random_sample_of_1000_stations_covers_the_national_result(russia_2018):
    stations = russia_2018["voters"].size
    rows = np.random.default_rng(2018).choice(stations, size=1000, replace=False)
    result = estimate(sample_of(russia_2018, rows), population_size=stations, contestants=CANDIDATES)
    comparison = compare(result, national_shares(russia_2018))
    for row in comparison:
        if row.contestant in MAJOR_CANDIDATES:
            assert not row.outside_margin, row
    assert result.contestants["Putin"].margin < 0.02  # a thousand stations pin the leader to +-2 points


def test_95_percent_margins_cover_the_truth_about_95_percent_of_the_time(russia_2018):
    # 300 independent samples of 1,000 stations, the estimator applied to each.
    rng = np.random.default_rng(7)
    stations = russia_2018["voters"].size
    truth = national_shares(russia_2018)
    fraction = 1000 / stations
    for name in MAJOR_CANDIDATES:
        covered = 0
        for _ in range(300):
            rows = rng.choice(stations, size=1000, replace=False)
            quick = ratio_estimate(russia_2018[name][rows].astype(float), russia_2018["valid"][rows].astype(float), fraction)
            covered += quick.low <= truth[name] <= quick.high
        assert 0.90 <= covered / 300 <= 0.99, (name, covered)


def test_sample_from_one_region_is_flagged_outside_the_margin(russia_2018):
    # Observers only in Moscow: a biased sample, and the comparison says so for at least one candidate.
    moscow = np.flatnonzero(russia_2018["region"] == "город Москва")
    rows = np.random.default_rng(1).choice(moscow, size=1000, replace=False)
    result = estimate(sample_of(russia_2018, rows), population_size=russia_2018["voters"].size, contestants=CANDIDATES)
    flagged = [row.contestant for row in compare(result, national_shares(russia_2018)) if row.outside_margin]
    assert flagged
    assert set(flagged) & set(MAJOR_CANDIDATES)
