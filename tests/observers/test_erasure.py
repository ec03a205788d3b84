"""Export and erasure of an observer's personal data, and the retention sweep (#16 item 4).

An erased observer's figures, flags, decisions and evidence stay and still verify; their name,
phone, e-mail, document photo and device data are gone from every table and from the storage."""

import datetime
import io
import json
import uuid
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from psycopg import sql

from evidence import services as evidence_services
from evidence.models import EvidenceFile, EvidenceLogEntry, Original
from evidence.verification import verify_evidence
from observers import privacy, services, tasks, tokens
from observers.models import AccessLogEntry, Accreditation, CheckIn, User
from protocols import services as protocol_services
from protocols.models import Decision, Discrepancy, ObserverCopy, ResultSource
from protocols.official_import import import_official_results
from sms.models import InboundMessage
from tests.evidence.test_copies_and_metadata import phone_exif
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    StationFactory,
    UserFactory,
    evidence_file,
    photo_bytes,
)
from tests.observers.conftest import photo
from tests.protocols.conftest import KZ_PROTOCOL, official_csv

pytestmark = pytest.mark.django_db

SIGN_UP = {"invitation_code": "JOIN-US", "username": "aigul.bekova", "password": TEST_PASSWORD,
           "first_name": "Aigul", "last_name": "Bekovaerasure", "phone": "+7 701 555 12 34",
           "document": None}
PHONE = "+77015551234"
Action = AccessLogEntry.Action


