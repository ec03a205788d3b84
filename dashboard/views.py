"""The coordinators' dashboard: coverage with drill-down, a station's whole story, results, seats.

Views only parse and render; the figures come from dashboard.selectors (set-based) and the
pure modules (seats).
"""

from fractions import Fraction

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from elections.models import Commission, Election, Region, Station
from incidents.models import Severity
from observers import selectors as observer_selectors
from protocols import selectors as protocol_selectors

from . import exports, forensics, quickcount, seats, selectors, services


def _election(request, slug):
    election = get_object_or_404(Election.objects.select_related("template"), slug=slug)
    return election, selectors.visible_region_ids(request.user, election)


def _with_totals(rows):
    """The rows and their totals; each row (and the totals) also gets its incident counts as a
    list in the order of `Severity`, which a template can loop over beside the headings."""
    totals = dict.fromkeys(selectors.COVERAGE_FIGURES, 0)
    for row in rows:
        for figure in totals:
            totals[figure] += row["figures"][figure]
        row["incidents"] = [row["figures"][figure] for figure in selectors.INCIDENT_FIGURES]
    totals["incidents"] = [totals[figure] for figure in selectors.INCIDENT_FIGURES]
    return rows, totals


def _coverage_context(election, rows, totals, **extra):
    return {"election": election, "rows": rows, "totals": totals, "severities": Severity.choices, **extra}


@login_required
def index(request):
    elections = Election.objects.exclude(status=Election.Status.DRAFT).order_by("-date")
    if request.user.role not in ("coordinator", "reviewer", "admin") and not request.user.is_superuser:
        raise PermissionDenied
    return render(request, "dashboard/index.html", {"elections": elections})


@login_required
def coverage(request, slug):
    election, region_ids = _election(request, slug)
    table = selectors.coverage(election, region_ids,
                               incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                               organisation=selectors.observer_scope(request.user))
    regions = Region.objects.filter(pk__in=region_ids).order_by("name")
    rows, totals = _with_totals([{"group": region, "figures": table.get(region.pk, dict.fromkeys(
        selectors.COVERAGE_FIGURES, 0))} for region in regions])
    return render(request, "dashboard/coverage.html", _coverage_context(election, rows, totals, level="region"))


@login_required
def region(request, slug, region_id):
    election, region_ids = _election(request, slug)
    if region_id not in region_ids:
        raise Http404
    region = get_object_or_404(Region, pk=region_id)
    table = selectors.coverage(election, region_ids, by="commission", region_id=region_id,
                               incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                               organisation=selectors.observer_scope(request.user))
    commissions = Commission.objects.filter(region=region).order_by("name")
    rows, totals = _with_totals([{"group": commission, "figures": table.get(commission.pk, dict.fromkeys(
        selectors.COVERAGE_FIGURES, 0))} for commission in commissions])
    return render(request, "dashboard/coverage.html", _coverage_context(election, rows, totals, region=region,
                                                                        level="commission"))


@login_required
def commission(request, slug, commission_id):
    election, region_ids = _election(request, slug)
    commission = get_object_or_404(Commission.objects.select_related("region"), pk=commission_id,
                                   region_id__in=region_ids)
    return render(request, "dashboard/commission.html", {
        "election": election, "commission": commission,
        "stations": selectors.station_states(election, commission.pk, selectors.observer_scope(request.user))})


