"""Import official per-station results: streamed, set-based, read by a mapping written as data.

The source's mapping (protocols.mapping) says where the key columns and the lines are, how names
are normalised and which rows to skip. A station is one identity: country, normalised region and
station number, whatever the commission's spelling. A blank row (every figure empty) is a station
whose results were not published: it joins the election's stations, with no official version. A
preview (`dry_run`) reads and matches everything and writes nothing.

A file of 100,000 stations costs a handful of queries: the country's stations (one), the latest
official versions (one), and bulk writes of what changed. Each changed or new station gets a new
official version; an unchanged one gets nothing, so re-importing the same file adds nothing.

A source whose rows are territorial commissions (`ResultSource.Level.COMMISSION`) is read the same
way, keyed by (region, commission): each changed commission gets a new published summary protocol
(`CommissionProtocol` with `result_import`), checked against the sum of its stations.
"""

import csv
import datetime
import hashlib
import io
import itertools
import json
import operator
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import openpyxl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

from config.parsing import is_whole_number
from elections import services as election_services
from elections.models import Commission, Region, Station, TerritoryAlias

from . import mapping as source_mapping
from . import services as protocol_services
from .models import CommissionProtocol, OfficialVersion, ResultImport

# An import that would create more than this share of the rows as new stations, in a country that
# already has stations, asks for confirmation: most likely the file spells stations another way.
CONFIRM_NEW_SHARE = 0.2
CONFIRM_NEW_MINIMUM = 50
PROBLEMS_SHOWN = 100
# A spreadsheet's header is looked for in its first rows (a title and notes above it).
HEADER_SEARCH_ROWS = 20
# What openpyxl and zipfile raise for a file that is no workbook (or a broken one).
WORKBOOK_ERRORS = (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError)


class ResultImportError(Exception):
    """The file was refused; nothing was written. `errors` lists every (line number, message);
    `report` is the preview, when the file could be read."""

    def __init__(self, errors, report=None):
        self.errors = errors
        self.report = report
        super().__init__("\n".join(f"line {line}: {message}" for line, message in errors[:20]))


class ConfirmationNeeded(Exception):
    """The import would create a large share of new stations in a country that has stations: run
    it again with `confirm=True` once the preview (`report`) has been looked at."""

    def __init__(self, report):
        self.report = report
        super().__init__(_("%(new)s of %(rows)s stations would be created although the country has stations: "
                           "check the mapping, then confirm.") % {"new": report.stations_to_create,
                                                                 "rows": report.rows})


@dataclass
class ImportReport:
    rows: int = 0  # stations read: with figures or blank
    stations_created: int = 0
    versions_added: int = 0
    unchanged: int = 0
    result_import_id: int | None = None
    changed_station_ids: list = field(default_factory=list)
    rows_read: int = 0  # every data row of the file
    rows_blank: int = 0
    rows_skipped: int = 0
    rows_refused: int = 0
    stations_matched: int = 0
    stations_to_create: int = 0
    unused_columns: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # every (line, message)
    dry_run: bool = False

    @property
    def problem_count(self):
        return len(self.problems)

    @property
    def first_problems(self):
        return self.problems[:PROBLEMS_SHOWN]

    def problems_csv(self):
        return problems_csv(self.problems)

    def as_dict(self):
        return {"rows_read": self.rows_read, "rows": self.rows, "rows_blank": self.rows_blank,
                "rows_skipped": self.rows_skipped, "rows_refused": self.rows_refused,
                "problem_count": self.problem_count, "stations_matched": self.stations_matched,
                "stations_to_create": self.stations_to_create, "stations_created": self.stations_created,
                "versions_added": self.versions_added, "unchanged": self.unchanged,
                "unused_columns": self.unused_columns, "dry_run": self.dry_run,
                "problems": [{"line": line, "message": message} for line, message in self.first_problems]}


