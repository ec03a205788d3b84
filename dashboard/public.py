"""The public transparency page (rec. 17.1): per-station official figures beside the NGO's
confirmed observer figures, and the protocol photos the NGO chose to publish.

Off unless an administrator switched it on for the election (`Election.public_transparency`):
every view answers 404 otherwise. Open to anyone, signed in or not. Nothing on it names an
observer: the selectors it calls return figures, bases and evidence file numbers only, and a
photo is served only as its EXIF-free web copy, only while its newest publication decision says
"published".
"""

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from config.parsing import is_whole_number
from elections import selectors as election_selectors
from elections.models import Election, Region

from . import confirmation, selectors

STATIONS_PER_PAGE = 50


def _public_election(slug):
    return get_object_or_404(Election.objects.select_related("template"), slug=slug, public_transparency=True)


def _basis_label(basis):
    return {confirmation.AGREES: _("agrees with the official result"),
            confirmation.REVIEWED: _("confirmed by a reviewer against the photo")}[basis]


@require_GET
def stations(request, slug):
    """The paginated list of stations, optionally of one region."""
    election = _public_election(slug)
    regions = Region.objects.filter(country=election.country).order_by("name")
    selected = request.GET.get("region", "")
    region_id = None
    if selected:
        if not is_whole_number(selected) or not regions.filter(pk=int(selected)).exists():
            return HttpResponseBadRequest(_("Unknown region: choose one from the list."))
        region_id = int(selected)
    page = Paginator(selectors.public_stations(election, region_id), STATIONS_PER_PAGE).get_page(
        request.GET.get("page"))
    station_ids = [station.pk for station in page]
    figures = selectors.public_station_figures(election, station_ids)
    photos = selectors.published_photos(election, station_ids)
    rows = []
    for station in page:
        known = figures[station.pk]
        differing = [len(confirmation.differing_lines(copy, known["official"])) for copy, _basis in known["confirmed"]]
        rows.append({"station": station, "official": known["official"] is not None,
                     "confirmed": len(known["confirmed"]), "differing": max(differing, default=0),
                     "photos": len(photos.get(station.pk, ()))})
    return render(request, "dashboard/public/stations.html", {
        "election": election, "regions": regions, "selected": selected, "page": page, "rows": rows})


@require_GET
def station(request, slug, station_id):
    """One station: every protocol line, official and as each confirmed observer copy has it."""
    election = _public_election(slug)
    station = get_object_or_404(selectors.public_stations(election), pk=station_id)
    known = selectors.public_station_figures(election, [station.pk])[station.pk]
    language = (get_language() or "en")[:2]
    copies = known["confirmed"]
    official = known["official"] or {}
    rows = []
    for line in election_selectors.election_lines(election):
        values = [copy.get(line.code) for copy, _basis in copies]
        rows.append({"number": line.number, "label": line.labels.get(language) or line.labels["en"],
                     "official": official.get(line.code), "observed": values,
                     "differs": any(value != official.get(line.code) for value in values) and bool(official)})
    return render(request, "dashboard/public/station.html", {
        "election": election, "station": station, "rows": rows, "has_official": bool(official),
        "copies": [{"number": number, "basis": _basis_label(basis)}
                   for number, (_figures, basis) in enumerate(copies, start=1)],
        "photos": selectors.published_photos(election, [station.pk]).get(station.pk, []),
    })


@require_GET
def photo(request, slug, evidence_id):
    """A published protocol photo's web copy (no EXIF); 404 for any other file, guessed or not."""
    election = _public_election(slug)
    key = selectors.public_published_photo(election, evidence_id)
    if key is None:
        raise Http404
    try:
        default_storage.path(key)
    except NotImplementedError:
        # Remote storage (S3): a short-lived signed URL to the web copy, never to the original.
        return HttpResponseRedirect(default_storage.url(key))
    response = FileResponse(default_storage.open(key, "rb"), content_type="image/jpeg")
    # Short: a photo taken down leaves shared caches within a minute.
    response["Cache-Control"] = "public, max-age=60"
    return response
