import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from observers import services
from observers.models import Accreditation, User
from tests.factories import TEST_PASSWORD, CoordinatorFactory, ObserverFactory, OrganisationFactory
from tests.observers.conftest import photo

pytestmark = pytest.mark.django_db

SIGN_UP = {"invitation_code": "JOIN-US", "username": "aigul", "password": TEST_PASSWORD,
           "first_name": "Aigul", "last_name": "Bekova", "phone": "+7 701 000 00 00"}


def test_sign_up_with_the_invitation_code_waits_for_a_coordinator(client, organisation):
    response = client.post(reverse("observers:sign-up"), {**SIGN_UP, "document": photo()},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain[-1][0] == reverse("observers:home")
    assert "Waiting for a coordinator" in response.text
    accreditation = Accreditation.objects.get(observer__username="aigul")
    assert accreditation.organisation == organisation and accreditation.status == "pending"
    assert len(accreditation.document_sha256) == 64 and accreditation.document_type == "image/jpeg"


def test_sign_up_refuses_a_wrong_code_and_a_fake_photo_and_creates_nothing(client, organisation):
    response = client.post(reverse("observers:sign-up"), {**SIGN_UP, "invitation_code": "nope", "document": photo()},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "No organisation has this invitation code" in response.text
    fake = SimpleUploadedFile("passport.jpg", b"%PDF-1.4 not a photo at all", content_type="image/jpeg")
    response = client.post(reverse("observers:sign-up"), {**SIGN_UP, "document": fake}, HTTP_ACCEPT_LANGUAGE="en")
    assert "not a readable photo" in response.text
    assert not User.objects.filter(username="aigul").exists()


def test_coordinator_sees_the_document_and_approves(client, coordinator, organisation):
    observer = services.sign_up(**SIGN_UP, document=photo())
    accreditation = observer.accreditation
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    listing = client.get(reverse("observers:accreditations"))
    assert "Aigul Bekova" in listing.text
    image = client.get(reverse("observers:document", args=[accreditation.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"
    client.post(reverse("observers:accreditation", args=[accreditation.pk]), {"decision": "approve"})
    accreditation.refresh_from_db()
    assert accreditation.status == "approved" and accreditation.decided_by == coordinator
    assert list(accreditation.events.values_list("to_status", flat=True)) == ["pending", "approved"]


def test_rejection_needs_a_reason_which_the_observer_then_reads(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    url = reverse("observers:accreditation", args=[observer.accreditation.pk])
    response = client.post(url, {"decision": "reject", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Give the observer a reason" in response.text
    client.post(url, {"decision": "reject", "reason": "The photo is blurred"})
    client.login(username="aigul", password=TEST_PASSWORD)
    home = client.get(reverse("observers:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Rejected" in home.text and "The photo is blurred" in home.text
    client.post(reverse("observers:resubmit-document"), {"document": photo("sharper.png", "PNG")})
    observer.accreditation.refresh_from_db()
    assert observer.accreditation.status == "pending" and observer.accreditation.document_type == "image/png"


def test_a_coordinator_of_another_organisation_sees_nothing(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    stranger = CoordinatorFactory(organisation=OrganisationFactory())
    client.login(username=stranger.username, password=TEST_PASSWORD)
    assert "Aigul" not in client.get(reverse("observers:accreditations")).text
    assert client.get(reverse("observers:accreditation", args=[observer.accreditation.pk])).status_code == 404
    assert client.get(reverse("observers:document", args=[observer.accreditation.pk])).status_code == 404
    response = client.post(reverse("observers:accreditation", args=[observer.accreditation.pk]), {"decision": "approve"})
    assert response.status_code == 404
    observer.accreditation.refresh_from_db()
    assert observer.accreditation.status == "pending"


def test_observers_and_reviewers_cannot_open_coordinator_pages_or_other_documents(client, coordinator):
    observer = services.sign_up(**SIGN_UP, document=photo())
    other = ObserverFactory(organisation=coordinator.organisation)
    client.login(username=other.username, password=TEST_PASSWORD)
    assert client.get(reverse("observers:accreditations")).status_code == 403
    assert client.get(reverse("observers:document", args=[observer.accreditation.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("observers:document", args=[observer.accreditation.pk])).status_code == 302


def test_revoked_observer_cannot_submit_but_keeps_what_was_sent(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation)
    services.ensure_may_submit(observer)
    services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                  decision="revoke", reason="Left the mission")
    with pytest.raises(PermissionDenied):
        services.ensure_may_submit(observer)
    assert User.objects.filter(pk=observer.pk).exists()


def test_illegal_transitions_are_refused(coordinator):
    observer = ObserverFactory(organisation=coordinator.organisation, accreditation="pending")
    with pytest.raises(ValidationError, match="cannot become"):
        services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=coordinator,
                                      decision="revoke", reason="x")
    with pytest.raises(PermissionDenied):
        services.decide_accreditation(accreditation_id=observer.accreditation.pk, coordinator=observer,
                                      decision="approve")


def test_coordinator_creates_an_observer_who_waits_for_approval(client, coordinator):
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    client.post(reverse("observers:new-observer"), {"first_name": "Nurlan", "phone": "+7 702 123 45 67", "username": "nurlan",
                                                     "password": TEST_PASSWORD})
    created = User.objects.get(username="nurlan")
    assert created.organisation == coordinator.organisation
    assert created.accreditation.status == "pending"


def test_admin_lists_follow_the_same_boundaries_as_the_pages(client, coordinator):
    """A coordinator who was given staff access still sees only their organisation in the admin."""
    from django.contrib.auth.models import Permission

    mine = ObserverFactory(organisation=coordinator.organisation, username="mine", accreditation="pending")
    ObserverFactory(organisation=OrganisationFactory(), username="theirs", accreditation="pending")
    coordinator.is_staff = True
    coordinator.save()
    coordinator.user_permissions.add(*Permission.objects.filter(codename__in=["view_accreditation", "view_user"]))
    client.login(username=coordinator.username, password=TEST_PASSWORD)
    listing = client.get("/admin/observers/accreditation/")
    assert listing.status_code == 200
    assert "mine" in listing.text and "theirs" not in listing.text
    users = client.get("/admin/observers/user/")
    assert "mine" in users.text and "theirs" not in users.text
    assert client.get(f"/admin/observers/accreditation/{mine.accreditation.pk}/change/").status_code == 200
    other = Accreditation.objects.exclude(organisation=coordinator.organisation).get()
    assert client.get(f"/admin/observers/accreditation/{other.pk}/change/").status_code in (302, 404)