def problems_csv(problems):
    """Every problem as CSV text (line, message), formulas neutralised for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "problem"])
    for line, message in problems:
        text = str(message)
        writer.writerow([line, "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text])
    return out.getvalue()


def import_official_results(*, election, source, stream, file_name, create_stations=False, user=None,
                            progress=None, dry_run=False, confirm=False, skip_refused=False):
    """Read `stream` (binary) with `source`'s mapping and store what changed.

    `dry_run`: read and match everything, write nothing, return the preview. Rows refused make the
    whole file refused (ResultImportError with every problem) unless `skip_refused`: the other rows
    are then imported and the refused ones recorded with the import. An import that would create a
    large share of new stations raises ConfirmationNeeded unless `confirm`.
    `progress(rows_read)` is called now and then, for a progress bar.
    """
    with protocol_services.without_cycle_collection():
        return _import(election=election, source=source, stream=stream, file_name=file_name,
                       create_stations=create_stations, user=user, progress=progress, dry_run=dry_run,
                       confirm=confirm, skip_refused=skip_refused)


@dataclass
class _Read:
    keys: list  # (region, commission, station) as normalised from the file; station None for summaries
    units: list  # True where the row is a counting unit without a station number
    values: list  # figures in the layout's code order, or None for a blank row
    lines: list
    spellings: list  # the station column's own text
    codes: list
    errors: list
    region_spellings: dict = field(default_factory=dict)  # the file's spelling -> as normalised
    commission_spellings: dict = field(default_factory=dict)
    territory_pairs: set = field(default_factory=set)  # (region spelling, commission spelling)
    rows_read: int = 0
    skipped: int = 0
    unused: list = field(default_factory=list)


def _import(*, election, source, stream, file_name, create_stations, user, progress, dry_run, confirm,
            skip_refused):
    digest = hashlib.sha256()
    if source.format == source.Format.XLSX:
        # A workbook is a zip, read from its end: held whole (hashed as it comes in).
        text, encoding = io.BytesIO(_HashingReader(stream, digest).read()), "xlsx"
    else:
        text, encoding = open_text(_HashingReader(stream, digest), source.encoding)
    summaries = source.level == source.Level.COMMISSION
    if not summaries and not source.station_column:
        raise ResultImportError([(1, _("The source names no station column."))])
    read = _read_file(text, source, summaries, progress, counts=not dry_run, encoding=encoding)
    report = ImportReport(rows_read=read.rows_read, rows_skipped=read.skipped, unused_columns=read.unused,
                          dry_run=dry_run)
    if summaries:
        if read.errors and not skip_refused:
            report.problems = read.errors
            raise ResultImportError(read.errors, report)
        if not read.keys:
            raise ResultImportError([(1, _("The file has no commissions."))])
        return _store_summaries(election=election, source=source, read=read, digest=digest, file_name=file_name,
                                user=user, report=report, dry_run=dry_run)
    plan = _match_stations(election.country, source, read)
    errors = sorted(read.errors + plan.errors, key=lambda problem: problem[0])
    report.stations_to_create = len(plan.to_create)
    if plan.to_create and not create_stations:
        errors = sorted(errors + [
            (read.lines[index], _("unknown station %(station)s of %(commission)s, %(region)s")
             % {"station": read.keys[index][2], "commission": read.keys[index][1], "region": read.keys[index][0]})
            for index in plan.to_create_rows], key=lambda problem: problem[0])
        plan.drop(plan.to_create_rows)
    accepted = [index for index in range(len(read.keys)) if plan.accepted[index]]
    report.problems = errors
    report.rows_refused = len({line for line, _message in errors})
    report.rows = len(accepted)
    report.rows_blank = sum(1 for index in accepted if read.values[index] is None)
    report.stations_matched = len({plan.station_of[index] for index in accepted if plan.station_of[index]})
    if dry_run:
        return report
    if errors and not skip_refused:
        raise ResultImportError(errors, report)
    if not accepted:
        raise ResultImportError(errors or [(1, _("The file has no stations."))], report)
    if (not confirm and plan.country_has_stations and report.stations_to_create > CONFIRM_NEW_MINIMUM
            and report.stations_to_create > CONFIRM_NEW_SHARE * report.rows):
        raise ConfirmationNeeded(report)
    return _store_station_results(election=election, source=source, read=read, plan=plan, accepted=accepted,
                                  digest=digest, file_name=file_name, user=user, report=report)


def open_text(raw, declared_encoding):
    """(text stream, encoding) of a binary results file: the encoding its byte-order mark says,
    else the source's."""
    buffered = io.BufferedReader(raw)
    encoding = source_mapping.encoding_of(buffered.peek(4)[:4], declared_encoding)
    return io.TextIOWrapper(buffered, encoding=encoding, newline=""), encoding


def _read_file(text, source, summaries, progress, counts=True, encoding="utf-8"):
    """The file's rows as keys and figures; a file that is not text in its encoding, not CSV or not
    JSON is refused with where it stopped, never an error of the server."""
    position = _Position()
    try:
        return _read_rows(text, source, summaries, progress, counts, position)
    except UnicodeDecodeError:
        raise ResultImportError([(position.line + 1, _(
            "The file is not %(encoding)s text from here on: save it as UTF-8, or set the source's text encoding "
            "(e.g. windows-1251).") % {"encoding": encoding.removesuffix("-sig").upper()})]) from None
    except csv.Error as error:
        raise ResultImportError([(position.line + 1, _("The file cannot be read as CSV here: %(error)s")
                                  % {"error": error})]) from None
    except json.JSONDecodeError as error:
        raise ResultImportError([(error.lineno, _("The file is not valid JSON: %(error)s") % {"error": error.msg})]) from None
    except WORKBOOK_ERRORS as error:
        if source.format != source.Format.XLSX:
            raise
        raise ResultImportError([(position.line + 1, _("The file cannot be read as an Excel workbook (.xlsx): %(error)s")
                                  % {"error": str(error)[:200] or type(error).__name__})]) from None


class _Position:
    """How far a read got: the last line read whole."""

    line = 0


