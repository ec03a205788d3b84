import base64
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP

from elections.models import Election, Region, Station
from observers.models import Organisation, User
from protocols.models import Discrepancy, OfficialVersion
from protocols.services import check_stations

pytestmark = pytest.mark.django_db


def test_demo_election_loads_twice_with_working_logins(client, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False):
        call_command("load_demo", stdout=out)
    assert Region.objects.filter(country="KZ").count() == 20
    stations = Station.objects.count()
    assert 9_900 <= stations <= 10_100
    election = Election.objects.get(slug="kz-mazhilis-demo")
    assert election.contestants.count() == 7
    assert "coordinator" in out.getvalue() and "observe-2027" in out.getvalue()

    with django_capture_on_commit_callbacks(execute=False):
        call_command("load_demo", stdout=io.StringIO())
    assert Station.objects.count() == stations
    assert Organisation.objects.count() == 1

    for username in ("admin", "coordinator", "reviewer", "observer"):
        assert client.login(username=username, password="observe-2027"), username
    assert User.objects.get(username="coordinator").regions.count() == 3

    # Official results for every station, and an observer copy that contradicts one of them.
    assert OfficialVersion.objects.filter(election=election).count() == stations
    check_stations(election_id=election.pk)
    flag = Discrepancy.objects.get(election=election)
    assert (flag.kind, flag.severity) == ("mismatch", "critical")
    assert sorted(flag.deltas) == ["L8.1", "L8.2"] and flag.deltas["L8.1"][2] == 40
    client.login(username="admin", password="observe-2027")
    assert client.get("/admin/").status_code == 200


def test_demo_staff_pass_the_second_factor_with_the_printed_secret_or_backup_code(django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=False):
        call_command("load_demo", stdout=out)
    assert "DEMOOBSERVERSTWOFACTORSECRETKEYS" in out.getvalue() and "demo-code-1" in out.getvalue()
    coordinator = User.objects.get(username="coordinator")
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.post("/accounts/login/", {"username": "coordinator", "password": "observe-2027"})
    assert web.get("/dashboard/")["Location"].startswith("/accounts/two-factor/verify/")
    app = TOTP(base64.b32decode("DEMOOBSERVERSTWOFACTORSECRETKEYS"))
    assert web.post("/accounts/two-factor/verify/", {"code": f"{app.token():06d}"}).status_code == 302
    assert web.get("/dashboard/").status_code == 200
    reviewer = Client()
    reviewer.post("/accounts/login/", {"username": "reviewer", "password": "observe-2027"})
    assert reviewer.post("/accounts/two-factor/verify/", {"code": "demo-code-1"}).status_code == 302
    assert coordinator.totpdevice_set.get().confirmed
