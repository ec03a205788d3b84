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
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from elections.models import Election, Region

from . import home, selectors, services, throttling
from .forms import (
    CheckInForm,
    DecisionForm,
    DeployForm,
    DeploymentImportForm,
    DocumentForm,
    LoginForm,
    NewObserverForm,
    SelfDeployForm,
    SignUpForm,
    show_service_errors,
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
        return redirect("observers:accreditations")
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
                      initial={"invitation_code": request.GET.get("code", "")})
    wait = throttling.sign_up_retry_after(request) if request.method == "POST" else None
    if wait is not None:
        # Refused before the form is read: the same budget per address as the API's sign-up.
        messages.error(request, throttling.wait_message(wait))
        fields = ("invitation_code", "first_name", "last_name", "phone", "username")
        form = SignUpForm(initial={name: request.POST.get(name, "") for name in fields})
        response = render(request, "observers/sign_up.html", {"form": form}, status=429)
        response["Retry-After"] = str(wait)
        return response
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(**form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your coordinator will check your accreditation."))
            return redirect("observers:home")
    return render(request, "observers/sign_up.html", {"form": form})


@login_required
def document(request, accreditation_id):
    """The accreditation document, streamed to those allowed to see it; never a public URL."""
    accreditation = get_object_or_404(selectors.accreditations_for(request.user), pk=accreditation_id)
    if not accreditation.document:
        raise PermissionDenied
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
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_accreditation(accreditation_id=accreditation.pk, coordinator=coordinator,
                                          **form.cleaned_data)
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("observers:accreditations")
    return render(request, "observers/accreditation_detail.html", {
        "accreditation": accreditation, "form": form, "events": accreditation.events.select_related("actor"),
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
    regions = Region.objects.filter(pk__in=services.coordinator_region_ids(coordinator)).order_by("name")
    observers = selectors.observers_for(coordinator).filter(
        accreditation__status=Accreditation.Status.APPROVED).order_by("last_name", "first_name")
    elections = _open_elections(set(regions.values_list("country", flat=True)))
    form = DeployForm(request.POST or None, observers=observers, elections=elections, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.deploy(coordinator=coordinator, observer_id=data["observer"].pk, election_id=data["election"].pk,
                            station_id=data["station"].pk, in_random_sample=data["in_random_sample"])
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
    return render(request, "observers/deployments.html", {
        "form": form, "page": page, "regions": regions,
        "import_form": DeploymentImportForm(elections=elections),
    })


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