def _read_rows(text, source, summaries, progress, counts, position):
    """The file's rows as keys and figures. Without `counts` (a preview), a row's figures are only
    checked, not kept: True stands for "every figure a count" (one regular expression over the
    row's figures joined, in C), exactly what int() and the range check would accept; any other
    row takes the import's own path, so its problems read the same."""
    key_columns = [source.region_column, source.commission_column] + ([] if summaries else [source.station_column])
    if source.format == source.Format.JSON:
        header, reader = _json_table(text)
    elif source.format == source.Format.XLSX:
        header, reader = xlsx_table(text)
    else:
        header, reader = _csv_table(text, source.delimiter or ",")
    def layout_of(row):
        return source_mapping.resolve_header(row, key_columns=key_columns, line_columns=source.line_columns,
                                             skip_rows=source.skip_rows or {},
                                             ignore_columns=source.ignore_columns or [])

    layout = layout_of(header)
    if layout.missing and source.format != source.Format.JSON:
        header, layout = _header_below_titles(reader, header, layout, layout_of)
    if layout.missing:
        hint = source_mapping.delimiter_hint(header, source.delimiter or ",")
        if hint and source.format == source.Format.CSV:
            raise ResultImportError([(1, _("The header's fields seem separated by “%(found)s”, not “%(delimiter)s”: "
                                           "set the source's field delimiter.")
                                      % {"found": "\\t" if hint == "\t" else hint, "delimiter": source.delimiter})])
        raise ResultImportError([(1, _("missing columns: %(columns)s") % {"columns": ", ".join(layout.missing)})])
    if layout.ambiguous:
        raise ResultImportError([(1, _("the file gives these lines under two headers: %(codes)s")
                                  % {"codes": ", ".join(layout.ambiguous)})])
    read = _Read(keys=[], units=[], values=[], lines=[], spellings=[], codes=layout.codes, errors=[],
                 unused=layout.unused)
    column_names = [header[index] for index in layout.line_indexes]
    region_of = source_mapping.NameNormaliser(source.region_pattern)
    commission_of = source_mapping.NameNormaliser(source.commission_pattern)
    number_of = source_mapping.StationNumber(source.station_pattern)
    fallback = source.fallback_station_label.strip()
    region_index, commission_index = layout.key_indexes[0], layout.key_indexes[1]
    station_index = None if summaries else layout.key_indexes[2]
    line_indexes, skip = layout.line_indexes, layout.skip
    width = max([*layout.key_indexes, *line_indexes, *(index for index, _values in skip)]) + 1
    figures_of = operator.itemgetter(*line_indexes) if len(line_indexes) > 1 else (
        lambda row: tuple(row[index] for index in line_indexes))
    counts_only = None if counts else _all_counts(len(line_indexes))
    # The hot loop of a national file: names are normalised once per spelling (the memos below),
    # figures converted by map(int) in C; their range is checked for the whole file at once after.
    region_seen, commission_seen = region_of.seen, commission_of.seen
    seen, errors, pairs = {}, read.errors, read.territory_pairs
    keys, values, lines, units, spellings = read.keys, read.values, read.lines, read.units, read.spellings
    count, last = 0, reader.line_num
    for row in reader:
        number, last = last + 1, reader.line_num
        position.line = last
        if not row:
            continue
        count += 1
        if len(row) < width:
            row += [""] * (width - len(row))
        if skip and any(row[index].strip() in skipped for index, skipped in skip):
            read.skipped += 1
            continue
        row_errors = None
        if counts_only is not None and counts_only(",".join(figures_of(row))):
            figures = True
        else:
            try:
                figures = list(map(int, figures_of(row)))
            except ValueError:
                figures, row_errors = _examine_figures(figures_of(row), read.codes, column_names)
        region_text, commission_text = row[region_index], row[commission_index]
        region = region_seen.get(region_text)
        if region is None:
            region = region_of(region_text.strip())
            region_seen[region_text] = region
        commission = commission_seen.get(commission_text)
        if commission is None:
            commission = commission_of(commission_text.strip())
            commission_seen[commission_text] = commission
        unit = False
        if station_index is None:
            station = spelling = None
            key = (region, commission)
        else:
            spelling = row[station_index].strip()
            if spelling:
                station = number_of(spelling)
                if station is None:
                    row_errors = (row_errors or []) + [_("no station number in “%(value)s”") % {"value": spelling[:40]}]
                    station = spelling
            elif fallback:
                station, unit = fallback, True
            else:
                station = ""
            key = (region, commission, station)
        if not all(key):
            row_errors = (row_errors or []) + [
                _("region, commission and station must all be given") if station_index is not None
                else _("region and commission must both be given")]
        elif key in seen:
            row_errors = (row_errors or []) + [
                _("station already on line %(line)s") % {"line": seen[key]} if station_index is not None
                else _("commission already on line %(line)s") % {"line": seen[key]}]
        if row_errors:
            errors.extend((number, message) for message in row_errors)
            continue
        seen[key] = number
        pairs.add((region_text, commission_text))
        keys.append(key)
        units.append(unit)
        values.append(figures)
        lines.append(number)
        spellings.append(spelling)
        if progress and count % 5000 == 0:
            progress(count)
    _check_ranges(read, column_names)
    _refuse_nul_names(read, itertools.chain(region_seen, commission_seen))
    read.rows_read = count
    read.region_spellings = {text.strip(): name for text, name in region_seen.items()}
    read.commission_spellings = {text.strip(): name for text, name in commission_seen.items()}
    read.territory_pairs = {(region.strip(), commission.strip()) for region, commission in pairs
                            if "\0" not in region + commission}
    if progress:
        progress(count)
    return read


