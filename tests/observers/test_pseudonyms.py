"""The one pseudonym rule (observers.pseudonyms): who meets a name, who meets "Observer 7F3A"."""

import re

import pytest
from django.utils import translation

from observers import pseudonyms
from observers.models import User
from tests.factories import CoordinatorFactory, ObserverFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_observer_has_a_stable_code_unique_in_the_organisation():
    organisation = OrganisationFactory()
    observers = [ObserverFactory(organisation=organisation) for _ in range(30)]
    codes = [observer.pseudonym for observer in observers]
    assert all(re.fullmatch(r"[0-9A-F]{4,}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    first = observers[0]
    first.first_name, first.last_name, first.phone = "", "", ""
    first.save()
    first.refresh_from_db()
    assert first.pseudonym == codes[0]  # erasing the personal data keeps the pseudonym


def test_a_colliding_code_is_drawn_again_in_a_new_organisation():
    first, second = OrganisationFactory(), OrganisationFactory()
    here = ObserverFactory(organisation=first)
    there = ObserverFactory(organisation=second)
    User.objects.filter(pk=there.pk).update(pseudonym=here.pseudonym)
    there.refresh_from_db()
    there.organisation = first
    there.save(update_fields=["organisation"])
    there.refresh_from_db()
    assert there.organisation_id == first.pk and there.pseudonym and there.pseudonym != here.pseudonym


def test_a_user_inserted_without_a_code_gets_one_when_named():
    organisation = OrganisationFactory()
    [user] = User.objects.bulk_create([User(username="bulk.one", organisation=organisation, role="observer")])
    user = User.objects.get(pk=user.pk)
    assert user.pseudonym == ""
    with translation.override("ru"):
        name = pseudonyms.pseudonym(user)
    assert name.startswith("Наблюдатель ") and name.endswith(User.objects.get(pk=user.pk).pseudonym)


def test_names_reach_only_the_observer_their_coordinators_and_administrators():
    organisation = OrganisationFactory()
    observer = ObserverFactory(organisation=organisation, first_name="Aigerim", last_name="Sadykova",
                               phone="+77011234567")
    own_coordinator = CoordinatorFactory(organisation=organisation)
    other_coordinator = CoordinatorFactory()
    own_reviewer = UserFactory(role=User.Role.REVIEWER, organisation=organisation)
    platform_reviewer = UserFactory(role=User.Role.REVIEWER)
    admin = UserFactory(role=User.Role.ADMIN)
    for viewer in (observer, own_coordinator, admin):
        assert pseudonyms.display_name(observer, viewer) == "Aigerim Sadykova"
        assert pseudonyms.phone_for(observer, viewer) == "+77011234567"
    with translation.override("kk"):
        for viewer in (other_coordinator, own_reviewer, platform_reviewer, None):
            assert pseudonyms.display_name(observer, viewer) == f"Бақылаушы {observer.pseudonym}"
            assert pseudonyms.phone_for(observer, viewer) == ""
