from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from classes.models import (  # noqa: F401 - the validator is reports.models' in migration 0002
    Category,
    Partner,
    Venue,
    local_government_check_digit,
    validate_local_government_code,
)


class Metric(models.TextChoices):
    """The numbers an indicator can follow; each is computed once, in reports.metrics."""

    ATTENDANCES = "attendances", _("Attendances (total check-ins)")
    UNIQUE_PARTICIPANTS = "unique_participants", _("Unique participants")
    CUMULATIVE_UNIQUE = "cumulative_unique", _("Unique participants since the plan began")
    NEW_PARTICIPANTS = "new_participants", _("New participants (first attendance ever)")
    SESSIONS_HELD = "sessions_held", _("Sessions held")
    BOOKINGS = "bookings", _("Bookings")
    NO_SHOW_RATE = "no_show_rate", _("No-show rate (%)")
    SEATS_FILLED = "seats_filled", _("Seats filled (%)")
    VOLUNTEER_ATTENDANCES = "volunteer_attendances", _("Volunteer attendances (shifts worked)")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours")
    SATISFACTION = "satisfaction", _("Survey satisfaction (%)")
    CONSULTATIONS = "consultations", _("Consultations (one-to-one help sessions recorded)")
    CONSULTATIONS_RESOLVED = "consultations_resolved", _("Consultations resolved")


CONSULTATION_METRICS = (Metric.CONSULTATIONS, Metric.CONSULTATIONS_RESOLVED)


class Plan(models.Model):
    """A municipality's DX plan: the span of fiscal years its targets run over.

    A plan owns its municipality's data: it counts and publishes only the sessions held at
    venues with its `municipality_code` (a plan without a code, only venues without one), so
    two municipalities' plans in one installation never mix (reports.metrics.MetricFilter).
    """

    name = models.CharField(_("name"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=100)
    municipality_code = models.CharField(
        _("local government code"),
        max_length=6,
        blank=True,
        validators=[validate_local_government_code],
        help_text=_("全国地方公共団体コード, 6 digits with the check digit (日向市: 452068)."),
    )
    contact = models.CharField(
        _("contact for the public"),
        max_length=100,
        blank=True,
        help_text=_(
            "Published with the open data, e.g. 0982-52-2111（日向市 DX推進課）. "
            "Empty: the site's CONTACT_PHONE."
        ),
    )
    start_fy = models.PositiveSmallIntegerField(_("first fiscal year"))
    end_fy = models.PositiveSmallIntegerField(_("last fiscal year"))

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-start_fy", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_fy__gte=F("start_fy")), name="plan_years_in_order"
            ),
        ]

    def __str__(self):
        return f"{self.municipality} {self.name}"

    def clean(self):
        if self.start_fy and self.end_fy and self.end_fy < self.start_fy:
            raise ValidationError(
                {"end_fy": _("The last fiscal year cannot be before the first fiscal year.")}
            )

    @property
    def fiscal_years(self) -> range:
        return range(self.start_fy, self.end_fy + 1)


def _validate_categories(value):
    if not isinstance(value, list):
        raise ValidationError(_("Choose course categories from the list."))
    unknown = [item for item in value if item not in Category.values]
    if unknown:
        raise ValidationError(
            _("Unknown course category: %(names)s"), params={"names": ", ".join(map(str, unknown))}
        )


