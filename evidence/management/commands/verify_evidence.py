"""`manage.py verify_evidence`: re-hash every stored original and the evidence log's chain.

Exits with status 1 and one line per problem when anything was altered, removed or edited.
"""

from django.core.management.base import BaseCommand, CommandError

from evidence.verification import verify_evidence


class Command(BaseCommand):
    help = "Re-hash every stored evidence file and the evidence log's hash chain; report any tampering."

    def handle(self, *args, **options):
        report = verify_evidence()
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(problem))
        summary = f"{report.files_checked} file(s) and {report.entries_checked} log entr(y/ies) checked"
        if not report.ok:
            raise CommandError(f"{summary}: {len(report.problems)} problem(s) found")
        self.stdout.write(self.style.SUCCESS(f"{summary}: everything matches."))
