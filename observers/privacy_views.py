"""Pages of personal data, for the organisation's administrators: the access log (and its CSV),
an observer's personal data with its download and its erasure. Thin: observers.access_log and
observers.privacy decide who may and what happens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from config.csv_export import stream_csv
from config.parsing import is_whole_number

from . import access_log, privacy, pseudonyms
from .forms import EraseForm
from .models import AccessLogEntry, Accreditation


def _filtered_log(request):
    """The entries this administrator sees, narrowed by ?action= and ?observer= (a number); a
    value that is neither is said so, and the list is not narrowed by it."""
    entries = access_log.entries_for(access_log.ensure_may_see(request.user))
    errors = []
    action = request.GET.get("action", "")
    if action:
        if action in AccessLogEntry.Action.values:
            entries = entries.filter(action=action)
        else:
            errors.append(_("Choose one of the kinds of access in the list."))
            action = ""
    observer = request.GET.get("observer", "").strip()
    if observer:
        if is_whole_number(observer):
            entries = entries.filter(subject_id=int(observer))
        else:
            errors.append(_("An observer is given by their number, for example 42."))
            observer = ""
    return entries.order_by("-at", "-id"), {"action": action, "observer": observer}, errors


@login_required
@require_GET
def access_log_page(request):
    entries, filters, errors = _filtered_log(request)
    for error in errors:
        messages.error(request, error)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "observers/access_log.html", {
        "page": page, "filters": filters, "actions": AccessLogEntry.Action.choices,
    }, status=400 if errors else 200)


@login_required
@require_GET
def access_log_csv(request):
    entries, _filters, errors = _filtered_log(request)
    if errors:
        return HttpResponse(" ".join(errors), status=400, content_type="text/plain; charset=utf-8")
    header = ["at", "who", "role", "what", "observer", "observer_pseudonym", "record", "from_address"]

    def rows():
        for entry in entries.iterator(chunk_size=2000):
            yield [entry.at.isoformat(), access_log.actor_label(entry), access_log.role_label(entry), entry.action,
                   entry.subject_id or "", pseudonyms.pseudonym(entry.subject) if entry.subject else "",
                   entry.target, entry.client_address or ""]

    # Who looked at whom is itself personal data: reading the log is logged.
    access_log.record(request, action=access_log.Action.EXPORTED, organisation_id=request.user.organisation_id,
                      target="access log CSV")
    return stream_csv(rows(), header, "access-log.csv")


def _observer(request, observer_id):
    try:
        return privacy.observer_for(request.user, observer_id)
    except ValidationError:
        raise Http404 from None


@login_required
@require_GET
def observers_page(request):
    """The observers whose personal data this administrator manages, by number and pseudonym."""
    if not privacy.may_manage(request.user):
        raise PermissionDenied(_("Only the organisation's administrators export or erase an observer's data."))
    observers = privacy.observers_managed_by(request.user).order_by("pk")
    page = Paginator(observers, 50).get_page(request.GET.get("page"))
    return render(request, "observers/privacy_observers.html", {"page": page})


@login_required
@require_GET
def personal_data_page(request, observer_id):
    observer = _observer(request, observer_id)
    access_log.record(request, action=access_log.Action.PERSON_VIEWED, subject=observer,
                      target=f"user {observer.pk}: personal data page")
    return render(request, "observers/personal_data.html", {
        "observer": observer, "pseudonym": pseudonyms.pseudonym(observer),
        "accreditation": Accreditation.objects.filter(observer=observer).first(),
        "form": EraseForm(code=pseudonyms.pseudonym_code(observer)),
    })


@login_required
@require_GET
def personal_data_download(request, observer_id):
    observer = _observer(request, observer_id)
    filename, data = privacy.export_archive(user=request.user, observer_id=observer.pk, request=request)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def erase(request, observer_id):
    observer = _observer(request, observer_id)
    form = EraseForm(request.POST, code=pseudonyms.pseudonym_code(observer))
    if not form.is_valid():
        return render(request, "observers/personal_data.html", {
            "observer": observer, "pseudonym": pseudonyms.pseudonym(observer),
            "accreditation": Accreditation.objects.filter(observer=observer).first(), "form": form,
        }, status=400)
    _observer_after, erased = privacy.erase(user=request.user, observer_id=observer.pk, request=request)
    if erased:
        messages.success(request, _("Personal data erased. The figures and evidence stay under the pseudonym."))
    else:
        messages.info(request, _("This observer's personal data was already erased."))
    return redirect("observers:personal-data", observer.pk)
