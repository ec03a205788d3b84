"""Load the demo election, its territory, an NGO and demo accounts. Safe to run again."""

import base64
import csv
import datetime
import io
import uuid

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo import kazakhstan
from demo import results as demo_results
from elections import services as election_services
from elections.models import Contestant, Election, ProtocolTemplate, Region, Station
from observers.models import Accreditation, AccreditationEvent, Deployment, Organisation, User
from protocols import services as protocol_services
from protocols.models import OfficialVersion, ResultSource
from protocols.official_import import import_official_results

DEMO_PASSWORD = "observe-2027"
# Demo staff are enrolled in the second factor already (real staff enrol at their first login):
# this authenticator-app secret (base32 DEMOOBSERVERSTWOFACTORSECRETKEYS) for all of them, and these backup
# codes, each usable once per `load_demo`. Known to everyone: for the demo only.
DEMO_TOTP_KEY_HEX = base64.b32decode("DEMOOBSERVERSTWOFACTORSECRETKEYS").hex()
DEMO_BACKUP_CODES = [f"demo-code-{n}" for n in range(1, 10)]
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
            _second_factors()
            _accredit_and_deploy(election, organisation)
        results = _publish_results(election)
        _send_observer_copies(election)
        self.stdout.write(self.style.SUCCESS(
            f"{report.stations_created + report.stations_updated} stations in {report.commissions} "
            f"commissions of {report.regions} regions; election “{election.name}”; "
            f"{results.versions_added} official results published ({results.unchanged} unchanged)."
        ))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        with translation.override("en"):
            for username, role, *_rest in DEMO_ACCOUNTS:
                self.stdout.write(f"  {username:<13} {role.label}")
        self.stdout.write("Staff (admin, coordinators, reviewer) then give a second factor: the code of an "
                          "authenticator app with the secret DEMOOBSERVERSTWOFACTORSECRETKEYS (or `oathtool --totp -b "
                          f"DEMOOBSERVERSTWOFACTORSECRETKEYS`), or a backup code: {', '.join(DEMO_BACKUP_CODES[:3])}, ...")
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


def _second_factors():
    staff = User.objects.filter(username__in=[a[0] for a in DEMO_ACCOUNTS if a[1] != User.Role.OBSERVER])
    for user in staff:
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="Authenticator app (demo)", key=DEMO_TOTP_KEY_HEX, confirmed=True)
        backup, _created = StaticDevice.objects.get_or_create(user=user, name="Backup codes",
                                                              defaults={"confirmed": True})
        backup.token_set.all().delete()
        StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in DEMO_BACKUP_CODES])


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


DEMO_SOURCE = "demo-cec"


def _publish_results(election):
    """The demo's official results, through the real importer (a CSV with a mapping of its own)."""
    codes = ["L1", "L2", "L3", "L4", "L5", "L6", "L7", *[f"L8.{n}" for n, *_rest in kazakhstan.PARTIES], "L9"]
    source, _created = ResultSource.objects.get_or_create(code=DEMO_SOURCE, defaults={
        "name": "Demo central election commission", "region_column": "region", "commission_column": "commission",
        "station_column": "station", "line_columns": {code: code for code in codes}})
    stations = Station.objects.filter(commission__region__country="KZ").values_list(
        "commission__region__code", "commission__code", "code", "registered_voters").order_by("id")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["region", "commission", "station", *codes])
    for region, commission, code, protocol in demo_results.official_rows(stations):
        writer.writerow([region, commission, code, *[protocol[line] for line in codes]])
    data = io.BytesIO(buffer.getvalue().encode())
    return import_official_results(election=election, source=source, stream=data, file_name="demo-results.csv")


def _send_observer_copies(election):
    """The first observer copies the published protocol faithfully; the second saw 40 votes
    moved before publication, so the cross-check raises a critical flag for the reviewer."""
    for username, alter in (("observer", False), ("observer2", True)):
        deployment = Deployment.objects.filter(observer__username=username, election=election).first()
        if deployment is None:
            continue
        published = OfficialVersion.objects.get(election=election, station=deployment.station, is_latest=True)
        figures = demo_results.count_before_rewriting(published.figures) if alter else dict(published.figures)
        protocol_services.submit_copy(observer=deployment.observer, deployment_id=deployment.pk,
                                      client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-copy-{username}"),
                                      figures=figures, comment="demo")
