from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from classes.models import Category, Partner, Venue


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


def local_government_check_digit(first_five):
    """Check digit of a 全国地方公共団体コード: 11 − (Σ digit × weight 6..2 mod 11), last digit."""
    total = sum(int(d) * w for d, w in zip(first_five, (6, 5, 4, 3, 2), strict=True))
    return (11 - total % 11) % 10


def validate_local_government_code(value):
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        raise ValidationError(_("Enter the 6-digit local government code, e.g. 452068."))
    if local_government_check_digit(value[:5]) != int(value[5]):
        raise ValidationError(
            _("The last digit of %(code)s is not its check digit. Please check the code."),
            params={"code": value},
        )


class Plan(models.Model):
    """A municipality's DX plan: the span of fiscal years its targets run over."""

    name = models.CharField(_("name"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=100)
    municipality_code = models.CharField(
        _("local government code"),
        max_length=6,
        blank=True,
        validators=[validate_local_government_code],
        help_text=_("全国地方公共団体コード, 6 digits with the check digit (日向市: 452068)."),
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
    """One number a plan follows: a metric, restricted to some categories, venues, partners."""

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
