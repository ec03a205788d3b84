"""The desk walk (#17) on the coordinator's pages: the accreditation decision, deploying an observer
found by typing, and where a login lands."""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from checklists import services as checklist_services
from observers.models import Accreditation, Deployment
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    CoordinatorFactory,
    ElectionFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
)
from tests.observers.test_sign_in import page_login
from tests.two_factor import current_code, enrolled_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    region = RegionFactory(name="Almaty", country="KZ")
    organisation = OrganisationFactory()
    organisation.regions.add(region)
    coordinator = CoordinatorFactory(organisation=organisation)
    commission = CommissionFactory(region=region)
    school = StationFactory(commission=commission, code="412", name="School No. 12", address="Abay avenue 10")
    library = StationFactory(commission=commission, code="413", name="Library", address="Dostyk 5")
    elsewhere = StationFactory(commission=CommissionFactory(region=RegionFactory(name="Astana", country="KZ")),
                               code="412", name="School No. 12 (Astana)")
    for code in range(500, 504):
        StationFactory(commission=commission, code=str(code), name=f"Polling room {code}", address="Satpaev 3")
    election = ElectionFactory(country="KZ")
    return {"coordinator": coordinator, "organisation": organisation, "school": school, "library": library,
            "elsewhere": elsewhere, "election": election}


def _pending(organisation, **names):
    return ObserverFactory(organisation=organisation, accreditation=Accreditation.Status.PENDING, **names).accreditation


def _radios(html, name):
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]+)"[^>]*>', html)


def test_the_decision_is_an_explicit_translated_choice_and_revoke_only_for_an_approved_one(client, desk):
    accreditation = _pending(desk["organisation"], first_name="Aigerim", last_name="Sadykova")
    client.login(username=desk["coordinator"].username, password=TEST_PASSWORD)
    url = reverse("observers:accreditation", args=[accreditation.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ru").text
    assert "<legend>Решение</legend>" in page and "Decision:" not in page
    assert _radios(page, "decision") == ["approve", "reject"]  # no "revoke" for a pending one
    assert " checked" not in page  # nothing chosen for the coordinator

    # Sent without a choice: refused, nothing changes.
    refused = client.post(url, {"reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200 and "This field is required." in refused.text
    accreditation.refresh_from_db()
    assert accreditation.status == "pending"

    # Approved: the page comes back and offers to deploy the observer, with them picked already.
    approved = client.post(url, {"decision": "approve"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert approved.redirect_chain[-1][0] == url and "Decision recorded." in approved.text
    deploy = f'{reverse("observers:deployments")}?observer={accreditation.observer_id}#deploy'
    assert f'href="{deploy}"' in approved.text
    assert _radios(approved.text, "decision") == ["revoke"]
    form = client.get(deploy.split("#")[0], HTTP_ACCEPT_LANGUAGE="en").text
    assert re.search(r'<details class="card" id="deploy"\s+open>', form)
    assert 'value="Aigerim Sadykova (' in form
    assert f'name="observer" value="{accreditation.observer_id}"' in form


def test_the_deploy_page_has_one_election_field_and_no_hand_set_sample_box(client, desk):
    client.login(username=desk["coordinator"].username, password=TEST_PASSWORD)
    page = client.get(reverse("observers:deployments"), HTTP_ACCEPT_LANGUAGE="en").text
    assert page.count('id="id_election"') == 1
    assert "in_random_sample" not in page.split("Deploy many from a CSV file")[0]
    assert "Part of the random sample" not in page


def test_search_as_you_type_finds_only_the_coordinators_accredited_observers_and_regions_stations(client, desk):
    ours = ObserverFactory(organisation=desk["organisation"], first_name="Aigerim", last_name="Sadykova")
    _pending(desk["organisation"], first_name="Aigul", last_name="Pending")
    ObserverFactory(organisation=OrganisationFactory(), first_name="Aigerim", last_name="Foreign")
    client.login(username=desk["coordinator"].username, password=TEST_PASSWORD)
    found = client.get(reverse("observers:search-observers"), {"q": "aig"}).json()["results"]
    assert found == [{"id": ours.pk, "label": f"Aigerim Sadykova ({ours.username})"}]

    stations = client.get(reverse("observers:search-stations"),
                          {"q": "school", "election": desk["election"].pk}).json()["results"]
    assert [(item["code"], item["name"], item["address"], item["region"]) for item in stations] == [
        ("412", "School No. 12", "Abay avenue 10", "Almaty")]  # not Astana's, outside the regions
    by_number = client.get(reverse("observers:search-stations"), {"q": "41"}).json()["results"]
    assert [item["code"] for item in by_number] == ["412", "413"]
    assert client.get(reverse("observers:search-stations"), {"q": ""}).json() == {"results": []}
    # Names go out as JSON data, never as markup the page would run.
    assert json.loads(client.get(reverse("observers:search-stations"), {"q": "412"}).content)

    client.login(username=ObserverFactory().username, password=TEST_PASSWORD)
    assert client.get(reverse("observers:search-stations"), {"q": "412"}).status_code == 403
    assert client.get(reverse("observers:search-observers"), {"q": "aig"}).status_code == 403


def test_deploying_a_picked_station_marks_the_sample_from_the_drawn_sample(client, desk):
    observer = ObserverFactory(organisation=desk["organisation"])
    election = desk["election"]
    sample = checklist_services.draw_sample(user=desk["coordinator"], election_id=election.pk, size=4, seed=1)
    sampled = set(sample.stations.values_list("station_id", flat=True))
    client.login(username=desk["coordinator"].username, password=TEST_PASSWORD)
    for station in (desk["school"], desk["library"]):
        response = client.post(reverse("observers:deployments"), {
            "observer": observer.pk, "observer_query": observer.username, "election": election.pk,
            "station": station.pk, "station_query": station.code}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 302
    flags = dict(Deployment.objects.values_list("station_id", "in_random_sample"))
    assert flags == {pk: pk in sampled for pk in (desk["school"].pk, desk["library"].pk)}
    assert set(flags.values()) == {True, False}  # this seed draws one of the two: both cases seen


def test_a_station_outside_the_regions_cannot_be_picked_by_its_id(client, desk):
    observer = ObserverFactory(organisation=desk["organisation"])
    client.login(username=desk["coordinator"].username, password=TEST_PASSWORD)
    response = client.post(reverse("observers:deployments"), {
        "observer": observer.pk, "observer_query": observer.username, "election": desk["election"].pk,
        "station": desk["elsewhere"].pk, "station_query": "412"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and not Deployment.objects.exists()


@pytest.mark.parametrize(("role", "landing"), [("reviewer", "protocols:review"), ("coordinator", "dashboard:index")])
def test_a_login_lands_on_the_first_page_of_the_role(role, landing):
    user = CoordinatorFactory() if role == "coordinator" else UserFactory(role=role)
    device = enrolled_device(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert page_login(client, user).status_code == 302
    landed = client.post("/accounts/two-factor/verify/", {"code": current_code(device)}, follow=True)
    assert landed.redirect_chain[-1][0] == reverse(landing) and landed.status_code == 200
