from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from elections.models import Election
from protocols.models import ResultSource
from protocols.official_import import (
    ConfirmationNeeded,
    ResultImportError,
    import_official_results,
    open_results_file,
    problems_csv,
)


class Command(BaseCommand):
    help = ("Import official per-station results (CSV or JSON, or a .zip holding one) with a source's mapping. "
            "All or nothing unless --skip-refused; re-importing adds versions only for stations whose figures "
            "changed. --dry-run previews without writing.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--election", required=True, help="the election's short name (slug)")
        parser.add_argument("--source", required=True, help="the result source's code (its column mapping)")
        parser.add_argument("--create-stations", action="store_true", help="create stations the file names")
        parser.add_argument("--dry-run", action="store_true", help="read and match the file, write nothing")
        parser.add_argument("--skip-refused", action="store_true", help="import the other rows when some are refused")
        parser.add_argument("--confirm", action="store_true",
                            help="create many new stations although the country has stations")
        parser.add_argument("--problems", help="write every problem to this CSV file")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path, election, source, create_stations, no_progress, dry_run=False, skip_refused=False,
               confirm=False, problems=None, **options):
        election = Election.objects.filter(slug=election).first() or _fail(f"No election “{election}”.")
        source = ResultSource.objects.filter(code=source).first() or _fail(f"No result source “{source}”.")
        path = Path(path)
        if not path.exists():
            raise CommandError(f"No such file: {path}")
        bar = tqdm(unit=" rows", disable=no_progress, desc="reading")
        progress = lambda rows: bar.update(rows - bar.n)  # noqa: E731
        try:
            with open(path, "rb") as raw, open_results_file(raw, path.name) as stream:
                report = import_official_results(election=election, source=source, stream=stream,
                                                 file_name=path.name, create_stations=create_stations,
                                                 progress=progress, dry_run=dry_run, confirm=confirm,
                                                 skip_refused=skip_refused)
        except ResultImportError as error:
            bar.close()
            for line, message in error.errors[:100]:
                self.stderr.write(f"line {line}: {message}")
            if problems:
                Path(problems).write_text(problems_csv(error.errors), encoding="utf-8")
            raise CommandError(f"{len(error.errors)} problems; nothing was imported.") from None
        except ConfirmationNeeded as needed:
            bar.close()
            self._preview(needed.report)
            raise CommandError(f"{needed} (--confirm)") from None
        bar.close()
        if problems and report.problems:
            Path(problems).write_text(report.problems_csv(), encoding="utf-8")
        if dry_run:
            self._preview(report)
            return
        if report.problems:
            self.stderr.write(f"{report.rows_refused} rows refused, {report.problem_count} problems:")
            for line, message in report.first_problems:
                self.stderr.write(f"line {line}: {message}")
        self.stdout.write(self.style.SUCCESS(
            f"{report.rows} stations read: {report.versions_added} new official versions, {report.unchanged} "
            f"unchanged, {report.stations_created} stations created."))


    def _preview(self, report):
        self.stdout.write(
            f"Preview: {report.rows_read} rows read, {report.stations_matched} stations matched, "
            f"{report.stations_to_create} to be created, {report.rows_blank} not published, "
            f"{report.rows_skipped} skipped, {report.rows_refused} refused ({report.problem_count} problems); "
            f"columns unused: {', '.join(report.unused_columns) or 'none'}.")
        for line, message in report.first_problems:
            self.stdout.write(f"line {line}: {message}")


def _fail(message):
    raise CommandError(message)