def _header_below_titles(reader, first, layout, layout_of):
    """(header, layout): a spreadsheet's header may sit below a title and a few notes; it is the
    first of its first rows that holds every column the mapping reads (the first row as read
    when none does, so its missing columns are what a reader is told)."""
    for row in itertools.islice(reader, HEADER_SEARCH_ROWS - 1):
        candidate = layout_of(row)
        if not candidate.missing:
            return row, candidate
    return first, layout


def _all_counts(width):
    """A test of a row's figures joined by commas: True when there are `width` of them, each 1 to 9
    decimal digits (what int() takes and the range check keeps: 0 to 999,999,999). A figure
    holding a comma makes more than `width` parts, so it fails and is examined as usual."""
    if not width:
        return lambda joined: joined == ""
    return re.compile(r"\d{1,9}(?:,\d{1,9}){" + str(width - 1) + "}").fullmatch


def _examine_figures(raw, codes, column_names):
    """(figures or None for a blank row, problems) of a row whose figures are not all whole numbers."""
    given = [bool(value.strip()) for value in raw]
    if not any(given):
        return None, None  # a blank row: the station's results were not published
    if not all(given):
        return None, [_("some figures are empty (%(lines)s) while others are given: a row gives every figure, or "
                        "none when the results were not published")
                      % {"lines": ", ".join(code for code, present in zip(codes, given, strict=True) if not present)}]
    digits = [_count_as_digits(value) for value in raw]
    if all(is_whole_number(value) for value in digits):
        return list(map(int, digits)), None  # the range check follows, as for any figure
    return None, _figure_errors(digits, codes, column_names)


# Two ways a count is written by the tools that make these files, each read only in its exact
# shape: a spreadsheet's CSV writes numbers as shown, "2 256" with a space (in Russian and Kazakh a
# no-break or a thin space) between groups of three digits; a table library writes a column that
# had an empty cell as decimals, "2256.0".
DIGIT_GROUPS = re.compile(r"\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+")
WHOLE_DECIMAL = re.compile(r"(\d+)\.0+")


def _count_as_digits(value):
    value = value.strip()
    if DIGIT_GROUPS.fullmatch(value):
        return re.sub(r"\D", "", value)
    whole = WHOLE_DECIMAL.fullmatch(value)
    return whole.group(1) if whole else value


def _check_ranges(read, column_names):
    """Refuse the rows whose figures int() took but are no count (negative, or a billion and more):
    checked for the whole file in one numpy pass, then the few rows found are named."""
    present = [index for index, figures in enumerate(read.values) if figures is not None and figures is not True]
    if not present or not read.codes:
        return
    table = np.array([read.values[index] for index in present], dtype=np.int64)
    bad = np.flatnonzero((table < 0).any(axis=1) | (table >= 10**9).any(axis=1))
    if not len(bad):
        return
    refused = {present[position] for position in bad.tolist()}
    for index in sorted(refused):
        read.errors.extend((read.lines[index], message) for message in _figure_errors(
            [str(value) for value in read.values[index]], read.codes, column_names))
    _drop_rows(read, refused)


def _refuse_nul_names(read, territory_names):
    """Refuse the rows whose names hold a NUL character (csv.reader takes one since Python 3.11; no
    name has one, and the database's text refuses it). Checked in C over the file's names, each
    spelling once; only a file that has one is looked at row by row."""
    if "\0" not in "".join(itertools.chain(territory_names, filter(None, read.spellings))):
        return
    refused = {index for index, key in enumerate(read.keys) if any("\0" in part for part in key)}
    read.errors.extend((read.lines[index], _("a name holds a NUL character")) for index in sorted(refused))
    _drop_rows(read, refused)


def _drop_rows(read, refused):
    for name in ("keys", "units", "values", "lines", "spellings"):
        column = getattr(read, name)
        setattr(read, name, [item for index, item in enumerate(column) if index not in refused])
    read.errors.sort(key=lambda problem: problem[0])


@dataclass
class _Plan:
    """Which station each read row is: an existing one, or one to create (by its resolved key)."""

    keys: list  # (region code, commission code, station code) resolved
    station_of: list  # station id or None (to create)
    accepted: list
    errors: list
    to_create: dict  # resolved key -> first row index
    to_create_rows: list
    country_has_stations: bool
    region_aliases: dict
    commission_aliases: dict

    def drop(self, indexes):
        for index in indexes:
            self.accepted[index] = False
        self.to_create, self.to_create_rows = {}, []


