"""The observer's findings of #17 that a page or a service shows without a browser: joining with a
code however it is typed, the document photo from the gallery too, being told what happens next
and of the decision, wording that fits any observer, Kazakh dates, one version per figures."""

import datetime
import re
import uuid

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, translation

from observers import services
from observers.models import INVITATION_ALPHABET, Accreditation, CheckIn, Organisation, new_invitation_code
from observers.tasks import notify_accreditation_decision
from protocols.models import ObserverCopy
from tests.factories import (
    TEST_PASSWORD,
    CoordinatorFactory,
    DeploymentFactory,
    ObserverFactory,
    OrganisationFactory,
)
from tests.observers.conftest import photo
from tests.protocols.conftest import KZ_PROTOCOL

pytestmark = pytest.mark.django_db

SIGN_UP = {"username": "aigul", "password": TEST_PASSWORD, "first_name": "Aigul", "last_name": "Bekova",
           "phone": "+7 701 000 00 00"}


@pytest.fixture
def email_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# --- Joining ----------------------------------------------------------------------------------


def test_the_anonymous_home_offers_joining_with_a_code_before_logging_in(client):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ru").text
    join = page.index('action="' + reverse("observers:sign-up") + '"')
    assert "Стать наблюдателем" in page and "Присоединиться по этому коду" in page
    assert join < page.index('class="button secondary" href="' + reverse("login") + '"')
    assert 'name="code"' in page[join:join + 800]


def test_an_invitation_code_is_read_whatever_its_case_and_the_spaces_around_it(client):
    organisation = OrganisationFactory(invitation_code="K7QM-PRTX-W34Z")
    response = client.post(reverse("observers:sign-up"), {
        **SIGN_UP, "invitation_code": "  k7qm-prtx-w34z \n", "email": "aigul@example.org", "document": photo()},
        HTTP_ACCEPT_LANGUAGE="kk", follow=True)
    assert response.redirect_chain[-1][0] == reverse("observers:home")
    accreditation = Accreditation.objects.get(observer__username="aigul")
    assert accreditation.organisation == organisation
    assert (accreditation.observer.email, accreditation.observer.language) == ("aigul@example.org", "kk")
    # The code given in the link (?code=) comes into the form trimmed too.
    form = client.get(reverse("observers:sign-up") + "?code=%20K7QM-PRTX-W34Z%20").text
    assert 'value="K7QM-PRTX-W34Z"' in form


def test_new_codes_are_capitals_without_look_alikes_and_two_codes_cannot_differ_by_case_only():
    codes = {new_invitation_code() for _ in range(50)}
    assert len(codes) == 50
    assert all(re.fullmatch(rf"[{INVITATION_ALPHABET}]{{4}}(-[{INVITATION_ALPHABET}]{{4}}){{2}}", code)
               for code in codes)
    assert not set("01IOL") & set(INVITATION_ALPHABET)
    OrganisationFactory(invitation_code="FAIR-2027")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationFactory(invitation_code="fair-2027")
    assert Organisation.objects.count() == 1


def test_the_document_photo_may_come_from_the_gallery_not_only_the_camera(client):
    """`capture` makes Android open the camera only: an observer with a scan could not send it."""
    OrganisationFactory(invitation_code="FAIR-2027")
    page = client.get(reverse("observers:sign-up"), HTTP_ACCEPT_LANGUAGE="en").text
    document = re.search(r"<input[^>]*name=\"document\"[^>]*>", page).group(0)
    assert 'type="file"' in document and "image/jpeg" in document and "capture" not in document
    observer = ObserverFactory(accreditation=Accreditation.Status.REJECTED)
    client.login(username=observer.username, password=TEST_PASSWORD)
    home = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE="en").text
    resubmit = re.search(r"<input[^>]*name=\"document\"[^>]*>", home).group(0)
    assert "capture" not in resubmit


# --- After sign-up: what happens next, and the decision by e-mail -----------------------------


def test_after_sign_up_the_observer_reads_what_happens_next(client):
    OrganisationFactory(invitation_code="FAIR-2027", name="Fair Count")
    response = client.post(reverse("observers:sign-up"), {
        **SIGN_UP, "invitation_code": "FAIR-2027", "email": "aigul@example.org", "document": photo()},
        HTTP_ACCEPT_LANGUAGE="ru", follow=True)
    page = response.text
    assert "Вы присоединились к организации Fair Count" in page
    assert "Что будет дальше" in page
    assert "Координатор проверяет фото вашего документа" in page
    assert "по электронной почте (aigul@example.org)" in page
    assert "назначит вам избирательный участок" in page
    assert reverse("sms:subscription") in page  # the SMS channel, where the organisation has one


