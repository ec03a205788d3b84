"""Checklists as data: the editor, export and import; answers stored once; critical answers -> one incident."""

import copy
import io
import json
import re
import uuid

import pytest

from checklists import services
from checklists.models import Checklist, Submission
from incidents.models import Incident
from tests.checklists.conftest import EVERY_KIND
from tests.factories import ElectionFactory, evidence_file

pytestmark = pytest.mark.django_db


def _editor_post(document):
    """What a coordinator types into the editor page for `document` (the formset's fields)."""
    data = {"code": document["code"], "kind": document["kind"],
            **{f"title_{lang}": text for lang, text in document["title"].items()},
            "q-TOTAL_FORMS": str(len(document["questions"])), "q-INITIAL_FORMS": "0",
            "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "200"}
    for index, item in enumerate(document["questions"]):
        prefix = f"q-{index}-"
        data |= {prefix + "key": item["key"], prefix + "kind": item["kind"],
                 **{prefix + f"text_{lang}": text for lang, text in item["text"].items()}}
        if item.get("required"):
            data[prefix + "required"] = "on"
        if item.get("choices"):
            data[prefix + "choices"] = "\n".join(
                f"{c['value']} | {c['label']['en']} | {c['label']['ru']} | {c['label']['kk']}" for c in item["choices"])
        for name in ("min", "max"):
            if item.get(name) is not None:
                data[prefix + f"{name}_value"] = str(item[name])
        if item.get("show_if"):
            data[prefix + "show_if_key"], data[prefix + "show_if_value"] = item["show_if"]["key"], item["show_if"]["value"]
        if item.get("critical"):
            data[prefix + "critical_values"] = ", ".join(item["critical"]["values"])
            data[prefix + "critical_severity"] = item["critical"]["severity"]
            data[prefix + "critical_category"] = item["critical"]["category"]
    return data


def _comparable(document):
    document = copy.deepcopy(document)
    document.pop("format_version", None)
    document.setdefault("format", "observer-checklist")
    for item in document["questions"]:
        item.setdefault("required", False)
        if item["kind"] == "number":
            item.setdefault("min", None)
            item.setdefault("max", None)
    return document


def test_a_form_with_every_question_type_round_trips_through_editor_export_and_import(client, counting):
    election = ElectionFactory(slug="senate-2027")
    client.force_login(counting["coordinator"])
    response = client.post(f"/checklists/{election.slug}/new/", _editor_post(EVERY_KIND))
    assert response.status_code == 302, response.content.decode()[:3000]
    made = Checklist.objects.get(election=election)
    exported = client.get(f"/checklists/{election.slug}/{made.pk}.json")
    document = json.loads(exported.content)
    assert _comparable(document) == _comparable(EVERY_KIND)
    assert document["questions"][1]["show_if"] == {"key": "observers-allowed", "value": "no"}

    other = ElectionFactory(slug="maslikhat-2027")
    upload = io.BytesIO(exported.content)
    upload.name = "counting.json"
    assert client.post(f"/checklists/{other.slug}/import/", {"file": upload}).status_code == 302
    imported = Checklist.objects.get(election=other)
    again = json.loads(client.get(f"/checklists/{other.slug}/{imported.pk}.json").content)
    assert again == document
    # The editor shows the imported form: saving it unchanged makes no new version.
    page = client.get(f"/checklists/{other.slug}/{imported.pk}/")
    assert "Who refused?" in page.content.decode()
    client.post(f"/checklists/{other.slug}/{imported.pk}/", _editor_post(document))
    assert imported.versions.count() == 1


def test_a_broken_file_is_refused_with_a_clear_error_and_changes_nothing(client, counting):
    client.force_login(counting["coordinator"])
    broken = copy.deepcopy(EVERY_KIND)
    broken["questions"][1]["show_if"] = {"key": "observers-allowed", "value": "maybe"}
    upload = io.BytesIO(json.dumps(broken).encode())
    upload.name = "bad.json"
    other = ElectionFactory()
    response = client.post(f"/checklists/{other.slug}/import/", {"file": upload}, follow=True,
                           headers={"Accept-Language": "en"})
    assert "Question 2: it depends on an answer the earlier question does not offer." in response.content.decode()
    assert not Checklist.objects.filter(election=other).exists()


def test_changing_a_form_after_answers_arrive_makes_a_new_version_and_answers_keep_theirs(counting):
    services.submit_answers(observer=counting["observer"], client_id=uuid.uuid4(),
                            deployment_id=counting["deployment"].pk, version_id=counting["version"].pk,
                            answers={"observers-allowed": "yes"})
    changed = copy.deepcopy(EVERY_KIND)
    changed["questions"][0]["text"]["en"] = "Could observers see every ballot?"
    checklist, version, was_changed = services.save_checklist(
        user=counting["coordinator"], election_id=counting["election"].pk, document=changed,
        checklist_id=counting["checklist"].pk)
    assert was_changed and version.number == 2
    assert Submission.objects.get().version == counting["version"]
    assert counting["version"].questions.get(key="observers-allowed").text_en.startswith("Were observers")


def test_answers_sent_twice_are_stored_once(client, counting):
    client.force_login(counting["observer"])
    client_id = str(uuid.uuid4())
    payload = {"client_id": client_id, "deployment": counting["deployment"].pk, "version": counting["version"].pk,
               "q_observers-allowed": "yes", "q_problems": ["carousel", "stuffing"], "q_observers-present": "3",
               "q_count-started": "20:05", "q_notes": "=HYPERLINK(1)"}
    first = client.post("/checklists/api/answers/", payload, content_type="application/json")
    second = client.post("/checklists/api/answers/", payload, content_type="application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    submission = Submission.objects.get()
    assert submission.payload == {"observers-allowed": "yes", "problems": ["carousel", "stuffing"],
                                  "observers-present": 3, "count-started": "20:05", "notes": "=HYPERLINK(1)"}
    # The HTML form with the same client_id is the same submission too.
    form = {**payload, "q_problems": ["carousel"]}
    client.post(f"/checklists/answer/{counting['deployment'].pk}/{counting['checklist'].pk}/", form)
    assert Submission.objects.count() == 1


def test_a_correction_is_a_new_version_and_the_first_is_kept(counting):
    common = {"observer": counting["observer"], "deployment_id": counting["deployment"].pk,
              "version_id": counting["version"].pk}
    first, _ = services.submit_answers(client_id=uuid.uuid4(), answers={"observers-allowed": "yes"}, **common)
    second, _ = services.submit_answers(client_id=uuid.uuid4(), answers={"observers-allowed": "yes",
                                                                          "notes": "fixed"}, **common)
    first.refresh_from_db()
    assert (first.is_latest, second.is_latest, second.replaces_id) == (False, True, first.pk)


def test_bad_answers_get_errors_by_question_and_change_nothing(client, counting):
    client.force_login(counting["observer"])
    response = client.post("/checklists/api/answers/", {
        "client_id": str(uuid.uuid4()), "deployment": counting["deployment"].pk, "version": counting["version"].pk,
        "q_observers-present": "99", "q_count-started": "25:00", "q_problems": ["bribes"]},
        content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"observers-allowed", "observers-present", "count-started", "problems"}
    assert not Submission.objects.exists()


def test_a_hidden_question_is_not_stored_and_a_shown_one_is(counting):
    common = {"observer": counting["observer"], "deployment_id": counting["deployment"].pk,
              "version_id": counting["version"].pk}
    hidden, _ = services.submit_answers(client_id=uuid.uuid4(),
                                        answers={"observers-allowed": "yes", "who-refused": "chair"}, **common)
    assert "who-refused" not in hidden.payload


def test_a_critical_answer_raises_exactly_one_incident(counting):
    common = {"deployment_id": counting["deployment"].pk, "version_id": counting["version"].pk}
    answers = {"observers-allowed": "no", "who-refused": "chair"}
    first, _ = services.submit_answers(observer=counting["observer"], client_id=uuid.uuid4(), answers=answers,
                                       **common)
    services.submit_answers(observer=counting["observer"], client_id=uuid.uuid4(), answers=answers, **common)
    incident = Incident.objects.get()
    assert (incident.category.code, incident.severity, incident.station) == ("count-not-shown", "critical",
                                                                             counting["station"])
    assert incident.checklist_alert.submission == first
    assert "Were observers allowed to see the ballots?" in incident.description


def test_a_photo_answer_takes_only_the_observers_own_upload(counting):
    own = evidence_file(uploaded_by=counting["observer"], purpose="other", station=counting["station"].pk,
                        election=counting["election"].pk)
    stranger = evidence_file(purpose="other")
    common = {"observer": counting["observer"], "deployment_id": counting["deployment"].pk,
              "version_id": counting["version"].pk}
    with pytest.raises(services.ValidationError) as refused:
        services.submit_answers(client_id=uuid.uuid4(), answers={"observers-allowed": "yes",
                                                                  "photo": [stranger.pk]}, **common)
    assert "photo" in refused.value.message_dict
    stored, _ = services.submit_answers(client_id=uuid.uuid4(), answers={"observers-allowed": "yes",
                                                                          "photo": [str(own.pk)]}, **common)
    assert stored.answers.get(key="photo").evidence_id == own.pk


@pytest.mark.parametrize("body", [
    "[1, 2]", "not json", '{"version": "x"}', '{"version": {"a": 1}}',
    '{"client_id": "nope", "deployment": "%(d)s", "version": "%(v)s", "q_observers-allowed": "yes"}',
    '{"client_id": "%(u)s", "deployment": [1], "version": "%(v)s"}',
    '{"client_id": "%(u)s", "deployment": "%(d)s", "version": "%(v)s", "q_observers-allowed": {"a": 1},'
    ' "q_problems": 7, "q_observers-present": [1, 2], "q_count-started": null, "q_photo": ["x", {"y": 1}],'
    ' "q_notes": 12}',
])
def test_hostile_answer_payloads_get_a_clear_400_and_store_nothing(client, counting, body):
    client.force_login(counting["observer"])
    payload = body % {"d": counting["deployment"].pk, "v": counting["version"].pk, "u": uuid.uuid4()}
    response = client.post("/checklists/api/answers/", payload, content_type="application/json")
    assert response.status_code == 400, response.content
    assert not Submission.objects.exists()


def test_a_conditional_question_comes_hidden_unless_its_condition_holds(client, counting):
    """Rendered hidden, so the page does not jump when the script hides it (Lighthouse's layout shift);
    shown again when the form comes back (an error) with the answer that opens it."""
    client.force_login(counting["observer"])
    url = f"/checklists/answer/{counting['deployment'].pk}/{counting['checklist'].pk}/"
    fresh = client.get(url, headers={"Accept-Language": "en"}).content.decode()
    assert re.search(r'<fieldset id="question-who-refused"[^>]* hidden>', fresh)
    assert not re.search(r'<fieldset id="question-observers-allowed"[^>]* hidden>', fresh)
    refused = client.post(url, {"client_id": str(uuid.uuid4()), "deployment": counting["deployment"].pk,
                                "version": counting["version"].pk, "q_observers-allowed": "no",
                                "q_observers-present": "500"}, headers={"Accept-Language": "en"})
    assert refused.status_code == 200  # 500 observers is out of range: the form comes back
    assert re.search(r'<fieldset id="question-who-refused"[^>]*>', refused.content.decode())
    assert not re.search(r'<fieldset id="question-who-refused"[^>]* hidden>', refused.content.decode())


def test_hostile_text_in_a_checklist_is_shown_as_text_on_the_answer_and_statistics_pages(client, counting):
    hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    document = copy.deepcopy(EVERY_KIND)
    document["code"] = "hostile"
    document["title"] = {"en": f"Title {hostile}", "ru": "Т", "kk": "Т"}
    document["questions"][0]["text"]["en"] = f"Question {hostile}"
    document["questions"][1]["choices"][0]["label"]["en"] = f"Choice {hostile}"
    checklist, _version, _changed = services.save_checklist(user=counting["coordinator"],
                                                            election_id=counting["election"].pk, document=document)
    client.force_login(counting["observer"])
    answer = client.get(f"/checklists/answer/{counting['deployment'].pk}/{checklist.pk}/",
                        headers={"Accept-Language": "en"}).content.decode()
    client.force_login(counting["coordinator"])
    statistics = client.get(f"/checklists/{counting['election'].slug}/statistics/",
                            headers={"Accept-Language": "en"}).content.decode()
    for page in (answer, statistics):
        assert "<script>alert(2)" not in page and '<img src=x onerror' not in page
    assert "Question &lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in answer
    assert "Choice &lt;img" in answer and "Title &lt;img" in statistics
