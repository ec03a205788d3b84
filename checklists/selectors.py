"""Scoped, set-based reads of the checklists app."""

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from elections.models import Station
from observers.home import Section
from observers.services import coordinator_region_ids

from .models import Answer, Checklist, Message, MessageRecipient, Question, QuickCountSample, SampledStation, Submission

HOME_MESSAGES_SHOWN = 5


def checklists_for_deployment(deployment):
    """The checklists an observer's deployment offers: the election's, of their organisation or of all."""
    return Checklist.objects.filter(election_id=deployment.election_id).filter(
        Q(organisation__isnull=True) | Q(organisation_id=deployment.organisation_id)).order_by("position", "code")


def checklists_in_scope(user, election):
    """The checklists a coordinator (their organisation's and the shared ones) or an administrator sees."""
    checklists = Checklist.objects.filter(election=election)
    if user.is_platform_admin or user.role == "reviewer":
        return checklists
    return checklists.filter(Q(organisation__isnull=True) | Q(organisation_id=user.organisation_id))


def current_sample(election):
    return QuickCountSample.objects.filter(election=election, is_current=True).first()


def sampled_stations(election):
    """The current drawn sample's stations (a queryset of station IDs), or None without a drawn sample."""
    sample = current_sample(election)
    if sample is None:
        return None
    return SampledStation.objects.filter(sample=sample).values("station_id")


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _marks(values):
    """The placeholders of an IN list (a checklist has tens of questions at most): PostgreSQL's
    = ANY(array) does not exist in SQLite, the embedded database of `make run`."""
    return ", ".join(["%s"] * len(values))


def process_counts(checklist, region_ids, *, organisation_id=None, by_district=False):
    """The grouped counts statistics.process_statistics reads, in one SQL statement.

    `by_district`: grouped by the station's district (territorial commission) instead of the
    region, for a region's breakdown: the first column is then the commission's ID.

    Each station counts once, by its newest latest submission (several observers may report one
    station): an anti-join drops a latest submission when the same station has a newer one; the
    region is the one the submission recorded (no join of stations and commissions). One
    GROUP BY of the answers by (region, in the current drawn sample, question, answer), the
    stations that sent the checklist appended by UNION ALL, and, only when the checklist has
    multiple-choice questions, the stations that answered each of them at all (a station may tick
    several answers there; for the other questions that count is the sum of their answers').
    Written so that PostgreSQL hashes the stations side and scans the answers once, in parallel:
    bench/checklists.py measures it against a bare aggregate of the same answers.
    """
    regions = sorted(int(pk) for pk in region_ids)
    if not regions:
        return []
    sample = current_sample(checklist.election)
    kinds = dict(Question.objects.filter(version__checklist=checklist).values_list("id", "kind"))
    other_ids = [pk for pk, kind in kinds.items() if kind not in Question.CATEGORICAL]
    multiple_ids = [pk for pk, kind in kinds.items() if kind == Question.Kind.MULTIPLE]
    placeholders = ", ".join(["%s"] * len(regions))
    # In an organisation's scope, its own newest report of each station (another NGO's newer one aside).
    organisation_filter = "AND s.organisation_id = %s" if organisation_id is not None else ""
    same_organisation = "AND n.organisation_id = s.organisation_id" if organisation_id is not None else ""
    # A region's districts need the station's commission: one join more, on that region's rows only.
    group = "st.commission_id" if by_district else "s.region_id"
    district_join = f"JOIN {_table(Station)} st ON st.id = s.station_id" if by_district else ""
    stations = f"""
        ({_table(Submission)} s
        LEFT JOIN {_table(SampledStation)} ss ON ss.station_id = s.station_id AND ss.sample_id = %s
        {district_join})"""
    newest = f"""s.checklist_id = %s AND s.is_latest AND s.region_id IN ({placeholders}) {organisation_filter}
        AND NOT EXISTS (SELECT 1 FROM {_table(Submission)} n WHERE n.checklist_id = s.checklist_id
                        AND n.station_id = s.station_id AND n.is_latest {same_organisation}
                        AND (n.submitted_at, n.id) > (s.submitted_at, s.id))"""  # noqa: S608
    scope = [sample.pk if sample else 0, checklist.pk, *regions,
             *([organisation_id] if organisation_id is not None else [])]
    statement = f"""
        SELECT {group}, ss.station_id IS NOT NULL, a.key, a.value, COUNT(*)
        FROM {_table(Answer)} a JOIN {stations} ON s.id = a.submission_id
        WHERE {newest} {f"AND a.question_id NOT IN ({_marks(other_ids)})" if other_ids else ""}
        GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT {group}, ss.station_id IS NOT NULL, NULL, NULL, COUNT(*) FROM {stations}
        WHERE {newest} GROUP BY 1, 2"""  # noqa: S608 (table names and placeholders only; values are parameters)
    params = [*scope, *other_ids, *scope]
    if multiple_ids:
        statement += f"""
        UNION ALL
        SELECT {group}, ss.station_id IS NOT NULL, a.key, NULL, COUNT(DISTINCT s.id)
        FROM {_table(Answer)} a JOIN {stations} ON s.id = a.submission_id
        WHERE {newest} AND a.question_id IN ({_marks(multiple_ids)})
        GROUP BY 1, 2, 3"""  # noqa: S608
        params += [*scope, *multiple_ids]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def categorical_questions(checklist, *, with_kinds=False):
    """{key: [answer values]} ({key: (kind, [values])} `with_kinds`) of the checklist's yes/no and
    choice questions, as the newest version has them."""
    questions = {}
    for question in Question.objects.filter(version__checklist=checklist, kind__in=Question.CATEGORICAL).order_by(
            "-version__number", "position"):
        questions.setdefault(question.key, question)
    ordered = sorted(questions.values(), key=lambda q: q.position)
    return {q.key: (q.kind, q.options()) if with_kinds else q.options() for q in ordered}


