"""Pages for observers reporting incidents and coordinators triaging them.

Views parse the request, call a service or a selector, and render. Every object is fetched
through a selector scoped to the user, so a foreign ID answers 404, never someone else's data.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.csv_export import local_date, local_time, stream_csv, with_zone, yes_no
from config.parsing import is_whole_number
from elections import selectors as election_selectors
from elections.models import Election, Region
from observers import access_log
from observers import selectors as observer_selectors
from observers.forms import show_service_errors
from observers.models import User
from observers.services import coordinator_region_ids, ensure_coordinator

from . import complaint_document, deadlines, selectors, services
from .forms import (
    AnswerForm,
    CommentForm,
    ComplaintForm,
    FilingForm,
    IncidentEditForm,
    IncidentForm,
    TransitionForm,
    TriageFilterForm,
)
from .models import Complaint


def _observer_required(request):
    if not (request.user.is_authenticated and request.user.role == User.Role.OBSERVER):
        raise PermissionDenied
    return request.user


# --- Observer ---------------------------------------------------------------------------------


@login_required
def report(request):
    observer = _observer_required(request)
    deployments = list(observer_selectors.deployments_for(observer).exclude(election__status=Election.Status.CLOSED)
                       .order_by("-created_at"))
    initial = {"client_id": uuid.uuid4(),
               "deployment": request.GET.get("deployment") or services.default_deployment(observer)}
    form = IncidentForm(request.POST or None, initial=initial, deployments=deployments,
                        categories=selectors.categories(),
                        evidence_files=selectors.attachable_evidence(observer, services.INCIDENT_EVIDENCE_PURPOSE))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident, created = services.report_incident(
                observer=observer, client_id=data["client_id"], deployment_id=data["deployment"],
                category_id=data["category"].pk, occurred_at=data["occurred_at"], description=data["description"],
                witnesses=data["witnesses"], latitude=data["latitude"], longitude=data["longitude"],
                accuracy_m=data["accuracy"], evidence_ids=data["evidence"])
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Report sent. Your coordinator will look at it."))
            return redirect("incidents:mine")
    return render(request, "incidents/report.html", {"form": form, "deployments": deployments})


@login_required
def mine(request):
    observer = _observer_required(request)
    page = Paginator(selectors.incidents_for(observer).order_by("-reported_at", "-id"), 25).get_page(
        request.GET.get("page"))
    return render(request, "incidents/mine.html", {"page": page})


@login_required
def edit(request, incident_id):
    observer = _observer_required(request)
    incident = get_object_or_404(selectors.incidents_for(observer), pk=incident_id)
    attached = [item.pk for item in selectors.incident_evidence(incident, observer)]
    form = IncidentEditForm(
        request.POST or None, categories=selectors.categories(), station=incident.station_id,
        election=incident.election_id, initial={
            "category": incident.category_id, "occurred_at": timezone.localtime(incident.occurred_at),
            "description": incident.description, "witnesses": incident.witnesses, "evidence": attached},
        evidence_files=selectors.attachable_evidence(observer, services.INCIDENT_EVIDENCE_PURPOSE, attached=attached))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.edit_incident(observer=observer, incident_id=incident.pk, category_id=data["category"].pk,
                                   occurred_at=data["occurred_at"], description=data["description"],
                                   witnesses=data["witnesses"], evidence_ids=data["evidence"])
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Report updated; the previous version is kept."))
            return redirect("incidents:mine")
    return render(request, "incidents/edit.html", {"form": form, "incident": incident,
                                                   "revisions": incident.revisions.all(),
                                                   "evidence": selectors.incident_evidence(incident, observer)})


# --- Coordinator ------------------------------------------------------------------------------


def _triage_filters(request, coordinator):
    """The filter form of the triage list and the filters it gives: the page and its live feed
    read the same query string the same way (invalid filters are ignored by both)."""
    regions = Region.objects.filter(pk__in=coordinator_region_ids(coordinator)).order_by("name")
    form = TriageFilterForm(request.GET or None, regions=regions, categories=selectors.categories())
    filters = form.cleaned_data if form.is_valid() else {}
    return form, {key: value for key, value in filters.items() if value}


@login_required
def triage(request):
    coordinator = ensure_coordinator(request.user)
    form, filters = _triage_filters(request, coordinator)
    queryset = selectors.triage_list(coordinator, **filters)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    feed = None
    if page.number == 1:  # new incidents arrive on top of the first page only
        feed = {"url": reverse("incidents:triage-feed") + "?" + urlencode(
                    {key: request.GET[key] for key in form.fields if request.GET.get(key)}),
                "after": queryset.aggregate(latest=Max("pk"))["latest"] or 0}
    return render(request, "incidents/triage.html", {"form": form, "page": page, "feed": feed})


@login_required
def triage_feed(request):
    """The incidents new since the triage page last looked (`after`, an incident ID), with the
    page's filters, as the cards the page shows. Polled by static/js/triage-live.js."""
    coordinator = ensure_coordinator(request.user)
    after = request.GET.get("after", "0") or "0"
    if not is_whole_number(after):
        return JsonResponse({"error": _("%(cursor)s must be a whole number.") % {"cursor": "after"}}, status=400)
    _form, filters = _triage_filters(request, coordinator)
    incidents = list(selectors.new_in_triage(coordinator, after=int(after), **filters))
    return JsonResponse({
        "items": [{"id": incident.pk, "html": render_to_string("incidents/_triage_card.html",
                                                               {"incident": incident}, request=request)}
                  for incident in incidents],
        "after": max([incident.pk for incident in incidents], default=int(after)),
    })


