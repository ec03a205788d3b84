import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents import services
from incidents.models import Incident, IncidentCategory, IncidentEvent, IncidentRevision
from observers.models import Accreditation, CheckIn
from tests.factories import (
    CoordinatorFactory,
    DeploymentFactory,
    IncidentFactory,
    ObserverFactory,
    OrganisationFactory,
    RegionFactory,
)

pytestmark = pytest.mark.django_db
Status = Incident.Status


def report(observer, categories, **extra):
    values = {"observer": observer, "client_id": uuid.uuid4(), "category_id": categories["ballot-stuffing"].pk,
              "description": "A man put a stack of ballots in the box."}
    values.update(extra)
    return services.report_incident(**values)


def test_shipped_categories_are_installed_with_kazakh_and_russian_names_and_urgency():
    categories = {category.code: category for category in IncidentCategory.objects.all()}
    assert len(categories) == 15
    assert categories["observer-denied-access"].urgent and categories["observer-threatened"].urgent
    assert not categories["ballot-stuffing"].urgent
    assert "қ" in categories["observer-threatened"].name_kk and "ғ" in categories["observer-threatened"].name_kk
    assert categories["ballot-stuffing"].name_ru == "Вброс бюллетеней"


def test_reinstalling_categories_keeps_an_administrators_edits(categories):
    IncidentCategory.objects.filter(code="other").update(name_en="Something else", urgent=True)
    services.install_shipped_categories()
    other = IncidentCategory.objects.get(code="other")
    assert (other.name_en, other.urgent) == ("Something else", True)


def test_report_defaults_to_the_station_where_the_observer_checked_in(observer, deployment, categories):
    DeploymentFactory(observer=observer, organisation=observer.organisation)  # an older deployment elsewhere
    CheckIn.objects.create(deployment=deployment, client_id=uuid.uuid4(), kind=CheckIn.Kind.CHECK_IN)
    incident, created = report(observer, categories)
    assert created and incident.station == deployment.station and incident.status == Status.NEW
    assert incident.severity == "critical" and incident.occurred_at is not None


def test_resent_report_is_stored_once(observer, deployment, categories):
    client_id = uuid.uuid4()
    first, created = report(observer, categories, client_id=client_id, deployment_id=deployment.pk)
    again, created_again = report(observer, categories, client_id=client_id, deployment_id=deployment.pk)
    assert created and not created_again and first.pk == again.pk
    assert Incident.objects.count() == 1


def test_unaccredited_observer_cannot_report(deployment, categories):
    Accreditation.objects.filter(observer=deployment.observer).update(status=Accreditation.Status.REVOKED)
    with pytest.raises(PermissionDenied):
        report(deployment.observer, categories, deployment_id=deployment.pk)


def test_observer_cannot_report_for_a_station_they_are_not_deployed_at(observer, categories):
    other = DeploymentFactory()
    with pytest.raises(ValidationError):
        report(observer, categories, deployment_id=other.pk)


def test_author_edits_until_triage_and_every_change_is_kept(observer, deployment, coordinator, categories):
    incident, _ = report(observer, categories, deployment_id=deployment.pk)
    services.edit_incident(observer=observer, incident_id=incident.pk, description="Two stacks of ballots.")
    revision = IncidentRevision.objects.get(incident=incident)
    assert revision.previous == {"description": "A man put a stack of ballots in the box."}
    assert revision.changed_by == observer
    services.add_comment(coordinator=coordinator, incident_id=incident.pk, comment="Calling the observer.")
    with pytest.raises(ValidationError):
        services.edit_incident(observer=observer, incident_id=incident.pk, description="Changed later.")
    incident.refresh_from_db()
    assert incident.description == "Two stacks of ballots."


def test_another_observer_cannot_edit_a_report(observer, deployment, categories):
    incident, _ = report(observer, categories, deployment_id=deployment.pk)
    stranger = ObserverFactory(organisation=observer.organisation)
    with pytest.raises(PermissionDenied):
        services.edit_incident(observer=stranger, incident_id=incident.pk, description="Nothing happened.")


def test_triage_moves_through_the_workflow_and_keeps_who_and_when(deployment, coordinator):
    incident = IncidentFactory(deployment=deployment)
    for target in (Status.VERIFIED, Status.ESCALATED, Status.RESOLVED):
        services.change_status(coordinator=coordinator, incident_id=incident.pk, to=target, comment=f"now {target}")
    events = list(IncidentEvent.objects.filter(incident=incident).values_list("from_status", "to_status", "actor"))
    assert events == [("new", "verified", coordinator.pk), ("verified", "escalated", coordinator.pk),
                      ("escalated", "resolved", coordinator.pk)]


@pytest.mark.parametrize(("start", "target"), [
    (Status.NEW, Status.ESCALATED), (Status.NEW, Status.RESOLVED), (Status.NOT_CONFIRMED, Status.ESCALATED),
    (Status.RESOLVED, Status.NEW), (Status.VERIFIED, Status.NEW), (Status.ESCALATED, Status.VERIFIED),
])
def test_illegal_transitions_are_refused(deployment, coordinator, start, target):
    incident = IncidentFactory(deployment=deployment, status=start)
    with pytest.raises(ValidationError):
        services.change_status(coordinator=coordinator, incident_id=incident.pk, to=target)
    incident.refresh_from_db()
    assert incident.status == start and not incident.events.exists()


def test_observer_cannot_triage_even_their_own_report(deployment):
    incident = IncidentFactory(deployment=deployment)
    with pytest.raises(PermissionDenied):
        services.change_status(coordinator=deployment.observer, incident_id=incident.pk, to=Status.VERIFIED)


def test_coordinator_of_another_organisation_or_region_cannot_triage(deployment, region):
    incident = IncidentFactory(deployment=deployment)
    foreign = CoordinatorFactory(organisation=OrganisationFactory())
    foreign.organisation.regions.add(region)
    same_ngo_other_region = CoordinatorFactory(organisation=deployment.organisation)
    same_ngo_other_region.regions.add(RegionFactory())
    for outsider in (foreign, same_ngo_other_region):
        with pytest.raises(PermissionDenied):
            services.change_status(coordinator=outsider, incident_id=incident.pk, to=Status.VERIFIED)


def test_complaint_only_from_a_verified_or_escalated_incident(deployment, coordinator):
    incident = IncidentFactory(deployment=deployment)
    with pytest.raises(ValidationError):
        services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk, language="ru")
    services.change_status(coordinator=coordinator, incident_id=incident.pk, to=Status.VERIFIED)
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk, language="kk",
                                          level="territorial")
    assert complaint.addressed_to == "Almaly district commission"
    precinct, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk, language="ru")
    assert "№ 412" in precinct.addressed_to


def test_filing_sets_the_answer_deadline_from_the_setting(deployment, coordinator, settings):
    settings.COMPLAINT_ANSWER_DAYS = 5
    incident = IncidentFactory(deployment=deployment, status=Status.ESCALATED)
    complaint, _ = services.create_complaint(coordinator=coordinator, client_id=uuid.uuid4(), incident_id=incident.pk, language="ru")
    filed = datetime.datetime(2027, 3, 22, 10, 0, tzinfo=datetime.UTC)
    complaint = services.record_filing(coordinator=coordinator, complaint_id=complaint.pk, filed_at=filed,
                                       filed_where="UIK 412, handed to the secretary")
    assert complaint.answer_due == datetime.date(2027, 3, 27)
