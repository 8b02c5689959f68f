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


class Plan(models.Model):
    """A municipality's DX plan: the span of fiscal years its targets run over."""

    name = models.CharField(_("name"), max_length=200)
    municipality = models.CharField(_("municipality"), max_length=100)
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
