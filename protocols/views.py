"""Pages: the observer's protocol entry, and the reviewers' queue of discrepancies."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.csv_export import local_time, stream_csv, with_zone
from config.parsing import is_whole_number
from elections import selectors as election_selectors
from elections.models import Election, Region
from observers import pseudonyms
from observers import selectors as observer_selectors
from observers.forms import show_service_errors
from observers.scope import is_assigned_reviewer

from . import selectors, services
from .forms import DecisionForm, ObserverCopyForm, ProtocolFiguresForm
from .models import Discrepancy, ObserverCopy


def _language():
    return (get_language() or "en")[:2]


@login_required
def submit_copy(request, deployment_id):
    """The protocol form of the observer's station, generated from the election's template, with
    the photos of its pages (uploaded in place; a correction starts from the previous ones)."""
    deployment = get_object_or_404(observer_selectors.deployments_for(request.user).filter(observer=request.user),
                                   pk=deployment_id)
    lines = election_selectors.election_lines(deployment.election)
    latest = ObserverCopy.objects.filter(deployment=deployment, observer=request.user, is_latest=True).first()
    attached = list(latest.photo_attachments.values_list("evidence_id", flat=True)) if latest else []
    initial = {**latest.figures, "evidence": attached} if latest else {}
    ticked = [value for value in request.POST.getlist("evidence") if is_whole_number(value)]
    form = ObserverCopyForm(request.POST or None, lines=lines, language=_language(), initial=initial,
                            photos=selectors.attachable_photos(request.user, deployment, attached=attached + ticked),
                            deployment=deployment)
    if request.method == "POST" and form.is_valid():
        try:
            copy, created = services.submit_copy(
                observer=request.user, deployment_id=deployment.pk, client_id=form.cleaned_data["client_id"],
                figures=form.figures(), comment=form.cleaned_data["comment"],
                evidence_ids=form.cleaned_data["evidence"])
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            if not created:
                # The same figures again (a resent draft, a second tap): the version already sent stands.
                messages.info(request, _("These figures are the ones you already sent (version %(version)s): "
                                         "nothing changed, no new version.") % {"version": copy.version})
            elif copy.warnings:
                messages.warning(request, _("Sent, with %(count)s control relations broken: check the figures "
                                            "against the paper, and send a correction if you mistyped.")
                                 % {"count": len(copy.warnings)})
            else:
                messages.success(request, _("Protocol sent (version %(version)s).") % {"version": copy.version})
            return redirect("protocols:copies", deployment_id=deployment.pk)
    return render(request, "protocols/submit.html", {
        "deployment": deployment, "form": form, "latest": latest,
        "relations": services.relations_as_data(deployment.election),
    })


@login_required
def copies(request, deployment_id):
    """Every version the observer sent for this station, newest first, with its photos."""
    deployment = get_object_or_404(observer_selectors.deployments_for(request.user), pk=deployment_id)
    versions = selectors.copies_for(request.user).filter(deployment=deployment).prefetch_related(
        selectors.copy_photos(request.user)).order_by("-version")
    lines = election_selectors.election_lines(deployment.election)
    language = _language()
    return render(request, "protocols/copies.html", {
        "deployment": deployment,
        "versions": [{"copy": copy, "photos": selectors.attached_photos(copy, request.user),
                      "rows": [(line.number, line.labels.get(language) or line.labels["en"],
                                copy.figures.get(line.code)) for line in lines]}
                     for copy in versions],
    })


@login_required
def submit_summary(request, deployment_id):
    """The summary protocol of the territorial commission above the observer's station."""
    deployment = get_object_or_404(observer_selectors.deployments_for(request.user).filter(observer=request.user),
                                   pk=deployment_id)
    commission = deployment.station.commission
    lines = election_selectors.election_lines(deployment.election)
    form = ProtocolFiguresForm(request.POST or None, lines=lines, language=_language())
    if request.method == "POST" and form.is_valid():
        try:
            summary, _created = services.submit_commission_protocol(
                observer=request.user, election_id=deployment.election_id, commission_id=commission.pk,
                client_id=form.cleaned_data["client_id"], figures=form.figures())
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Summary protocol sent (version %(version)s).") % {"version": summary.version})
            return redirect("observers:home")
    return render(request, "protocols/submit_summary.html", {
        "deployment": deployment, "commission": commission, "form": form,
        "relations": services.relations_as_data(deployment.election),
    })


