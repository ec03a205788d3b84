import pytest
from django.core.exceptions import ValidationError

from elections import relations
from elections.models import ControlRelation, ProtocolTemplate
from elections.selectors import election_lines
from elections.services import install_shipped_templates
from tests.factories import ContestantFactory, ElectionFactory

pytestmark = pytest.mark.django_db


def test_both_templates_are_installed_by_the_migrations():
    kazakhstan = ProtocolTemplate.objects.get(code="kz-precinct")
    russia = ProtocolTemplate.objects.get(code="ru-federal-precinct")
    assert [line.code for line in kazakhstan.lines.all()] == [f"L{n}" for n in range(1, 10)]
    assert [line.code for line in russia.lines.all()] == [f"L{n}" for n in range(1, 14)]
    assert kazakhstan.relations.count() == 4 and russia.relations.count() == 7


def test_installing_again_changes_nothing():
    before = list(ControlRelation.objects.values_list("id", "expression"))
    install_shipped_templates()
    assert list(ControlRelation.objects.values_list("id", "expression")) == before


@pytest.mark.parametrize("code", ["kz-precinct", "ru-federal-precinct"])
def test_every_shipped_relation_is_valid_against_its_template(code):
    for relation in ProtocolTemplate.objects.get(code=code).relations.all():
        relation.full_clean()


def test_vote_lines_expand_per_contestant_with_the_forms_numbering():
    kazakh = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=kazakh, ballot_number=number)
    codes = [(line.code, line.number) for line in election_lines(kazakh)]
    assert codes[7:10] == [("L8.1", "8.1"), ("L8.2", "8.2"), ("L8.3", "8.3")]
    assert codes[-1] == ("L9", "9")

    russian = ElectionFactory(country="RU")
    for number in range(1, 9):
        ContestantFactory(election=russian, ballot_number=number)
    lines = election_lines(russian)
    assert [(line.code, line.number) for line in lines[12:14]] == [("L13.1", "13"), ("L13.2", "14")]
    assert lines[-1].number == "20" and lines[-1].ballot_number == 8


def test_kazakh_protocol_relations_hold_on_a_consistent_copy():
    template = ProtocolTemplate.objects.get(code="kz-precinct")
    values = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
              "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}
    outcomes = [relations.evaluate(relation.parsed(), values) for relation in template.relations.all()]
    assert all(outcome.verdict is relations.Verdict.HOLDS for outcome in outcomes)
    values["L8.1"] += 25  # 25 votes appear from nowhere
    broken = [r.expression for r in template.relations.all()
              if relations.evaluate(r.parsed(), values).verdict is relations.Verdict.BROKEN]
    assert broken == ["L4 == L7 + sum(L8.*) + L9"]


@pytest.mark.parametrize("expression", [
    "__import__('os').system('id')", "L1.__class__ == 1", "L1 == max(L2)", "L1 == 10**100",
    "L1 == 99999999999999999999", "L1 == L77",
])
def test_admin_refuses_a_hostile_or_unknown_relation(expression):
    template = ProtocolTemplate.objects.get(code="kz-precinct")
    relation = ControlRelation(template=template, position=99, expression=expression)
    with pytest.raises(ValidationError) as refused:
        relation.full_clean()
    assert "expression" in refused.value.message_dict


def test_an_administrators_edit_survives_the_next_migrate():
    from django.core.management import call_command

    line = ProtocolTemplate.objects.get(code="kz-precinct").lines.get(code="L1")
    line.label_en = "Voters on the main and additional lists"
    line.save()
    call_command("migrate", verbosity=0)
    line.refresh_from_db()
    assert line.label_en == "Voters on the main and additional lists"
