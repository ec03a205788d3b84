"""Every write to the registry: templates, the territory from CSV, the worker's summaries."""

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import (
    Commission,
    ControlRelation,
    ElectionStation,
    ProtocolLine,
    ProtocolTemplate,
    Region,
    Station,
    StationAlias,
    TerritoryAlias,
)
from .shipped_templates import SHIPPED_TEMPLATES

# --- Protocol templates ---------------------------------------------------------------------


def install_shipped_templates(*, update=True):
    """Create the shipped templates; with `update`, also overwrite installed ones with the
    shipped lines and relations (an administrator's edits to them are then lost)."""
    with transaction.atomic():
        for data in SHIPPED_TEMPLATES:
            template = ProtocolTemplate.objects.filter(code=data["code"]).first()
            if template is not None and not update:
                continue
            template, _created = ProtocolTemplate.objects.update_or_create(
                code=data["code"],
                defaults={
                    "name": data["name"],
                    "country": data["country"],
                    "contestant_numbering": data["contestant_numbering"],
                    "notes": data["notes"],
                },
            )
            for position, (code, number, kind, category, kk, ru, en) in enumerate(data["lines"], start=1):
                ProtocolLine.objects.update_or_create(
                    template=template,
                    code=code,
                    defaults={"position": position, "number": number, "kind": kind, "category": category,
                              "label_kk": kk, "label_ru": ru, "label_en": en},
                )
            for position, (expression, kind, kk, ru, en) in enumerate(data["relations"], start=1):
                ControlRelation.objects.update_or_create(
                    template=template,
                    expression=expression,
                    defaults={"position": position, "kind": kind,
                              "label_kk": kk, "label_ru": ru, "label_en": en},
                )


# --- Stations from CSV ----------------------------------------------------------------------

STATION_COLUMNS_REQUIRED = ("region_code", "region_name", "commission_code", "commission_name", "station_code")
STATION_COLUMNS_OPTIONAL = ("station_name", "address", "latitude", "longitude", "registered_voters")


