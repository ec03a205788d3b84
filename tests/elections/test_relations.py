"""The safe expression engine of control relations: plain Python, no database."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from elections.relations import RelationError, Verdict, check_references, evaluate, parse_relation

KAZAKHSTAN = ["L2 == L3 + L5 + L6", "L3 <= L1", "L4 <= L3", "L4 == L7 + sum(L8.*) + L9"]
RUSSIA = ["L2 == L3 + L4 + L5 + L6 + L11 - L12", "L7 + L8 == L9 + L10", "L10 == sum(L13.*)", "L7 <= L3 + L5",
          "L8 <= L3 + L4", "L7 + L8 <= L3 + L4 + L5", "L3 + L4 + L5 <= L1"]
RUSSIAN_PROTOCOL = {"L1": 2000, "L2": 1800, "L3": 10, "L4": 1200, "L5": 40, "L6": 550, "L7": 45, "L8": 1200,
                    "L9": 15, "L10": 1230, "L11": 0, "L12": 0, "L13.1": 30, "L13.2": 200, "L13.3": 100,
                    "L13.4": 800, "L13.5": 20, "L13.6": 30, "L13.7": 20, "L13.8": 30}


@pytest.mark.parametrize("text", KAZAKHSTAN + RUSSIA)
def test_every_shipped_relation_parses(text):
    assert parse_relation(text).source == text


def test_a_consistent_russian_protocol_satisfies_every_relation():
    assert all(evaluate(parse_relation(text), RUSSIAN_PROTOCOL).verdict is Verdict.HOLDS for text in RUSSIA)


@pytest.mark.parametrize("line, change, broken", [
    ("L6", 1, {"L2 == L3 + L4 + L5 + L6 + L11 - L12"}),
    ("L13.4", 5, {"L10 == sum(L13.*)"}),
    ("L9", 1, {"L7 + L8 == L9 + L10"}),
    ("L7", 10, {"L7 <= L3 + L5", "L7 + L8 <= L3 + L4 + L5", "L7 + L8 == L9 + L10"}),
    ("L4", 900, {"L2 == L3 + L4 + L5 + L6 + L11 - L12", "L3 + L4 + L5 <= L1"}),
])
def test_a_mutation_breaks_exactly_the_relations_it_should(line, change, broken):
    figures = {**RUSSIAN_PROTOCOL, line: RUSSIAN_PROTOCOL[line] + change}
    assert {text for text in RUSSIA if evaluate(parse_relation(text), figures).verdict is Verdict.BROKEN} == broken


@pytest.mark.parametrize("hostile", [
    "__import__('os').system('ls')", "L1.__class__ == 1", "L1 == max(L1)", "L1 == sum(L1)", "L1 ** 2 == 1",
    "L1 * 2 == 1", "L1 == 10**100", "L1 == 9999999999999", "L1 == 'a'", "L1 == 1.5", "L1 == L2 == L3", "L1", "",
    "(" * 40 + "L1" + ")" * 40 + " == 1", "L1 == L2 and L3", "lambda: 1", "L1 == " + " + ".join(["L2"] * 150),
    "open('/etc/passwd')", "L1 == L2; import os", "L1 == \\x41", "L1 == L8.*",
])
def test_hostile_or_malformed_expressions_are_refused_with_a_reason(hostile):
    with pytest.raises(RelationError) as refused:
        parse_relation(hostile)
    message = str(refused.value)
    assert "position" in message or "empty" in message or "longer" in message or "nested" in message


def test_the_message_says_where_the_problem_is():
    with pytest.raises(RelationError, match=r"Unexpected '\*' at position 3"):
        parse_relation("L1 * 2 == 1")
    with pytest.raises(RelationError, match="Number too large at position 6"):
        parse_relation("L1 == 9999999999999")


def test_blank_lines_make_a_relation_incomplete_not_broken():
    outcome = evaluate(parse_relation("L4 == L7 + sum(L8.*) + L9"), {"L4": 10, "L7": 1})
    assert outcome.verdict is Verdict.INCOMPLETE and set(outcome.missing) == {"L8.*", "L9"}


def test_tolerance_accepts_small_differences():
    relation = parse_relation("L1 == L2")
    assert evaluate(relation, {"L1": 100, "L2": 102}, tolerance=2).verdict is Verdict.HOLDS
    assert evaluate(relation, {"L1": 100, "L2": 103}, tolerance=2).verdict is Verdict.BROKEN
    assert evaluate(parse_relation("L1 <= L2"), {"L1": 105, "L2": 100}, tolerance=5).verdict is Verdict.HOLDS
    with pytest.raises(ValueError):
        evaluate(relation, {"L1": 1, "L2": 1}, tolerance=-1)


def test_references_are_checked_against_the_template():
    check_references(parse_relation("L10 == sum(L13.*)"), ["L10", "L13.1"])
    with pytest.raises(RelationError, match="Unknown line L77"):
        check_references(parse_relation("L1 == L77"), ["L1"])
    with pytest.raises(RelationError, match="matches no line"):
        check_references(parse_relation("L1 == sum(L9.*)"), ["L1"])


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 2 * 10**9))
def test_an_equation_holds_exactly_when_the_figures_add_up(a, b, c):
    outcome = evaluate(parse_relation("L1 + L2 == L3"), {"L1": a, "L2": b, "L3": c})
    assert (outcome.verdict is Verdict.HOLDS) == (a + b == c)
    assert outcome.difference == a + b - c


def terms():
    leaf = st.one_of(st.integers(0, 999).map(lambda n: (str(n), lambda v, n=n: n)),
                     st.sampled_from(["L1", "L2", "L3"]).map(lambda code: (code, lambda v, code=code: v[code])),
                     st.just(("sum(L8.*)", lambda v: v["L8.1"] + v["L8.2"])))
    return st.recursive(leaf, lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from("+-"), inner).map(
            lambda t: (f"({t[0][0]} {t[1]} {t[2][0]})",
                       lambda v, t=t: t[0][1](v) + t[2][1](v) if t[1] == "+" else t[0][1](v) - t[2][1](v))),
        inner.map(lambda t: (f"-{t[0]}", lambda v, t=t: -t[1](v)))), max_leaves=12)


@given(terms(), st.sampled_from(["==", "!=", "<=", ">=", "<", ">"]), terms(),
       st.fixed_dictionaries({code: st.integers(0, 10**6) for code in ("L1", "L2", "L3", "L8.1", "L8.2")}))
def test_generated_relations_evaluate_like_a_reference_computation(left, operator, right, values):
    relation = parse_relation(f"{left[0]} {operator} {right[0]}")
    expected_left, expected_right = left[1](values), right[1](values)
    outcome = evaluate(relation, values)
    assert (outcome.left, outcome.right) == (expected_left, expected_right)
    expected = {"==": expected_left == expected_right, "!=": expected_left != expected_right,
                "<=": expected_left <= expected_right, ">=": expected_left >= expected_right,
                "<": expected_left < expected_right, ">": expected_left > expected_right}[operator]
    assert (outcome.verdict is Verdict.HOLDS) == expected


@given(st.text(max_size=80))
def test_any_text_either_parses_or_is_refused_cleanly(text):
    with contextlib.suppress(RelationError):
        parse_relation(text)
