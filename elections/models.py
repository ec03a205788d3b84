"""The registry everything hangs on: elections, the territory, contestants, protocol templates.

The territory (region -> commission -> station) belongs to a country, not to one election, so an
NGO's regions, a coordinator's scope and an observer's station survive from one election to the
next. A protocol template is data, editable in the admin: its lines and its control relations.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from config.limits import NOTES

from . import relations


class Country(models.TextChoices):
    KAZAKHSTAN = "KZ", _("Kazakhstan")
    RUSSIA = "RU", _("Russia")


class TranslatedLabel:
    """Mixin for rows that carry a label in each of the interface languages."""

    def label(self, language=None):
        language = (language or get_language() or "en")[:2]
        return getattr(self, f"label_{language}", "") or self.label_en or self.label_ru


class ProtocolTemplate(models.Model):
    """The form of a precinct results protocol: which lines it has and how they must add up."""

    class ContestantNumbering(models.TextChoices):
        # Kazakhstan numbers vote lines 8.1, 8.2...; Russia continues the line numbers 13, 14...
        SUBLINES = "sublines", _("Sub-lines (8.1, 8.2, ...)")
        SEQUENTIAL = "sequential", _("Sequential (13, 14, ...)")

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    contestant_numbering = models.CharField(
        _("contestant line numbering"),
        max_length=12,
        choices=ContestantNumbering.choices,
        default=ContestantNumbering.SUBLINES,
    )
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES)

    class Meta:
        verbose_name = _("protocol template")
        verbose_name_plural = _("protocol templates")
        ordering = ["country", "name"]

    def __str__(self):
        return self.name


class ProtocolLine(TranslatedLabel, models.Model):
    """One numbered line of the protocol.

    A `votes` line stands for one line per contestant: the election's contestants expand it into
    codes `<code>.<ballot number>` (L8.1, L8.2...), which relations address as `sum(L8.*)`.
    """

    class Kind(models.TextChoices):
        COUNT = "count", _("Count")
        VOTES = "votes", _("Votes for each contestant")

    template = models.ForeignKey(ProtocolTemplate, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.CharField(
        _("code"),
        max_length=10,
        help_text=_("Used in control relations, for example L1 or L13."),
    )
    number = models.CharField(_("number on the form"), max_length=10)
    class Category(models.TextChoices):
        # How much a difference on the line matters when an observer's copy meets the official one.
        REGISTERED = "registered", _("Voters on the list")
        ISSUED = "issued", _("Ballots issued (turnout)")
        CAST = "cast", _("Ballots found in the boxes")
        INVALID = "invalid", _("Invalid ballots")
        VALID = "valid", _("Valid ballots")
        VOTES = "votes", _("Votes for a contestant")
        AGAINST_ALL = "against_all", _("Votes against all")
        BOOKKEEPING = "bookkeeping", _("Bookkeeping (received, cancelled, spoiled, lost)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COUNT)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, default=Category.BOOKKEEPING)
    label_kk = models.CharField(_("label (Kazakh)"), max_length=300)
    label_ru = models.CharField(_("label (Russian)"), max_length=300)
    label_en = models.CharField(_("label (English)"), max_length=300)

    class Meta:
        verbose_name = _("protocol line")
        verbose_name_plural = _("protocol lines")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="protocol_line_code_unique"),
            models.UniqueConstraint(fields=["template", "position"], name="protocol_line_position_unique"),
        ]

    def __str__(self):
        return f"{self.number}. {self.label()}"

    def clean(self):
        try:
            relations.parse_relation(f"{self.code} == 0")
        except relations.RelationError:
            raise ValidationError(
                {"code": _("A line code is the letter L and a number, for example L7.")}
            ) from None
        if "." in self.code:
            raise ValidationError({"code": _("A line code cannot contain a dot; vote lines get one per contestant.")})


class ControlRelation(TranslatedLabel, models.Model):
    """A rule the protocol's figures must satisfy, for example `L2 == L3 + L5 + L6`."""

    class Kind(models.TextChoices):
        # Arithmetic: the law's balance equations. Logical: "more ballots found than issued".
        ARITHMETIC = "arithmetic", _("Arithmetic (balance)")
        LOGICAL = "logical", _("Logical (more found than issued)")

    template = models.ForeignKey(ProtocolTemplate, on_delete=models.CASCADE, related_name="relations")
    position = models.PositiveSmallIntegerField(_("position"))
    expression = models.CharField(
        _("expression"),
        max_length=500,
        help_text=_("Line codes, whole numbers, + and -, sum(L8.*) and one comparison."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ARITHMETIC)
    tolerance = models.PositiveIntegerField(
        _("tolerance"), default=0, help_text=_("A difference up to this many is not flagged.")
    )
    label_kk = models.CharField(_("explanation (Kazakh)"), max_length=300, blank=True)
    label_ru = models.CharField(_("explanation (Russian)"), max_length=300, blank=True)
    label_en = models.CharField(_("explanation (English)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("control relation")
        verbose_name_plural = _("control relations")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "expression"], name="control_relation_unique"),
        ]

    def __str__(self):
        return self.expression

    def parsed(self):
        return relations.parse_relation(self.expression)

    def clean(self):
        try:
            relation = self.parsed()
            if self.template_id:
                relations.check_references(relation, _known_codes(self.template))
        except relations.RelationError as error:
            raise ValidationError({"expression": str(error)}) from None