# --- Review queue ---------------------------------------------------------------------------


def _reviewer(request):
    if not request.user.is_authenticated:
        raise PermissionDenied
    services.ensure_reviewer(request.user)
    return request.user


def _filtered_queue(request, default_status=Discrepancy.Status.OPEN):
    queryset = selectors.discrepancies_for(request.user)
    filters = {
        "election": request.GET.get("election", ""), "region": request.GET.get("region", ""),
        "kind": request.GET.get("kind", ""), "severity": request.GET.get("severity", ""),
        "status": request.GET.get("status", default_status),
    }
    if is_whole_number(filters["election"]):
        queryset = queryset.filter(election_id=filters["election"])
    if is_whole_number(filters["region"]):
        queryset = queryset.filter(selectors.in_region(filters["region"]))
    if filters["kind"] in Discrepancy.Kind.values:
        queryset = queryset.filter(kind=filters["kind"])
    if filters["severity"] in Discrepancy.Severity.values:
        queryset = queryset.filter(severity=filters["severity"])
    if filters["status"] in Discrepancy.Status.values:
        queryset = queryset.filter(status=filters["status"])
    return queryset.order_by("-severity_rank", "created_at", "id"), filters


@login_required
def review_queue(request):
    _reviewer(request)
    queryset, filters = _filtered_queue(request)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "protocols/review_queue.html", {
        "page": page, "filters": filters,
        "elections": Election.objects.order_by("-date"),
        "regions": Region.objects.filter(Q(pk__in=queryset.values("station__commission__region"))
                                         | Q(pk__in=queryset.values("commission__region"))).order_by("name"),
        "kinds": Discrepancy.Kind.choices, "severities": Discrepancy.Severity.choices,
        "statuses": Discrepancy.Status.choices,
        "unassigned": is_assigned_reviewer(request.user) and not request.user.review_assignments.exists(),
    })


