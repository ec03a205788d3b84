import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from protocols.services import save_result_source


class Command(BaseCommand):
    help = ("Create or update result sources (mappings) from a JSON file: one object or a list of them, with the "
            "fields of a result source, keyed by its code.")

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path, **options):
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"Not a JSON file: {error}") from None
        for item in data if isinstance(data, list) else [data]:
            try:
                source, created = save_result_source(data=item)
            except ValueError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"{'created' if created else 'updated'}: {source.code}")