@login_required
def detail(request, incident_id):
    coordinator = ensure_coordinator(request.user)
    incident = get_object_or_404(selectors.incidents_for(coordinator), pk=incident_id)
    targets = [to for (current, to) in sorted(services.TRANSITIONS) if current == incident.status]
    return render(request, "incidents/detail.html", {
        "incident": incident,
        "events": incident.events.select_related("actor"),
        "revisions": incident.revisions.select_related("changed_by"),
        "transition_form": TransitionForm(targets=targets) if targets else None,
        "comment_form": CommentForm(),
        "complaint_form": ComplaintForm() if incident.status in services.COMPLAINT_STATUSES else None,
        "complaints": incident.complaints.all(),
        "evidence": selectors.incident_evidence(incident, coordinator),
    })


def _act(request, incident_id, action):
    coordinator = ensure_coordinator(request.user)
    incident = get_object_or_404(selectors.incidents_for(coordinator), pk=incident_id)
    try:
        result = action(coordinator, incident)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("incidents:detail", incident.pk)
    return result


@login_required
@require_POST
def transition(request, incident_id):
    def act(coordinator, incident):
        form = TransitionForm(request.POST, targets=[request.POST.get("to", "")])
        if not form.is_valid():
            raise ValidationError(_("Choose a new status."))
        services.change_status(coordinator=coordinator, incident_id=incident.pk, **form.cleaned_data)
        messages.success(request, _("Status changed."))
        return redirect("incidents:detail", incident.pk)
    return _act(request, incident_id, act)


@login_required
@require_POST
def comment(request, incident_id):
    def act(coordinator, incident):
        form = CommentForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Write a comment."))
        services.add_comment(coordinator=coordinator, incident_id=incident.pk, comment=form.cleaned_data["comment"])
        messages.success(request, _("Comment added."))
        return redirect("incidents:detail", incident.pk)
    return _act(request, incident_id, act)


@login_required
@require_POST
def new_complaint(request, incident_id):
    def act(coordinator, incident):
        form = ComplaintForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Choose the language and the commission."))
        complaint, created = services.create_complaint(coordinator=coordinator, incident_id=incident.pk,
                                                       **form.cleaned_data)
        messages.success(request, _("Complaint drafted: print it or download the PDF.") if created
                         else _("This complaint was already drafted: here it is."))
        return redirect("incidents:complaint", complaint.pk)
    return _act(request, incident_id, act)


