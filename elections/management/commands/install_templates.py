from django.core.management.base import BaseCommand

from elections.services import install_shipped_templates


class Command(BaseCommand):
    help = "Install the shipped protocol templates (Kazakhstan, Russia). --update overwrites installed ones."

    def add_arguments(self, parser):
        parser.add_argument("--update", action="store_true", help="overwrite the installed templates' lines and relations")

    def handle(self, *args, update, **options):
        install_shipped_templates(update=update)
        self.stdout.write(self.style.SUCCESS("Protocol templates installed."))