@login_required
def station(request, slug, station_id):
    """Everything known about one station: observers, check-ins, protocol and official versions,
    protocol photos (with the button that publishes one on the public page), flags, and the
    incidents the user may see (counted by severity, then listed)."""
    election, region_ids = _election(request, slug)
    station = get_object_or_404(Station.objects.select_related("commission__region"), pk=station_id,
                                commission__region_id__in=region_ids)
    incidents = selectors.incidents_in_scope(request.user, election, region_ids).filter(station=station)
    by_severity = selectors.incident_severities(incidents, "station_id").get(
        station.pk, dict.fromkeys(selectors.INCIDENT_FIGURES, 0))
    return render(request, "dashboard/station.html", {
        "election": election, "station": station,
        "incident_counts": [(label, by_severity[f"incidents_{value}"]) for value, label in Severity.choices],
        "incidents": incidents.select_related("category").order_by("-reported_at", "-id"),
        "photos": selectors.station_protocol_photos(request.user, election, station).select_related("original"),
        # Each record kind through its own selector (observers.scope's rule): only the user's
        # organisation's observers; the official versions are public.
        "deployments": observer_selectors.deployments_for(request.user).filter(election=election, station=station),
        "check_ins": observer_selectors.check_ins_for(request.user).filter(
            deployment__election=election, deployment__station=station).order_by("-recorded_at"),
        "copies": protocol_selectors.copies_for(request.user).filter(election=election, station=station)
        .order_by("-submitted_at"),
        "officials": protocol_selectors.official_versions(election, station).order_by("-version"),
        "flags": protocol_selectors.discrepancies_for(request.user).filter(election=election, station=station)
        .order_by("-severity_rank"),
    })


def _contestant_rows(election, figures_by_source, codes):
    names = dict(election.contestants.values_list("ballot_number", "name"))
    rows = []
    for code in codes:
        number = int(code.rsplit(".", 1)[1])
        rows.append({"name": names.get(number, code), **{source: figures[code]
                                                           for source, figures in figures_by_source.items()}})
    return rows


@login_required
def results(request, slug):
    election, region_ids = _election(request, slug)
    selected = request.GET.get("region", "")
    if selected.isdigit() and int(selected) in region_ids:
        region_ids = {int(selected)}
    data = selectors.results(election, region_ids, selectors.observer_scope(request.user))
    codes = data["codes"]
    total = {source: sum(data[source].values()) or 1 for source in ("official", "observed", "official_same_stations")}
    rows = _contestant_rows(election, {source: data[source] for source in total}, codes)
    for row in rows:
        for source in total:
            row[f"{source}_share"] = 100 * row[source] / total[source]
        row["difference"] = row["observed"] - row["official_same_stations"]
    return render(request, "dashboard/results.html", {
        "election": election, "rows": rows, "data": data, "selected": selected,
        "regions": Region.objects.filter(pk__in=selectors.visible_region_ids(request.user, election)).order_by("name"),
    })


def _method_label(method):
    """A method's name in the page's language (dashboard.seats names them in English)."""
    if method.formula == seats.Formula.SAINTE_LAGUE and method.first_divisor != 1:
        return _("Sainte-Laguë, first divisor %(divisor)s") % {"divisor": f"{float(method.first_divisor):g}"}
    return {seats.Formula.DHONDT: _("D'Hondt"), seats.Formula.SAINTE_LAGUE: _("Sainte-Laguë"),
            seats.Formula.HARE: _("Largest remainder, Hare quota"),
            seats.Formula.HAGENBACH_BISCHOFF: _("Largest remainder, Hagenbach-Bischoff quota")}[method.formula]


def _seat_options(request, kind):
    """The projection's options from the query string; anything unreadable falls back to its default."""
    get = request.GET
    districts = "regions" if get.get("districts") == "regions" else "national"
    default_seats = 7 if districts == "regions" else 69  # the seed proposes districts of 7 to 14 seats
    try:
        seats_each = max(1, min(500, int(get.get("seats", default_seats))))
    except ValueError:
        seats_each = default_seats
    try:
        threshold_percent = Fraction(get.get("threshold", "5"))
    except (ValueError, ZeroDivisionError):
        threshold_percent = Fraction(5)
    if not 0 <= threshold_percent < 100:
        threshold_percent = Fraction(5)
    return {"source": "confirmed" if get.get("source") == "confirmed" else "official",
            "base": "cast" if get.get("base") == "cast" else "valid", "districts": districts,
            "seats": seats_each, "threshold": threshold_percent,
            "single_seat": kind in (Election.Kind.FPTP, Election.Kind.TWO_ROUND)}


