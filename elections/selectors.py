"""Reads of the registry that pages and the API share."""

from django.db.models import Count

from . import lines
from .models import Election


def visible_elections():
    return (
        Election.objects.select_related("template")
        .annotate(contestant_count=Count("contestants"))
        .order_by("-date", "name")
    )


def election_lines(election):
    """The protocol lines of this election, vote lines expanded per contestant, in form order."""
    template = election.template
    template_lines = [
        lines.TemplateLine(
            code=line.code,
            number=line.number,
            kind=line.kind,
            labels={"kk": line.label_kk, "ru": line.label_ru, "en": line.label_en},
        )
        for line in template.lines.order_by("position")
    ]
    contestants = [
        lines.Contestant(ballot_number=number, name=name)
        for number, name in election.contestants.values_list("ballot_number", "name")
    ]
    return lines.expand(
        template_lines,
        contestants,
        sequential_numbering=template.contestant_numbering == template.ContestantNumbering.SEQUENTIAL,
    )
