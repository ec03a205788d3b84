"""Reads scoped by who is asking: the single place that decides who sees which incident.

An observer sees only their own reports; a coordinator their organisation's, in the regions they
coordinate; an administrator everything; anyone else nothing.
"""

import datetime

from django.db.models import Prefetch, Q

from evidence.selectors import evidence_visible_to
from observers.home import Section
from observers.models import User
from observers.services import coordinator_region_ids

from . import deadlines
from .models import Complaint, Incident, IncidentCategory, IncidentEvidence


def categories():
    return IncidentCategory.objects.filter(active=True).order_by("position", "code")


def incidents_for(user):
    queryset = Incident.objects.select_related(
        "category", "station__commission__region", "observer", "organisation", "election")
    if not user.is_authenticated:
        return queryset.none()
    if user.is_platform_admin:
        return queryset
    if user.role == User.Role.COORDINATOR:
        return queryset.filter(organisation_id=user.organisation_id,
                               station__commission__region_id__in=coordinator_region_ids(user))
    if user.role == User.Role.OBSERVER:
        return queryset.filter(observer=user)
    return queryset.none()


def triage_list(user, *, region=None, category=None, severity=None, status=None):
    """The live list: newest first, filtered by what the coordinator picked."""
    queryset = incidents_for(user)
    if region:
        queryset = queryset.filter(station__commission__region_id=region)
    if category:
        queryset = queryset.filter(category_id=category)
    if severity:
        queryset = queryset.filter(severity=severity)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-reported_at", "-id")


def new_in_triage(user, *, after, limit=50, **filters):
    """Incidents of the triage list (same scope, same filters) with an ID above `after`, the last
    one the page has seen, oldest first, so that a burst above `limit` arrives over the next polls
    rather than being skipped: what the open triage page polls. One "id > N ORDER BY id LIMIT n"
    query on the primary key, cheap enough for every open page every few seconds."""
    return triage_list(user, **filters).filter(pk__gt=after).order_by("id")[:limit]


def complaints_for(user):
    if not user.is_authenticated or user.role == User.Role.OBSERVER:
        return Complaint.objects.none()
    return Complaint.objects.filter(incident__in=incidents_for(user).values("pk")).select_related(
        "incident__category", "incident__station__commission__region", "incident__observer", "incident__election",
        "answer_scan__original")


def complaint_register(user, *, today):
    """The register of complaints, newest first, each marked `overdue` as of `today`."""
    complaints = list(complaints_for(user).order_by("-created_at", "-id"))
    for complaint in complaints:
        complaint.overdue = deadlines.is_overdue(complaint.answer_due, complaint.answered_on, today)
    return complaints


def complaint_history(complaint):
    """The changes to a complaint's filing and answer, oldest first, each with `before` and `after`:
    the kept values with their dates and instants as Python objects again, for the page to format."""
    revisions = list(complaint.revisions.select_related("changed_by"))
    for revision in revisions:
        revision.before = _register_values(revision.previous)
        revision.after = _register_values(revision.recorded)
    return revisions


def _register_values(values):
    parsed = dict(values)
    for name, parse in (("filed_at", datetime.datetime.fromisoformat), ("answer_due", datetime.date.fromisoformat),
                        ("answered_on", datetime.date.fromisoformat)):
        if parsed.get(name):
            parsed[name] = parse(parsed[name])
    return parsed


def attachable_evidence(user, purpose, *, attached=(), limit=30):
    """The user's own uploads sent for `purpose` (newest first), plus those already attached, for
    the pickers of the incident and answer forms. Only the user's own files: never a colleague's."""
    own = evidence_visible_to(user).filter(uploaded_by=user)
    latest = list(own.filter(purpose=purpose).values_list("pk", flat=True)[:limit])
    return own.filter(Q(pk__in=latest) | Q(pk__in=list(attached))).order_by("-created_at", "-id")


def incident_evidence(incident, user):
    """The incident's attached files that `user` may see (the evidence app's rule), in attachment order."""
    return (evidence_visible_to(user).filter(incident_attachments__incident=incident)
            .order_by("incident_attachments__attached_at", "incident_attachments__id"))


def visible_attachments(user):
    """Prefetch of `Incident.attachments` limited to the files `user` may see: one query for a page."""
    return Prefetch("attachments", queryset=IncidentEvidence.objects.filter(
        evidence__in=evidence_visible_to(user).values("pk")).select_related("evidence__original").order_by(
        "attached_at", "id"))


HOME_INCIDENTS_SHOWN = 3


def home_incidents_section(user, deployments):
    """"My station" (observers.home): the observer's reports at each deployment, the newest few
    with their category and status, and how many in all. One query for all."""
    by_deployment = {}
    for incident in incidents_for(user).filter(observer=user, deployment__in=[d.pk for d in deployments]).order_by(
            "-reported_at", "-id"):
        card = by_deployment.setdefault(incident.deployment_id, {"total": 0, "latest": []})
        card["total"] += 1
        if len(card["latest"]) < HOME_INCIDENTS_SHOWN:
            card["latest"].append({"id": incident.pk, "category": incident.category.name(),
                                   "status": incident.get_status_display(), "reported_at": incident.reported_at})
    return Section("incidents/home_incidents.html", by_deployment)
