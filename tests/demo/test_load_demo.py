import io

import pytest
from django.core.management import call_command

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
