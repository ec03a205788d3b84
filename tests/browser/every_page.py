"""Every page an observer meets, and the coordinator's coverage and map pages, with the data that
makes them show what they show on election day: one world for the axe-core test
(tests/browser/test_accessibility.py) and the Lighthouse bench (bench/lighthouse.py).

`build()` needs a database (a test's, or the bench's own SQLite file); it returns the world and
`pages(world)` the list of (name, who, path): who is None (anonymous), "observer", "present" (an
observer who has checked in) or "coordinator". `session_cookie(user)` logs one of them in as a
cookie, the second factor of staff included.
"""

import uuid

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY

from checklists import services as checklist_services
from observers import services as observer_services
from observers import two_factor
from protocols import services as protocol_services
from tests.checklists.conftest import EVERY_KIND
from tests.factories import (
    CommissionFactory,
    ContestantFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
)
from tests.protocols.conftest import KZ_PROTOCOL
from tests.two_factor import enrolled_device

SLUG = "mazhilis-2027"


def build():
    region = RegionFactory(code="ALA", name="Алматы")
    election = ElectionFactory(name="Выборы в Мажилис 2027", slug=SLUG, country="KZ")
    for number, name in ((1, "AMANAT"), (2, "Ауыл"), (3, "Respublica")):
        ContestantFactory(election=election, ballot_number=number, name=name)
    commission = CommissionFactory(region=region, code="ALA-1", name="Алматинская ТИК 1")
    stations = [StationFactory(commission=commission, code=str(100 + number), name=f"Школа № {number}",
                               address=f"проспект Абая, {number}", latitude=f"43.{2380 + number * 7:04d}",
                               longitude=f"76.{8890 + number * 11:04d}") for number in range(12)]
    coordinator = CoordinatorFactory(username="dana")
    coordinator.organisation.regions.add(region)
    coordinator.regions.add(region)
    observer = ObserverFactory(username="aigerim", organisation=coordinator.organisation)
    deployment = DeploymentFactory(observer=observer, election=election, station=stations[0])
    present = ObserverFactory(username="arman", organisation=coordinator.organisation)
    present_deployment = DeploymentFactory(observer=present, election=election, station=stations[1])
    observer_services.record_check_in(observer=present, deployment_id=present_deployment.pk, client_id=uuid.uuid4(),
                                      latitude="43.2387", longitude="76.8901", accuracy_m=12)
    protocol_services.submit_copy(observer=present, deployment_id=present_deployment.pk, client_id=uuid.uuid4(),
                                  figures=KZ_PROTOCOL)
    protocol_services.check_stations(election_id=election.pk)
    checklist, _version, _changed = checklist_services.save_checklist(
        user=coordinator, election_id=election.pk, document=EVERY_KIND)
    return {"election": election, "station": stations[0], "observer": observer, "deployment": deployment,
            "present": present, "coordinator": coordinator, "checklist": checklist}


def pages(world):
    deployment, election = world["deployment"], world["election"]
    return [
        ("home", None, "/"),
        ("sign-up", None, "/observe/signup/"),
        ("login", None, "/accounts/login/"),
        ("my-station", "observer", "/observe/me/"),
        ("checked-in", "present", "/observe/me/"),
        ("protocol", "observer", f"/protocols/deployments/{deployment.pk}/protocol/"),
        ("incident", "observer", f"/incidents/report/?deployment={deployment.pk}"),
        ("upload", "observer", f"/evidence/upload/?station={world['station'].pk}&election={election.pk}"),
        ("checklist", "observer", f"/checklists/answer/{deployment.pk}/{world['checklist'].pk}/"),
        ("coverage", "coordinator", f"/dashboard/{election.slug}/"),
        ("map", "coordinator", f"/dashboard/{election.slug}/map/"),
    ]


def session_cookie(user):
    """The value of a session cookie of `user`, logged in (and past the second factor for staff)."""
    session = SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    if two_factor.required_for(user):
        session[DEVICE_ID_SESSION_KEY] = enrolled_device(user).persistent_id
    session.create()
    return session.session_key
