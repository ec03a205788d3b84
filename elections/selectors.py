"""Reads of the registry that pages and the API share."""

import zoneinfo

from django.conf import settings
from django.db.models import Count

from . import lines
from .models import Election, ElectionStation, Station


def visible_elections():
    return (
        Election.objects.select_related("template")
        .annotate(contestant_count=Count("contestants"))
        .order_by("-date", "name")
    )


def time_zone(election):
    """The zone the election's times are read in (exports, pages): its own, else the site's."""
    return zoneinfo.ZoneInfo((election.time_zone if election else "") or settings.TIME_ZONE)


def election_stations(election):
    """The election's stations: those its station list or an official import recorded (ElectionStation).
    An election with none recorded yet has the stations of its country, as before any import."""
    if ElectionStation.objects.filter(election=election).exists():
        return Station.objects.filter(pk__in=ElectionStation.objects.filter(election=election).values("station_id"))
    return Station.objects.filter(commission__region__country=election.country)


def election_station_ids_sql(election):
    """(SQL, params) selecting the IDs of `election_stations(election)`, for hand-written statements."""
    return election_stations(election).order_by().values("id").query.sql_with_params()


def not_published_stations(election):
    """The election's stations whose latest publication listed them with every figure empty."""
    return ElectionStation.objects.filter(election=election, official_blank=True)


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
