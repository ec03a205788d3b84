"""Pages for observers (on their phones) and for their coordinators.

Views parse the request, call a service or a selector, and render. Every object is fetched
through a selector scoped to the user, so a foreign ID answers 404, never someone else's data.
"""

import uuid

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections.models import Election, Region

from . import access_log, home, selectors, services, throttling
from .forms import (
    CheckInForm,
    DecisionForm,
    DeployForm,
    DeploymentImportForm,
    DocumentForm,
    LoginForm,
    NewObserverForm,
    ReviewAssignmentForm,
    SelfDeployForm,
    SignUpForm,
    observer_label,
    show_service_errors,
    station_label,
)
from .models import Accreditation, CheckIn, User


def _open_elections(country_codes=None):
    elections = Election.objects.exclude(status=Election.Status.CLOSED).order_by("-date")
    return elections.filter(country__in=country_codes) if country_codes is not None else elections


# --- Everyone ---------------------------------------------------------------------------------


@login_required
def start(request):
    """Where a login lands: each role on its own first page."""
    if request.user.role == User.Role.OBSERVER:
        return redirect("observers:home")
    if request.user.role == User.Role.COORDINATOR:
        return redirect("dashboard:index")
    if request.user.role == User.Role.REVIEWER:
        return redirect("protocols:review")
    return redirect("home")


class LoginView(auth_views.LoginView):
    """Django's login page with the failed-login limits (observers.throttling): a refused
    attempt answers 429 with the time to wait."""

    authentication_form = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.retry_after is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.retry_after)
        return response


def sign_up(request):
    form = SignUpForm(request.POST or None, request.FILES or None,
                      initial={"invitation_code": request.GET.get("code", "").strip()})
    wait = throttling.sign_up_retry_after(request) if request.method == "POST" else None
    if wait is not None:
        # Refused before the form is read: the same budget per address as the API's sign-up.
        messages.error(request, throttling.wait_message(wait))
        fields = ("invitation_code", "first_name", "last_name", "phone", "email", "username")
        form = SignUpForm(initial={name: request.POST.get(name, "") for name in fields})
        response = render(request, "observers/sign_up.html", {"form": form}, status=429)
        response["Retry-After"] = str(wait)
        return response
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(**form.cleaned_data, language=request.LANGUAGE_CODE)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! You have joined %(organisation)s.")
                             % {"organisation": user.organisation.name})
            return redirect("observers:home")
    return render(request, "observers/sign_up.html", {"form": form})


