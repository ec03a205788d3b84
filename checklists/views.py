"""Pages of the checklists app: thin, each parses, calls a service or selector, and renders."""

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.csv_export import stream_csv, xlsx_response
from elections.models import Commission, Election, Region, Station
from evidence.selectors import evidence_visible_to
from observers.models import Deployment
from observers.services import coordinator_region_ids

from . import selectors, services, statistics
from .estimators import METHOD
from .forms import ChecklistForm, ImportForm, MessageForm, QuestionForm, QuestionFormSet, SampleForm
from .models import ChecklistVersion, Message, MessageRecipient, Question

MAX_IMPORT_BYTES = 1_000_000


def _coordinating(request, slug):
    if not request.user.is_authenticated or not (request.user.is_platform_admin
                                                 or request.user.role in ("coordinator", "reviewer")):
        raise PermissionDenied
    return get_object_or_404(Election, slug=slug)


def _region_scope(user, election):
    regions, organisation_id = selectors.scope_of(user)
    if regions is None:
        regions = set(Region.objects.filter(country=election.country).values_list("id", flat=True))
    return regions, organisation_id


# --- Coordinators: the forms ------------------------------------------------------------------


@login_required
def index(request, slug):
    election = _coordinating(request, slug)
    return render(request, "checklists/index.html", {
        "election": election, "checklists": selectors.checklists_in_scope(request.user, election),
        "import_form": ImportForm(), "sample": selectors.current_sample(election)})


@login_required
def edit(request, slug, checklist_id=None):
    election = _coordinating(request, slug)
    checklist = None
    if checklist_id is not None:
        checklist = get_object_or_404(selectors.checklists_in_scope(request.user, election), pk=checklist_id)
    services.ensure_may_edit(request.user, checklist)
    if request.method == "POST":
        form, formset = ChecklistForm(request.POST), QuestionFormSet(request.POST, prefix="q")
        if form.is_valid() and formset.is_valid():
            questions = [item.document() for item in formset.forms
                         if item.has_changed() and not item.cleaned_data.get("DELETE") and item.cleaned_data]
            document = {"code": form.cleaned_data["code"], "kind": form.cleaned_data["kind"],
                        "title": {lang: form.cleaned_data[f"title_{lang}"] for lang in ("kk", "ru", "en")},
                        "questions": questions}
            try:
                saved, version, changed = services.save_checklist(
                    user=request.user, election_id=election.pk, document=document,
                    checklist_id=checklist.pk if checklist else None)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Checklist saved (version %(n)s).") % {"n": version.number} if changed
                                 else _("Nothing changed."))
                return redirect("checklists:edit", slug=election.slug, checklist_id=saved.pk)
    else:
        document = services.export_document(checklist) if checklist else None
        form = ChecklistForm(initial={"code": document["code"], "kind": document["kind"],
                                      **{f"title_{k}": v for k, v in document["title"].items()}} if document else None)
        formset = QuestionFormSet(prefix="q", initial=[QuestionForm.initial_from(item)
                                                       for item in document["questions"]] if document else None)
    version = checklist.current_version() if checklist else None
    return render(request, "checklists/edit.html", {"election": election, "checklist": checklist, "form": form,
                                                    "formset": formset, "version": version})