class Indicator(models.Model):
    """One number a plan follows: a metric, restricted to some categories, venues, partners
    (and, for the consultation metrics, topics)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators"
    )
    name = models.CharField(_("name"), max_length=200)
    metric = models.CharField(_("metric"), max_length=24, choices=Metric.choices)
    categories = models.JSONField(
        _("course categories"),
        default=list,
        blank=True,
        validators=[_validate_categories],
        help_text=_("Leave empty to count every category."),
    )
    venues = models.ManyToManyField(
        Venue,
        verbose_name=_("venues"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to count every venue."),
    )
    partners = models.ManyToManyField(
        Partner,
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="+",
        help_text=_("Leave empty to count every partner."),
    )
    # Consultation metrics only: records about any of these topics (e.g. マイナンバーカード).
    topics = models.ManyToManyField(
        "consultations.Topic",
        verbose_name=_("consultation topics"),
        blank=True,
        related_name="+",
        help_text=_("For the consultation metrics only. Leave empty to count every topic."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "order", "pk"]

    def __str__(self):
        return self.name


class Target(models.Model):
    """Where an indicator should be by a date, starting from a baseline."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    value = models.DecimalField(_("target value"), max_digits=12, decimal_places=2)
    target_date = models.DateField(_("target date"))
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=12, decimal_places=2, default=0
    )
    baseline_date = models.DateField(_("baseline date"))

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "target_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_date__gt=F("baseline_date")), name="target_after_baseline"
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.value} ({self.target_date})"

    def clean(self):
        if self.target_date and self.baseline_date and self.target_date <= self.baseline_date:
            raise ValidationError(
                {"target_date": _("The target date must be after the baseline date.")}
            )
        if self.value is not None and self.value < 0:
            raise ValidationError({"value": _("The target cannot be negative.")})
        if self.baseline_value is not None and self.baseline_value < 0:
            raise ValidationError({"baseline_value": _("The baseline cannot be negative.")})


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (Excel)")
    XLSX = "xlsx", _("Excel workbook (xlsx)")
    PDF = "pdf", _("PDF report for council")


class Export(models.Model):
    """A report file prepared in the background (django-q2); the file is kept in the row."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being prepared")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="exports"
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    format = models.CharField(_("format"), max_length=4, choices=ExportFormat.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    content = models.BinaryField(_("file"), blank=True, default=b"")
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_max"),
        ]

    def __str__(self):
        return f"{self.plan} {self.fiscal_year} {self.format}"


# --- the rollup of the attendance metrics (reports/rollup.py) ---------------------------------


class RollupIndicator(models.Model):
    """An indicator whose rollup is built, and the definition it was built for: when the
    indicator's filter or its plan's start or municipality change, the rows no longer count
    what the indicator says, and the dashboard reads the check-ins until it is built again."""

    indicator = models.OneToOneField(
        Indicator, on_delete=models.CASCADE, primary_key=True, related_name="rollup"
    )
    definition = models.JSONField()
    built_at = models.DateTimeField()

    def __str__(self):
        return f"{self.indicator} ({self.built_at:%Y-%m-%d %H:%M})"


class RollupAttendee(models.Model):
    """How many times a resident attended sessions of an indicator on one day (the session's
    Tokyo date), from the plan's first day. What the day counts were derived from, kept so that
    a change to one resident's check-ins changes the day counts by exactly its difference."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # Not a foreign key: a merge moves every row that points at the record merged away, and
    # this row must instead be derived again from the check-ins the merge moved.
    resident_id = models.BigIntegerField()
    day = models.DateField(_("day of the session"))
    attendances = models.PositiveIntegerField(_("attendances"))

    class Meta:
        verbose_name = _("attendance count for the KPIs")
        verbose_name_plural = _("attendance counts for the KPIs")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "resident_id", "day"], name="rollup_attendee_unique"
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.resident_id} {self.day}: {self.attendances}"


class RollupSession(models.Model):
    """A held session an indicator counts (開催回数), on its Tokyo date: what the day counts of
    sessions were derived from, as RollupAttendee is for attendances."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    session_id = models.BigIntegerField()
    day = models.DateField(_("day of the session"))

    class Meta:
        verbose_name = _("session held, counted for the KPIs")
        verbose_name_plural = _("sessions held, counted for the KPIs")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "session_id"], name="rollup_session_unique"
            ),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.session_id} {self.day}"


class RollupDay(models.Model):
    """An indicator's counts on one day: attendances, residents whose first attendance since
    the plan's start was that day, and residents whose first attendance in that day's fiscal
    year was that day. Summed over days they give 延べ, 累計実 and 当年度実 for any period."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    attendances = models.PositiveIntegerField(default=0)
    newcomers = models.PositiveIntegerField(default=0)
    year_newcomers = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)  # held, for a sessions_held indicator

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["indicator", "day"], name="rollup_day_unique"),
        ]

    def __str__(self):
        return f"{self.indicator_id} {self.day}: {self.attendances}/{self.newcomers}"