@login_required
def seat_projection(request, slug):
    """The same votes under every method, so a reader sees what each rule would change.

    Votes from the official results or the observers' confirmed copies; one national district or
    one district per region (the threshold always national); the threshold a share of the valid
    votes or of all votes cast. A single-seat election (first past the post, two rounds) shows its
    winner, or its run-off, instead."""
    election, region_ids = _election(request, slug)
    options = _seat_options(request, election.kind)
    districts, lists = selectors.seat_districts(election, region_ids, options["source"])
    national = {name: sum(district["votes"].get(name, 0) for district in districts.values()) for name in lists}
    cast = sum(district["cast"] for district in districts.values())
    context = {"election": election, "options": options, "threshold": float(options["threshold"]),
               "stations": sum(district["stations"] for district in districts.values())}
    if not any(national.values()):
        return render(request, "dashboard/seats.html", {**context, "empty": True})
    if options["single_seat"]:
        return render(request, "dashboard/seats.html", {**context, **_single_seat(election, options, national, cast,
                                                                                  districts)})
    base = cast if options["base"] == "cast" else None
    try:
        projection = seats.project({name: district["votes"] for name, district in districts.items()}, lists,
                                   options["seats"], by_district=options["districts"] == "regions",
                                   threshold=options["threshold"] / 100, threshold_base=base)
    except ValueError as error:  # all votes cast fewer than the lists' votes: figures that do not add up
        return render(request, "dashboard/seats.html", {**context, "error": str(error)})
    allocations, methods = projection.allocations, list(projection.allocations)
    total = sum(national.values())
    rows = [{"name": name, "votes": count, "share": 100 * count / total,
             "seats": [allocations[method].seats.get(name, 0) for method in methods]}
            for name, count in sorted(national.items(), key=lambda item: -item[1])]
    first = allocations[methods[0]]
    return render(request, "dashboard/seats.html", {
        **context, "rows": rows, "methods": [_method_label(method) for method in methods],
        "total_seats": options["seats"] * (len(districts) if projection.by_district else 1),
        "district_count": len(districts), "threshold_votes": float(first.threshold_votes),
        "base_votes": cast if base else total, "qualifying": len(first.qualifying),
        "regions": [{"name": name, "votes": district["votes"],
                     "rows": [{"name": row["name"], "votes": district["votes"].get(row["name"], 0),
                               "seats": [allocations[method].districts[name].seats.get(row["name"], 0)
                                         for method in methods]} for row in rows]}
                    for name, district in sorted(districts.items())] if projection.by_district else [],
        "lots": [(_method_label(method), lot) for method in methods for lot in allocations[method].lots],
    })


def _single_seat(election, options, national, cast, districts):
    """First past the post, or round one of a two-round election, nationally or per region."""
    scopes = ([(_("All regions in scope"), national, cast)] if options["districts"] == "national" else
              [(name, district["votes"], district["cast"]) for name, district in sorted(districts.items())])
    outcomes = []
    for scope, votes, participants in scopes:
        ranked = sorted(votes.items(), key=lambda item: -item[1])
        if election.kind == Election.Kind.FPTP:
            result = seats.fptp(votes)
            outcome = {"winner": result.winner, "runoff": (), "lots": result.lots}
        else:
            result = seats.two_round(votes, max(participants, sum(votes.values())))
            outcome = {"winner": result.winner, "runoff": result.runoff, "lots": result.lots}
        # A two-round winner needs more than half of those who took part; FPTP only the most votes.
        base = (sum(votes.values()) if election.kind == Election.Kind.FPTP else max(participants, sum(votes.values()))) or 1
        outcomes.append({"scope": scope, **outcome, "participants": participants,
                         "ranked": [{"name": name, "votes": count, "share": 100 * count / base}
                                    for name, count in ranked]})
    return {"outcomes": outcomes, "fptp": election.kind == Election.Kind.FPTP}