@login_required
def review_detail(request, discrepancy_id):
    reviewer = _reviewer(request)
    discrepancy = get_object_or_404(selectors.discrepancies_for(reviewer), pk=discrepancy_id)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide(discrepancy_id=discrepancy.pk, reviewer=reviewer, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("protocols:review")
    lines = election_selectors.election_lines(discrepancy.election)
    base, other, base_label, other_label = _sides(discrepancy)
    language = _language()
    rows = selectors.comparison_rows(lines, base, other)
    for row in rows:
        row["label"] = row["labels"].get(language) or row["labels"]["en"]
    groups, others = selectors.review_photos(discrepancy, reviewer)
    sides = {discrepancy.observer_copy_id: base_label, discrepancy.other_copy_id: other_label}
    return render(request, "protocols/review_detail.html", {
        "attached": [{"label": sides[copy.pk], "copy": copy, "photos": [_review_photo(photo, reviewer) for photo in photos]}
                     for copy, photos in groups],
        "other_photos": [_review_photo(photo, reviewer) for photo in others],
        "discrepancy": discrepancy, "form": form, "rows": rows, "base_label": base_label,
        "other_label": other_label, "decisions": discrepancy.decisions.select_related("reviewer"),
    })


def _review_photo(photo, viewer):
    return {"url": reverse("evidence:file", args=[photo.pk, "web"]),
            "original": reverse("evidence:file", args=[photo.pk, "original"]),
            "sha256": photo.original.sha256, "observer": pseudonyms.display_name(photo.uploaded_by, viewer), "pk": photo.pk,
            "captured_at": photo.original.captured_at, "published": photo.published,
            "has_web_copy": bool(photo.original.web_key)}


@login_required
@require_POST
def photo_publication(request, evidence_id):
    """Publish a protocol photo on the election's public transparency page (publish=1), or take it
    down (publish=0); then back to the page the button was on."""
    publish = request.POST.get("publish")
    if publish not in ("0", "1"):
        return HttpResponseBadRequest(_("Say publish=1 or publish=0."))
    try:
        services.decide_photo_publication(evidence_id=evidence_id, user=request.user, publish=publish == "1")
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Photo published on the public page.") if publish == "1"
                         else _("Photo taken down from the public page."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = reverse("home")
    return redirect(target)


def _sides(discrepancy):
    """Which two sets of figures the page puts side by side, and what to call them."""
    if discrepancy.kind == Discrepancy.Kind.TABULATION:
        # The stations' sums as the check added them up (published, or with the reviewer-confirmed
        # observer copies in place of the figures they contradict), beside the summary protocol.
        published, corrected, _has_confirmed = services.station_sums(discrepancy.election, discrepancy.commission_id)
        confirmed_basis = any(item.get("basis") == "confirmed" for item in discrepancy.detail or ())
        summary = discrepancy.commission_protocol
        return (corrected if confirmed_basis else published, summary.figures if summary else None,
                _("Sum of its stations, with confirmed observer copies") if confirmed_basis
                else _("Sum of its stations, as published"),
                _("Summary, as published") if summary and summary.result_import_id
                else _("Summary, as an observer copied it"))
    if discrepancy.kind == Discrepancy.Kind.OFFICIAL_CHANGED:
        return (discrepancy.previous_official.figures if discrepancy.previous_official else None,
                discrepancy.official_version.figures if discrepancy.official_version else None,
                _("Published before"), _("Published now"))
    if discrepancy.kind == Discrepancy.Kind.OBSERVERS_DISAGREE:
        return (discrepancy.observer_copy.figures, discrepancy.other_copy.figures,
                _("First observer"), _("Second observer"))
    return (discrepancy.observer_copy.figures if discrepancy.observer_copy else None,
            discrepancy.official_version.figures if discrepancy.official_version else None,
            _("Observer's copy"), _("Official"))


@login_required
def export_confirmed(request):
    """CSV of confirmed discrepancies, streamed: one row per differing line."""
    _reviewer(request)
    queryset, _filters = _filtered_queue(request, default_status=Discrepancy.Status.CONFIRMED)
    # Names, not IDs; labels in the reviewer's language; times in each election's time zone.
    elections = {}

    def election_of(election_id):
        if election_id not in elections:
            election = Election.objects.select_related("template").get(pk=election_id)
            language = (get_language() or "en")[:2]
            labels = {line.code: line.labels.get(language) or line.labels.get("en") or next(iter(line.labels.values()), "")
                      for line in election_selectors.election_lines(election)}
            elections[election_id] = (election, election_selectors.time_zone(election), labels)
        return elections[election_id]

    zones = sorted({str(election_selectors.time_zone(None))} | set(
        Election.objects.filter(pk__in=queryset.values("election_id")).exclude(time_zone="")
        .values_list("time_zone", flat=True)))
    header = [_("Election"), _("Region"), _("Territorial commission"), _("Station"), _("Flag"), _("Severity"),
              _("Status"), _("Line"), _("Line name"), _("Observer's figure"), _("Official"), _("Difference"),
              with_zone(_("Flagged at"), ", ".join(zones))]
    kinds, severities = dict(Discrepancy.Kind.choices), dict(Discrepancy.Severity.choices)
    statuses = dict(Discrepancy.Status.choices)

    def rows():
        for item in queryset.select_related("station__commission__region", "commission__region").iterator(
                chunk_size=2000):
            election, zone, labels = election_of(item.election_id)
            station, commission = item.station, item.commission
            if station:
                place = [station.commission.region.name, station.commission.name, station.code]
            elif commission:  # a tabulation flag: the commission's summary against its stations
                place = [commission.region.name, commission.name, ""]
            else:
                place = ["", "", ""]
            for code, (observer, official, delta) in (item.deltas or {"": [None, None, None]}).items():
                yield [election.name, *place, str(kinds.get(item.kind, item.kind)),
                       str(severities.get(item.severity, item.severity)), str(statuses.get(item.status, item.status)),
                       code, labels.get(code, ""), observer, official, delta, local_time(item.created_at, zone)]

    return stream_csv(rows(), header, "confirmed-discrepancies.csv")
