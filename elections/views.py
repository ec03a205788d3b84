"""Pages of the registry: the home page and an election's overview."""

from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

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
