"""Checklist answers by SMS: the same answers as the web form, through checklists' own service."""

import pytest

from checklists.models import Answer, CriticalAlert, Submission
from incidents.models import Incident
from sms import services
from sms.models import Gateway, InboundMessage, Subscription
from tests.checklists.conftest import counting  # noqa: F401  (shared fixture)
from tests.factories import DeploymentFactory, ObserverFactory, StationFactory
from tests.sms.conftest import PHONE_TYPED, SIGNING_KEY, android_payload, post_android

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_sms(counting):  # noqa: F811
    observer = counting["observer"]
    observer.phone = PHONE_TYPED
    observer.save()
    Subscription.objects.create(observer=observer, opted_in=True, language="en")
    gateway = Gateway.objects.create(name="Phone", kind=Gateway.Kind.ANDROID,
                                     organisation=counting["coordinator"].organisation, signing_key=SIGNING_KEY)
    return {**counting, "gateway": gateway}


def _sent(client, gateway, text, moment):
    response = post_android(client, gateway, android_payload(text, received_at=moment, message_id=moment))
    assert response.status_code == 200
    return InboundMessage.objects.filter(text=text).order_by("-id").first()


def _answers(submission):
    return sorted(submission.answers.values_list("key", "value"))


def test_an_sms_checklist_answer_stores_the_same_answers_as_the_web_form_and_a_resent_one_creates_nothing(
        client, by_sms):
    typed = DeploymentFactory(observer=ObserverFactory(organisation=by_sms["coordinator"].organisation),
                              election=by_sms["election"],
                              station=StationFactory(commission=by_sms["station"].commission, code="102"))
    client.force_login(typed.observer)
    form = {"client_id": "0b6f5f0e-8f3a-4a37-9d0f-3f1f2c1b9a11", "version": by_sms["version"].pk,
            "q_observers-allowed": "no", "q_who-refused": "police", "q_problems": ["carousel", "stuffing"],
            "q_observers-present": "3", "q_count-started": "20:05"}
    assert client.post(f"/checklists/answer/{typed.pk}/{by_sms['checklist'].pk}/", form).status_code == 302
    client.logout()

    text = "с counting 1:н 2:2 3:1+2 4:3 5:20:05"  # Cyrillic С and Н, no station: the observer's only one
    message = _sent(client, by_sms["gateway"], text, "2027-03-21T20:15:11.000+05:00")

    assert message.status == "processed", message.reply
    by_form = Submission.objects.get(observer=typed.observer)
    sms = Submission.objects.get(observer=by_sms["observer"])
    assert sms.payload == by_form.payload == {"observers-allowed": "no", "who-refused": "police",
                                              "problems": ["carousel", "stuffing"], "observers-present": 3,
                                              "count-started": "20:05"}
    assert _answers(sms) == _answers(by_form)
    assert (sms.station, sms.client_id) == (by_sms["station"], message.client_id)
    # The critical "no" raised its incident at the SMS observer's station, exactly like the web form did at theirs.
    alerts = {alert.station.code: alert.incident for alert in CriticalAlert.objects.select_related("incident")}
    assert set(alerts) == {"101", "102"}
    assert {(i.category.code, i.severity) for i in alerts.values()} == {("count-not-shown", "critical")}
    assert message.reply == ("Checklist “Counting” of station 101 received: 1=No 2=The police 3=Carousel+Stuffing "
                             "4=3 5=20:05.")

    counts = (Submission.objects.count(), Answer.objects.count(), Incident.objects.count())
    _sent(client, by_sms["gateway"], text, "2027-03-21T20:15:11.000+05:00")  # the gateway sends it again
    services.reprocess(coordinator=by_sms["coordinator"], message_id=message.pk)  # and a coordinator re-runs it
    assert InboundMessage.objects.count() == 1
    assert (Submission.objects.count(), Answer.objects.count(), Incident.objects.count()) == counts
    message.refresh_from_db()
    assert message.created == [["checklist_submission", sms.pk, False]]


@pytest.mark.parametrize(("text", "reply"), [
    ("C 101 closing 1:Y", "No checklist “closing”. Your checklists: 1 counting."),
    ("C 7 1:Y", "No checklist “7”. Your checklists: 1 counting."),
    ("C 1 1:Y 9:3", "No question 9: the checklist has 7 questions."),
    ("C 1 1:3", "Question 1 takes Y or N."),
    ("C 1 1:N 2:5", "Question 2 takes one choice number from 1 to 2."),
    ("C 1 1:Y 6:Y", "Question 6 takes an answer in the app, not by SMS."),
    ("C 1 1:Y 4:99", "Question 4: Give a number from 0 to 50."),
    ("C 1 3:1+3 4:2", "Question 1 needs an answer; nothing was recorded."),
    ("C 1 1:Y 3:maybe", "Question 3: “maybe” is not an answer (Y/N, a number, 1+3, HH:MM). Formats:"),
])
def test_a_wrong_checklist_answer_is_named_exactly_and_nothing_is_stored(client, by_sms, text, reply):
    message = _sent(client, by_sms["gateway"], text, "2027-03-21T20:16:00.000+05:00")
    assert message.reply.startswith(reply), message.reply
    assert message.status in ("malformed", "refused")
    assert not Submission.objects.exists() and not Incident.objects.exists()


def test_the_reply_is_in_the_observers_language(client, by_sms):
    Subscription.objects.filter(observer=by_sms["observer"]).update(language="ru")
    missing = _sent(client, by_sms["gateway"], "C 1 4:3", "2027-03-21T20:17:00.000+05:00")
    assert missing.reply == "Вопрос 1 требует ответа; ничего не записано."
    stored = _sent(client, by_sms["gateway"], "C 101 1 1:Д 4:3", "2027-03-21T20:18:00.000+05:00")
    assert stored.reply == "Чек-лист «Подсчёт» участка 101 принят: 1=Да 4=3."
    Subscription.objects.filter(observer=by_sms["observer"]).update(language="kk")
    unknown = _sent(client, by_sms["gateway"], "C 5 1:И", "2027-03-21T20:19:00.000+05:00")
    assert unknown.reply == "«5» чек-парағы жоқ. Сіздің чек-парақтарыңыз: 1 counting."
