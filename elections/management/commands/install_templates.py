from django.core.management.base import BaseCommand

from elections.services import install_shipped_templates


class Command(BaseCommand):
    help = "Create or update the shipped protocol templates (Kazakhstan, Russia). Idempotent."

    def handle(self, *args, **options):
        install_shipped_templates()
        self.stdout.write(self.style.SUCCESS("Protocol templates installed."))