@login_required
def document(request, accreditation_id):
    """The accreditation document, streamed to those allowed to see it; never a public URL."""
    accreditation = get_object_or_404(selectors.accreditations_for(request.user), pk=accreditation_id)
    if not accreditation.document:
        raise PermissionDenied
    access_log.record(request, action=access_log.Action.DOCUMENT_VIEWED, subject=accreditation.observer,
                      organisation_id=accreditation.organisation_id, target=f"accreditation {accreditation.pk}")
    response = FileResponse(accreditation.document.open("rb"), content_type=accreditation.document_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


# --- Observer ---------------------------------------------------------------------------------


@login_required
def observer_home(request):
    """"My station": the accreditation, the deployments and the next steps."""
    if request.user.role != User.Role.OBSERVER:
        return redirect("observers:start")
    accreditation = Accreditation.objects.filter(observer=request.user).first()
    accredited = accreditation is not None and accreditation.status == Accreditation.Status.APPROVED
    open_deployments = list(selectors.deployments_for(request.user).exclude(election__status=Election.Status.CLOSED))
    if not accredited:
        open_deployments = []
    # What the observer sent, set-based: one query for the check-ins and one per app's section.
    last_check_ins = selectors.latest_check_ins(deployment.pk for deployment in open_deployments)
    sent = home.sections_by_deployment(request.user, open_deployments)
    deployments = []
    for deployment in open_deployments:
        last = last_check_ins.get(deployment.pk)
        present = last is not None and last.kind == CheckIn.Kind.CHECK_IN
        deployments.append({
            "deployment": deployment,
            "last_check_in": last,
            "present": present,
            "sections": sent[deployment.pk],
            "form": CheckInForm(initial={
                "deployment": deployment.pk, "client_id": uuid.uuid4(),
                "kind": CheckIn.Kind.CHECK_OUT if present else CheckIn.Kind.CHECK_IN,
            }),
        })
    return render(request, "observers/home.html", {
        "accreditation": accreditation,
        "accredited": accredited,
        "deployments": deployments,
        "document_form": DocumentForm(),
        "may_self_deploy": accredited and request.user.organisation.allow_self_deployment,
    })


@login_required
@require_POST
def check_in(request):
    form = CheckInForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The check-in could not be read; please try again."))
        return redirect("observers:home")
    data = form.cleaned_data
    try:
        record, _created = services.record_check_in(
            observer=request.user, deployment_id=data["deployment"], client_id=data["client_id"],
            kind=data["kind"], latitude=data["latitude"], longitude=data["longitude"], accuracy_m=data["accuracy"],
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("observers:home")
    if record.far_from_station:
        messages.warning(request, _("Recorded, but your phone places you %(distance)s m from the station. "
                                    "Your coordinator will see this.") % {"distance": record.distance_m})
    else:
        messages.success(request, _("Checked in.") if record.kind == CheckIn.Kind.CHECK_IN else _("Checked out."))
    return redirect("observers:home")


@login_required
@require_POST
def resubmit_document(request):
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.resubmit_document(observer=request.user, document=form.cleaned_data["document"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Sent. Your coordinator will check it."))
    else:
        messages.error(request, _("Choose a photo of your document."))
    return redirect("observers:home")


@login_required
def self_deploy(request):
    if request.user.role != User.Role.OBSERVER or request.user.organisation is None:
        raise PermissionDenied
    organisation = request.user.organisation
    form = SelfDeployForm(request.POST or None, elections=_open_elections(),
                          regions=organisation.regions.order_by("name"))
    if request.method == "POST" and form.is_valid():
        try:
            services.self_deploy(observer=request.user, election_id=form.cleaned_data["election"].pk,
                                 station_id=form.cleaned_data["station"].pk)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("You are now deployed at this station."))
            return redirect("observers:home")
    return render(request, "observers/self_deploy.html", {"form": form})


# --- Coordinator ------------------------------------------------------------------------------


@login_required
def accreditations(request):
    services.ensure_coordinator(request.user)
    status = request.GET.get("status", Accreditation.Status.PENDING)
    queryset = selectors.accreditations_for(request.user)
    if status in Accreditation.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-submitted_at"), 25).get_page(request.GET.get("page"))
    return render(request, "observers/accreditations.html", {
        "page": page, "status": status, "statuses": Accreditation.Status.choices,
    })


@login_required
def accreditation_detail(request, accreditation_id):
    coordinator = services.ensure_coordinator(request.user)
    accreditation = get_object_or_404(selectors.accreditations_for(coordinator), pk=accreditation_id)
    if request.method == "GET":
        access_log.record(request, action=access_log.Action.PERSON_VIEWED, subject=accreditation.observer,
                          organisation_id=accreditation.organisation_id, target=f"accreditation {accreditation.pk}")
    decisions = services.decisions_for(accreditation.status)
    form = DecisionForm(request.POST or None, decisions=decisions)
    if request.method == "POST" and form.is_valid():
        try:
            decided = services.decide_accreditation(accreditation_id=accreditation.pk, coordinator=coordinator,
                                                    **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            if decided.status == Accreditation.Status.APPROVED:
                # Back to the page, which now offers to deploy the observer just approved.
                return redirect("observers:accreditation", accreditation_id=accreditation.pk)
            return redirect("observers:accreditations")
    approved = accreditation.status == Accreditation.Status.APPROVED
    return render(request, "observers/accreditation_detail.html", {
        "accreditation": accreditation, "form": form if decisions else None,
        "events": accreditation.events.select_related("actor"),
        "deploy_url": f"{reverse('observers:deployments')}?observer={accreditation.observer_id}#deploy"
        if approved else None,
    })


@login_required
def new_observer(request):
    coordinator = services.ensure_coordinator(request.user)
    form = NewObserverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_observer(coordinator=coordinator, **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Observer created; approve their accreditation when you are ready."))
            return redirect("observers:accreditations")
    return render(request, "observers/new_observer.html", {"form": form})


@login_required
def deployments(request):
    coordinator = services.ensure_coordinator(request.user)
    region_ids = services.coordinator_region_ids(coordinator)
    regions = Region.objects.filter(pk__in=region_ids).order_by("name")
    observers = selectors.deployable_observers(coordinator)
    elections = _open_elections(set(regions.values_list("country", flat=True)))
    initial = {}
    chosen = request.GET.get("observer", "")
    if request.method != "POST" and chosen.isascii() and chosen.isdigit():
        # "Deploy this observer" from their accreditation: the form starts with them picked.
        observer = observers.filter(pk=int(chosen)).first()
        if observer is not None:
            initial = {"observer": observer.pk, "observer_query": observer_label(observer)}
    form = DeployForm(request.POST or None, initial=initial, observers=observers, elections=elections,
                      stations=selectors.deployable_stations(region_ids))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.deploy(coordinator=coordinator, observer_id=data["observer"].pk, election_id=data["election"].pk,
                            station_id=data["station"].pk)
        except ValidationError as error:
            show_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Observer deployed."))
            return redirect("observers:deployments")
    queryset = selectors.deployments_for(coordinator).order_by("station__commission__region__name", "station__code")
    region = request.GET.get("region", "")
    if region:
        # Only one of the coordinator's own regions narrows the list; anything else is said so.
        if region.isascii() and region.isdigit() and int(region) in {r.pk for r in regions}:
            queryset = queryset.filter(station__commission__region_id=int(region))
        else:
            messages.error(request, _("Choose one of your regions."))
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    station = form.cleaned_data.get("station") if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(request, "observers/deployments.html", {
        "form": form, "page": page, "regions": regions, "open_form": bool(form.errors or initial),
        "chosen_station": station_label(station) if station else "",
        "import_form": DeploymentImportForm(elections=elections),
    })


@login_required
def search_observers(request):
    """Search-as-you-type for the deploy form: the coordinator's accredited observers."""
    coordinator = services.ensure_coordinator(request.user)
    query = request.GET.get("q", "")[:150]
    found = selectors.search_observers(coordinator, query) if query.strip() else []
    return JsonResponse({"results": [{"id": user.pk, "label": observer_label(user)} for user in found]})


@login_required
def search_stations(request):
    """Search-as-you-type for the deploy form: stations in the coordinator's regions (of the
    chosen election's country), with the name and address to confirm before saving."""
    coordinator = services.ensure_coordinator(request.user)
    query = request.GET.get("q", "")[:300]
    election = request.GET.get("election", "")
    country = None
    if election.isascii() and election.isdigit():
        country = Election.objects.filter(pk=int(election)).values_list("country", flat=True).first()
    found = selectors.search_stations(services.coordinator_region_ids(coordinator), query, country=country)
    return JsonResponse({"results": [{"id": station.pk, "label": station_label(station), "code": station.code,
                                      "name": station.name, "address": station.address,
                                      "region": station.commission.region.name} for station in found]})


@login_required
@require_POST
def import_deployments(request):
    coordinator = services.ensure_coordinator(request.user)
    form = DeploymentImportForm(request.POST, request.FILES, elections=_open_elections())
    if not form.is_valid():
        messages.error(request, _("Choose an election and a CSV file."))
        return redirect("observers:deployments")
    try:
        text = form.cleaned_data["file"].read().decode("utf-8-sig")
        created, existing = services.deploy_from_csv(
            coordinator=coordinator, election_id=form.cleaned_data["election"].pk, csv_text=text)
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
    except ValidationError as error:
        for message in error.messages[:50]:
            messages.error(request, message)
        messages.error(request, _("Nothing was imported."))
    else:
        messages.success(request, _("%(created)s observers deployed (%(existing)s were already there).")
                         % {"created": created, "existing": existing})
    return redirect("observers:deployments")


# --- Review assignments (coordinators of the organisation, administrators) ----------------------


@login_required
def review_assignments(request):
    """Who reviews what: a coordinator gives their organisation's reviewers regions or stations of
    an election (in the regions they coordinate); an administrator any organisation's reviewers."""
    actor = request.user
    if not (actor.is_platform_admin or (actor.role == User.Role.COORDINATOR and actor.organisation_id)):
        raise PermissionDenied
    regions = Region.objects.order_by("name")
    if not actor.is_platform_admin:
        regions = regions.filter(pk__in=services.coordinator_region_ids(actor))
    elections = _open_elections(None if actor.is_platform_admin else set(regions.values_list("country", flat=True)))
    reviewers = services.assignable_reviewers(actor).order_by("last_name", "first_name", "username")
    form = ReviewAssignmentForm(request.POST or None, reviewers=reviewers, elections=elections, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = data.get("station")
        try:
            services.assign_reviewer(actor=actor, reviewer_id=data["reviewer"].pk, election_id=data["election"].pk,
                                     region_id=None if station else data["region"].pk,
                                     station_id=station.pk if station else None)
        except ValidationError as error:
            show_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Reviewer assigned."))
            return redirect("observers:review-assignments")
    assignments = services.assignments_managed_by(actor).order_by("-election__date", "reviewer__username", "id")
    return render(request, "observers/review_assignments.html", {
        "form": form, "page": Paginator(assignments, 50).get_page(request.GET.get("page")),
        "reviewers": reviewers,
    })


@login_required
@require_POST
def remove_review_assignment(request, assignment_id):
    try:
        services.unassign_reviewer(actor=request.user, assignment_id=assignment_id)
    except ValidationError:
        messages.error(request, _("No such assignment."))
    else:
        messages.success(request, _("Assignment removed."))
    return redirect("observers:review-assignments")
