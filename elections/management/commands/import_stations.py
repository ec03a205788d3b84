from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from elections.models import Country, Election
from elections.services import StationImportError, import_stations_from_path


class Command(BaseCommand):
    help = (
        "Import polling stations from a CSV file (columns: region_code, region_name, commission_code, "
        "commission_name, station_code, and optionally station_name, address, latitude, longitude, "
        "registered_voters). Re-running updates stations in place; a bad row refuses the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, UTF-8, with a header row")
        parser.add_argument("--country", required=True, choices=Country.values)
        parser.add_argument("--election", help="the election (short name) whose station list this is")

    def handle(self, *args, path, country, election=None, **options):
        if election:
            slug = election
            election = Election.objects.filter(slug=slug, country=country).first()
            if election is None:
                raise CommandError(_("No election “%(slug)s” in this country.") % {"slug": slug})
        try:
            report = import_stations_from_path(country=country, path=path, election=election)
        except FileNotFoundError:
            raise CommandError(_("No such file: %(path)s") % {"path": path}) from None
        except UnicodeDecodeError:
            raise CommandError(_("The file is not UTF-8 text.")) from None
        except StationImportError as error:
            for line, message in error.errors:
                self.stderr.write(_("line %(line)s: %(message)s") % {"line": line, "message": message})
            raise CommandError(
                _("%(count)s bad rows; nothing was imported.") % {"count": len(error.errors)}
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("%(created)s stations created, %(updated)s updated, in %(commissions)s commissions "
                  "of %(regions)s regions.")
                % {"created": report.stations_created, "updated": report.stations_updated,
                   "commissions": report.commissions, "regions": report.regions}
            )
        )
