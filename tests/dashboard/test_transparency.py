"""The public transparency page (rec. 17.1): off by default; when an administrator switches it on,
anyone sees per-station official figures beside the NGO's confirmed observer figures and the
protocol photos the NGO published, as EXIF-free web copies, and nothing that names an observer."""

import io
import re
import uuid

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from PIL import ExifTags, Image

from dashboard import public
from evidence.services import process_original
from protocols import services as protocol_services
from protocols.models import Discrepancy, PhotoPublication, ResultSource
from protocols.official_import import import_official_results
from tests.factories import (
    TEST_PASSWORD,
    CommissionFactory,
    ContestantFactory,
    CoordinatorFactory,
    DeploymentFactory,
    ElectionFactory,
    ObserverFactory,
    RegionFactory,
    StationFactory,
    UserFactory,
    evidence_file,
    photo_bytes,
)

pytestmark = pytest.mark.django_db

SLUG = "akim-2027"
PROTOCOL = {"L1": 1500, "L2": 1200, "L3": 900, "L4": 890, "L5": 3, "L6": 297, "L7": 10,
            "L8.1": 500, "L8.2": 300, "L8.3": 70, "L9": 10}
MOVED = {**PROTOCOL, "L8.1": 540, "L8.2": 260}
COLUMNS = list(PROTOCOL)
# The observer whose identity must never reach the public page.
NAME, SURNAME, USERNAME, PHONE = "Zhanargul", "Qyzyljarova", "zhanargul.q77", "+77015550199"


def exif_with_position():
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.Model] = "Galaxy A52"
    exif[ExifTags.Base.Artist] = USERNAME
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 14.0, 20.4)
    return exif


@pytest.fixture
def public_world(settings, tmp_path):
    """Three stations with official results. Station 1: a copy equal to the official one; station
    2: a copy with votes moved, the flag confirmed by a reviewer; station 3: a copy with votes
    moved, the flag still open. Two photos of station 1's protocol: one published, one not."""
    settings.EVIDENCE_UPLOAD_DIR = tmp_path / "uploads"
    settings.MEDIA_ROOT = tmp_path / "media"  # the stored photos stay out of the run's shared media folder
    almaty, astana = RegionFactory(code="ALA", name="Almaty"), RegionFactory(code="AST", name="Astana")
    commission = CommissionFactory(region=almaty, code="ALA-1", name="Almaty TEC 1")
    stations = [StationFactory(commission=commission, code="1"), StationFactory(commission=commission, code="2"),
                StationFactory(commission=CommissionFactory(region=astana, code="AST-1"), code="3")]
    election = ElectionFactory(name="Akim 2027", slug=SLUG, public_transparency=True)
    for number, name in ((1, "AMANAT"), (2, "Auyl"), (3, "Respublica")):
        ContestantFactory(election=election, ballot_number=number, name=name)
    source = ResultSource.objects.create(code="t", name="t", region_column="r", commission_column="c",
                                         station_column="s", line_columns={code: code for code in COLUMNS})
    rows = ["r,c,s," + ",".join(COLUMNS)]
    for region, commission_code, station in (("ALA", "ALA-1", "1"), ("ALA", "ALA-1", "2"), ("AST", "AST-1", "3")):
        rows.append(f"{region},{commission_code},{station}," + ",".join(str(PROTOCOL[code]) for code in COLUMNS))
    import_official_results(election=election, source=source, stream=io.BytesIO("\n".join(rows).encode()),
                            file_name="r.csv")
    observer = ObserverFactory(first_name=NAME, last_name=SURNAME, username=USERNAME, phone=PHONE)
    for station, figures in zip(stations, (PROTOCOL, MOVED, MOVED), strict=True):
        deployment = DeploymentFactory(observer=observer, election=election, station=station)
        protocol_services.submit_copy(observer=observer, deployment_id=deployment.pk, client_id=uuid.uuid4(),
                                      figures=figures)
    protocol_services.check_stations(election_id=election.pk)
    reviewer = UserFactory(role="reviewer")
    flag = Discrepancy.objects.get(station=stations[1], kind="mismatch")
    protocol_services.decide(discrepancy_id=flag.pk, reviewer=reviewer, decision="confirm")
    photos = []
    for seed in (1, 2):
        photo = evidence_file(uploaded_by=observer, data=photo_bytes(seed=seed, exif=exif_with_position()),
                              station=stations[0].pk, election=election.pk, purpose="protocol_photo")
        process_original(original_id=photo.original_id)
        photos.append(photo)
    protocol_services.decide_photo_publication(evidence_id=photos[0].pk, user=reviewer, publish=True)
    coordinator = CoordinatorFactory(organisation=observer.organisation)
    coordinator.regions.add(almaty)
    return {"election": election, "stations": stations, "observer": observer, "published": photos[0],
            "unpublished": photos[1], "reviewer": reviewer, "coordinator": coordinator, "almaty": almaty}


