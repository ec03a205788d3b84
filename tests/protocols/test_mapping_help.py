"""Mapping help and header resolution (protocols.mapping, pure: no database)."""

from elections.shipped_templates import RUSSIA
from protocols.mapping import header_key, propose_mapping, resolve_header
from protocols.shipped_sources import RU_2018_CANDIDATES, SHIPPED_SOURCES

REAL_HEADER = ["region", "tik", "uik", *SHIPPED_SOURCES[0]["line_columns"], "url"]


def ru_lines():
    return [(code, [ru, en]) for code, _number, kind, _category, _kk, ru, en in RUSSIA["lines"] if kind == "count"]


def ru_contestants():
    return [(f"L13.{number}", name) for number, name in enumerate(RU_2018_CANDIDATES, start=1)]


def test_the_real_files_header_is_proposed_the_shipped_mapping():
    proposal = propose_mapping(REAL_HEADER, ru_lines(), ru_contestants())
    assert (proposal.region_column, proposal.commission_column, proposal.station_column) == ("region", "tik", "uik")
    assert proposal.line_columns == SHIPPED_SOURCES[0]["line_columns"]
    assert proposal.unmatched == ["url"]


def test_a_reworded_header_and_surnames_only_still_find_their_lines():
    header = ["Субъект", "ТИК", "УИК", "Число избирателей, внесенных в список избирателей на момент окончания "
              "голосования", "Число недействительных бюллетеней", "Путин В.В.", "Собчак К.А.", "district"]
    proposal = propose_mapping(header, ru_lines(), ru_contestants())
    assert (proposal.region_column, proposal.commission_column, proposal.station_column) == ("Субъект", "ТИК", "УИК")
    assert proposal.line_columns == {header[3]: "L1", header[4]: "L9", "Путин В.В.": "L13.4", "Собчак К.А.": "L13.5"}
    assert proposal.unmatched == ["district"]


def test_headers_match_whatever_their_case_spaces_and_yo():
    assert header_key("  Число  избирателей, включённых ") == header_key("число избирателей, включенных")
    layout = resolve_header(["REGION", "tik", "uik", "число избирателей,  включённых в список избирателей", "url",
                             "level"], key_columns=["region", "tik", "uik"],
                            line_columns={"Число избирателей, включенных в список избирателей": "L1"},
                            skip_rows={"level": ["ТИК"]}, ignore_columns=["url"])
    assert (layout.key_indexes, layout.line_indexes, layout.missing, layout.unused) == ([0, 1, 2], [3], [], [])
    assert layout.skip == [(5, frozenset({"ТИК"}))]


def test_a_line_given_twice_under_two_headers_is_ambiguous_and_a_missing_one_is_named():
    layout = resolve_header(["region", "tik", "uik", "old wording", "new wording"], key_columns=["region", "tik", "uik"],
                            line_columns={"old wording": "L1", "new wording": "L1", "valid": "L10"})
    assert layout.ambiguous == ["L1"] and layout.missing == ["valid"]
