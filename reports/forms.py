"""Forms the DX office edits plans, indicators and targets with, and the export request."""

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.models import Category, Partner, Venue
from config.forms import EARLIEST_DAY, LATEST_DAY, ModelMultipleChoiceField
from consultations.models import Topic
from reports.fiscal import fiscal_year_label
from reports.models import CONSULTATION_METRICS, ExportFormat, Indicator, Plan, Target

FIRST_FISCAL_YEAR = 2015
LAST_FISCAL_YEAR = 2040


def _fy_choices():
    return [(fy, fiscal_year_label(fy)) for fy in range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1)]


class PlanForm(forms.ModelForm):
    start_fy = forms.TypedChoiceField(label=_("first fiscal year"), coerce=int, choices=_fy_choices)
    end_fy = forms.TypedChoiceField(label=_("last fiscal year"), coerce=int, choices=_fy_choices)

    class Meta:
        model = Plan
        fields = ["name", "municipality", "municipality_code", "contact", "start_fy", "end_fy"]


class IndicatorForm(forms.ModelForm):
    categories = forms.MultipleChoiceField(
        label=_("course categories"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to count every category."),
    )
    venues = ModelMultipleChoiceField(
        label=_("venues"),
        queryset=Venue.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to count every venue."),
    )
    partners = ModelMultipleChoiceField(
        label=_("partner organisations"),
        queryset=Partner.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to count every partner."),
    )

    topics = ModelMultipleChoiceField(
        label=_("consultation topics"),
        queryset=Topic.objects.order_by("position", "pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For the consultation metrics only. Leave empty to count every topic."),
    )

    class Meta:
        model = Indicator
        fields = ["name", "metric", "categories", "venues", "partners", "topics", "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The plan counts only its municipality's venues: offer no other.
        plan = self.instance.plan
        self.fields["venues"].queryset = Venue.objects.filter(
            municipality_code=plan.municipality_code
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("topics") and cleaned.get("metric") not in CONSULTATION_METRICS:
            self.add_error(
                "topics",
                _(
                    "Topics can be chosen only for the consultation metrics; clear them or "
                    "choose a consultation metric."
                ),
            )
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["value", "target_date", "baseline_value", "baseline_date"]
        widgets = {"target_date": DateInput(), "baseline_date": DateInput()}
        error_messages = {
            "target_date": {"invalid": _("Enter a date such as 2026-03-31.")},
            "baseline_date": {"invalid": _("Enter a date such as 2021-04-01.")},
        }


class ExportForm(forms.Form):
    format = forms.ChoiceField(label=_("format"), choices=ExportFormat.choices)
    fy = forms.IntegerField(
        label=_("fiscal year"),
        widget=forms.HiddenInput,
        min_value=EARLIEST_DAY.year,
        max_value=LATEST_DAY.year,
    )