@login_required
def complaint(request, complaint_id):
    coordinator = ensure_coordinator(request.user)
    item = get_object_or_404(selectors.complaints_for(coordinator), pk=complaint_id)
    filing_form = FilingForm(initial={
        "filed_at": timezone.localtime(item.filed_at) if item.filed_at
        else timezone.localtime().replace(second=0, microsecond=0),
        "filed_where": item.filed_where or item.addressed_to})
    scans = selectors.attachable_evidence(coordinator, services.ANSWER_SCAN_PURPOSE,
                                          attached=[item.answer_scan_id] if item.answer_scan_id else [])
    answer_form = AnswerForm(initial={"answered_on": item.answered_on or timezone.localdate(),
                                      "answer_text": item.answer_text,
                                      "answer_scan": [item.answer_scan_id] if item.answer_scan_id else []},
                             evidence_files=scans)
    if request.method == "POST":
        is_answer = "answered_on" in request.POST
        form = AnswerForm(request.POST, evidence_files=scans) if is_answer else FilingForm(request.POST)
        if form.is_valid():
            try:
                if is_answer:
                    data = dict(form.cleaned_data)
                    services.record_answer(coordinator=coordinator, complaint_id=item.pk,
                                           answered_on=data["answered_on"], answer_text=data["answer_text"],
                                           answer_scan_id=data["answer_scan"])
                else:
                    services.record_filing(coordinator=coordinator, complaint_id=item.pk, **form.cleaned_data)
            except ValidationError as error:
                show_service_errors(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect("incidents:complaint", item.pk)
        if is_answer:
            answer_form = form
        else:
            filing_form = form
    facts = services.complaint_facts(item)
    return render(request, "incidents/complaint.html", {
        "complaint": item, "blocks": complaint_document.language_blocks(facts), "filing_form": filing_form,
        "answer_form": answer_form, "history": selectors.complaint_history(item),
        "overdue": deadlines.is_overdue(item.answer_due, item.answered_on, timezone.localdate()),
    })


@login_required
def package(request, incident_id):
    """The ZIP of an incident's evidence (originals), for reviewers and administrators."""
    try:
        filename, archive = services.incident_package(incident_id=incident_id, user=request.user)
    except ValidationError:
        raise Http404 from None
    return FileResponse(archive, as_attachment=True, filename=filename, content_type="application/zip")


@login_required
def complaint_pdf(request, complaint_id):
    coordinator = ensure_coordinator(request.user)
    item = get_object_or_404(selectors.complaints_for(coordinator), pk=complaint_id)
    # The complaint carries the observer's name: the download is an export with personal data.
    access_log.record(request, action=access_log.Action.EXPORTED, subject=item.incident.observer,
                      target=f"complaint {item.pk} PDF")
    response = HttpResponse(complaint_document.render_pdf(services.complaint_facts(item)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="complaint-{item.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def register(request):
    coordinator = ensure_coordinator(request.user)
    complaints = selectors.complaint_register(coordinator, today=timezone.localdate())
    page = Paginator(complaints, 25).get_page(request.GET.get("page"))
    return render(request, "incidents/register.html", {"page": page})


@login_required
def register_csv(request):
    """The register of complaints as CSV, streamed, overdue ones marked."""
    coordinator = ensure_coordinator(request.user)
    complaints = selectors.complaint_register(coordinator, today=timezone.localdate())
    # Labels in the coordinator's language, times in each election's time zone, a status column.
    zones = sorted({str(election_selectors.time_zone(item.incident.election)) for item in complaints}
                   or {str(election_selectors.time_zone(None))})
    header = [_("Complaint"), _("Incident"), _("Election"), _("Category"), _("Region"), _("Station"),
              _("Commission"), _("Addressed to"), _("Language"), _("Status"),
              with_zone(_("Filed at"), ", ".join(zones)), _("Filed where"), _("Answer due"), _("Answered on"),
              _("Overdue"), _("Answer"), _("SHA-256 of the answer's scan")]
    levels, languages = dict(Complaint.Level.choices), dict(Complaint.Language.choices)

    def status(item):
        if item.answered_on:
            return _("Answered")
        if item.overdue:
            return _("Overdue")
        return _("Filed, awaiting the answer") if item.filed_at else _("Drafted, not filed")

    def rows():
        for item in complaints:
            incident = item.incident
            zone = election_selectors.time_zone(incident.election)
            yield [
                item.pk, incident.pk, incident.election.name, incident.category.name(),
                incident.station.commission.region.name, incident.station.code,
                str(levels.get(item.level, item.level)), item.addressed_to,
                str(languages.get(item.language, item.language)), status(item), local_time(item.filed_at, zone),
                item.filed_where, local_date(item.answer_due), local_date(item.answered_on), yes_no(item.overdue),
                item.answer_text, item.answer_scan.original.sha256 if item.answer_scan else ""]

    return stream_csv(rows(), header, "complaints-register.csv")


