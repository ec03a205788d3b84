"""Every shipped Russian relation, checked against the real 2018 per-station results.

domain.md §1: the three equalities hold at every station; the logical checks fail at exactly
26, 3, 6 and 0 stations. A rule that flagged thousands would be a wrong rule.
"""

import csv
import io
import zipfile
from collections import Counter

from bench import RU_2018
from elections import relations
from elections.shipped_templates import RUSSIA

DATA = RU_2018


def stations_of_2018():
    with zipfile.ZipFile(DATA) as archive, archive.open(archive.namelist()[0]) as raw:
        reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8"))
        header = next(reader)
        candidates = len(header) - 3 - 12 - 1
        for row in reader:
            values = {f"L{number}": int(row[2 + number]) for number in range(1, 13)}
            values.update({f"L13.{index + 1}": int(row[15 + index]) for index in range(candidates)})
            yield values


def test_shipped_russian_relations_flag_only_the_stations_domain_notes_expect():
    parsed = [(expression, relations.parse_relation(expression)) for expression, *_labels in RUSSIA["relations"]]
    broken = Counter()
    stations = 0
    for values in stations_of_2018():
        stations += 1
        for expression, relation in parsed:
            if relations.evaluate(relation, values).verdict is relations.Verdict.BROKEN:
                broken[expression] += 1
    assert stations == 97_699
    assert broken["L2 == L3 + L4 + L5 + L6 + L11 - L12"] == 0
    assert broken["L7 + L8 == L9 + L10"] == 0
    assert broken["L10 == sum(L13.*)"] == 0
    assert broken["L7 <= L3 + L5"] == 26
    assert broken["L8 <= L3 + L4"] == 3
    assert broken["L7 + L8 <= L3 + L4 + L5"] == 6
    assert broken["L3 + L4 + L5 <= L1"] == 0
