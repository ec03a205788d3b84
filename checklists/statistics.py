"""Process statistics from checklist answers (pure: no Django).

The unit is the station: its latest answers to the checklist (one submission per station). For
each question and answer: the stations that gave it, their share of the stations that answered
the question, and the stations that sent the checklist without answering it (missing),
nationally and per region. From the drawn random sample, each share is estimated with its 95%
margin by the stratified estimator (checklists.estimators: x = 1, y = 1 for that answer), and
withheld below a minimum of reporting sampled stations per stratum or in total.

Input: the rows of one grouped SQL statement (selectors.process_counts):
(region, sampled, key, value, stations) where key None means "stations that sent the checklist",
value None means "stations that answered this question" (given for multiple-choice questions;
for the others it is the sum of their answers' counts), else "stations that gave this answer".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .estimators import RatioEstimate, stratified_ratio

MIN_PER_STRATUM = 2
MIN_TOTAL = 30


@dataclass
class Share:
    value: str
    stations: int
    share: float | None
    estimate: RatioEstimate | None = None


@dataclass
class QuestionFigures:
    key: str
    answered: int
    missing: int
    shares: list[Share]
    by_region: dict[int, dict] = field(default_factory=dict)
    sample_reported: int = 0
    sample_by_stratum: dict[str, int] = field(default_factory=dict)
    withheld: bool = False


def process_statistics(rows: Iterable[tuple], questions: Mapping[str, list[str]], *,
                       population: Mapping[str, int] | None = None, min_per_stratum: int = MIN_PER_STRATUM,
                       min_total: int = MIN_TOTAL) -> dict:
    """{"reporting", "reporting_by_region", "questions": [QuestionFigures]} for the categorical
    questions `questions` ({key: [answer values in order]}); `population` {stratum: stations}
    of the drawn sample's strata in scope (None: no sample, no margins)."""
    reporting = defaultdict(int)            # region -> stations that sent the checklist
    sampled_reporting = defaultdict(int)    # stratum -> sampled stations that sent it
    answered = defaultdict(lambda: defaultdict(int))          # key -> region -> stations
    sampled_answered = defaultdict(lambda: defaultdict(int))  # key -> stratum -> stations
    counts = defaultdict(lambda: defaultdict(int))            # (key, value) -> region -> stations
    sampled_counts = defaultdict(lambda: defaultdict(int))    # (key, value) -> stratum -> stations
    explicit = set()  # keys whose "answered" counts came with the rows
    for region, sampled, key, value, stations in rows:
        stratum = str(region)
        if key is None:
            reporting[region] += stations
            if sampled:
                sampled_reporting[stratum] += stations
        elif value is None:
            explicit.add(key)
            answered[key][region] += stations
            if sampled:
                sampled_answered[key][stratum] += stations
        else:
            counts[(key, value)][region] += stations
            if sampled:
                sampled_counts[(key, value)][stratum] += stations
    for (key, _value), by_region in counts.items():
        if key in explicit:
            continue
        for region, stations in by_region.items():
            answered[key][region] += stations
        for stratum, stations in sampled_counts[(key, _value)].items():
            sampled_answered[key][stratum] += stations
    total_reporting = sum(reporting.values())
    figures = []
    for key, values in questions.items():
        total_answered = sum(answered[key].values())
        item = QuestionFigures(key=key, answered=total_answered, missing=total_reporting - total_answered, shares=[])
        strata = sorted(population) if population else []
        n_h = {s: sampled_answered[key].get(s, 0) for s in strata}
        item.sample_reported, item.sample_by_stratum = sum(n_h.values()), n_h
        item.withheld = bool(population) and (item.sample_reported < min_total
                                              or any(population[s] > 0 and n_h[s] < min_per_stratum for s in strata))
        for value in values:
            stations = sum(counts[(key, value)].values())
            share = Share(value=value, stations=stations, share=stations / total_answered if total_answered else None)
            if population and not item.withheld:
                share.estimate = _estimate(strata, population, n_h, sampled_counts[(key, value)], min_per_stratum)
            item.shares.append(share)
        for region in sorted(set(reporting) | set(answered[key])):
            region_answered = answered[key].get(region, 0)
            item.by_region[region] = {
                "reporting": reporting.get(region, 0), "answered": region_answered,
                "missing": reporting.get(region, 0) - region_answered,
                "shares": {value: (counts[(key, value)].get(region, 0),
                                   counts[(key, value)].get(region, 0) / region_answered if region_answered else None)
                           for value in values}}
        figures.append(item)
    return {"reporting": total_reporting, "reporting_by_region": dict(reporting),
            "sample_reporting": sum(sampled_reporting.values()), "sample_reporting_by_stratum": dict(sampled_reporting),
            "questions": figures}


def _estimate(strata, population, n_h, hits, minimum):
    """The stratified share from counts: each stratum's answering stations as 1s (the answer) and 0s."""
    answered = np.array([n_h[stratum] for stratum in strata], dtype=np.int64)
    yes = np.array([hits.get(stratum, 0) for stratum in strata], dtype=np.int64)
    index = np.repeat(np.arange(len(strata)), answered)
    # Within each stratum the first `yes` stations answered it: position in stratum < yes.
    starts = np.repeat(np.cumsum(answered) - answered, answered)
    y = ((np.arange(index.size) - starts) < yes[index]).astype(float)
    return stratified_ratio(y, np.ones(index.size), index, np.array([population[s] for s in strata]),
                            minimum=minimum)
