"""The official-results importer against its baselines, on the real 2018 file.

    .venv/bin/python -m bench.importer            # the whole 97,699-station file
    .venv/bin/python -m bench.importer --quick    # its first 3,000 stations

(a) the preview (dry run: read, normalise, match every station, write nothing) vs a plain read of
    the same file (csv.reader over every row); aim <= 1.5x. Measured twice: into an empty country
    (every station to be created) and, after the import, against its 97,699 stations.
(b) the import (stations created, the election's membership, every official version) vs
    PostgreSQL COPY of the same rows into a bare table; aim <= 3x.

Needs PostgreSQL: BENCH_DATABASE_URL, or DATABASE_URL's server with the database
`observers_bench` (created and wiped by the bench; never point it at real data).
"""

import argparse
import csv
import io

from bench.protocols import bench_database_url, file_bytes, prepare_database, timed


def plain_read(data):
    """The baseline: decode and split every row, as any reader of the file must."""
    rows = 0
    for _row in csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")):
        rows += 1
    return rows - 1


def read_with_figures(data):
    """A second baseline: the plain read, and every figure turned into an integer (the least any
    import must do with a row)."""
    rows = 0
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=""))
    next(reader)
    for row in reader:
        list(map(int, row[3:23]))
        rows += 1
    return rows


def copy_rows(data):
    from django.db import connection

    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))[1:]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_importer_copy")
        cursor.execute("CREATE TABLE bench_importer_copy (region text, tik text, uik text, figures int[])")
    with connection.cursor() as cursor, cursor.copy(
            "COPY bench_importer_copy (region, tik, uik, figures) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((row[0], row[1], row[2], [int(value) for value in row[3:23]]))
    return len(rows)


def best_of(times, function, *args, **kwargs):
    """The fastest of `times` runs (a shared machine's noise only ever adds)."""
    results = [timed(function, *args, **kwargs) for _ in range(times)]
    return min(seconds for seconds, _result in results), results[0][1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the first 3,000 stations")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each read, the fastest kept")
    args = parser.parse_args(argv)
    prepare_database(bench_database_url())

    from elections.models import Contestant, Election, ProtocolTemplate
    from protocols.models import ResultSource
    from protocols.official_import import import_official_results
    from protocols.shipped_sources import RU_2018_CANDIDATES

    data = file_bytes(3000 if args.quick else 0)
    election = Election.objects.create(name="Bench importer", slug="bench-importer", country="RU", kind="two_round",
                                       date="2018-03-18", template=ProtocolTemplate.objects.get(country="RU"))
    Contestant.objects.bulk_create([Contestant(election=election, ballot_number=number, name=name, kind="candidate")
                                    for number, name in enumerate(RU_2018_CANDIDATES, start=1)])
    source = ResultSource.objects.get(code="ru-cik-2018-presidential")

    def preview():
        return import_official_results(election=election, source=source, stream=io.BytesIO(data),
                                       file_name="2018.csv", create_stations=True, dry_run=True)

    read_s, rows = best_of(args.repeat, plain_read, data)
    figures_s, _rows = best_of(args.repeat, read_with_figures, data)
    empty_s, empty = best_of(args.repeat, preview)
    copy_s, _copied = timed(copy_rows, data)
    import_s, report = timed(import_official_results, election=election, source=source, stream=io.BytesIO(data),
                             file_name="2018.csv", create_stations=True)
    known_s, known = best_of(args.repeat, preview)
    assert empty.stations_to_create == rows and known.stations_matched == rows and report.versions_added == rows

    print(f"(a) preview of {rows:,} rows: plain read {read_s:.2f} s; preview into an empty country {empty_s:.2f} s "
          f"-> {empty_s / read_s:.2f}x; against the {rows:,} stations known {known_s:.2f} s -> "
          f"{known_s / read_s:.2f}x (aim <= 1.5x); a read that also converts every figure to an integer "
          f"{figures_s:.2f} s, the preview against known stations {known_s / figures_s:.2f}x of it")
    print(f"(b) import of {rows:,} stations: importer {import_s:.2f} s, COPY into a bare table {copy_s:.2f} s "
          f"-> {import_s / copy_s:.2f}x (aim <= 3x)")


if __name__ == "__main__":
    main()
