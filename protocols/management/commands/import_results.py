from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from elections.models import Election
from protocols.models import ResultSource
from protocols.official_import import ResultImportError, import_official_results, open_results_file


class Command(BaseCommand):
    help = ("Import official per-station results (CSV or JSON, or a .zip holding one) with a source's column "
            "mapping. All or nothing; re-importing adds versions only for stations whose figures changed.")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--election", required=True, help="the election's short name (slug)")
        parser.add_argument("--source", required=True, help="the result source's code (its column mapping)")
        parser.add_argument("--create-stations", action="store_true", help="create stations the file names")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path, election, source, create_stations, no_progress, **options):
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
                                                 progress=progress)
        except ResultImportError as error:
            bar.close()
            for line, message in error.errors[:200]:
                self.stderr.write(f"line {line}: {message}")
            raise CommandError(f"{len(error.errors)} problems; nothing was imported.") from None
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"{report.rows} stations read: {report.versions_added} new official versions, {report.unchanged} "
            f"unchanged, {report.stations_created} stations created."))


def _fail(message):
    raise CommandError(message)