def _match_stations(country, source, read):
    """One identity per station: country, normalised region and station number (a unit without a
    number: its commission and the source's label). Names go through the alias table, then the
    known codes and names; a station already known under another commission is the same station."""
    regions, commissions = _territory(country, source)
    exact, by_region = {}, {}
    commission_key = {pk: (region, code) for pk, region, code in Commission.objects.filter(
        region__country=country).values_list("id", "region__code", "code")}
    precinct = Station.Kind.PRECINCT
    for pk, commission_id, code, kind in Station.objects.filter(commission_id__in=list(commission_key)).order_by(
            ).values_list("id", "commission_id", "code", "kind"):
        region, commission = commission_key[commission_id]
        exact[(region, commission, code)] = pk
        if kind == precinct:
            by_region[(region, code)] = None if (region, code) in by_region else pk  # None: not one station
    plan = _Plan(keys=[], station_of=[], accepted=[], errors=[], to_create={}, to_create_rows=[],
                 country_has_stations=bool(exact), region_aliases={}, commission_aliases={})
    seen_station, seen_new, resolved = {}, {}, {}
    keys, station_of, accepted, errors = plan.keys, plan.station_of, plan.accepted, plan.errors
    for index, ((region_text, commission_text, station), unit, line) in enumerate(
            zip(read.keys, read.units, read.lines, strict=True)):
        names = resolved.get((region_text, commission_text))
        if names is None:
            region = regions.code(region_text)
            names = resolved[(region_text, commission_text)] = (region, commission_text and commissions.code(
                region, commission_text))
        region, commission = names
        key = (region, commission, station)
        pk = exact.get(key)
        if pk is None and not unit:
            pk = by_region.get((region, station))
        keys.append(key)
        station_of.append(pk)
        if pk is not None:
            first = seen_station.setdefault(pk, line)
        else:
            first = seen_new.setdefault(key if unit else (region, station), line)
            if first == line:
                plan.to_create[key] = index
                plan.to_create_rows.append(index)
        if first != line:
            errors.append((line, _("station already on line %(line)s") % {"line": first}))
            accepted.append(False)
        else:
            accepted.append(True)
    # The file's own spellings that stand for another code are kept as aliases.
    for region_spelling, commission_spelling in read.territory_pairs:
        region = regions.code(read.region_spellings[region_spelling])
        if region != region_spelling:
            plan.region_aliases[("", region_spelling)] = region
        commission = commissions.code(region, read.commission_spellings[commission_spelling])
        if commission != commission_spelling:
            plan.commission_aliases[(region, commission_spelling)] = commission
    return plan


class _Names:
    """Region or commission names read as codes: the alias table, then known codes and names (as
    compared by mapping.name_key), else the name itself (a new one)."""

    def __init__(self, aliases, known):
        self.aliases, self.known, self.memo = aliases, known, {}

    def resolve(self, scope, text):
        memo_key = (scope, text)
        code = self.memo.get(memo_key)
        if code is None:
            key = source_mapping.name_key(text)
            code = self.memo[memo_key] = self.aliases.get((scope, key)) or self.known.get((scope, key)) or text
        return code


class _RegionNames(_Names):
    def code(self, text):
        return self.resolve("", text)


class _CommissionNames(_Names):
    def code(self, region, text):
        return self.resolve(region, text)


def _territory(country, source):
    """The name resolvers of a country's regions and commissions. Known codes and names are also
    compared as the source's patterns normalise them ("1 Адыгейская" known, "Адыгейская" read)."""
    normalise_region = source_mapping.NameNormaliser(source.region_pattern)
    normalise_commission = source_mapping.NameNormaliser(source.commission_pattern)
    region_aliases = {("", source_mapping.name_key(alias)): canonical for alias, canonical in TerritoryAlias.objects.filter(
        country=country, kind=TerritoryAlias.Kind.REGION).values_list("alias", "canonical")}
    known_regions = {}
    for code, name in Region.objects.filter(country=country).values_list("code", "name"):
        for spelling in (normalise_region(name), normalise_region(code), name):
            known_regions.setdefault(("", source_mapping.name_key(spelling)), code)
        known_regions[("", source_mapping.name_key(code))] = code
    commission_aliases = {(region, source_mapping.name_key(alias)): canonical
                          for region, alias, canonical in TerritoryAlias.objects.filter(
                              country=country, kind=TerritoryAlias.Kind.COMMISSION).values_list(
                              "region_code", "alias", "canonical")}
    known_commissions = {}
    for region, code, name in Commission.objects.filter(region__country=country).values_list(
            "region__code", "code", "name"):
        for spelling in (normalise_commission(name), normalise_commission(code), name):
            known_commissions.setdefault((region, source_mapping.name_key(spelling)), code)
        known_commissions[(region, source_mapping.name_key(code))] = code
    return _RegionNames(region_aliases, known_regions), _CommissionNames(commission_aliases, known_commissions)