@login_required
def export(request, slug, checklist_id):
    election = _coordinating(request, slug)
    checklist = get_object_or_404(selectors.checklists_in_scope(request.user, election), pk=checklist_id)
    response = HttpResponse(json.dumps(services.export_document(checklist), ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{checklist.code}.json"'
    return response


@login_required
@require_POST
def import_checklist(request, slug):
    election = _coordinating(request, slug)
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_IMPORT_BYTES:
                raise ValidationError(_("The file is larger than 1 MB."))
            document = json.loads(upload.read().decode("utf-8"))
            checklist, _version, _changed = services.save_checklist(user=request.user, election_id=election.pk,
                                                                    document=document)
        except (ValueError, UnicodeDecodeError):
            messages.error(request, _("This is not a checklist file."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Checklist imported."))
            return redirect("checklists:edit", slug=election.slug, checklist_id=checklist.pk)
    return redirect("checklists:index", slug=election.slug)


# --- Observers: answering ---------------------------------------------------------------------


def _answer_context(deployment, checklist, version, values, errors, observer, client_id):
    photos = list(evidence_visible_to(observer).filter(
        uploaded_by=observer, purpose=services.PHOTO_PURPOSE, station_id__in=[deployment.station_id, None]
    ).order_by("-created_at")[:50]) if version.questions.filter(kind=Question.Kind.PHOTO).exists() else []
    questions = []
    for question in version.questions.order_by("position"):
        value = values.get(question.key)
        chosen = {str(v) for v in value} if isinstance(value, list) else {str(value)} if value not in (None, "") else set()
        options = [{"value": option, "label": question.choice_label(option), "checked": option in chosen}
                   for option in question.options()] if question.kind in Question.CATEGORICAL else []
        if question.kind == Question.Kind.PHOTO:
            options = [{"value": str(photo.pk), "label": photo.filename or f"#{photo.pk}",
                        "checked": str(photo.pk) in chosen} for photo in photos]
        # A conditional question comes hidden unless its condition holds already: the page does not
        # jump when its script (checklist-form.js) hides it on load: no layout shift on a slow phone.
        questions.append({"q": question, "name": f"q_{question.key}", "text": question.text(), "options": options,
                          "value": value if not isinstance(value, list) else "", "error": errors.get(question.key),
                          "shown": services.visible(question, values)})
    return {"deployment": deployment, "checklist": checklist, "version": version, "questions": questions,
            "client_id": client_id}


def _raw_answers(data, version):
    """{key: value or [values]} from a form post or a JSON body (the same field names)."""
    raw = {}
    for question in version.questions.all():
        name = f"q_{question.key}"
        if hasattr(data, "getlist"):
            values = data.getlist(name)
            raw[question.key] = values if question.kind in (Question.Kind.MULTIPLE, Question.Kind.PHOTO) else (
                values[0] if values else None)
        else:
            raw[question.key] = data.get(name)
    return raw


@login_required
def answer(request, deployment_id, checklist_id):
    deployment = get_object_or_404(Deployment.objects.select_related("station", "election"), pk=deployment_id,
                                   observer=request.user)
    checklist = get_object_or_404(selectors.checklists_for_deployment(deployment), pk=checklist_id)
    version = checklist.current_version()
    if version is None:
        raise PermissionDenied
    values, errors, client_id = {}, {}, uuid.uuid4()
    if request.method == "POST":
        version = get_object_or_404(checklist.versions, pk=request.POST.get("version") or 0) \
            if str(request.POST.get("version", "")).isdigit() else version
        values = _raw_answers(request.POST, version)
        try:
            services.submit_answers(observer=request.user, client_id=request.POST.get("client_id"),
                                    deployment_id=deployment.pk, version_id=version.pk, answers=values)
        except ValidationError as error:
            errors = {key: " ".join(messages_) for key, messages_ in getattr(error, "message_dict", {}).items()} \
                if hasattr(error, "error_dict") else {"__all__": " ".join(error.messages)}
            client_id = request.POST.get("client_id") or client_id
        else:
            messages.success(request, _("Your answers to “%(checklist)s” arrived.") % {"checklist": checklist.title()})
            return redirect("observers:home")
    return render(request, "checklists/answer.html",
                  _answer_context(deployment, checklist, version, values, errors, request.user, client_id))


@require_POST
def answer_api(request):
    """POST JSON {"client_id", "deployment", "version", "q_<key>": value or [values]}: the answer
    form's fields, for the offline outbox. 201 stored, 200 already stored, 400 with errors by key."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Log in first.")}, status=401)
    try:
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": _("The body is not a JSON object.")}, status=400)
    version_id = body.get("version")
    version = ChecklistVersion.objects.filter(pk=version_id if str(version_id).isdigit() else 0).first()
    if version is None:
        return JsonResponse({"version": [_("Unknown checklist version.")]}, status=400)
    try:
        submission, created = services.submit_answers(
            observer=request.user, client_id=body.get("client_id"),
            deployment_id=body.get("deployment") if str(body.get("deployment")).isdigit() else 0,
            version_id=version.pk, answers=_raw_answers(body, version))
    except PermissionDenied as error:
        return JsonResponse({"detail": str(error) or _("Not allowed.")}, status=403)
    except ValidationError as error:
        return JsonResponse(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages},
                            status=400)
    return JsonResponse({"id": submission.pk, "client_id": str(submission.client_id), "version": submission.version_id,
                         "created": created}, status=201 if created else 200)


@login_required
@require_POST
def mark_read(request, message_id):
    services.mark_read(observer=request.user, message_id=message_id)
    return redirect("observers:home")


# --- Process statistics -----------------------------------------------------------------------


def _chosen_region(request, regions):
    """The region whose districts are asked for (?region=), if it is in the user's scope; else None."""
    value = request.GET.get("region", "")
    return Region.objects.filter(pk=int(value)).first() if value.isdigit() and int(value) in regions else None


def _statistics(request, election, checklist):
    """(figures, names of the rows' groups, the region broken down or None).

    Nationally the rows are the regions, with the sample's margins; for one region (?region=),
    its districts, without margins (the sample is stratified by region, not by district)."""
    regions, organisation_id = _region_scope(request.user, election)
    region = _chosen_region(request, regions)
    questions = selectors.categorical_questions(checklist)
    if region is not None:
        rows = selectors.process_counts(checklist, {region.pk}, organisation_id=organisation_id, by_district=True)
        names = dict(Commission.objects.filter(region=region).values_list("id", "name"))
        return statistics.process_statistics(rows, questions), names, region
    rows = selectors.process_counts(checklist, regions, organisation_id=organisation_id)
    population = selectors.sample_population(election, regions)
    names = dict(Region.objects.filter(pk__in=regions).values_list("id", "name"))
    return statistics.process_statistics(rows, questions, population=population), names, None


@login_required
def statistics_page(request, slug):
    election = _coordinating(request, slug)
    checklists = list(selectors.checklists_in_scope(request.user, election))
    chosen = next((c for c in checklists if str(c.pk) == request.GET.get("checklist")), checklists[0] if checklists
                  else None)
    context = {"election": election, "checklists": checklists, "checklist": chosen, "method": METHOD,
               "minimum_total": statistics.MIN_TOTAL, "minimum_stratum": statistics.MIN_PER_STRATUM}
    if chosen is not None:
        figures, names, region = _statistics(request, election, chosen)
        labels = selectors.question_labels(chosen)
        context["region"] = region
        for item in figures["questions"]:
            question = labels[item.key]
            item.text = question.text()
            for share in item.shares:
                share.label = question.choice_label(share.value)
                share.percent = None if share.share is None else 100 * share.share
                if share.estimate:
                    share.estimate_percent, share.margin_percent = 100 * share.estimate.share, 100 * share.estimate.margin
            item.regions = [{"name": names.get(region, region), "id": region, **data,
                             "cells": [(count, None if share is None else 100 * share, value)
                                       for value, (count, share) in ((s.value, data["shares"][s.value])
                                                                     for s in item.shares)]}
                            for region, data in item.by_region.items()]
            item.strata = [{"name": names.get(int(key), key), "reported": count}
                           for key, count in item.sample_by_stratum.items()]
        context.update(figures=figures, sample=None if region else selectors.current_sample(election))
    return render(request, "checklists/statistics.html", context)


@login_required
def drill_down(request, slug, checklist_id, key, value):
    election = _coordinating(request, slug)
    checklist = get_object_or_404(selectors.checklists_in_scope(request.user, election), pk=checklist_id)
    regions, organisation_id = _region_scope(request.user, election)
    region = request.GET.get("region", "")
    if region.isdigit():
        regions = {int(region)} & set(regions)
    district = request.GET.get("commission", "")
    stations = selectors.stations_with_answer(checklist, regions, key, value, organisation_id=organisation_id,
                                              commission_id=int(district) if district.isdigit() else None)
    page = Paginator(stations, 100).get_page(request.GET.get("page"))
    question = selectors.question_labels(checklist).get(key)
    return render(request, "checklists/drill_down.html", {
        "election": election, "checklist": checklist, "question": question.text() if question else key,
        "answer": question.choice_label(value) if question else value, "page": page})


def neutralise(cell):
    """A text cell a spreadsheet would read as a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + cell
    return cell


@login_required
def statistics_export(request, slug, checklist_id, file_format):
    election = _coordinating(request, slug)
    if file_format not in ("csv", "xlsx"):
        raise PermissionDenied
    checklist = get_object_or_404(selectors.checklists_in_scope(request.user, election), pk=checklist_id)
    figures, names, region = _statistics(request, election, checklist)
    labels = selectors.question_labels(checklist)
    header = [_("Region"), _("District"), _("Question key"), _("Question"), _("Answer"), _("Stations"), _("Share"),
              _("Answered"), _("Missing"), _("Sample estimate"), _("Sample margin")]
    # Nationally: the nation's row (no region), then each region's; for a region (?region=): the
    # region's own row, then each of its districts'. Every file has the same columns.
    def group(pk):
        name = names.get(pk, str(pk))
        return [region.name, name] if region else [name, ""]

    rows = []
    for item in figures["questions"]:
        question = labels[item.key]
        for share in item.shares:
            estimate = share.estimate
            rows.append([region.name if region else "", "", item.key, question.text(),
                         question.choice_label(share.value), share.stations, share.share, item.answered, item.missing,
                         estimate.share if estimate else None, estimate.margin if estimate else None])
        for pk, data in item.by_region.items():
            for value, (count, share) in data["shares"].items():
                rows.append([*group(pk), item.key, question.text(), question.choice_label(value),
                             count, share, data["answered"], data["missing"], None, None])
    rows = [[neutralise(cell) for cell in row] for row in rows]
    name = f"{checklist.code}-statistics" + (f"-region-{region.pk}" if region else "")
    # config.csv_export: a byte-order mark for Excel, headers in the coordinator's language.
    if file_format == "xlsx":
        response = xlsx_response(rows, header, f"{name}.xlsx", name)
    else:
        response = stream_csv(rows, header, f"{name}.csv")
    return response


# --- The sample -------------------------------------------------------------------------------


@login_required
def sample_page(request, slug):
    election = _coordinating(request, slug)
    form = SampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.draw_sample(user=request.user, election_id=election.pk, size=data.get("size"),
                                 margin=float(data["margin"]) / 100 if data.get("margin") is not None else None,
                                 seed=data.get("seed"), allocation=data["allocation"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The sample is drawn."))
            return redirect("checklists:sample", slug=election.slug)
    sample = selectors.current_sample(election)
    names = dict(Region.objects.filter(country=election.country).values_list("id", "name"))
    strata = [{**item, "name": names.get(int(item["key"]), item["key"])} for item in sample.strata] if sample else []
    return render(request, "checklists/sample.html", {"election": election, "form": form, "sample": sample,
                                                      "strata": strata})


# --- Messages ---------------------------------------------------------------------------------


@login_required
def messages_page(request, slug):
    election = _coordinating(request, slug)
    if request.user.role != "coordinator":
        raise PermissionDenied
    regions = Region.objects.filter(pk__in=coordinator_region_ids(request.user)).order_by("name")
    form = MessageForm(request.POST or None, regions=regions, initial={"client_id": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station_id = None
        if data["audience"] == Message.Audience.STATION:
            station_id = Station.objects.filter(commission__region_id=data.get("region") or 0,
                                                code=data.get("station_code", "")).values_list("id", flat=True).first()
        try:
            services.send_message(coordinator=request.user, client_id=data["client_id"], election_id=election.pk,
                                  audience=data["audience"], body=data["body"], region_id=data.get("region"),
                                  station_id=station_id, email_copy=data["email_copy"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Message sent."))
            return redirect("checklists:messages", slug=election.slug)
    return render(request, "checklists/messages.html", {
        "election": election, "form": form, "sent": selectors.messages_sent(request.user, election)[:50]})


@login_required
def message_readers(request, slug, message_id):
    election = _coordinating(request, slug)
    message = get_object_or_404(Message, pk=message_id, election=election, organisation_id=request.user.organisation_id)
    recipients = MessageRecipient.objects.filter(message=message).select_related("observer").order_by(
        "read_at", "observer__username")
    return render(request, "checklists/message_readers.html", {"election": election, "message": message,
                                                               "recipients": recipients})

