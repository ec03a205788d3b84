import datetime
import io
import uuid

import pytest
from pypdf import PdfReader

from incidents import complaint_document, deadlines, selectors, services
from incidents.models import Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db

FACTS = "Ballots were stuffed into the box at 14:30 by a commission member."


def pdf_text(data):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def escalated(deployment):
    return IncidentFactory(deployment=deployment, status=Incident.Status.ESCALATED, description=FACTS)


def test_deadline_is_counted_in_calendar_days_and_overdue_only_after_it():
    due = deadlines.answer_due(datetime.date(2027, 3, 29), 5)
    assert due == datetime.date(2027, 4, 3)
    assert not deadlines.is_overdue(due, None, datetime.date(2027, 4, 3))
    assert deadlines.is_overdue(due, None, datetime.date(2027, 4, 4))
    assert not deadlines.is_overdue(due, datetime.date(2027, 4, 5), datetime.date(2027, 4, 6))
    assert not deadlines.is_overdue(None, None, datetime.date(2027, 4, 6))


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_complaint_pdf_contains_the_incidents_facts(escalated, coordinator, language):
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=escalated.pk, language=language)
    data = complaint_document.render_pdf(services.complaint_facts(complaint))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert FACTS in text.replace("\n", " ")
    assert "412" in text and "Aigerim Sadykova" in text and "21.03.2027" in text
    assert ("ЖАЛОБА" if language == "ru" else "ШАҒЫМ") in text
    if language == "kk":
        assert "қ" in text


def test_complaint_pdf_embeds_a_unicode_font():
    facts = complaint_document.ComplaintFacts(
        language="kk", addressed_to="Комиссия", organisation="NGO", observer_name="Әлия Ғабитқызы",
        station_code="7", station_address="Үй", commission_name="ТСК", occurred_at="01.01.2027 10:00",
        category="Басқа", description="әғқңөұүһі",
        evidence=[complaint_document.EvidenceItem(name="photo.jpg", sha256="ab" * 32)])
    data = complaint_document.render_pdf(facts)
    assert "әғқңөұүһі" in pdf_text(data)
    assert "ab" * 32 in pdf_text(data).replace("\n", "")
    assert b"DejaVu" in data


def test_register_marks_a_complaint_past_its_deadline_overdue_with_a_fixed_clock(escalated, coordinator):
    late, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=escalated.pk, language="ru")
    services.record_filing(coordinator=coordinator, complaint_id=late.pk,
                           filed_at=datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC), filed_where="UIK 412")
    answered, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=escalated.pk, language="kk")
    services.record_filing(coordinator=coordinator, complaint_id=answered.pk,
                           filed_at=datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC), filed_where="UIK 412")
    services.record_answer(coordinator=coordinator, complaint_id=answered.pk,
                           answered_on=datetime.date(2027, 3, 25), answer_text="Refused.")
    register = {item.pk: item.overdue for item in
                selectors.complaint_register(coordinator, today=datetime.date(2027, 3, 28))}
    assert register == {late.pk: True, answered.pk: False}
    on_the_last_day = selectors.complaint_register(coordinator, today=datetime.date(2027, 3, 27))
    assert not any(item.overdue for item in on_the_last_day)


def test_register_csv_lists_an_overdue_complaint(client, escalated, coordinator, monkeypatch):
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=escalated.pk, language="ru")
    services.record_filing(coordinator=coordinator, complaint_id=complaint.pk,
                           filed_at=datetime.datetime(2027, 3, 22, 9, 0, tzinfo=datetime.UTC), filed_where="UIK 412")
    monkeypatch.setattr("incidents.views.timezone.localdate", lambda: datetime.date(2027, 4, 10))
    client.force_login(coordinator)
    response = client.get("/incidents/complaints/export.csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0].startswith("\ufeffComplaint,Incident,Election,Category")
    assert rows[1].startswith(f"{complaint.pk},{escalated.pk},{escalated.election.name},Ballot stuffing,Almaty,412,")
    assert ",Overdue,2027-03-22 14:00,UIK 412,2027-03-27,,yes," in rows[1]  # filed 09:00 UTC, 14:00 in Almaty
    page = client.get("/incidents/complaints/")
    assert b'class="overdue"' in page.content


ADDRESS_LINES = {
    ("ru", "precinct"): ("Кому: Участковая избирательная комиссия избирательного участка № 412",
                         "От кого: наблюдатель Aigerim Sadykova (Fair Count)"),
    ("ru", "territorial"): ("Кому: Алмалинская районная территориальная избирательная комиссия",
                            "От кого: наблюдатель Aigerim Sadykova (Fair Count)"),
    ("kk", "precinct"): ("Кімге: № 412 сайлау учаскесінің учаскелік сайлау комиссиясы",
                         "Кімнен: байқаушы Aigerim Sadykova (Fair Count)"),
    ("kk", "territorial"): ("Кімге: Алмалинская районная территориальная избирательная комиссия",
                            "Кімнен: байқаушы Aigerim Sadykova (Fair Count)"),
}


@pytest.mark.parametrize(("language", "level"), list(ADDRESS_LINES))
def test_complaint_is_addressed_in_words_that_read_right_at_both_commission_levels(
        escalated, coordinator, language, level):
    """The territorial commission's name is used as stored (nominative): the heading says "Кому:" /
    "Кімге:" rather than "В …" or a dative ending that the stored name cannot take."""
    commission = escalated.station.commission
    commission.name = "Алмалинская районная  территориальная избирательная комиссия "
    commission.save()
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=escalated.pk, language=language,
                                          level=level)
    to_line, from_line = ADDRESS_LINES[language, level]
    assert complaint.addressed_to == to_line.split(": ", 1)[1]
    blocks = complaint_document.blocks(services.complaint_facts(complaint))
    assert blocks[:3] == [("right", to_line), ("right", from_line),
                          ("title", "ЖАЛОБА" if language == "ru" else "ШАҒЫМ")]
    text = pdf_text(complaint_document.render_pdf(services.complaint_facts(complaint)))
    assert to_line in text.replace("\n", " ")


def test_api_refuses_a_complaint_about_an_unknown_incident_in_the_users_language(client, coordinator):
    client.force_login(coordinator)
    response = client.post("/api/complaints/", {"client_id": "0b7c2f4e-8a51-4b8e-9a53-2d1f0f7d1c11",
                                                "incident": 999999, "language": "ru"},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert response.json() == {"incident": ["Неизвестное нарушение."]}