def _names(election):
    """{vote code ("L8.3"): contestant name}, in two queries whatever the number of contestants."""
    line_codes = list(election.template.lines.filter(kind="votes").values_list("code", flat=True))
    return {f"{line_code}.{number}": name for number, name in election.contestants.values_list("ballot_number", "name")
            for line_code in line_codes}


@login_required
def quick_count(request, slug):
    """Parallel vote tabulation from the random-sample stations, against the official figures."""
    election, region_ids = _election(request, slug)
    rows, population = selectors.quick_count_sample(election, region_ids, selectors.observer_scope(request.user))
    names = _names(election)
    context = {"election": election, "sampled": len(rows), "population": population}
    if len(rows) < 2:
        return render(request, "dashboard/quick_count.html", {**context, "too_few": True})
    sample = [quickcount.SampledStation(registered=row["registered"], cast=row["cast"],
                                        valid=sum(row["votes"].values()), votes=row["votes"]) for row in rows]
    result = quickcount.estimate(sample, population, list(names))
    official = selectors.results(election, region_ids)["official"]
    total = sum(official.values()) or 1
    comparisons = quickcount.compare(result, {code: official[code] / total for code in names},
                                     official_turnout=selectors.official_turnout(election, region_ids))
    rows = [{"name": names.get(item.contestant, _("Turnout") if item.contestant == "turnout" else item.contestant),
             "estimate": 100 * item.estimate, "margin": 100 * item.margin, "official": 100 * item.official,
             "outside": item.outside_margin, "turnout": item.contestant == "turnout"} for item in comparisons]
    return render(request, "dashboard/quick_count.html", {
        **context, "turnout": result.turnout, "rows": rows, "outside": [row["name"] for row in rows if row["outside"]],
    })


def _min_count(request):
    """The smallest vote count the last-digit test reads: one of the offered choices, else the default."""
    value = request.GET.get("min_count", "")
    choices = forensics.LAST_DIGIT_MIN_COUNTS
    return int(value) if value.isdigit() and int(value) in choices else forensics.LAST_DIGIT_MIN_COUNT


def _forensic_report(request, slug):
    election, region_ids = _election(request, slug)
    return election, services.forensic_report(election=election, region_ids=region_ids)


@login_required
def forensics_page(request, slug):
    """Statistical signals on the official per-station results: evidence to look closer, not proof.

    The figures come from the report of the latest official import for the user's regions
    (dashboard.services): the signals at once, the Monte Carlo when the worker has run it; until
    then the page says so and reloads itself."""
    election, report = _forensic_report(request, slug)
    context = {"election": election, "stations": report.stations if report else 0}
    if report is None or report.stations < services.MIN_STATIONS:
        return render(request, "dashboard/forensics.html", {**context, "too_few": True})
    min_count = _min_count(request)
    last_digits = report.signals["last_digits"]
    second = report.signals["second_digits"]
    last = last_digits.get(str(min_count))
    digits = [{"digit": digit,
               "last": 100 * last["frequencies"][digit] if last else None,
               "second": 100 * second["frequencies"][digit] if second else None,
               "second_expected": 100 * float(forensics.SECOND_DIGIT_EXPECTED[digit])} for digit in range(10)]
    return render(request, "dashboard/forensics.html", {
        **context, "report": report, "integer": report.integer, "draws": services.MONTE_CARLO_DRAWS,
        "leader": _names(election).get(report.leader, report.leader),
        "min_count": min_count, "default_min_count": forensics.LAST_DIGIT_MIN_COUNT,
        "last": last, "second": second, "digits": digits, "vote_counts": report.signals["vote_counts"],
        "sensitivity": [{"min_count": choice, "test": last_digits.get(str(choice)), "chosen": choice == min_count}
                        for choice in forensics.LAST_DIGIT_MIN_COUNTS],
    })


