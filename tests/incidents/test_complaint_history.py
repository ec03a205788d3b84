"""The register entry of a complaint is corrected, never overwritten: every change to its filing
or its answer keeps who, when and the values before; the register shows the current ones."""

import datetime
import uuid

import pytest

from incidents import selectors, services
from incidents.models import ComplaintRevision, Incident
from tests.factories import CoordinatorFactory, IncidentFactory, evidence_file

pytestmark = pytest.mark.django_db

FIRST_FILING = datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC)
CORRECTED_FILING = datetime.datetime(2027, 3, 23, 11, 30, tzinfo=datetime.UTC)


@pytest.fixture
def complaint(deployment, coordinator):
    incident = IncidentFactory(deployment=deployment, status=Incident.Status.ESCALATED)
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk,
                                             language="ru")
    return complaint


@pytest.fixture
def colleague(organisation):
    return CoordinatorFactory(organisation=organisation, username="yerlan", first_name="Yerlan", last_name="Ospanov")


def test_a_corrected_filing_keeps_the_first_one_with_who_and_when(complaint, coordinator, colleague, settings):
    settings.COMPLAINT_ANSWER_DAYS = 5
    services.record_filing(coordinator=coordinator, complaint_id=complaint.pk, filed_at=FIRST_FILING,
                           filed_where="UIK 412")
    corrected = services.record_filing(coordinator=colleague, complaint_id=complaint.pk, filed_at=CORRECTED_FILING,
                                       filed_where="TEC Almaly, reception, No. 17")
    assert (corrected.filed_at, corrected.filed_where, corrected.answer_due) == (
        CORRECTED_FILING, "TEC Almaly, reception, No. 17", datetime.date(2027, 3, 28))
    first, second = ComplaintRevision.objects.filter(complaint=complaint)
    assert (first.part, first.changed_by, first.previous) == (
        "filing", coordinator, {"filed_at": None, "filed_where": "", "answer_due": None})
    assert first.recorded == {"filed_at": "2027-03-22T09:00:00+00:00", "filed_where": "UIK 412",
                              "answer_due": "2027-03-27"}
    assert (second.changed_by, second.previous) == (colleague, first.recorded)
    assert second.recorded["filed_where"] == "TEC Almaly, reception, No. 17"


def test_the_same_filing_sent_again_changes_nothing(complaint, coordinator):
    for _ in range(2):
        services.record_filing(coordinator=coordinator, complaint_id=complaint.pk, filed_at=FIRST_FILING,
                               filed_where="UIK 412 ")
    # The same instant in another time zone is the same filing.
    services.record_filing(coordinator=coordinator, complaint_id=complaint.pk,
                           filed_at=FIRST_FILING.astimezone(datetime.timezone(datetime.timedelta(hours=5))),
                           filed_where="UIK 412")
    assert ComplaintRevision.objects.filter(complaint=complaint).count() == 1


def test_a_corrected_answer_keeps_the_previous_text_and_scan(complaint, coordinator):
    services.record_filing(coordinator=coordinator, complaint_id=complaint.pk, filed_at=FIRST_FILING,
                           filed_where="UIK 412")
    first_scan = evidence_file(uploaded_by=coordinator, purpose="complaint_answer", filename="answer.jpg")
    services.record_answer(coordinator=coordinator, complaint_id=complaint.pk, answered_on=datetime.date(2027, 3, 25),
                           answer_text="Refused.", answer_scan_id=first_scan.pk)
    second_scan = evidence_file(uploaded_by=coordinator, purpose="complaint_answer", filename="answer-p2.jpg")
    services.record_answer(coordinator=coordinator, complaint_id=complaint.pk, answered_on=datetime.date(2027, 3, 26),
                           answer_text="Refused; the chair was reprimanded.", answer_scan_id=second_scan.pk)
    complaint.refresh_from_db()
    assert (complaint.answer_text, complaint.answer_scan) == ("Refused; the chair was reprimanded.", second_scan)
    correction = ComplaintRevision.objects.filter(complaint=complaint, part="answer").last()
    assert correction.previous == {"answered_on": "2027-03-25", "answer_text": "Refused.",
                                   "answer_scan": first_scan.pk, "answer_scan_sha256": first_scan.original.sha256}
    assert correction.recorded["answer_scan_sha256"] == second_scan.original.sha256


def test_complaint_page_shows_the_history_and_the_register_the_current_values(client, complaint, coordinator,
                                                                             colleague):
    services.record_filing(coordinator=coordinator, complaint_id=complaint.pk, filed_at=FIRST_FILING,
                           filed_where="UIK 412")
    services.record_filing(coordinator=colleague, complaint_id=complaint.pk, filed_at=CORRECTED_FILING,
                           filed_where="TEC Almaly, reception")
    services.record_answer(coordinator=colleague, complaint_id=complaint.pk, answered_on=datetime.date(2027, 3, 26),
                           answer_text="Refused.")
    client.force_login(coordinator)
    page = client.get(f"/incidents/complaints/{complaint.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    history = page.split("History of the register entry", 1)[1].split("</ol>", 1)[0]
    assert "filing recorded" in history and "filing corrected" in history and "answer recorded" in history
    assert "Yerlan Ospanov" in history
    assert history.index("UIK 412") < history.index("TEC Almaly, reception")  # the first filing is still shown
    assert "Correct the filing" in page and 'value="TEC Almaly, reception"' in page

    register = client.get("/incidents/complaints/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "UIK 412" not in register
    rows = b"".join(client.get("/incidents/complaints/export.csv").streaming_content).decode().splitlines()
    assert ",TEC Almaly, reception," in rows[1].replace('"', "") and "UIK 412" not in rows[1]
    api = client.get(f"/api/complaints/{complaint.pk}/").json()
    assert api["filed_where"] == "TEC Almaly, reception"
    assert [revision["part"] for revision in api["revisions"]] == ["filing", "filing", "answer"]
    assert api["revisions"][1]["previous"]["filed_where"] == "UIK 412"


def test_filing_corrected_through_the_page_keeps_the_first(client, complaint, coordinator):
    client.force_login(coordinator)
    for where in ("UIK 412", "UIK 412, to the secretary"):
        response = client.post(f"/incidents/complaints/{complaint.pk}/",
                               {"filed_at": "2027-03-22T14:00", "filed_where": where})
        assert response.status_code == 302
    history = selectors.complaint_history(complaint)
    assert [(item.before["filed_where"], item.after["filed_where"]) for item in history] == [
        ("", "UIK 412"), ("UIK 412", "UIK 412, to the secretary")]
    assert history[1].before["filed_at"] == history[1].after["filed_at"]