def question_labels(checklist):
    labels = {}
    for question in Question.objects.filter(version__checklist=checklist).order_by("-version__number", "position"):
        labels.setdefault(question.key, question)
    return labels


def sample_population(election, region_ids):
    """{stratum: stations} of the current drawn sample's strata within `region_ids` (None: no sample)."""
    sample = current_sample(election)
    if sample is None:
        return None
    wanted = {str(pk) for pk in region_ids}
    return {item["key"]: item["stations"] for item in sample.strata if item["key"] in wanted}


def stations_with_answer(checklist, region_ids, key, value, *, organisation_id=None, commission_id=None):
    """The stations whose latest answers to the checklist gave `value` to question `key` (drill-down),
    of one district (`commission_id`) when given."""
    submissions = Submission.objects.filter(checklist=checklist, is_latest=True,
                                            station__commission__region_id__in=region_ids)
    if commission_id is not None:
        submissions = submissions.filter(station__commission_id=commission_id)
    if organisation_id is not None:
        submissions = submissions.filter(organisation_id=organisation_id)
    with_answer = submissions.filter(answers__key=key, answers__value=value)
    return Station.objects.filter(Exists(with_answer.filter(station=OuterRef("pk")))).select_related(
        "commission__region").order_by("commission__region__name", "commission__name", "code")


def scope_of(user):
    """(region IDs, organisation ID or None) a user's statistics and exports are limited to."""
    if user.is_platform_admin or user.role == "reviewer":
        return None, None
    return coordinator_region_ids(user), user.organisation_id


def home_section(user, deployments):
    """"My station": the deployment's checklists (answered or not) and the unread messages. Two queries."""
    ids = [d.pk for d in deployments]
    answered = set(Submission.objects.filter(deployment_id__in=ids, is_latest=True).values_list(
        "deployment_id", "checklist_id"))
    checklists = list(Checklist.objects.filter(election_id__in={d.election_id for d in deployments}).filter(
        Q(organisation__isnull=True) | Q(organisation_id__in={d.organisation_id for d in deployments})).order_by(
        "position", "code"))
    messages = list(MessageRecipient.objects.filter(observer=user).select_related("message").order_by(
        "-message__sent_at")[:50])
    by_deployment = {}
    for deployment in deployments:
        by_deployment[deployment.pk] = {
            "checklists": [{"id": c.pk, "title": c.title(), "answered": (deployment.pk, c.pk) in answered}
                           for c in checklists if c.election_id == deployment.election_id
                           and c.organisation_id in (None, deployment.organisation_id)],
            "messages": [{"id": r.message_id, "body": r.message.body, "sent_at": r.message.sent_at,
                          "read": r.read_at is not None} for r in messages
                         if r.message.election_id == deployment.election_id][:HOME_MESSAGES_SHOWN],
        }
    return Section("checklists/home_section.html", by_deployment)


def messages_sent(user, election):
    return Message.objects.filter(election=election, sender__organisation_id=user.organisation_id).annotate(
        recipients_count=Count("recipients"),
        read_count=Count("recipients", filter=Q(recipients__read_at__isnull=False)))
