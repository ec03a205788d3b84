"""Evidence pages: the upload page, "my uploads", file downloads and station packages. Thin."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.parsing import is_whole_number
from elections.models import Election, Station
from observers import access_log
from observers.models import User

from . import content, selectors, services
from .models import Purpose


def _chosen(model, value):
    return model.objects.filter(pk=value).first() if is_whole_number(value or "") else None


@login_required
def upload(request):
    """/evidence/upload/?station=<id>&election=<id>&purpose=<purpose>: pick photos or videos and
    send them, recorded for that station and election (an observer's own deployments only)."""
    station = _chosen(Station, request.GET.get("station"))
    election = _chosen(Election, request.GET.get("election"))
    purpose = request.GET.get("purpose") if request.GET.get("purpose") in Purpose.values else Purpose.OTHER
    refusal = None
    try:
        services.ensure_may_upload(request.user, purpose, station=station, election=election)
    except PermissionDenied as error:
        refusal = str(error)
    purposes = Purpose.choices
    if request.user.role == User.Role.COORDINATOR:  # coordinators send only answers to complaints
        purposes = [(value, label) for value, label in purposes if value == Purpose.COMPLAINT_ANSWER]
    return render(request, "evidence/upload.html", {
        "station": station, "election": election, "purpose": purpose, "purposes": purposes, "refusal": refusal,
        "uploads": selectors.uploads_of(request.user), "max_photo_mb": services.max_bytes_for("photo") // 2**20,
        "max_video_mb": services.max_bytes_for("video") // 2**20,
    })


@login_required
@require_GET
def my_uploads(request):
    """The "My uploads" list alone, which the upload page reloads after each file."""
    return render(request, "evidence/_uploads.html", {"uploads": selectors.uploads_of(request.user)})


def _stream(key, filename, content_type, as_attachment=False):
    try:
        default_storage.path(key)
    except NotImplementedError:
        # Remote storage (S3): a short-lived signed URL, so the bytes never pass through the app.
        return HttpResponseRedirect(default_storage.url(key))
    response = FileResponse(default_storage.open(key, "rb"), content_type=content_type,
                            as_attachment=as_attachment, filename=filename)
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_GET
def evidence_file(request, pk, which):
    """An evidence file's original (uploader, reviewers, admins) or copy (anyone who sees it)."""
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    original = evidence.original
    if which == "original":
        if not selectors.may_read_original(request.user, evidence):
            raise PermissionDenied
        access_log.record(request, action=access_log.Action.ORIGINAL_DOWNLOADED, subject=evidence.uploaded_by,
                          target=f"evidence {evidence.pk}")
        extension = content.FORMATS[original.format_code].extensions[0]
        return _stream(original.key, f"evidence-{evidence.pk}-{original.sha256[:12]}.{extension}",
                       original.media_type, as_attachment=True)
    key = {"thumbnail": original.thumbnail_key, "web": original.web_key}.get(which)
    if not key:
        raise Http404
    return _stream(key, f"{which}-{evidence.pk}.jpg", "image/jpeg")


@login_required
@require_GET
def station_package(request, station_id):
    """The ZIP of a station's evidence, for reviewers and administrators."""
    get_object_or_404(Station, pk=station_id)
    filename, package = services.station_package(station_id=station_id, user=request.user)
    return FileResponse(package, as_attachment=True, filename=filename, content_type="application/zip")
