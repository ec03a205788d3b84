"""Load the demo election, its territory, an NGO and demo accounts. Safe to run again."""

import csv
import datetime
import io

from django.core.management.base import BaseCommand
from django.db import transaction

from demo import kazakhstan
from elections import services as election_services
from elections.models import Contestant, Election, ProtocolTemplate, Region, Station
from observers.models import Accreditation, AccreditationEvent, Deployment, Organisation, User

DEMO_PASSWORD = "observe-2027"
ELECTION_SLUG = "kz-mazhilis-demo"

DEMO_ACCOUNTS = [
    # username, role, first name, last name, regions coordinated (codes)
    ("admin", User.Role.ADMIN, "Aigerim", "Admin", []),
    ("coordinator", User.Role.COORDINATOR, "Dana", "Seitkali", ["ALA", "ALM", "ZHE"]),
    ("coordinator2", User.Role.COORDINATOR, "Yerlan", "Abenov", ["AST", "AKM", "KAR"]),
    ("reviewer", User.Role.REVIEWER, "Madina", "Ospanova", []),
    ("observer", User.Role.OBSERVER, "Arman", "Zhaksylykov", []),
    ("observer2", User.Role.OBSERVER, "Saule", "Nurlanovna", []),
    ("observer3", User.Role.OBSERVER, "Timur", "Kassymov", []),
]


class Command(BaseCommand):
    help = "Load a realistic demo election for Kazakhstan (20 regions, about 10,000 stations) and demo logins."

    def handle(self, *args, **options):
        self.stdout.write("Loading the demo election (about 10,000 stations)...")
        election_services.install_shipped_templates(update=False)
        rows = list(kazakhstan.station_rows())
        report = election_services.import_stations(country="KZ", csv_file=_as_csv(rows))
        with transaction.atomic():
            election = _election()
            organisation = _organisation()
            _accounts(organisation)
            _accredit_and_deploy(election, organisation)
            election_services.request_summary_refresh(election=election)
        self.stdout.write(self.style.SUCCESS(
            f"{report.stations_created + report.stations_updated} stations in {report.commissions} "
            f"commissions of {report.regions} regions; election “{election.name}”."
        ))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, role, *_rest in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<13} {role.label}")
        self.stdout.write("New observers sign up with the invitation code DEMO-2027.")


def _as_csv(rows):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    buffer.seek(0)
    return buffer


def _election():
    election, _created = Election.objects.update_or_create(
        slug=ELECTION_SLUG,
        defaults={
            "name": "Mazhilis election (demo)",
            "country": "KZ",
            "date": datetime.date(2027, 3, 21),
            "kind": Election.Kind.LIST_PR,
            "status": Election.Status.ONGOING,
            "template": ProtocolTemplate.objects.get(code="kz-precinct"),
        },
    )
    for number, name, short_name in kazakhstan.PARTIES:
        Contestant.objects.update_or_create(
            election=election,
            ballot_number=number,
            defaults={"name": name, "short_name": short_name, "kind": Contestant.Kind.PARTY},
        )
    return election


def _organisation():
    organisation, _created = Organisation.objects.get_or_create(
        slug="citizen-observers",
        defaults={"name": "Citizen Observers Network (demo)", "invitation_code": "DEMO-2027",
                  "allow_self_deployment": True},
    )
    organisation.regions.set(Region.objects.filter(country="KZ"))
    return organisation


def _accounts(organisation):
    for username, role, first_name, last_name, region_codes in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"role": role, "first_name": first_name, "last_name": last_name},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.role = role
        user.is_staff = user.is_superuser = role == User.Role.ADMIN
        user.organisation = None if role == User.Role.ADMIN else organisation
        user.save()
        user.regions.set(Region.objects.filter(country="KZ", code__in=region_codes))


def _accredit_and_deploy(election, organisation):
    """Accredit the first two demo observers and deploy them in Almaty; the third one waits."""
    coordinator = User.objects.get(username="coordinator")
    stations = list(Station.objects.filter(commission__region__code="ALA").order_by("id")[:2])
    for index, username in enumerate(["observer", "observer2", "observer3"]):
        observer = User.objects.get(username=username)
        accredited = index < 2
        accreditation, created = Accreditation.objects.get_or_create(
            observer=observer,
            defaults={"organisation": organisation,
                      "status": Accreditation.Status.APPROVED if accredited else Accreditation.Status.PENDING},
        )
        if created:
            AccreditationEvent.objects.create(accreditation=accreditation, to_status=accreditation.status,
                                              actor=coordinator, reason="demo")
        if accredited:
            Deployment.objects.get_or_create(
                observer=observer, election=election, station=stations[index],
                defaults={"organisation": organisation, "assigned_by": coordinator, "in_random_sample": True},
            )
