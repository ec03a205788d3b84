"""A counting checklist with every kind of question, a conditional and a critical one."""

import pytest

from checklists import services
from tests.factories import CoordinatorFactory, DeploymentFactory, ElectionFactory, ObserverFactory, StationFactory

EVERY_KIND = {
    "format": "observer-checklist", "code": "counting", "kind": "counting",
    "title": {"en": "Counting", "ru": "Подсчёт", "kk": "Санау"},
    "questions": [
        {"key": "observers-allowed", "kind": "yes_no", "required": True,
         "text": {"en": "Were observers allowed to see the ballots?", "ru": "Наблюдателям показали бюллетени?",
                  "kk": "Бақылаушыларға бюллетеньдер көрсетілді ме?"},
         "critical": {"values": ["no"], "severity": "critical", "category": "count-not-shown"}},
        {"key": "who-refused", "kind": "single", "show_if": {"key": "observers-allowed", "value": "no"},
         "text": {"en": "Who refused?", "ru": "Кто отказал?", "kk": "Кім бас тартты?"},
         "choices": [{"value": "chair", "label": {"en": "The chair", "ru": "Председатель", "kk": "Төраға"}},
                     {"value": "police", "label": {"en": "The police", "ru": "Полиция", "kk": "Полиция"}}]},
        {"key": "problems", "kind": "multiple", "text": {"en": "Problems seen", "ru": "Нарушения", "kk": "Бұзушылықтар"},
         "choices": [{"value": "carousel", "label": {"en": "Carousel", "ru": "Карусель", "kk": "Карусель"}},
                     {"value": "stuffing", "label": {"en": "Stuffing", "ru": "Вброс", "kk": "Лақтыру"}},
                     {"value": "none", "label": {"en": "None", "ru": "Нет", "kk": "Жоқ"}}]},
        {"key": "observers-present", "kind": "number", "min": 0, "max": 50,
         "text": {"en": "Observers present", "ru": "Наблюдателей", "kk": "Бақылаушылар"}},
        {"key": "count-started", "kind": "time", "text": {"en": "Count started at", "ru": "Начало", "kk": "Басталуы"}},
        {"key": "notes", "kind": "text", "text": {"en": "Notes", "ru": "Заметки", "kk": "Ескертпелер"}},
        {"key": "photo", "kind": "photo", "text": {"en": "Photo of the table", "ru": "Фото", "kk": "Фото"}},
    ],
}


@pytest.fixture
def counting(db):
    election = ElectionFactory(slug="mazhilis-2027")
    coordinator = CoordinatorFactory()
    station = StationFactory(code="101")
    coordinator.organisation.regions.add(station.commission.region)
    checklist, version, _changed = services.save_checklist(user=coordinator, election_id=election.pk,
                                                           document=EVERY_KIND)
    observer = ObserverFactory(organisation=coordinator.organisation)
    deployment = DeploymentFactory(observer=observer, election=election, station=station)
    return {"election": election, "coordinator": coordinator, "checklist": checklist, "version": version,
            "observer": observer, "deployment": deployment, "station": station}