def test_a_decision_is_emailed_after_commit_in_the_observers_language_once(
        email_backend, django_capture_on_commit_callbacks, sent_tasks):
    organisation = OrganisationFactory(invitation_code="FAIR-2027", name="Fair Count")
    coordinator = CoordinatorFactory(organisation=organisation)
    observer = services.sign_up(**SIGN_UP, invitation_code="FAIR-2027", email="aigul@example.org", language="kk",
                                document=photo())
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                      decision="reject", reason="Фото бұлыңғыр")
        assert sent_tasks() == []  # nothing before the commit
    event = observer.accreditation.events.get(to_status="rejected")
    assert sent_tasks() == [("observers.tasks.notify_accreditation_decision", [event.pk])]

    notify_accreditation_decision.apply(args=[event.pk])
    notify_accreditation_decision.apply(args=[event.pk])  # a duplicate of the task
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["aigul@example.org"]
    assert message.subject == "Fair Count ұйымындағы аккредиттеуіңіз бекітілмеді"
    assert "Себебі: Фото бұлыңғыр" in message.body and "жаңа суретін" in message.body


def test_an_approval_tells_where_to_look_next_and_no_email_means_no_message(email_backend):
    organisation = OrganisationFactory(invitation_code="FAIR-2027", name="Fair Count")
    coordinator = CoordinatorFactory(organisation=organisation)
    with_email = services.sign_up(**SIGN_UP, invitation_code="FAIR-2027", email="aigul@example.org", language="ru",
                                  document=photo())
    without = services.sign_up(**{**SIGN_UP, "username": "dana", "phone": "+7 701 000 00 01"},
                               invitation_code="FAIR-2027", document=photo())
    for observer in (with_email, without):
        services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                      decision="approve")
        event = observer.accreditation.events.get(to_status="approved")
        notify_accreditation_decision.apply(args=[event.pk])
    assert [message.to for message in mail.outbox] == [["aigul@example.org"]]
    assert mail.outbox[0].subject == "Ваша аккредитация в Fair Count одобрена"
    assert "Мой участок" in mail.outbox[0].body and "назначит вам избирательный участок" in mail.outbox[0].body


# --- Check-in wording -------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_check_in_wording_fits_any_observer_and_leaving_is_confirmed(client, language):
    deployment = DeploymentFactory()
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4())
    page = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE=language).text
    # Russian past tense has a gender ("Прибыл" / "Прибыла"): nothing on the page may guess it.
    assert not re.search(r"Прибыл|Ушёл|Ушел|Ушла|Прибыла", page)
    assert {"ru": "Вы на участке", "kk": "Сіз учаскедесіз"}[language] in page
    # The departure is behind a confirmation: its form sits inside a closed <details>.
    details = page[page.index('<details class="check-out">'):page.index("</details>")]
    assert 'value="out"' in details and "<summary" in details
    assert {"ru": "Да, отметить мой уход", "kk": "Иә, кетуімді белгілеу"}[language] in details
    services.record_check_in(observer=deployment.observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                             kind=CheckIn.Kind.CHECK_OUT)
    page = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE=language).text
    assert {"ru": "Отметка об уходе в", "kk": "Кету"}[language] in page
    assert not re.search(r"Прибыл|Ушёл|Ушел", page)


# --- Kazakh dates -----------------------------------------------------------------------------


def test_kazakh_dates_are_day_first_on_24_hours():
    moment = datetime.datetime(2026, 2, 12, 18, 16)
    with translation.override("kk"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "12.02.2026 18:16"
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "12.02.2026"
        assert formats.date_format(moment, "DATETIME_FORMAT").endswith("2026 ж. 18:16")
        assert formats.time_format(moment, "TIME_FORMAT") == "18:16"
    with translation.override("ru"):
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "12.02.2026 18:16"


def test_the_phone_apps_script_formats_kazakh_times_with_a_day_first_locale(client):
    observer = ObserverFactory()
    client.login(username=observer.username, password=TEST_PASSWORD)
    page = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE="kk").text
    assert '"dateLocale": "ru-KZ"' in page and '"language": "kk"' in page


# --- Protocol figures sent again --------------------------------------------------------------


def test_the_same_figures_sent_again_through_the_page_make_no_new_version(client):
    deployment = DeploymentFactory()
    client.login(username=deployment.observer.username, password=TEST_PASSWORD)
    url = reverse("protocols:submit", args=[deployment.pk])
    figures = {code: str(value) for code, value in KZ_PROTOCOL.items()}
    first = client.post(url, {**figures, "client_id": str(uuid.uuid4())}, follow=True, HTTP_ACCEPT_LANGUAGE="ru")
    assert "версия 1" in first.text
    again = client.post(url, {**figures, "client_id": str(uuid.uuid4())}, follow=True, HTTP_ACCEPT_LANGUAGE="ru")
    assert "Эти цифры вы уже отправляли (версия 1)" in again.text
    assert ObserverCopy.objects.filter(deployment=deployment).count() == 1
