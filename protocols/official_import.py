"""Import official per-station results: streamed, set-based, all or nothing.

A file of 100,000 stations costs a handful of queries: the country's stations (one), the latest
official versions (one), and bulk writes of what changed. Each changed or new station gets a new
official version; an unchanged one gets nothing, so re-importing the same file adds nothing.

A source whose rows are territorial commissions (`ResultSource.Level.COMMISSION`) is read the same
way, keyed by (region, commission): each changed commission gets a new published summary protocol
(`CommissionProtocol` with `result_import`), checked against the sum of its stations.
"""

import csv
import hashlib
import io
import json
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.parsing import is_whole_number
from elections import services as election_services
from elections.models import Commission

from . import services as protocol_services
from .models import CommissionProtocol, OfficialVersion, ResultImport


class ResultImportError(Exception):
    """The file was refused; nothing was written. `errors` lists (line number, message)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(f"line {line}: {message}" for line, message in errors[:20]))


@dataclass
class ImportReport:
    rows: int = 0
    stations_created: int = 0
    versions_added: int = 0
    unchanged: int = 0
    result_import_id: int | None = None
    changed_station_ids: list = field(default_factory=list)


def import_official_results(*, election, source, stream, file_name, create_stations=False, user=None,
                            progress=None):
    """Read `stream` (binary) with `source`'s column mapping and store what changed.

    `progress(rows_read)` is called now and then, for a progress bar.
    """
    with protocol_services.without_cycle_collection():
        return _import(election=election, source=source, stream=stream, file_name=file_name,
                       create_stations=create_stations, user=user, progress=progress)


def _import(*, election, source, stream, file_name, create_stations, user, progress):
    digest = hashlib.sha256()
    text = io.TextIOWrapper(_HashingReader(stream, digest), encoding="utf-8-sig", newline="")
    summaries = source.level == source.Level.COMMISSION
    if not summaries and not source.station_column:
        raise ResultImportError([(1, _("The source names no station column."))])
    key_columns = [source.region_column, source.commission_column] + ([] if summaries else [source.station_column])
    columns = [*key_columns, *source.line_columns]
    codes = list(source.line_columns.values())
    rows = _json_rows(text, columns) if source.format == source.Format.JSON else _csv_rows(text, columns)
    keys, values, line_of, errors = _read_rows(rows, codes, columns, len(key_columns), progress)
    if errors:
        raise ResultImportError(errors)
    if not keys:
        raise ResultImportError([(1, _("The file has no commissions.") if summaries else _("The file has no stations."))])
    store = _store_summaries if summaries else _store_station_results
    return store(election=election, source=source, keys=keys, values=values, codes=codes, line_of=line_of,
                 digest=digest, file_name=file_name, create_stations=create_stations, user=user)


def _store_station_results(*, election, source, keys, values, codes, line_of, digest, file_name, create_stations,
                           user):
    station_of = election_services.station_ids(country=election.country)
    missing = [key for key in keys if key not in station_of]
    created = 0
    if missing and not create_stations:
        raise ResultImportError([
            (line_of[key], _("unknown station %(station)s of %(commission)s, %(region)s")
             % {"station": key[2], "commission": key[1], "region": key[0]}) for key in missing[:200]
        ])

    with transaction.atomic():
        if missing:
            added = election_services.add_missing_stations(country=election.country, keys=missing)
            station_of.update(added)
            created = len(added)
        latest, versions = {}, {}
        for station_id, version, figures in OfficialVersion.objects.filter(
            election=election, is_latest=True
        ).values_list("station_id", "version", "figures"):
            latest[station_id], versions[station_id] = figures, version
        now = timezone.now()
        result_import = ResultImport.objects.create(
            election=election, source=source, file_name=file_name[:300], sha256="", imported_by=user, rows=len(keys),
            stations_created=created,
        )
        changed = []  # (station id, its figures in the mapping's line order)
        for key, row_values in zip(keys, values, strict=True):
            station_id = station_of[key]
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
    return ImportReport(rows=len(keys), stations_created=created, versions_added=len(changed),
                        unchanged=len(keys) - len(changed), result_import_id=result_import.pk,
                        changed_station_ids=changed_ids)


def _store_summaries(*, election, source, keys, values, codes, line_of, digest, file_name, create_stations, user):
    """Published summary protocols of territorial commissions, keyed by (region, commission): a new
    version for each commission whose figures changed, then the tabulation check of each, which
    compares it with the sum of the commission's stations like an observer's copy of it.

    Commissions are never created: a summary is only worth comparing with stations already known.
    """
    commission_of = {(region, code): pk for pk, region, code in Commission.objects.filter(
        region__country=election.country).values_list("id", "region__code", "code")}
    missing = [key for key in keys if key not in commission_of]
    if missing:
        raise ResultImportError([
            (line_of[key], _("unknown commission %(commission)s, %(region)s: import its stations first")
             % {"commission": key[1], "region": key[0]}) for key in missing[:200]
        ])
    with transaction.atomic():
        latest = {commission_id: (version, figures) for commission_id, version, figures in CommissionProtocol.objects.filter(
            election=election, observer__isnull=True, is_latest=True).values_list("commission_id", "version", "figures")}
        now = timezone.now()
        result_import = ResultImport.objects.create(
            election=election, source=source, file_name=file_name[:300], sha256=digest.hexdigest(), imported_by=user,
            rows=len(keys))
        changed = []
        for key, row_values in zip(keys, values, strict=True):
            commission_id, figures = commission_of[key], dict(zip(codes, row_values, strict=True))
            version, previous = latest.get(commission_id, (0, None))
            if previous != figures:
                changed.append(CommissionProtocol(
                    election=election, commission_id=commission_id, result_import=result_import, version=version + 1,
                    figures=figures, queued_at=now))
        changed_ids = [summary.commission_id for summary in changed]
        CommissionProtocol.objects.filter(election=election, observer__isnull=True, is_latest=True,
                                          commission_id__in=changed_ids).update(is_latest=False)
        CommissionProtocol.objects.bulk_create(changed, batch_size=2000)
        protocol_services.send_tabulation_checks(election_id=election.pk, commission_ids=changed_ids)
        result_import.versions_added = len(changed)
        result_import.save(update_fields=["versions_added"])
    return ImportReport(rows=len(keys), versions_added=len(changed), unchanged=len(keys) - len(changed),
                        result_import_id=result_import.pk)


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
        with archive.open(name) as member:
            yield member


class _HashingReader(io.RawIOBase):
    """Hashes the file as it is read, so the import records exactly which bytes it read."""

    def __init__(self, stream, digest):
        self.stream, self.digest = stream, digest

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self.stream.read(len(buffer))
        self.digest.update(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _csv_rows(text, columns):
    """(line number, the wanted columns' text in `columns` order) for each row (csv.reader with
    indexes: far cheaper than a dict of every column per row).

    The line number is the file's own: where the row starts, counted by the reader, so blank lines
    and quoted fields that span lines do not shift it.
    """
    reader = csv.reader(text)
    header = next(reader, [])
    absent = [column for column in columns if column not in header]
    if absent:
        raise ResultImportError([(1, _("missing columns: %(columns)s") % {"columns": ", ".join(absent)})])
    indexes = [header.index(column) for column in columns]
    width = max(indexes) + 1
    start = reader.line_num + 1
    for row in reader:
        if row:
            row += [""] * (width - len(row))
            yield start, [row[index] for index in indexes]
        start = reader.line_num + 1


def _json_rows(text, columns):
    data = json.load(text)
    records = data.get("stations", []) if isinstance(data, dict) else data
    if records and isinstance(records[0], dict):
        absent = [column for column in columns if column not in records[0]]
        if absent:
            raise ResultImportError([(1, _("missing columns: %(columns)s") % {"columns": ", ".join(absent)})])
    for number, record in enumerate(records, start=1):  # a JSON file's "line" is the record's number
        yield number, ["" if record.get(column) is None else str(record.get(column)) for column in columns]


def _read_rows(rows, codes, columns, width, progress):
    """Keys (region, commission[, station]: the first `width` columns), figures in the mapping's
    line order, and the line of each key.

    The common case (every figure a plain number) takes one int() per figure; only a row that
    fails it is examined figure by figure, to name what is wrong.
    """
    keys, values, errors, seen = [], [], [], {}
    for count, (number, row) in enumerate(rows, start=1):
        key = (row[0].strip(), row[1].strip(), row[2].strip()) if width == 3 else (row[0].strip(), row[1].strip())
        try:
            figures = [int(value) for value in row[width:]]
            valid = min(figures, default=0) >= 0 and max(figures, default=0) < 10**9
        except ValueError:
            valid = False
        row_errors = [] if valid else _figure_errors(row[width:], codes, columns[width:])
        if not all(key):
            row_errors.append(_("region, commission and station must all be given") if width == 3
                              else _("region and commission must both be given"))
        elif key in seen:
            row_errors.append(_("station already on line %(line)s") % {"line": seen[key]} if width == 3
                              else _("commission already on line %(line)s") % {"line": seen[key]})
        if row_errors:
            errors.extend((number, message) for message in row_errors)
            if len(errors) > 1000:
                break
            continue
        seen[key] = number
        keys.append(key)
        values.append(figures)
        if progress and count % 5000 == 0:
            progress(count)
    if progress:
        progress(len(keys))
    return keys, values, seen, errors


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


def fetch_and_import(*, source):
    """Fetch `source.url` and import it when it changed (ETag / Last-Modified honoured).

    Returns the ImportReport, or None when the server answered 304 Not Modified.
    """
    import urllib.error
    import urllib.request

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
    with response:
        report = import_official_results(election=source.election, source=source, stream=response,
                                         file_name=source.url.rsplit("/", 1)[-1] or source.url,
                                         create_stations=source.create_stations)
        source.etag = response.headers.get("ETag", "")
        source.last_modified = response.headers.get("Last-Modified", "")
    source.fetched_at = timezone.now()
    source.save(update_fields=["etag", "last_modified", "fetched_at"])
    return report