def _store_station_results(*, election, source, read, plan, accepted, digest, file_name, user, report):
    codes = read.codes
    with transaction.atomic():
        created = 0
        if plan.to_create:
            new_keys = list(plan.to_create)
            kinds = [Station.Kind.COMMISSION_UNIT if read.units[plan.to_create[key]] else Station.Kind.PRECINCT
                     for key in new_keys]
            added = election_services.add_missing_stations(country=election.country, keys=new_keys, kinds=kinds)
            for key, index in plan.to_create.items():
                plan.station_of[index] = added[key]
            created = len(added)
        station_ids = [plan.station_of[index] for index in accepted]
        blank_ids = [plan.station_of[index] for index in accepted if read.values[index] is None]
        election_services.record_election_stations(election=election, station_ids=station_ids, blank_ids=blank_ids)
        election_services.keep_aliases(
            country=election.country, region_aliases=plan.region_aliases, commission_aliases=plan.commission_aliases,
            station_aliases={(plan.station_of[index], read.spellings[index]) for index in accepted
                             if read.spellings[index] and read.spellings[index] != plan.keys[index][2]})
        latest, versions = {}, {}
        for station_id, version, figures in OfficialVersion.objects.filter(
            election=election, is_latest=True
        ).values_list("station_id", "version", "figures"):
            latest[station_id], versions[station_id] = figures, version
        now = timezone.now()
        result_import = ResultImport.objects.create(
            election=election, source=source, file_name=file_name[:300], sha256="", imported_by=user,
            rows=report.rows, stations_created=created, rows_refused=report.rows_refused,
            rows_blank=report.rows_blank, problem_count=report.problem_count,
            problems_csv=report.problems_csv() if report.problems else "", unused_columns=report.unused_columns,
        )
        changed = []  # (station id, its figures in the mapping's line order)
        for index in accepted:
            row_values = read.values[index]
            if row_values is None:
                continue
            station_id = plan.station_of[index]
            previous = latest.get(station_id)
            if previous is None or previous != dict(zip(codes, row_values, strict=True)):
                changed.append((station_id, row_values))
        changed_ids = [station_id for station_id, _figures in changed]
        _retire_latest(election, [station_id for station_id in changed_ids if station_id in latest])
        _insert_versions(election, result_import, codes, changed, versions, now)
        # A national import changes (nearly) every station: one election-level mark then stands for all.
        protocol_services.mark_inputs_changed(
            election_id=election.pk, station_ids=changed_ids,
            election_stations=len(latest) + sum(1 for station_id in changed_ids if station_id not in latest))
        result_import.versions_added = len(changed)
        result_import.sha256 = digest.hexdigest()
        result_import.save(update_fields=["versions_added", "sha256"])
    report.stations_created = created
    report.versions_added = len(changed)
    report.unchanged = report.rows - report.rows_blank - len(changed)
    report.result_import_id = result_import.pk
    report.changed_station_ids = changed_ids
    return report


def _store_summaries(*, election, source, read, digest, file_name, user, report, dry_run):
    """Published summary protocols of territorial commissions, keyed by (region, commission): a new
    version for each commission whose figures changed, then the tabulation check of each, which
    compares it with the sum of the commission's stations like an observer's copy of it. A blank row
    (a summary not published) adds nothing.

    Commissions are never created: a summary is only worth comparing with stations already known.
    """
    codes = read.codes
    regions, commissions = _territory(election.country, source)
    commission_of = {(region, code): pk for pk, region, code in Commission.objects.filter(
        region__country=election.country).values_list("id", "region__code", "code")}
    resolved = []
    for region_text, commission_text in read.keys:
        region = regions.code(region_text)
        resolved.append((region, commissions.code(region, commission_text)))
    missing = [(read.lines[index], key) for index, key in enumerate(resolved) if key not in commission_of]
    errors = read.errors + [
        (line, _("unknown commission %(commission)s, %(region)s: import its stations first")
         % {"commission": key[1], "region": key[0]}) for line, key in missing]
    report.problems = sorted(errors, key=lambda problem: problem[0])
    report.rows_refused = len({line for line, _message in errors})
    report.rows = len(resolved) - len(missing)
    report.rows_blank = sum(1 for index, key in enumerate(resolved) if key in commission_of
                            and read.values[index] is None)
    report.stations_matched = report.rows
    if dry_run:
        return report
    if missing:
        raise ResultImportError(report.problems, report)
    with transaction.atomic():
        latest = {commission_id: (version, figures) for commission_id, version, figures in CommissionProtocol.objects.filter(
            election=election, observer__isnull=True, is_latest=True).values_list("commission_id", "version", "figures")}
        now = timezone.now()
        result_import = ResultImport.objects.create(
            election=election, source=source, file_name=file_name[:300], sha256=digest.hexdigest(), imported_by=user,
            rows=report.rows, rows_refused=report.rows_refused, rows_blank=report.rows_blank,
            problem_count=report.problem_count, problems_csv=report.problems_csv() if report.problems else "",
            unused_columns=report.unused_columns)
        changed, previous_of = [], {}
        for key, row_values in zip(resolved, read.values, strict=True):
            if row_values is None:
                continue
            commission_id, figures = commission_of[key], dict(zip(codes, row_values, strict=True))
            version, previous = latest.get(commission_id, (0, None))
            if previous != figures:
                changed.append(CommissionProtocol(
                    election=election, commission_id=commission_id, result_import=result_import, version=version + 1,
                    figures=figures, queued_at=now))
                if previous is not None:
                    previous_of[commission_id] = previous
        changed_ids = [summary.commission_id for summary in changed]
        CommissionProtocol.objects.filter(election=election, observer__isnull=True, is_latest=True,
                                          commission_id__in=changed_ids).update(is_latest=False)
        CommissionProtocol.objects.bulk_create(changed, batch_size=2000)
        protocol_services.flag_changed_summaries(election=election, changed=changed, previous_of=previous_of)
        protocol_services.send_tabulation_checks(election_id=election.pk, commission_ids=changed_ids)
        result_import.versions_added = len(changed)
        result_import.save(update_fields=["versions_added"])
    report.versions_added = len(changed)
    report.unchanged = report.rows - report.rows_blank - len(changed)
    report.result_import_id = result_import.pk
    return report