def text_columns_holding(value):
    """Every (table, column) of the database whose text (or JSON, as text) contains `value`."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute("""SELECT table_name, column_name FROM information_schema.columns
                          WHERE table_schema = 'public' AND data_type IN ('character varying', 'text', 'jsonb')""")
        for table, column in cursor.fetchall():
            query = sql.SQL("SELECT count(*) FROM {} WHERE {}::text ILIKE %s").format(sql.Identifier(table),
                                                                                  sql.Identifier(column))
            cursor.execute(query, [f"%{value}%"])
            if cursor.fetchone()[0]:
                found.append((table, column))
    return found


@pytest.fixture
def observed(organisation, coordinator, region):
    """An observer with everything: a document, a check-in with GPS, a photo with the phone's EXIF
    (device and position), a protocol copy flagged against the official one and a reviewer's
    decision, an SMS from their phone, an API token."""
    observer = services.sign_up(**{**SIGN_UP, "document": photo()})
    observer.email = "aigul@example.org"
    observer.save()
    services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                  decision="approve")
    election = ElectionFactory(country="KZ")
    for number in (1, 2, 3):
        ContestantFactory(election=election, ballot_number=number, name=f"Party {number}")
    station = StationFactory(commission=CommissionFactory(region=region, code="ALA-01"), code="101")
    deployment = DeploymentFactory(observer=observer, election=election, station=station)
    services.record_check_in(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                             latitude=43.2389, longitude=76.8897, accuracy_m=12,
                             device_time=timezone.now() - datetime.timedelta(minutes=3))
    evidence = evidence_file(uploaded_by=observer, data=photo_bytes(800, 600, exif=phone_exif()),
                             station=station.pk, election=election.pk, purpose="protocol_photo")
    evidence_services.process_original(original_id=evidence.original_id)
    source = ResultSource.objects.create(
        code="test-kz", name="Test CEC", region_column="region", commission_column="commission",
        station_column="station", line_columns={"voters": "L1", "received": "L2", "issued": "L3", "cast": "L4",
                                                "spoiled": "L5", "cancelled": "L6", "invalid": "L7",
                                                "party1": "L8.1", "party2": "L8.2", "party3": "L8.3",
                                                "against": "L9"})
    published = {**KZ_PROTOCOL, "L8.1": 580, "L8.2": 220}
    import_official_results(election=election, source=source, file_name="official.csv",
                            stream=io.BytesIO(official_csv([(region.code, "ALA-01", "101", published)])))
    protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                  figures=KZ_PROTOCOL, evidence_ids=[evidence.pk])
    protocol_services.check_stations(election_id=election.pk)
    flag = Discrepancy.objects.get(kind="mismatch")
    reviewer = UserFactory(role=User.Role.REVIEWER)
    protocol_services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm", comment="Photo agrees")
    InboundMessage.objects.create(dedupe_key="sms-1", sender_raw="8 701 555 12 34", sender=PHONE,
                                  text="P 101 1500 1200", observer=observer, organisation=organisation)
    tokens.issue(user=observer)
    observer.refresh_from_db()
    return observer


def admin_of(organisation):
    return UserFactory(role=User.Role.ADMIN, organisation=organisation)


def erase_through_the_page(client, admin, observer, django_capture_on_commit_callbacks):
    client.login(username=admin.username, password=TEST_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("observers:erase", args=[observer.pk]), {"confirm": observer.pseudonym},
                           HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="192.0.2.10", follow=True)


def test_the_setup_holds_what_erasure_must_remove(observed):
    """The test below proves something only if the data was there to begin with."""
    assert text_columns_holding("Bekovaerasure") and text_columns_holding(PHONE)
    original = Original.objects.get()
    assert original.device == "Samsung Galaxy A52" and original.latitude is not None
    assert CheckIn.objects.get().latitude is not None and CheckIn.objects.get().device_time is not None
    assert default_storage.exists(observed.accreditation.document.name)


def test_an_erased_observer_is_gone_while_their_figures_flags_and_evidence_still_verify(
        client, observed, organisation, django_capture_on_commit_callbacks):
    document_name = observed.accreditation.document.name
    evidence = EvidenceFile.objects.get(uploaded_by=observed)
    sha256, copy = evidence.original.sha256, ObserverCopy.objects.get(observer=observed)
    flag = Discrepancy.objects.get(kind="mismatch")
    before = verify_evidence()
    assert before.ok, before.problems
    log_before = list(EvidenceLogEntry.objects.values_list("sequence", "entry_hash"))
    admin = admin_of(organisation)

    response = erase_through_the_page(client, admin, observed, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Personal data erased" in response.text
    assert f"<title>Observer {observed.pseudonym}" in response.text

    # Gone from the database: no table holds the name, the phone or the e-mail any more.
    assert text_columns_holding("Bekovaerasure") == []
    assert text_columns_holding(PHONE) == [] and text_columns_holding("701 555 12 34") == []
    assert text_columns_holding("aigul@example.org") == []
    # The old username stays only where the evidence chain hashed it (docs/privacy.md): changing
    # it there would break the chain's verification.
    assert set(text_columns_holding("aigul.bekova")) <= {("evidence_evidencelogentry", "payload")}
    user = User.objects.get(pk=observed.pk)
    assert (user.first_name, user.last_name, user.email, user.phone) == ("", "", "", "")
    assert user.username == f"erased-{user.pk}" and user.pseudonym == observed.pseudonym
    accreditation = Accreditation.objects.get(observer=user)
    assert (accreditation.document.name, accreditation.document_type, accreditation.document_sha256) == ("", "", "")
    # ... and the document photo from the storage.
    assert not default_storage.exists(document_name)
    # Device data: the phone model and the GPS positions.
    original = Original.objects.get(sha256=sha256)
    assert (original.device, original.latitude, original.longitude) == ("", None, None)
    check_in = CheckIn.objects.get()
    assert (check_in.latitude, check_in.longitude, check_in.accuracy_m, check_in.device_time) == (None, None, None, None)

    # Kept: the figures, the flag and its decision, the evidence and its hashes; the chain verifies.
    copy.refresh_from_db()
    assert copy.figures == KZ_PROTOCOL and copy.observer_id == user.pk
    assert Discrepancy.objects.get(pk=flag.pk).status == "confirmed"
    assert Decision.objects.filter(discrepancy=flag).count() == 1
    assert EvidenceFile.objects.get(pk=evidence.pk).original.sha256 == sha256
    assert default_storage.exists(original.key)
    after = verify_evidence()
    assert after.ok, after.problems
    assert after.files_checked == before.files_checked and after.entries_checked == before.entries_checked
    assert list(EvidenceLogEntry.objects.values_list("sequence", "entry_hash")) == log_before

    # The erasure is in the access log, with who and from where.
    entry = AccessLogEntry.objects.get(action=Action.ERASED)
    assert (entry.actor, entry.subject_id, entry.client_address) == (admin, user.pk, "192.0.2.10")


def test_an_erased_observer_cannot_sign_in_and_their_tokens_no_longer_open_the_api(
        client, observed, organisation, django_capture_on_commit_callbacks):
    key = tokens.issue(user=observed)[1]
    assert client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    erase_through_the_page(client, admin_of(organisation), observed, django_capture_on_commit_callbacks)
    client.logout()
    assert not client.login(username="aigul.bekova", password=TEST_PASSWORD)
    assert not client.login(username=f"erased-{observed.pk}", password=TEST_PASSWORD)
    refused = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert refused.status_code in (401, 403) and "username" not in refused.json()
    assert not tokens.active_for(User.objects.get(pk=observed.pk)).exists()
    response = client.post("/api/auth/token/", {"username": "aigul.bekova", "password": TEST_PASSWORD})
    assert response.status_code == 400


def test_the_export_holds_everything_and_is_logged(client, observed, organisation):
    admin = admin_of(organisation)
    client.login(username=admin.username, password=TEST_PASSWORD)
    response = client.get(reverse("observers:personal-data-download", args=[observed.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="observer-{observed.pk}-personal-data.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = json.loads(archive.read("personal-data.json"))
        with observed.accreditation.document.open("rb") as document:
            assert archive.read("document.jpg") == document.read()
    assert data["observer"]["last_name"] == "Bekovaerasure" and data["observer"]["phone"] == PHONE
    assert data["check_ins"][0]["latitude"] == "43.238900"
    assert data["evidence"][0]["device"] == "Samsung Galaxy A52"
    assert data["sms"]["received"][0]["from"] == PHONE
    assert [event["to"] for event in data["accreditation"]["events"]] == ["pending", "approved"]
    entry = AccessLogEntry.objects.get(action=Action.EXPORTED)
    assert (entry.actor, entry.subject) == (admin, observed)


def test_the_export_after_erasure_holds_no_name(client, observed, organisation, django_capture_on_commit_callbacks):
    admin = admin_of(organisation)
    erase_through_the_page(client, admin, observed, django_capture_on_commit_callbacks)
    response = client.get(reverse("observers:personal-data-download", args=[observed.pk]))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.namelist() == ["personal-data.json"]
        text = archive.read("personal-data.json").decode()
    assert "Bekovaerasure" not in text and PHONE not in text and json.loads(text)["observer"]["erased_at"]


def test_erasing_twice_erases_once(observed, organisation):
    admin = admin_of(organisation)
    _observer, first = privacy.erase(user=admin, observer_id=observed.pk)
    _observer, second = privacy.erase(user=admin, observer_id=observed.pk)
    assert (first, second) == (True, False)
    assert AccessLogEntry.objects.filter(action=Action.ERASED).count() == 1


def test_only_the_organisations_administrators_export_or_erase(client, observed, organisation, coordinator):
    reviewer = UserFactory(role=User.Role.REVIEWER, organisation=organisation)
    other_admin = admin_of(OrganisationFactory())
    for user, status in ((coordinator, 403), (reviewer, 403), (observed, 403), (other_admin, 404)):
        client.login(username=user.username, password=TEST_PASSWORD)
        for name in ("personal-data", "personal-data-download"):
            assert client.get(reverse(f"observers:{name}", args=[observed.pk])).status_code == status, (user, name)
        response = client.post(reverse("observers:erase", args=[observed.pk]), {"confirm": observed.pseudonym})
        assert response.status_code == status
        client.logout()
    assert User.objects.get(pk=observed.pk).erased_at is None
    assert not AccessLogEntry.objects.filter(action__in=[Action.ERASED, Action.EXPORTED]).exists()


def test_a_wrong_confirmation_or_a_bad_number_says_so_and_erases_nothing(client, observed, organisation):
    admin = admin_of(organisation)
    client.login(username=admin.username, password=TEST_PASSWORD)
    url = reverse("observers:erase", args=[observed.pk])
    for sent, message in (({}, "This field is required"),
                          ({"confirm": "NOPE"}, "not the observer&#x27;s pseudonym code: nothing was erased"),
                          ({"confirm": "x" * 500}, "at most 12 characters")):
        response = client.post(url, sent, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400 and message in response.text, sent
    assert client.get(url).status_code == 405
    assert client.get(f"/observe/privacy/observers/{'9' * 30}/").status_code == 404
    assert client.get("/observe/privacy/observers/0/personal-data.zip").status_code == 404
    assert User.objects.get(pk=observed.pk).last_name == "Bekovaerasure"


def test_the_administrators_pages_name_the_observer_by_pseudonym_in_title_and_url(client, observed, organisation):
    admin = admin_of(organisation)
    client.login(username=admin.username, password=TEST_PASSWORD)
    listing = client.get(reverse("observers:privacy-observers"), HTTP_ACCEPT_LANGUAGE="en")
    assert f"Observer {observed.pseudonym}" in listing.text and "Bekovaerasure" not in listing.text
    page = client.get(reverse("observers:personal-data", args=[observed.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    title = page.text.split("<title>")[1].split("</title>")[0]
    assert "Bekovaerasure" not in title and "aigul" not in title and observed.pseudonym in title
    assert "Bekovaerasure" in page.text  # the administrator does see the name, in the page itself
    assert AccessLogEntry.objects.filter(action=Action.PERSON_VIEWED, actor=admin).count() == 1


# --- Retention --------------------------------------------------------------------------------


def closed_election(days_ago, retention_days):
    election = ElectionFactory(status="closed", retention_days=retention_days)
    election.closed_at = timezone.now() - datetime.timedelta(days=days_ago)
    election.save()
    return election


def deployed(*elections):
    observer = ObserverFactory(phone="+77010000001", last_name="Retained")
    for election in elections:
        DeploymentFactory(observer=observer, election=election)
    return observer


def test_closing_an_election_remembers_when():
    election = ElectionFactory(status="ongoing")
    assert election.closed_at is None
    election.status = "closed"
    election.save(update_fields=["status"])
    election.refresh_from_db()
    assert election.closed_at is not None


def test_the_retention_sweep_erases_exactly_what_is_due(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    due = closed_election(days_ago=31, retention_days=30)
    not_yet = closed_election(days_ago=10, retention_days=30)
    kept_for_good = closed_election(days_ago=900, retention_days=None)
    still_open = ElectionFactory(status="ongoing", retention_days=1)
    erased_now = deployed(due)
    waiting = deployed(not_yet)
    also_in_an_open_election = deployed(due, still_open)
    no_period = deployed(kept_for_good)
    also_in_a_later_one = deployed(due, not_yet)

    assert privacy.due_for_erasure() == [erased_now.pk]
    assert tasks.sweep_retention() == 1
    assert User.objects.get(pk=erased_now.pk).erased_at is not None
    assert User.objects.get(pk=erased_now.pk).phone == "" and User.objects.get(pk=erased_now.pk).last_name == ""
    for kept in (waiting, also_in_an_open_election, no_period, also_in_a_later_one):
        user = User.objects.get(pk=kept.pk)
        assert (user.erased_at, user.phone, user.last_name) == (None, "+77010000001", "Retained")
    [entry] = AccessLogEntry.objects.filter(action=Action.RETENTION_ERASED)
    assert entry.subject_id == erased_now.pk and entry.actor is None and entry.client_address is None

    # Idempotent: a second sweep (or a re-delivered task) erases nothing more.
    assert tasks.sweep_retention() == 0
    assert tasks.erase_if_due(erased_now.pk) is False
    assert tasks.erase_if_due(waiting.pk) is False  # not due: the task refuses on its own
    assert AccessLogEntry.objects.filter(action=Action.RETENTION_ERASED).count() == 1

    # Ten days later the second election is due too.
    later = timezone.now() + datetime.timedelta(days=21)
    assert privacy.due_for_erasure(later) == sorted([waiting.pk, also_in_a_later_one.pk])
    assert privacy.erase_if_due(waiting.pk, later) is True


def test_the_sweep_keeps_the_evidence_chain_verifiable(django_capture_on_commit_callbacks):
    due = closed_election(days_ago=40, retention_days=30)
    observer = deployed(due)
    station = observer.deployments.get().station
    evidence_file(uploaded_by=observer, station=station.pk, election=due.pk, data=photo_bytes(seed=77))
    assert verify_evidence().ok
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy.erase_if_due(observer.pk) is True
    report = verify_evidence()
    assert report.ok, report.problems
    assert EvidenceFile.objects.filter(uploaded_by=observer).count() == 1


def test_a_coordinator_of_another_organisation_cannot_reach_the_erasure_service(observed):
    with pytest.raises(privacy.PermissionDenied):
        privacy.erase(user=CoordinatorFactory(), observer_id=observed.pk)
    with pytest.raises(privacy.ValidationError):
        privacy.erase(user=admin_of(OrganisationFactory()), observer_id=observed.pk)