def _plot_text(plot, leader):
    """The words on a plot, translated (the forensics module fills in the numbers)."""
    note = _("A statistical signal, not proof of fraud")
    if plot == "fingerprint":
        return {"title": _("Turnout and %(leader)s's share, per station") % {"leader": leader},
                "x": _("Turnout, %"), "y": _("Leader's share, %"),
                "colour": _("log10(1 + stations)"), "note": note}
    if plot == "integer":
        return {"title": _("Integer percentages: excess %(excess)s (sd %(sd)s, p = %(p)s)"),
                "x": _("Stations with a whole-number turnout or leader's share (of %(included)s)"),
                "y": _("Redraws"), "redraws": _("%(draws)s binomial redraws"), "observed": _("observed: %(observed)s"),
                "note": note}
    return {"last": _("Last digits of the %(tested)s counts of at least %(min_count)s "
                      "(chi-square %(chi2)s, p = %(p)s)"),
            "second": _("Second digits of the %(tested)s counts of at least %(min_count)s "
                        "(chi-square %(chi2)s, p = %(p)s)"),
            "digit": _("Digit"), "share": _("Share of the counts, %"), "observed": _("observed"),
            "expected": _("expected"), "note": note}


PLOTS = ("fingerprint", "integer", "digits")


@login_required
def forensics_plot(request, slug, plot, file_format):
    """A forensic plot as PNG (for the page) or SVG (for a report), drawn once per report, plot,
    format and language and then served from the cache."""
    if plot not in PLOTS or file_format not in forensics.FORMATS:
        raise Http404
    election, report = _forensic_report(request, slug)
    if report is None or report.stations < services.MIN_STATIONS:
        raise Http404
    min_count = _min_count(request)
    # The report's creation time is in the key as well as its ID: a restored or re-created database
    # may give an ID again, never with the same time.
    version = f"{report.pk}.{report.created_at.timestamp()}.{report.computed_at.timestamp() if report.computed_at else ''}"
    key = f"forensics-plot:{version}:{plot}:{file_format}:{min_count}:{get_language()}"
    image = cache.get(key)
    if image is None:
        text = _plot_text(plot, _names(election).get(report.leader, report.leader))
        if plot == "fingerprint":
            image = forensics.render_fingerprint(report.signals["fingerprint"], file_format, text)
        elif plot == "integer":
            result = services.integer_result(report)
            if result is None:
                raise Http404  # still being computed
            image = forensics.render_integer_histogram(result, file_format, text)
        else:
            last, second = report.signals["last_digits"].get(str(min_count)), report.signals["second_digits"]
            if last is None or second is None:
                raise Http404
            image = forensics.render_digits(services.digit_test(last), services.digit_test(second), file_format, text)
        cache.set(key, image, 24 * 3600)
    response = HttpResponse(image, content_type=forensics.FORMATS[file_format])
    if file_format == "svg":
        response["Content-Disposition"] = f'inline; filename="{election.slug}-{plot}.svg"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def fingerprint_data(request, slug):
    """The fingerprint's counts for the page's canvas: stations[turnout bin][share bin]."""
    _unused, report = _forensic_report(request, slug)
    if report is None or report.stations < services.MIN_STATIONS:
        raise Http404
    counts = report.signals["fingerprint"]
    response = JsonResponse({"bins": len(counts), "counts": counts, "max": max(max(row) for row in counts),
                             "stations": sum(sum(row) for row in counts)})
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def station_map(request, slug):
    election, _region_ids = _election(request, slug)
    return render(request, "dashboard/map.html", {"election": election, "tiles_url": settings.MAP_TILES_URL,
                                                  "tiles_attribution": settings.MAP_TILES_ATTRIBUTION})


@login_required
def map_points(request, slug):
    """Compact points for the map: [id, code, lat, lon, state], about 40 bytes a station."""
    election, region_ids = _election(request, slug)
    response = JsonResponse({"states": selectors.STATION_STATES,
                             "points": list(selectors.station_map_rows(election, region_ids,
                                                                       selectors.observer_scope(request.user)))})
    response["Cache-Control"] = "private, max-age=30"
    return response