class StationImportError(Exception):
    """The file was refused; `errors` lists (line number, message) and nothing was written."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(f"line {line}: {message}" for line, message in errors))


@dataclass
class StationImportReport:
    regions: int = 0
    commissions: int = 0
    stations_created: int = 0
    stations_updated: int = 0
    errors: list = field(default_factory=list)


def import_stations(*, country, csv_file, batch_size=2000, election=None):
    """Import stations from a CSV text stream: all rows or none. With `election`, the file is that
    election's station list: its stations are recorded as the election's.

    Re-running the same file updates the stations in place; a station is identified by its
    region code, commission code and station code, so nothing is ever duplicated.
    """
    rows, errors = _read_station_rows(csv_file)
    if errors:
        raise StationImportError(errors)
    report = StationImportReport()
    with transaction.atomic():
        regions = _upsert_regions(country, rows, batch_size)
        commissions = _upsert_commissions(regions, rows, batch_size)
        existing = set(
            Station.objects.filter(commission_id__in=commissions.values()).values_list("commission_id", "code")
        )
        stations = [
            Station(
                commission_id=commissions[(row["region_code"], row["commission_code"])],
                code=row["station_code"],
                name=row["station_name"],
                address=row["address"],
                latitude=row["latitude"],
                longitude=row["longitude"],
                registered_voters=row["registered_voters"],
            )
            for row in rows
        ]
        Station.objects.bulk_create(
            stations,
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["commission", "code"],
            update_fields=["name", "address", "latitude", "longitude", "registered_voters", "updated_at"],
        )
        if election is not None:
            wanted = {(station.commission_id, station.code) for station in stations}
            record_election_stations(election=election, station_ids=[
                pk for pk, commission_id, code in Station.objects.filter(
                    commission_id__in=commissions.values()).values_list("id", "commission_id", "code")
                if (commission_id, code) in wanted])
    report.regions = len(regions)
    report.commissions = len(commissions)
    report.stations_updated = sum((station.commission_id, station.code) in existing for station in stations)
    report.stations_created = len(stations) - report.stations_updated
    return report


def station_ids(*, country):
    """{(region code, commission code, station code): station id} for a whole country, one query."""
    return {
        (region, commission, code): pk
        for pk, region, commission, code in Station.objects.filter(commission__region__country=country).values_list(
            "id", "commission__region__code", "commission__code", "code"
        )
    }


def add_missing_stations(*, country, keys, batch_size=5000, kinds=None):
    """Create the regions, commissions and stations named by (region, commission, station) keys
    that do not exist yet, names taken from the codes; existing ones are left untouched. `kinds`:
    each new station's Station.Kind (a polling station unless given).
    Returns {key: station id} for every key given."""
    rows = [{"region_code": region, "region_name": region[:200], "commission_code": commission,
             "commission_name": commission[:200], "station_code": station} for region, commission, station in keys]
    if not rows:
        return {}
    with transaction.atomic():
        regions = _upsert_regions(country, rows, batch_size, update=False)
        commissions = _upsert_commissions(regions, rows, batch_size, update=False)
        commission_ids = [commissions[(row["region_code"], row["commission_code"])] for row in rows]
        codes = [row["station_code"] for row in rows]
        kinds = list(kinds) if kinds is not None else [Station.Kind.PRECINCT] * len(codes)
        if connection.vendor == "postgresql":
            # One statement with two arrays: a national file's 100,000 stations in about a second.
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO elections_station (commission_id, code, kind, name, address, registered_voters, "
                    "updated_at) SELECT commission_id, code, kind, '', '', 0, %s "
                    "FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS new (commission_id, code, kind) "
                    "ON CONFLICT (commission_id, code) DO NOTHING RETURNING id, commission_id, code",
                    [timezone.now(), commission_ids, codes, kinds],
                )
                created = {(commission_id, code): pk for pk, commission_id, code in cursor.fetchall()}
        else:
            Station.objects.bulk_create(
                [Station(commission_id=commission_id, code=code, kind=kind) for commission_id, code, kind in zip(
                    commission_ids, codes, kinds, strict=True)], batch_size=batch_size, ignore_conflicts=True)
            created = {}
        if len(created) < len(rows):  # some existed already (or SQLite, which returns no IDs)
            created.update({(commission_id, code): pk for pk, commission_id, code in Station.objects.filter(
                commission_id__in=set(commission_ids), code__in=set(codes)).values_list("id", "commission_id", "code")})
    return {key: created[(commission_id, key[2])] for key, commission_id in zip(keys, commission_ids, strict=True)}


def record_election_stations(*, election, station_ids, blank_ids=()):
    """The stations take part in the election (one statement, however many): `blank_ids` are those
    the publication listed with every figure empty (results not published); the others' flag is
    cleared."""
    station_ids = sorted(set(station_ids))
    if not station_ids:
        return
    blank = set(blank_ids)
    flags = [pk in blank for pk in station_ids]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO elections_electionstation (election_id, station_id, official_blank) "
                "SELECT %s, station_id, blank FROM unnest(%s::bigint[], %s::boolean[]) AS new (station_id, blank) "
                "ON CONFLICT (election_id, station_id) DO UPDATE SET official_blank = EXCLUDED.official_blank "
                "WHERE elections_electionstation.official_blank IS DISTINCT FROM EXCLUDED.official_blank",
                [election.pk, station_ids, flags])
        return
    ElectionStation.objects.bulk_create(
        [ElectionStation(election_id=election.pk, station_id=pk, official_blank=flag)
         for pk, flag in zip(station_ids, flags, strict=True)],
        batch_size=5000, update_conflicts=True, unique_fields=["election", "station"], update_fields=["official_blank"])


def keep_aliases(*, country, region_aliases=None, commission_aliases=None, station_aliases=()):
    """Keep the spellings a publication used: {("", region spelling): region code},
    {(region code, commission spelling): commission code}, {(station id, spelling)}. Known ones stay."""
    aliases = [TerritoryAlias(country=country, kind=TerritoryAlias.Kind.REGION, region_code="", alias=alias[:200],
                              canonical=code) for (_scope, alias), code in (region_aliases or {}).items()]
    aliases += [TerritoryAlias(country=country, kind=TerritoryAlias.Kind.COMMISSION, region_code=region[:100],
                               alias=alias[:200], canonical=code)
                for (region, alias), code in (commission_aliases or {}).items()]
    TerritoryAlias.objects.bulk_create(aliases, batch_size=2000, ignore_conflicts=True)
    station_aliases = list(station_aliases)
    if station_aliases and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO elections_stationalias (station_id, alias) SELECT * FROM unnest(%s::bigint[], %s::text[]) "
                "ON CONFLICT (station_id, alias) DO NOTHING",
                [[pk for pk, _alias in station_aliases], [alias[:200] for _pk, alias in station_aliases]])
    elif station_aliases:
        StationAlias.objects.bulk_create([StationAlias(station_id=pk, alias=alias[:200])
                                          for pk, alias in station_aliases], batch_size=5000, ignore_conflicts=True)


def _read_station_rows(csv_file):
    """The rows of the file, checked, with the line each begins on (a quoted field may hold a
    line break, so a row's line is the reader's, not a count of rows)."""
    reader = csv.reader(csv_file)
    try:
        header = [name.strip() for name in next(reader, [])]
    except csv.Error as error:
        return [], [(reader.line_num or 1, _("the file cannot be read as CSV: %(error)s") % {"error": error})]
    missing = [column for column in STATION_COLUMNS_REQUIRED if column not in header]
    if missing:
        return [], [(1, _("missing columns: %(columns)s") % {"columns": ", ".join(missing)})]
    rows, errors, seen = [], [], {}
    region_names = {}
    while True:
        line_number = reader.line_num + 1
        try:
            values = next(reader, None)
        except csv.Error as error:
            errors.append((line_number, _("the file cannot be read as CSV: %(error)s") % {"error": error}))
            break
        if values is None:
            break
        if not values:  # a blank line
            continue
        row, row_errors = _clean_station_row(dict(zip(header, values, strict=False)))
        key = (row.get("region_code"), row.get("commission_code"), row.get("station_code"))
        if not row_errors and key in seen:
            row_errors.append(_("station %(code)s already appears on line %(line)s") % {
                "code": row["station_code"], "line": seen[key]})
        if not row_errors:
            known_name = region_names.setdefault(row["region_code"], row["region_name"])
            if known_name != row["region_name"]:
                row_errors.append(_("region %(code)s is named both “%(a)s” and “%(b)s”") % {
                    "code": row["region_code"], "a": known_name, "b": row["region_name"]})
        if row_errors:
            errors.extend((line_number, message) for message in row_errors)
        else:
            seen[key] = line_number
            rows.append(row)
    if not rows and not errors:
        errors.append((1, _("the file has no stations")))
    return rows, errors


# Each text column and the model field it fills: the file is checked against the fields'
# own lengths, so a long value is a line's error here, never a database error at the end.
STATION_TEXT_FIELDS = {
    "region_code": (Region, "code"),
    "region_name": (Region, "name"),
    "commission_code": (Commission, "code"),
    "commission_name": (Commission, "name"),
    "station_code": (Station, "code"),
    "station_name": (Station, "name"),
    "address": (Station, "address"),
}
# registered_voters is a PositiveIntegerField: a 32-bit signed integer in PostgreSQL.
MAX_REGISTERED_VOTERS = 2**31 - 1
ASCII_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _clean_station_row(raw):
    row = {column: (raw.get(column) or "").strip() for column in STATION_COLUMNS_REQUIRED + STATION_COLUMNS_OPTIONAL}
    errors = [_("%(column)s is empty") % {"column": column} for column in STATION_COLUMNS_REQUIRED if not row[column]]
    for column, (model, field_name) in STATION_TEXT_FIELDS.items():
        limit = model._meta.get_field(field_name).max_length
        if len(row[column]) > limit:
            errors.append(_("%(column)s is longer than %(limit)s characters") % {"column": column, "limit": limit})
    for column, limit in (("latitude", 90), ("longitude", 180)):
        row[column], error = _coordinate(row[column], column, limit)
        if error:
            errors.append(error)
    voters = row["registered_voters"] or "0"
    # str.isdigit() alone also accepts "²" and other scripts' digits, which int() then refuses.
    if not (voters.isascii() and voters.isdigit()):
        errors.append(_("registered_voters must be a whole number, not “%(value)s”") % {"value": voters})
    elif int(voters) > MAX_REGISTERED_VOTERS:
        errors.append(_("registered_voters cannot exceed %(limit)s") % {"limit": MAX_REGISTERED_VOTERS})
    else:
        row["registered_voters"] = int(voters)
    return row, errors


def _coordinate(text, column, limit):
    """A latitude or longitude as written in the file: plain decimal digits (no NaN, infinity,
    exponent or other scripts' digits), within ±limit, rounded to the field's six places."""
    if not text:
        return None, None
    if not ASCII_NUMBER.fullmatch(text):
        return None, _("%(column)s is not a number: “%(value)s”") % {"column": column, "value": text}
    value = Decimal(text)
    if not -limit <= value <= limit:
        return None, _("%(column)s must lie between -%(limit)s and %(limit)s") % {"column": column, "limit": limit}
    return value.quantize(Decimal("0.000001")), None


def _upsert_regions(country, rows, batch_size, update=True):
    names = {row["region_code"]: row["region_name"] for row in rows}
    regions = [Region(country=country, code=code, name=name) for code, name in names.items()]
    if update:
        Region.objects.bulk_create(regions, batch_size=batch_size, update_conflicts=True,
                                   unique_fields=["country", "code"], update_fields=["name"])
    else:
        Region.objects.bulk_create(regions, batch_size=batch_size, ignore_conflicts=True)
    return dict(Region.objects.filter(country=country, code__in=names).values_list("code", "id"))


def _upsert_commissions(regions, rows, batch_size, update=True):
    names = {(row["region_code"], row["commission_code"]): row["commission_name"] for row in rows}
    commissions = [Commission(region_id=regions[region], code=code, name=name) for (region, code), name in names.items()]
    if update:
        Commission.objects.bulk_create(commissions, batch_size=batch_size, update_conflicts=True,
                                       unique_fields=["region", "code"], update_fields=["name"])
    else:
        Commission.objects.bulk_create(commissions, batch_size=batch_size, ignore_conflicts=True)
    code_of_region = {region_id: code for code, region_id in regions.items()}
    return {
        (code_of_region[region_id], code): commission_id
        for commission_id, region_id, code in Commission.objects.filter(region_id__in=regions.values()).values_list(
            "id", "region_id", "code"
        )
    }


def import_stations_from_path(*, country, path, election=None):
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return import_stations(country=country, csv_file=handle, election=election)
