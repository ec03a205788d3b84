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
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from checklists import selectors as checklist_selectors
from checklists import statistics
from checklists.estimators import METHOD
from config.parsing import is_whole_number
from elections.models import Election, Region
from incidents.models import Severity
from protocols import selectors as protocol_selectors

from . import exports, forensics, mapgrid, quickcount, seats, selectors, services


def _election(request, slug):
    election = selectors.election_with_template(slug)
    if election is None:
        raise Http404
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
    elections = selectors.dashboard_elections()
    if request.user.role not in ("coordinator", "reviewer", "admin") and not request.user.is_superuser:
        raise PermissionDenied
    return render(request, "dashboard/index.html", {"elections": elections})


@login_required
def coverage(request, slug):
    election, region_ids = _election(request, slug)
    table = selectors.coverage(election, region_ids,
                               incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                               organisation=selectors.observer_scope(request.user),
                               flags=selectors.review_flags(request.user))
    regions = selectors.regions_in_scope(region_ids)
    rows, totals = _with_totals([{"group": region, "figures": table.get(region.pk, dict.fromkeys(
        selectors.COVERAGE_FIGURES, 0))} for region in regions])
    return render(request, "dashboard/coverage.html", _coverage_context(election, rows, totals, level="region"))


@login_required
def region(request, slug, region_id):
    election, region_ids = _election(request, slug)
    region = selectors.region_in_scope(region_id, region_ids)
    if region is None:
        raise Http404
    table = selectors.coverage(election, region_ids, by="commission", region_id=region_id,
                               incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                               organisation=selectors.observer_scope(request.user),
                               flags=selectors.review_flags(request.user))
    commissions = selectors.commissions_of(region)
    rows, totals = _with_totals([{"group": commission, "figures": table.get(commission.pk, dict.fromkeys(
        selectors.COVERAGE_FIGURES, 0))} for commission in commissions])
    return render(request, "dashboard/coverage.html", _coverage_context(election, rows, totals, region=region,
                                                                        level="commission"))


@login_required
def commission(request, slug, commission_id):
    election, region_ids = _election(request, slug)
    commission = selectors.commission_in_scope(commission_id, region_ids)
    if commission is None:
        raise Http404
    return render(request, "dashboard/commission.html", {
        "election": election, "commission": commission,
        "stations": selectors.station_states(election, commission.pk, selectors.observer_scope(request.user),
                                             selectors.review_flags(request.user))})


@login_required
def station(request, slug, station_id):
    """Everything known about one station: observers, check-ins, protocol and official versions,
    protocol photos (with the button that publishes one on the public page), flags, and the
    incidents the user may see (counted by severity, then listed)."""
    election, region_ids = _election(request, slug)
    station = selectors.station_in_scope(station_id, region_ids)
    if station is None:
        raise Http404
    return render(request, "dashboard/station.html", {
        "election": election, "station": station,
        **selectors.station_story(request.user, election, station, region_ids)})


def _contestant_rows(election, figures_by_source, codes):
    names = selectors.contestant_names(election)
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
    if is_whole_number(selected) and int(selected) in region_ids:
        region_ids = {int(selected)}
    data = selectors.results(election, region_ids, selectors.observer_scope(request.user))
    codes = data["codes"]
    total = {source: sum(data[source].values()) or 1 for source in ("official", "observed", "official_same_stations")}
    rows = _contestant_rows(election, {source: data[source] for source in total}, codes)
    bases = selectors.official_bases(election, region_ids)
    for row in rows:
        for source in total:
            row[f"{source}_share"] = 100 * row[source] / total[source]
        row["difference"] = row["observed"] - row["official_same_stations"]
        # Both bases, each labelled on the page: valid votes, and every ballot found in the boxes.
        row["share_of_valid"] = 100 * row["official"] / bases["valid"] if bases["valid"] else None
        row["share_of_cast"] = 100 * row["official"] / bases["cast"] if bases["cast"] else None
    registered = bases["registered"]
    turnout = {"issued": 100 * bases["issued"] / registered if registered else None,
               "cast": 100 * bases["cast"] / registered if registered else None}
    return render(request, "dashboard/results.html", {
        "election": election, "rows": rows, "data": data, "selected": selected, "bases": bases, "turnout": turnout,
        "regions": selectors.regions_in_scope(selectors.visible_region_ids(request.user, election)),
    })