@login_required
def export(request, slug, table, file_format):
    """Coverage, results, flags and incidents as CSV or XLSX; stations with their state as GeoJSON."""
    election, region_ids = _election(request, slug)
    name = f"{election.slug}-{table}"
    if table == "stations" and file_format == "geojson":
        return exports.geojson_response(name, selectors.station_map_points(election, region_ids,
                                                                           selectors.observer_scope(request.user)))
    if file_format not in ("csv", "xlsx"):
        raise Http404
    if table == "coverage":
        coverage_rows = selectors.coverage(election, region_ids,
                                           incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                                           organisation=selectors.observer_scope(request.user))
        regions = Region.objects.filter(pk__in=region_ids).order_by("name")
        rows = [[region.name, *[coverage_rows.get(region.pk, {}).get(figure, 0)
                                for figure in selectors.COVERAGE_FIGURES]] for region in regions]
        return exports.table_response(name, ["region", *selectors.COVERAGE_FIGURES], rows, file_format)
    if table == "results":
        data = selectors.results(election, region_ids, selectors.observer_scope(request.user))
        names = _names(election)
        rows = [[names.get(code, code), data["official"][code], data["observed"][code],
                 data["official_same_stations"][code]] for code in data["codes"]]
        return exports.table_response(name, ["contestant", "official", "observed", "official_same_stations"], rows,
                                      file_format)
    if table == "flags":
        flags = protocol_selectors.discrepancies_for(request.user).filter(
            election=election, station__commission__region_id__in=region_ids)
        rows = flags.order_by("-severity_rank", "created_at").values_list(
            "station__commission__region__name", "station__code", "kind", "severity", "status", "created_at")
        return exports.table_response(name, ["region", "station", "kind", "severity", "status", "flagged_at"],
                                      [[*row[:5], row[5].isoformat()] for row in rows], file_format)
    if table == "incidents":
        # No observer's name in the file: it travels further than the page (the incident's number
        # leads back to the triage page, where the coordinator sees who reported it).
        incidents = selectors.incidents_in_scope(request.user, election, region_ids).select_related(None)
        rows = incidents.order_by("reported_at", "id").values_list(
            "id", "station__commission__region__name", "station__commission__name", "station__code",
            "category__code", "severity", "status", "occurred_at", "reported_at")
        return exports.table_response(name, ["incident", "region", "commission", "station", "category", "severity",
                                             "status", "occurred_at", "reported_at"],
                                      [[*row[:7], row[7].isoformat(), row[8].isoformat()] for row in rows],
                                      file_format)
    raise Http404


@login_required
def live_feed(request, slug):
    """What is new since the last poll. Polling, not server-sent events: it survives every proxy
    and a phone's flaky network, and holds no gunicorn worker per open dashboard.

    Without cursors: the newest items, to start the page. With them: the oldest items above the
    cursors and `more: true` while others wait; the page then asks again at once (see
    selectors.feed), so a burst of hundreds of flags arrives whole, in order."""
    election, region_ids = _election(request, slug)
    after = {}
    for cursor in ("after_flag", "after_incident"):
        value = request.GET.get(cursor, "")
        if value and not value.isdigit():
            return JsonResponse({"error": _("%(cursor)s must be a whole number.") % {"cursor": cursor}}, status=400)
        after[cursor] = int(value) if value else None
    if (after["after_flag"] is None) != (after["after_incident"] is None):
        after = {cursor: value or 0 for cursor, value in after.items()}  # one cursor given: the other starts at 0
    items, more = selectors.feed(election, region_ids, **after,
                                 incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                                 organisation=selectors.observer_scope(request.user))
    return JsonResponse({
        "items": items,
        "more": more,
        "after_flag": max([item["id"] for item in items if item["type"] == "flag"], default=after["after_flag"] or 0),
        "after_incident": max([item["id"] for item in items if item["type"] == "incident"],
                              default=after["after_incident"] or 0),
    })
