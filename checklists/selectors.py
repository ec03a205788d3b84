"""Scoped, set-based reads of the checklists app."""

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from elections.models import Commission, Station
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


def process_counts(checklist, region_ids, *, organisation_id=None):
    """The grouped counts statistics.process_statistics reads, in one SQL statement.

    Each station counts once, by its newest latest submission (several observers may report one
    station). Three groupings over the same CTE, joined by UNION ALL: stations that sent the
    checklist; stations that answered each question; stations that gave each answer. Each by
    region and by "in the current drawn sample".
    """
    regions = sorted(int(pk) for pk in region_ids)
    if not regions:
        return []
    sample = current_sample(checklist.election)
    placeholders = ", ".join(["%s"] * len(regions))
    organisation_filter = "AND s.organisation_id = %s" if organisation_id is not None else ""
    statement = f"""
        WITH latest AS (
            SELECT DISTINCT ON (s.station_id) s.id, s.station_id, c.region_id,
                   (ss.station_id IS NOT NULL) AS sampled
            FROM {_table(Submission)} s
            JOIN {_table(Station)} st ON st.id = s.station_id
            JOIN {_table(Commission)} c ON c.id = st.commission_id
            LEFT JOIN {_table(SampledStation)} ss ON ss.station_id = s.station_id AND ss.sample_id = %s
            WHERE s.checklist_id = %s AND s.is_latest AND c.region_id IN ({placeholders}) {organisation_filter}
            ORDER BY s.station_id, s.submitted_at DESC, s.id DESC),
        answered AS (
            SELECT l.region_id, l.sampled, a.key, a.value, l.station_id
            FROM latest l JOIN {_table(Answer)} a ON a.submission_id = l.id
            WHERE a.key = ANY(%s))
        SELECT region_id, sampled, NULL, NULL, COUNT(*) FROM latest GROUP BY region_id, sampled
        UNION ALL
        SELECT region_id, sampled, key, NULL, COUNT(DISTINCT station_id) FROM answered
        GROUP BY region_id, sampled, key
        UNION ALL
        SELECT region_id, sampled, key, value, COUNT(*) FROM answered GROUP BY region_id, sampled, key, value
    """  # noqa: S608 (table names and placeholders only; every value is a parameter)
    keys = list(categorical_questions(checklist))
    params = [sample.pk if sample else 0, checklist.pk, *regions,
              *([organisation_id] if organisation_id is not None else []), keys]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall()


def categorical_questions(checklist):
    """{key: [answer values]} of the checklist's yes/no and choice questions, newest version's wording first."""
    questions = {}
    for question in Question.objects.filter(version__checklist=checklist, kind__in=Question.CATEGORICAL).order_by(
            "-version__number", "position"):
        questions.setdefault(question.key, question)
    ordered = sorted(questions.values(), key=lambda q: q.position)
    return {q.key: q.options() for q in ordered}


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


def stations_with_answer(checklist, region_ids, key, value, *, organisation_id=None):
    """The stations whose latest answers to the checklist gave `value` to question `key` (drill-down)."""
    submissions = Submission.objects.filter(checklist=checklist, is_latest=True,
                                            station__commission__region_id__in=region_ids)
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