def _method_label(method):
    """A method's name in the page's language (dashboard.seats names them in English)."""
    if method.formula == seats.Formula.SAINTE_LAGUE and method.first_divisor != 1:
        return _("Sainte-Laguë, first divisor %(divisor)s") % {"divisor": f"{float(method.first_divisor):g}"}
    return {seats.Formula.DHONDT: _("D'Hondt"), seats.Formula.SAINTE_LAGUE: _("Sainte-Laguë"),
            seats.Formula.HARE: _("Largest remainder, Hare quota"),
            seats.Formula.HAGENBACH_BISCHOFF: _("Largest remainder, Hagenbach-Bischoff quota")}[method.formula]


SEAT_BASES = {Election.ThresholdBase.LIST_VOTES: "valid", Election.ThresholdBase.CAST: "cast",
              Election.ThresholdBase.LISTS_AND_AGAINST_ALL: "against_all"}


def _seat_options(request, kind, default_base="valid"):
    """The projection's options from the query string; anything unreadable falls back to its default
    (the threshold base: the election's own rule)."""
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
            "base": get.get("base") if get.get("base") in SEAT_BASES.values() else default_base,
            "districts": districts,
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
    options = _seat_options(request, election.kind, SEAT_BASES.get(election.seat_threshold_base, "valid"))
    districts, lists = selectors.seat_districts(election, region_ids, options["source"])
    against_all = sum(district.get("against_all", 0) for district in districts.values())
    national = {name: sum(district["votes"].get(name, 0) for district in districts.values()) for name in lists}
    cast = sum(district["cast"] for district in districts.values())
    context = {"election": election, "options": options, "threshold": float(options["threshold"]),
               "stations": sum(district["stations"] for district in districts.values())}
    if not any(national.values()):
        return render(request, "dashboard/seats.html", {**context, "empty": True})
    if options["single_seat"]:
        return render(request, "dashboard/seats.html", {**context, **_single_seat(election, options, national, cast,
                                                                                  districts)})
    base = {"cast": cast, "against_all": sum(national.values()) + against_all}.get(options["base"])
    tie_order = lists if election.seat_tie_break == Election.TieBreak.BALLOT_ORDER else None
    try:
        projection = seats.project({name: district["votes"] for name, district in districts.items()}, lists,
                                   options["seats"], by_district=options["districts"] == "regions",
                                   threshold=options["threshold"] / 100, threshold_base=base, tie_order=tie_order)
    except ValueError as error:  # all votes cast fewer than the lists' votes: figures that do not add up
        return render(request, "dashboard/seats.html", {**context, "error": str(error)})
    allocations, methods = projection.allocations, list(projection.allocations)
    total = sum(national.values())
    share_base = base if options["base"] == "against_all" else total  # the CEC's shares are of its base
    rows = [{"name": name, "votes": count, "share": 100 * count / share_base,
             "seats": [allocations[method].seats.get(name, 0) for method in methods]}
            for name, count in sorted(national.items(), key=lambda item: -item[1])]
    first = allocations[methods[0]]
    return render(request, "dashboard/seats.html", {
        **context, "rows": rows, "methods": [_method_label(method) for method in methods],
        "total_seats": options["seats"] * (len(districts) if projection.by_district else 1),
        "district_count": len(districts), "threshold_votes": float(first.threshold_votes),
        "base_votes": base if base else total, "qualifying": len(first.qualifying),
        "against_all": against_all if options["base"] == "against_all" else None,
        "against_all_share": 100 * against_all / share_base if share_base else 0,
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
    fptp_race = election.kind == Election.Kind.FPTP
    return {"outcomes": seats.single_seat_outcomes(scopes, fptp_race=fptp_race), "fptp": fptp_race}


@login_required
def quick_count(request, slug):
    """Parallel vote tabulation from the random-sample stations, against the official figures."""
    election, region_ids = _election(request, slug)
    rows, population = selectors.quick_count_sample(election, region_ids, selectors.observer_scope(request.user))
    names = selectors.vote_code_names(election)
    context = {"election": election, "sampled": len(rows), "population": population}
    drawn = checklist_selectors.current_sample(election)
    if drawn is not None:
        return _drawn_quick_count(request, election, region_ids, drawn, rows, names, context)
    # The sample is the deployments' flag: the same minimums as a drawn sample's (in total and per
    # region), so two early reports never make an estimate, nor a red warning, of their own.
    sampled_by_region = selectors.flagged_sample_by_region(election, region_ids, selectors.observer_scope(request.user))
    reported_by_region = dict.fromkeys(sampled_by_region, 0)
    for row in rows:
        reported_by_region[row["region"]] = reported_by_region.get(row["region"], 0) + 1
    region_names = dict(Region.objects.filter(pk__in=reported_by_region).values_list("id", "name"))
    withheld = len(rows) < statistics.MIN_TOTAL or any(
        count < statistics.MIN_PER_STRATUM for count in reported_by_region.values())
    context.update(withheld=withheld, minimum_total=statistics.MIN_TOTAL, minimum_stratum=statistics.MIN_PER_STRATUM,
                   sample_size=sum(sampled_by_region.values()),
                   strata=_strata_rows(region_names, sampled_by_region, reported_by_region))
    if withheld:
        return render(request, "dashboard/quick_count.html", context)
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


def _strata_rows(region_names, sampled, reported):
    """Each region's sampled stations and reports, by name, those below the minimum marked."""
    return sorted(({"name": region_names.get(int(key), str(key)), "sampled": sampled.get(key, 0), "reported": count,
                    "short": count < statistics.MIN_PER_STRATUM} for key, count in reported.items()),
                  key=lambda row: row["name"])


def _drawn_quick_count(request, election, region_ids, drawn, rows, names, context):
    """The quick count from the sample drawn by region: stratified ratio estimates, the reports per
    stratum, estimates withheld below the minimum (checklists.statistics' thresholds)."""
    wanted = {str(pk) for pk in region_ids}
    strata = [item for item in drawn.strata if item["key"] in wanted]
    result = quickcount.stratified_estimate(rows, strata, list(names), min_per_stratum=statistics.MIN_PER_STRATUM,
                                            min_total=statistics.MIN_TOTAL)
    region_names = dict(Region.objects.filter(pk__in=region_ids).values_list("id", "name"))
    context.update(drawn=drawn, method=METHOD, withheld=result.withheld, minimum_total=statistics.MIN_TOTAL,
                   minimum_stratum=statistics.MIN_PER_STRATUM, sample_size=result.stations_sampled,
                   strata=_strata_rows(region_names, result.sampled_by_stratum, result.reported_by_stratum))
    if result.withheld:
        return render(request, "dashboard/quick_count.html", context)
    official = selectors.results(election, region_ids)["official"]
    total = sum(official.values()) or 1
    turnout = selectors.official_turnout(election, region_ids)
    table = []
    for code, estimate in [*result.contestants.items(), ("turnout", result.turnout)]:
        reference = turnout if code == "turnout" else official.get(code, 0) / total
        if estimate is None or reference is None:
            continue
        outside = abs(reference - estimate.share) > estimate.margin
        table.append({"name": names.get(code, _("Turnout") if code == "turnout" else code),
                      "estimate": 100 * estimate.share, "margin": 100 * estimate.margin, "official": 100 * reference,
                      "outside": outside, "turnout": code == "turnout"})
    return render(request, "dashboard/quick_count.html", {
        **context, "turnout": result.turnout, "rows": table, "outside": [row["name"] for row in table if row["outside"]]})


def _min_count(request):
    """The smallest vote count the last-digit test reads: one of the offered choices, else the default."""
    value = request.GET.get("min_count", "")
    choices = forensics.LAST_DIGIT_MIN_COUNTS
    return int(value) if is_whole_number(value) and int(value) in choices else forensics.LAST_DIGIT_MIN_COUNT


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
        "leader": selectors.vote_code_names(election).get(report.leader, report.leader),
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
        text = _plot_text(plot, selectors.vote_code_names(election).get(report.leader, report.leader))
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
    election, region_ids = _election(request, slug)
    return render(request, "dashboard/map.html", {"election": election, "tiles_url": settings.MAP_TILES_URL,
                                                  "tiles_attribution": settings.MAP_TILES_ATTRIBUTION,
                                                  "extent": selectors.station_map_extent(region_ids)})


@login_required
def map_points(request, slug):
    """Compact points for the map: [id, code, lat, lon, state], about 40 bytes a station."""
    election, region_ids = _election(request, slug)
    response = JsonResponse({"states": selectors.STATION_STATES,
                             "points": list(selectors.station_map_rows(election, region_ids,
                                                                       selectors.observer_scope(request.user),
                                                                       selectors.review_flags(request.user)))})
    response["Cache-Control"] = "private, max-age=30"
    return response


@login_required
def map_clusters(request, slug):
    """The stations of the visible area, clustered for its zoom by the server: at most
    mapgrid.MAX_CELLS clusters whatever the number of stations (under 100 KB for a phone)."""
    election, region_ids = _election(request, slug)
    try:
        view = mapgrid.parse_view(request.GET.get("bbox"), request.GET.get("zoom"))
    except mapgrid.GridError as error:
        return JsonResponse({"detail": str(error), "code": "invalid_view"}, status=400)
    cell, clusters, totals = selectors.station_map_clusters(election, region_ids, view, selectors.observer_scope(request.user),
                                                            selectors.review_flags(request.user))
    response = JsonResponse({"states": selectors.STATION_STATES, "cell": cell, "clusters": clusters,
                             "counts": totals, "stations": sum(totals)}, json_dumps_params={"separators": (",", ":")})
    response["Cache-Control"] = "private, max-age=30"
    return response


@login_required
def export(request, slug, table, file_format):
    """Coverage, results, flags and incidents as CSV or XLSX; stations with their state as GeoJSON."""
    election, region_ids = _election(request, slug)
    name = f"{election.slug}-{table}"
    if table == "stations" and file_format == "geojson":
        return exports.geojson_response(name, selectors.station_map_points(election, region_ids,
                                                                           selectors.observer_scope(request.user),
                                                                           selectors.review_flags(request.user)))
    if file_format not in ("csv", "xlsx"):
        raise Http404
    if table == "coverage":
        coverage_rows = selectors.coverage(election, region_ids,
                                           incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                                           organisation=selectors.observer_scope(request.user),
                                           flags=selectors.review_flags(request.user))
        regions = selectors.regions_in_scope(region_ids)
        rows = [[election.name, region.name, *[coverage_rows.get(region.pk, {}).get(figure, 0)
                                               for figure in selectors.COVERAGE_FIGURES]] for region in regions]
        return exports.table_response(name, exports.coverage_header(selectors.COVERAGE_FIGURES), rows, file_format)
    if table == "results":
        data = selectors.results(election, region_ids, selectors.observer_scope(request.user))
        names = selectors.vote_code_names(election)
        rows = [[election.name, names.get(code, code), data["official"][code], data["observed"][code],
                 data["official_same_stations"][code]] for code in data["codes"]]
        return exports.table_response(name, exports.results_header(), rows, file_format)
    if table == "flags":
        header, rows = exports.flags_table(election, selectors.flag_rows(request.user, election, region_ids))
        return exports.table_response(name, header, rows, file_format)
    if table == "incidents":
        # No observer's name in the file: it travels further than the page. Their pseudonym tells
        # one observer's reports apart; the incident's number leads back to the triage page.
        header, rows = exports.incidents_table(
            election, selectors.incident_rows(selectors.incidents_in_scope(request.user, election, region_ids)))
        return exports.table_response(name, header, rows, file_format)
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
        if value and not is_whole_number(value):
            return JsonResponse({"error": _("%(cursor)s must be a whole number.") % {"cursor": cursor}}, status=400)
        after[cursor] = int(value) if value else None
    if (after["after_flag"] is None) != (after["after_incident"] is None):
        after = {cursor: value or 0 for cursor, value in after.items()}  # one cursor given: the other starts at 0
    items, more = selectors.feed(election, region_ids, **after,
                                 incidents=selectors.incidents_in_scope(request.user, election, region_ids),
                                 flags=protocol_selectors.discrepancies_for(request.user))
    return JsonResponse({
        "items": items,
        "more": more,
        "after_flag": max([item["id"] for item in items if item["type"] == "flag"], default=after["after_flag"] or 0),
        "after_incident": max([item["id"] for item in items if item["type"] == "incident"],
                              default=after["after_incident"] or 0),
    })