def _known_codes(template):
    """Codes a relation may address: count lines as they are, vote lines as `Lx.<n>` patterns."""
    codes = []
    for code, kind in template.lines.values_list("code", "kind"):
        codes.append(f"{code}.1" if kind == ProtocolLine.Kind.VOTES else code)
    return codes


class Election(models.Model):
    class Kind(models.TextChoices):
        LIST_PR = "list_pr", _("Party lists (proportional)")
        FPTP = "fptp", _("Single-member districts (first past the post)")
        TWO_ROUND = "two_round", _("Two-round majority")
        REFERENDUM = "referendum", _("Referendum")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        ONGOING = "ongoing", _("Voting and counting")
        TABULATION = "tabulation", _("Tabulation")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    date = models.DateField(_("election day"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    template = models.ForeignKey(
        ProtocolTemplate, on_delete=models.PROTECT, related_name="elections", verbose_name=_("protocol template")
    )
    share_change_alert = models.DecimalField(
        _("critical change of a share (percentage points)"), max_digits=5, decimal_places=2, default=1,
        help_text=_("A difference between an observer's copy and the official protocol that moves turnout or the "
                    "leader's share by more than this is critical."),
    )
    results_deadline = models.DateTimeField(
        _("official results due by"), null=True, blank=True,
        help_text=_("After this, a covered station without official results is flagged."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True,
        help_text=_("Where the election's times are read, e.g. Asia/Almaty or Europe/Moscow; empty: the site's."),
    )
    public_transparency = models.BooleanField(
        _("public transparency page"), default=False,
        help_text=_("Anyone, signed in or not, may see per-station official figures beside the observers' confirmed "
                    "figures and the protocol photos chosen for publication. Never shows who observed."),
    )
    class ThresholdBase(models.TextChoices):
        LIST_VOTES = "list_votes", _("Valid votes for the lists")
        CAST = "cast", _("All ballots cast")
        LISTS_AND_AGAINST_ALL = "lists_against_all", _("Votes for the lists plus votes against all (Kazakhstan's CEC)")

    class TieBreak(models.TextChoices):
        MORE_VOTES = "more_votes", _("The list with more votes, then a lot")
        BALLOT_ORDER = "ballot_order", _("The list registered earlier (ballot order)")

    seat_threshold_base = models.CharField(
        _("threshold base"), max_length=20, choices=ThresholdBase.choices, default=ThresholdBase.LIST_VOTES,
        help_text=_("What the seat threshold is a share of."))
    seat_tie_break = models.CharField(
        _("equal remainders or averages"), max_length=20, choices=TieBreak.choices, default=TieBreak.MORE_VOTES,
        help_text=_("Which list wins a seat when two are tied."))
    retention_days = models.PositiveIntegerField(
        _("keep observers' personal data (days after closing)"), null=True, blank=True,
        help_text=_("Once the election has been closed this many days, the personal data of its observers (name, "
                    "phone, e-mail, document photo, device data) is erased; their figures and evidence stay under "
                    "a pseudonym. Empty: kept until an administrator erases it."))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True,
                                     help_text=_("Set when the status becomes closed."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        ordering = ["-date", "name"]

    def __str__(self):
        return f"{self.name} ({self.date:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        # The retention period counts from the closing: remembered once, forgotten on reopening.
        if self.status == self.Status.CLOSED and self.closed_at is None:
            self.closed_at = timezone.now()
        elif self.status != self.Status.CLOSED:
            self.closed_at = None
        if kwargs.get("update_fields") is not None and "status" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "closed_at"}
        super().save(*args, **kwargs)

    def clean(self):
        if self.time_zone and self.time_zone not in zoneinfo.available_timezones():
            raise ValidationError({"time_zone": _("Unknown time zone: give one such as Asia/Almaty.")})
        if self.template_id and self.template.country != self.country:
            raise ValidationError({"template": _("The protocol template is for another country.")})


class Contestant(models.Model):
    """A party, a candidate, or a referendum answer, as printed on the ballot."""

    class Kind(models.TextChoices):
        PARTY = "party", _("Party")
        CANDIDATE = "candidate", _("Candidate")
        OPTION = "option", _("Referendum answer")

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contestants")
    ballot_number = models.PositiveSmallIntegerField(_("ballot number"))
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("contestant")
        verbose_name_plural = _("contestants")
        ordering = ["election", "ballot_number"]
        constraints = [
            models.UniqueConstraint(fields=["election", "ballot_number"], name="contestant_ballot_number_unique"),
            models.CheckConstraint(condition=Q(ballot_number__gte=1), name="contestant_ballot_number_positive"),
        ]

    def __str__(self):
        return f"{self.ballot_number}. {self.name}"


class Region(models.Model):
    """A first-level unit: an oblast, a city of republican significance, a federal subject."""

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    code = models.CharField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["country", "name"]
        constraints = [models.UniqueConstraint(fields=["country", "code"], name="region_code_unique")]

    def __str__(self):
        return self.name


class Commission(models.Model):
    """A district or territorial election commission: it tabulates its stations' protocols."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="commissions")
    code = models.CharField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("territorial commission")
        verbose_name_plural = _("territorial commissions")
        ordering = ["region", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "code"], name="commission_code_unique")]

    def __str__(self):
        return self.name


class Station(models.Model):
    """A polling station and its precinct commission."""

    # No index of its own: the unique (commission, code) index serves every look-up by commission,
    # and one index less is one less to update for each of 100,000 stations created by an import.
    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="stations", db_index=False)
    code = models.CharField(_("number"), max_length=40)
    name = models.CharField(_("name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    registered_voters = models.PositiveIntegerField(_("registered voters"), default=0)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Kind(models.TextChoices):
        # A counting unit with no precinct number (remote e-voting counted per district, say): its
        # code is the source's label, unique within its commission.
        PRECINCT = "precinct", _("Polling station (precinct)")
        COMMISSION_UNIT = "commission_unit", _("Counting unit of a commission (no station number)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRECINCT)

    class Meta:
        verbose_name = _("polling station")
        verbose_name_plural = _("polling stations")
        ordering = ["commission", "code"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "code"], name="station_code_unique"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="station_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="station_longitude_range",
            ),
        ]

    def __str__(self):
        return _("Station %(code)s") % {"code": self.code}



class ElectionStation(models.Model):
    """A station takes part in an election: recorded by the station list or an official import.

    Coverage, the map, the quick count's population, forensics, exports and the public page count
    the election's stations, not every station of the country (elections.selectors.election_stations).
    `official_blank`: the latest official publication listed the station with every figure empty
    (its results were not published).
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="station_memberships",
                                 db_index=False)
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="election_memberships")
    official_blank = models.BooleanField(_("results not published"), default=False)

    class Meta:
        verbose_name = _("station of an election")
        verbose_name_plural = _("stations of elections")
        constraints = [models.UniqueConstraint(fields=["election", "station"], name="election_station_unique")]

    def __str__(self):
        return f"{self.election_id} / {self.station_id}"


class TerritoryAlias(models.Model):
    """Another spelling of a region's or a commission's name, as a publication writes it ("1 Адыгейская"
    for "Адыгейская"): the importer reads it as the canonical name. Editable in the admin; the
    importer adds the spellings it matched."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        COMMISSION = "commission", _("Commission")

    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    region_code = models.CharField(_("region code"), max_length=100, blank=True,
                                   help_text=_("For a commission: the code of its region."))
    alias = models.CharField(_("spelling in a publication"), max_length=200)
    canonical = models.CharField(_("code it stands for"), max_length=100)

    class Meta:
        verbose_name = _("name alias")
        verbose_name_plural = _("name aliases")
        ordering = ["country", "kind", "alias"]
        constraints = [models.UniqueConstraint(fields=["country", "kind", "region_code", "alias"],
                                               name="territory_alias_unique")]

    def __str__(self):
        return f"{self.alias} → {self.canonical}"


class StationAlias(models.Model):
    """A station's number as a publication spelled it ("УИК №1" for station 1), kept for the record."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="aliases", db_index=False)
    alias = models.CharField(_("spelling in a publication"), max_length=200)

    class Meta:
        verbose_name = _("station alias")
        verbose_name_plural = _("station aliases")
        constraints = [models.UniqueConstraint(fields=["station", "alias"], name="station_alias_unique")]

    def __str__(self):
        return self.alias