def _urls(world):
    return [reverse("transparency:stations", args=[SLUG]),
            *[reverse("transparency:station", args=[SLUG, station.pk]) for station in world["stations"]],
            reverse("transparency:photo", args=[SLUG, world["published"].pk])]


def test_the_page_is_off_unless_an_administrator_switched_it_on(client, public_world):
    public_world["election"].public_transparency = False
    public_world["election"].save()
    for url in _urls(public_world):
        assert client.get(url).status_code == 404, url
    assert ElectionFactory().public_transparency is False  # off by default


def test_when_on_anyone_sees_official_figures_beside_the_confirmed_observer_figures(client, public_world):
    stations = public_world["stations"]
    listing = client.get(reverse("transparency:stations", args=[SLUG]), HTTP_ACCEPT_LANGUAGE="en")
    assert listing.status_code == 200
    rows = {row["station"].code: row for row in listing.context["rows"]}
    assert {code: (row["official"], row["confirmed"], row["differing"], row["photos"])
            for code, row in rows.items()} == {"1": (True, 1, 0, 1), "2": (True, 1, 2, 0), "3": (True, 0, 0, 0)}

    agrees = client.get(reverse("transparency:station", args=[SLUG, stations[0].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Observer copy 1: agrees with the official result" in agrees.text
    amanat = next(row for row in agrees.context["rows"] if row["label"].endswith("AMANAT"))
    assert (amanat["official"], amanat["observed"], amanat["differs"]) == (500, [500], False)

    reviewed = client.get(reverse("transparency:station", args=[SLUG, stations[1].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "confirmed by a reviewer against the photo" in reviewed.text
    amanat = next(row for row in reviewed.context["rows"] if row["label"].endswith("AMANAT"))
    assert (amanat["official"], amanat["observed"], amanat["differs"]) == (500, [540], True)

    open_flag = client.get(reverse("transparency:station", args=[SLUG, stations[2].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert open_flag.context["copies"] == []  # its flag waits for a reviewer: not published yet
    assert "No confirmed observer copy for this station." in open_flag.text
    assert all(row["observed"] == [] for row in open_flag.context["rows"])
    assert not re.search(r">\s*540\s*<", open_flag.text)  # the unconfirmed figure is in no cell (540 may be an ID)


def test_a_copy_judged_an_observers_mistake_is_not_published(client, public_world):
    flag = Discrepancy.objects.get(station=public_world["stations"][2], kind="mismatch")
    protocol_services.decide(discrepancy_id=flag.pk, reviewer=public_world["reviewer"], decision="observer_error",
                             comment="typo in line 8.1")
    page = client.get(reverse("transparency:station", args=[SLUG, public_world["stations"][2].pk]))
    assert page.context["copies"] == []


def test_region_filter_and_pages(client, public_world, monkeypatch):
    url = reverse("transparency:stations", args=[SLUG])
    astana_only = client.get(url, {"region": public_world["stations"][2].commission.region_id})
    assert [row["station"].code for row in astana_only.context["rows"]] == ["3"]
    monkeypatch.setattr(public, "STATIONS_PER_PAGE", 2)
    first, second = client.get(url), client.get(url, {"page": 2})
    assert [row["station"].code for row in first.context["rows"]] == ["1", "2"]
    assert [row["station"].code for row in second.context["rows"]] == ["3"]
    assert "page=2" in first.text
    refused = client.get(url, {"region": "nowhere"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and b"Unknown region" in refused.content


def test_the_published_photo_is_a_web_copy_without_exif(client, public_world):
    response = client.get(reverse("transparency:photo", args=[SLUG, public_world["published"].pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    data = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    with default_storage.open(public_world["published"].original.key, "rb") as stream:
        original = stream.read()
    assert b"Samsung" in original and USERNAME.encode() in original  # the original carries them...
    assert b"Samsung" not in data and USERNAME.encode() not in data  # ...the published copy does not
    page = client.get(reverse("transparency:station", args=[SLUG, public_world["stations"][0].pk]))
    assert reverse("transparency:photo", args=[SLUG, public_world["published"].pk]) in page.text
    assert reverse("transparency:photo", args=[SLUG, public_world["unpublished"].pk]) not in page.text


def test_an_unpublished_photo_is_not_reachable_even_by_guessing_its_url(client, public_world):
    unpublished = public_world["unpublished"]
    assert client.get(reverse("transparency:photo", args=[SLUG, unpublished.pk])).status_code == 404
    assert client.get(reverse("transparency:photo", args=[SLUG, unpublished.pk + 1000])).status_code == 404
    # Taken down again: gone at once.
    protocol_services.decide_photo_publication(evidence_id=public_world["published"].pk,
                                               user=public_world["reviewer"], publish=False)
    assert client.get(reverse("transparency:photo", args=[SLUG, public_world["published"].pk])).status_code == 404
    # Published for this election only: another public election's URL does not serve it.
    ElectionFactory(slug="other-2027", public_transparency=True)
    protocol_services.decide_photo_publication(evidence_id=unpublished.pk, user=public_world["reviewer"], publish=True)
    assert client.get(reverse("transparency:photo", args=["other-2027", unpublished.pk])).status_code == 404
    assert client.get(reverse("transparency:photo", args=[SLUG, unpublished.pk])).status_code == 200


def test_no_observer_identity_appears_anywhere_on_it(client, public_world):
    observer = public_world["observer"]
    for language in ("en", "ru", "kk"):
        for url in _urls(public_world):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert response.status_code == 200
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for secret in (NAME, SURNAME, USERNAME, PHONE, f"/observers/{observer.pk}/"):
                assert secret.encode() not in body, (url, secret)
            if observer.email:
                assert observer.email.encode() not in body


def test_coordinators_of_the_ngo_publish_and_take_down_from_the_station_page(client, public_world):
    unpublished = public_world["unpublished"]
    client.login(username=public_world["coordinator"].username, password=TEST_PASSWORD)
    station_url = reverse("dashboard:station", args=[SLUG, public_world["stations"][0].pk])
    page = client.get(station_url, HTTP_ACCEPT_LANGUAGE="en")
    assert {photo.pk: photo.published for photo in page.context["photos"]} == {
        public_world["published"].pk: True, unpublished.pk: False}
    action = reverse("protocols:photo-publication", args=[unpublished.pk])
    assert action in page.text
    response = client.post(action, {"publish": "1", "next": station_url})
    assert response.status_code == 302 and response["Location"] == station_url
    assert Client().get(reverse("transparency:photo", args=[SLUG, unpublished.pk])).status_code == 200
    client.post(action, {"publish": "1", "next": station_url})  # a double click decides once
    client.post(action, {"publish": "0", "next": "https://evil.example/"})
    decisions = list(PhotoPublication.objects.filter(evidence=unpublished).order_by("id").values_list(
        "published", "is_latest", "decided_by"))
    coordinator = public_world["coordinator"].pk
    assert decisions == [(True, False, coordinator), (False, True, coordinator)]
    assert client.post(action, {"publish": "maybe"}).status_code == 400


def test_others_may_not_publish(client, public_world):
    action = reverse("protocols:photo-publication", args=[public_world["unpublished"].pk])
    other_ngo = CoordinatorFactory()
    other_ngo.regions.add(public_world["almaty"])
    for user in (other_ngo, public_world["observer"]):
        client.login(username=user.username, password=TEST_PASSWORD)
        assert client.post(action, {"publish": "1"}).status_code == 403
    assert not PhotoPublication.objects.filter(evidence=public_world["unpublished"]).exists()


def test_only_a_protocol_photo_of_a_station_and_an_election_can_be_published(public_world):
    from django.core.exceptions import ValidationError

    other = evidence_file(uploaded_by=public_world["observer"], station=public_world["stations"][0].pk,
                          election=public_world["election"].pk, purpose="count_media")
    with pytest.raises(ValidationError, match="Only a photo of a protocol"):
        protocol_services.decide_photo_publication(evidence_id=other.pk, user=public_world["reviewer"], publish=True)


def test_administrators_switch_it_on_in_the_admin(client, public_world):
    admin = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=TEST_PASSWORD)
    form = client.get(reverse("admin:elections_election_change", args=[public_world["election"].pk]))
    assert 'name="public_transparency"' in form.text


def test_the_public_page_speaks_kazakh_russian_and_english(client, public_world):
    url = reverse("transparency:station", args=[SLUG, public_world["stations"][0].pk])
    headings = {"kk": "ресми қорытындымен сәйкес келеді", "ru": "совпадает с официальным итогом",
                "en": "agrees with the official result"}
    for language, text in headings.items():
        assert text in client.get(url, HTTP_ACCEPT_LANGUAGE=language).text, language
    listing = reverse("transparency:stations", args=[SLUG])
    assert "Итоги по избирательным участкам" in client.get(listing, HTTP_ACCEPT_LANGUAGE="ru").text
    assert "Сайлау учаскелері бойынша қорытындылар" in client.get(listing, HTTP_ACCEPT_LANGUAGE="kk").text


def test_the_admin_record_of_publications_follows_the_evidence_boundary(client, public_world):
    """A coordinator given staff access sees their NGO's publication decisions, another NGO's none."""
    from django.contrib.auth.models import Permission

    for user, expected in ((public_world["coordinator"], 1), (CoordinatorFactory(), 0)):
        user.is_staff = True
        user.save()
        user.user_permissions.add(Permission.objects.get(codename="view_photopublication"))
        client.login(username=user.username, password=TEST_PASSWORD)
        listing = client.get("/admin/protocols/photopublication/", HTTP_ACCEPT_LANGUAGE="en")
        assert listing.status_code == 200
        assert listing.context["cl"].result_count == expected
