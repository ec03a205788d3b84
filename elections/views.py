"""Pages of the registry: the home page, an election's overview, the health check."""

from django.db import connection
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from . import selectors


def home(request):
    return render(request, "home.html", {"elections": selectors.visible_elections()[:20]})


def election_detail(request, slug):
    election = get_object_or_404(selectors.visible_elections(), slug=slug)
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
            "protocol_lines": protocol_lines,
            "relations": election.template.relations.all(),
        },
    )


@require_GET
def healthz(request):
    """For load balancers and container health checks: the database must answer."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