@contextmanager
def open_results_file(stream, file_name):
    """The file to import: `stream` itself, or the first CSV or JSON inside it when it is a zip."""
    if not file_name.lower().endswith(".zip"):
        yield stream
        return
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise ResultImportError([(1, _("This is not a zip file."))]) from None
    with archive:
        name = next((name for name in archive.namelist() if name.lower().endswith((".csv", ".json"))), None)
        if name is None:
            raise ResultImportError([(1, _("The zip file holds no CSV or JSON file."))])
        _refuse_larger_than_allowed(archive.getinfo(name).file_size)
        with archive.open(name) as member:  # it gives no more than the size it declares
            yield member


def _refuse_larger_than_allowed(size):
    if size > settings.RESULTS_FILE_MAX_BYTES:
        raise ResultImportError([(1, _("The file is larger than %(limit)s MB once unpacked: this is no results "
                                       "publication, or split it.") % {"limit": settings.RESULTS_FILE_MAX_BYTES >> 20})])


class _HashingReader(io.RawIOBase):
    """Hashes the file as it is read, so the import records exactly which bytes it read."""

    def __init__(self, stream, digest):
        self.stream, self.digest, self.size = stream, digest, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self.stream.read(len(buffer))
        self.size += len(chunk)
        _refuse_larger_than_allowed(self.size)
        self.digest.update(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _csv_table(text, delimiter=","):
    """(header, reader): the reader's `line_num` tells where each row ends, so a row's line is the
    file's own (blank lines and quoted fields that span lines do not shift it)."""
    reader = _CsvRows(text, delimiter)
    return next(iter(reader), []), reader


class _CsvRows:
    """The rows of a CSV text exactly as `csv.reader` gives them, with its `line_num`, in about
    half its time on a national file: a physical line with no quote (most of them) is split on
    commas by `str.split`, which is what csv.reader does with such a line; a line with a quote, a
    carriage return inside it, a NUL or a very long field goes to a csv.reader fed from the same
    lines (it takes the following lines of a quoted field that spans lines, and raises what
    csv.reader raises)."""

    def __init__(self, text, delimiter=","):
        self.lines, self.line_num, self.pending, self.delimiter = iter(text), 0, None, delimiter
        self.reader = csv.reader(self._feed(), delimiter=delimiter)
        self.longest = csv.field_size_limit()

    def _feed(self):
        while True:
            if self.pending is not None:
                line, self.pending = self.pending, None
            else:
                line = next(self.lines, None)
                if line is None:
                    return
                self.line_num += 1
            yield line

    def __iter__(self):
        longest, reader, delimiter = self.longest, self.reader, self.delimiter
        for line in self.lines:
            self.line_num += 1
            body = line[:-1] if line[-1:] == "\n" else line
            if body[-1:] == "\r":
                body = body[:-1]
            if '"' in body or "\r" in body or "\0" in body or len(body) > longest:
                self.pending = line
                row = next(reader, None)
                if row is None:
                    return
                yield row
            else:
                yield body.split(delimiter) if body else []


class _Records:
    """A JSON file's records as rows of text under the first record's keys; a record's "line" is
    its number."""

    def __init__(self, records, header):
        self.records, self.header, self.line_num = records, header, 0

    def __iter__(self):
        for number, record in enumerate(self.records, start=1):
            self.line_num = number
            record = record if isinstance(record, dict) else {}
            yield ["" if record.get(column) is None else str(record.get(column)) for column in self.header]


def xlsx_table(binary):
    """(header, rows) of a workbook's first sheet, read as a stream (openpyxl's read-only mode,
    its XML parsed by defusedxml); a row's line is the sheet's row number."""
    with zipfile.ZipFile(binary) as parts:  # each part gives no more than the size it declares
        _refuse_larger_than_allowed(sum(part.file_size for part in parts.infolist()))
    binary.seek(0)
    workbook = openpyxl.load_workbook(binary, read_only=True, data_only=True)
    if not workbook.worksheets:
        raise ResultImportError([(1, _("The workbook has no sheet."))])
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = [_cell_text(value) for value in next(rows, ())]
    while header and not header[-1]:
        header.pop()
    return header, _SheetRows(rows)


class _SheetRows:
    """A sheet's rows after its header as rows of text, an empty row as no row, with `line_num`."""

    def __init__(self, rows):
        self.rows, self.line_num = rows, 1

    def __iter__(self):
        for values in self.rows:
            self.line_num += 1
            row = [_cell_text(value) for value in values]
            yield row if any(row) else []


def _cell_text(value):
    """A cell as the text a CSV of the sheet would hold: a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _json_table(text):
    """(header, records as rows): a list of records, or an object whose "stations" is one."""
    data = json.load(text)
    records = data.get("stations", []) if isinstance(data, dict) else data
    if not isinstance(records, list):
        raise ResultImportError([(1, _("The JSON file holds no list of records (a list, or “stations”: a list)."))])
    header = [str(key) for key in records[0]] if records and isinstance(records[0], dict) else []
    return header, _Records(records, header)


def _figure_errors(raw_values, codes, columns):
    errors = []
    for raw, code, column in zip(raw_values, codes, columns, strict=True):
        raw = raw.strip()
        if not (is_whole_number(raw) and len(raw) <= 9):
            errors.append(_("%(line)s (%(column)s) must be a whole number, not “%(value)s”")
                          % {"line": code, "column": column[:40], "value": raw[:20]})
    return errors


def _retire_latest(election, station_ids):
    for start in range(0, len(station_ids), 10_000):
        OfficialVersion.objects.filter(
            election=election, is_latest=True, station_id__in=station_ids[start:start + 10_000]
        ).update(is_latest=False)


def _json_template(codes):
    """The JSON object text of a row of whole numbers, {"L1": %d, "L2": %d, ...}, for one string
    format per station rather than json.dumps of a dict (measured several times faster over a
    national file)."""
    return "{" + ", ".join(json.dumps(code).replace("%", "%%") + ": %d" for code in codes) + "}"


def _json_object_of(codes):
    template = _json_template(codes)
    return lambda values: template % tuple(values)


def _insert_versions(election, result_import, codes, changed, versions, now):
    if connection.vendor == "postgresql":
        # COPY: the fastest way PostgreSQL takes rows, about three times bulk INSERT at this size.
        # Each row is one string format straight into COPY's text form, sent in large pieces:
        # adapting seven values per row cost more than PostgreSQL's own work on them. Backslash is
        # COPY's escape character, so the JSON's own (a code's escaped quote, say) are doubled;
        # JSON text never holds a raw tab or newline.
        figures = _json_template(codes).replace("\\", "\\\\")
        line = f"{election.pk}\t%d\t{result_import.pk}\t%d\tt\t{figures}\t{now.isoformat()}\n"
        table = OfficialVersion._meta.db_table
        columns = "election_id, station_id, result_import_id, version, is_latest, figures, imported_at"
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(changed), 10_000):
                copy.write("".join([line % (station_id, versions.get(station_id, 0) + 1, *values)
                                    for station_id, values in changed[start:start + 10_000]]))
        return
    as_json = _json_object_of(codes)
    OfficialVersion.objects.bulk_create(
        [OfficialVersion(election_id=election.pk, station_id=station_id, result_import_id=result_import.pk,
                         version=versions.get(station_id, 0) + 1, is_latest=True, figures=json.loads(as_json(values)),
                         imported_at=now) for station_id, values in changed],
        batch_size=5000,
    )


@contextmanager
def _spooled(response):
    """The response's body in a file that seeks (a zip, a workbook is read from its end): in
    memory up to a few megabytes, on disk beyond, refused beyond the size allowed."""
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as body:
        size = 0
        while chunk := response.read(1 << 20):
            size += len(chunk)
            _refuse_larger_than_allowed(size)
            body.write(chunk)
        body.seek(0)
        yield body


def fetch_and_import(*, source):
    """Fetch `source.url` and import it when it changed (ETag / Last-Modified honoured).

    Returns the ImportReport, or None when the server answered 304 Not Modified.
    """
    if not source.url.startswith(("https://", "http://")):
        raise ValueError("Only http(s) URLs are fetched.")
    request = urllib.request.Request(source.url, headers={"User-Agent": "election-observers/1"})  # noqa: S310
    if source.etag:
        request.add_header("If-None-Match", source.etag)
    if source.last_modified:
        request.add_header("If-Modified-Since", source.last_modified)
    try:
        response = urllib.request.urlopen(request, timeout=120)  # noqa: S310
    except urllib.error.HTTPError as error:
        if error.code == 304:
            source.fetched_at = timezone.now()
            source.save(update_fields=["fetched_at"])
            return None
        raise
    file_name = urllib.parse.urlsplit(source.url).path.rsplit("/", 1)[-1] or source.url
    with response, _spooled(response) as body, open_results_file(body, file_name) as stream:
        report = import_official_results(election=source.election, source=source, stream=stream,
                                         file_name=file_name, create_stations=source.create_stations)
        source.etag = response.headers.get("ETag", "")
        source.last_modified = response.headers.get("Last-Modified", "")
    source.fetched_at = timezone.now()
    source.save(update_fields=["etag", "last_modified", "fetched_at"])
    return report
