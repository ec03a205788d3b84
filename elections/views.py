"""Pages of the registry: the home page, an election's overview, the health check."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services


def may_request_summary(user):
    return user.is_authenticated and (user.is_staff or user.role in ("coordinator", "admin"))


def home(request):
    return render(request, "home.html", {"elections": selectors.visible_elections()[:20]})


def election_detail(request, slug):
    election = get_object_or_404(selectors.visible_elections(), slug=slug)
    summaries, totals = selectors.election_summary(election)
    language = (get_language() or "en")[:2]
    protocol_lines = [
        {"number": line.number, "code": line.code, "label": line.labels.get(language) or line.labels["en"]}
        for line in selectors.election_lines(election)
    ]
    return render(
        request,
        "elections/election_detail.html",
        {
            "election": election,
            "summaries": summaries,
            "totals": totals,
            "protocol_lines": protocol_lines,
            "relations": election.template.relations.all(),
            "may_request_summary": may_request_summary(request.user),
        },
    )


@require_POST
def request_summary(request, slug):
    if not may_request_summary(request.user):
        raise PermissionDenied
    election = get_object_or_404(selectors.visible_elections(), slug=slug)
    services.request_summary_refresh(election=election)
    messages.success(request, _("A worker will recompute the summaries in a moment. Reload the page to see them."))
    return redirect("elections:detail", slug=election.slug)


@require_GET
def healthz(request):
    """For load balancers and container health checks: the database must answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
